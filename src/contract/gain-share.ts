/**
 * "Did the private model learn my documents?" as one number per private model: its share of what
 * fine-tuning without privacy gained over the same base model. Pure and TF.js-free: the results
 * panel and `distildp pipeline` compute it alike.
 */
import type { MethodName, ResultRow } from '../pipeline/results';

/**
 * How much of non-private fine-tuning's gain over the base model a private model reaches:
 * (base PPL - its PPL) / (base PPL - non-private PPL), the "recovery" of README's Results. 1: as good
 * as fine-tuning without privacy; 0: no better than the base model; negative: worse. null when the
 * non-private model did not beat the base (there is no gain to share). A local number: all three
 * perplexities are on the private test split.
 */
export function shareOfNonPrivateGain(ppl: number, basePpl: number, nonPrivatePpl: number): number | null {
  const gain = basePpl - nonPrivatePpl;
  return gain > 0 ? (basePpl - ppl) / gain : null;
}

/**
 * For each model (teacher, student) with a non-private row, every private row's share of the
 * non-private gain (shareOfNonPrivateGain), by method; models without one are left out.
 */
export function nonPrivateGainShares(
  results: readonly ResultRow[],
  basePpl: Record<ResultRow['model'], number>,
): Partial<Record<ResultRow['model'], Partial<Record<MethodName, number>>>> {
  const out: Partial<Record<ResultRow['model'], Partial<Record<MethodName, number>>>> = {};
  for (const model of ['teacher', 'student'] as const) {
    const nonPrivate = results.find((r) => r.model === model && r.method === 'nonprivate');
    if (!nonPrivate) continue;
    for (const r of results) {
      if (r.model !== model || r.epsilon === null) continue;
      const share = shareOfNonPrivateGain(r.test_ppl, basePpl[model], nonPrivate.test_ppl);
      if (share !== null) out[model] = { ...out[model], [r.method]: share };
    }
  }
  return out;
}
