import type { SplitSizes as Sizes } from '../../contract/protocol';

/**
 * How the documents will be split: each whole document (a privacy unit) by itself, by a keyed hash
 * of its content, so the sizes are about 80/10/10% and adding a document moves no other one.
 */
export function SplitSizes({ split }: { split: Sizes }) {
  return (
    <p className="split-sizes" data-testid="split-sizes">
      Split by document (each by a keyed hash of its content):{' '}
      <strong data-testid="split-train">{split.train.toLocaleString('en-US')}</strong> for training (covered
      by the DP guarantee),{' '}
      <strong data-testid="split-validation">{split.validation.toLocaleString('en-US')}</strong> validation,{' '}
      <strong data-testid="split-test">{split.test.toLocaleString('en-US')}</strong> test (held out: used only
      for evaluation on this device, never released).
    </p>
  );
}
