import type { SplitSizes as Sizes } from '../../contract/protocol';

/** How the documents will be split (seeded, over whole documents: the privacy units). */
export function SplitSizes({ split }: { split: Sizes }) {
  return (
    <p className="split-sizes" data-testid="split-sizes">
      Split by document: <strong data-testid="split-train">{split.train.toLocaleString('en-US')}</strong> for
      training (private, under DP),{' '}
      <strong data-testid="split-validation">{split.validation.toLocaleString('en-US')}</strong> validation,{' '}
      <strong data-testid="split-test">{split.test.toLocaleString('en-US')}</strong> test (held out for the
      perplexity in the results).
    </p>
  );
}
