import type { ResultRow } from '../../contract/protocol';

/**
 * How much the DP teacher's synthetic text looks like the held-out text (from the rows of the
 * students that learned from it): the distribution distance and, with control codes, how often a
 * sample reads like its own code. Local numbers, like the test perplexity.
 */
export function SyntheticFidelityNote({ rows }: { rows: ResultRow[] }) {
  const f = rows.find((r) => r.synthetic_fidelity)?.synthetic_fidelity;
  if (!f) return null;
  const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
  return (
    <p className="hint" data-testid="synthetic-fidelity">
      Synthetic text vs the test documents: Jensen–Shannon divergence of byte 3-grams{' '}
      <span data-testid="fidelity-js">{f.js_divergence.toFixed(3)}</span> (0 = same distribution; real
      training text of the same size: {f.js_divergence_real.toFixed(3)}).
      {f.control_code_fidelity !== undefined && (
        <>
          {' '}
          Samples that read like their control code:{' '}
          <span data-testid="fidelity-codes">{pct(f.control_code_fidelity)}</span> (by a classifier trained on
          your labelled training text; {pct(f.classifier_accuracy ?? 0)} right on the test documents).
        </>
      )}
    </p>
  );
}
