/**
 * Plain-language guidance on the privacy budget, and warnings for settings that give a weak
 * guarantee or drown training in noise. Pure functions of the settings and the worker's plan;
 * the thresholds are rules of thumb (stated in each message), not guarantees.
 */
import type { PlanSummary } from '../contract/protocol';
import type { RunSettings } from '../contract/run-settings';

/** Above this, the guarantee says little (e^10 ≈ 22,000). */
export const EPSILON_WEAK = 10;
/** Fewer training documents than this: the noise DP needs dominates whatever they teach. */
export const FEW_DOCUMENTS = 100;
/** δ above this is weak: a one-in-a-thousand chance that the guarantee does not hold. */
export const DELTA_WEAK = 1e-3;
/**
 * σ / B above this: the noise on each step's averaged gradient (std σC/B per coordinate) is more
 * than 5 % of the largest possible signal (C). Successful DP fine-tuning keeps σ/B around 0.01
 * or below (large expected batches: Li et al. 2022, "Large language models can be strong
 * differentially private learners").
 */
export const NOISE_TO_SIGNAL_HIGH = 0.05;

export interface Guidance {
  id: 'epsilon-weak' | 'few-documents' | 'delta-weak' | 'noise-swamps';
  text: string;
}

/** What some values of ε mean, for the budget panel. */
export const EPSILON_MEANINGS: { epsilon: string; meaning: string }[] = [
  {
    epsilon: 'ε ≤ 1',
    meaning:
      'strong: whatever the app releases is at most e¹ ≈ 2.7 times more or less likely with any one document than without it.',
  },
  {
    epsilon: 'ε = 2 (default)',
    meaning: 'moderate (e² ≈ 7.4): a common choice in research on private text; the model learns a little.',
  },
  {
    epsilon: 'ε = 8',
    meaning:
      'weak on paper (e⁸ ≈ 3,000) but what many deployed systems use; it still blocks verbatim memorisation of single documents far better than no DP.',
  },
  { epsilon: 'ε > 10', meaning: 'little formal protection is left.' },
];

const fmt = (v: number) => (v >= 0.01 ? v.toFixed(3) : v.toExponential(1));

/** σ·C/B: the standard deviation of the noise on each coordinate of a step's averaged gradient. */
export function noisePerStep(plan: Pick<PlanSummary, 'sigma' | 'clipNorm' | 'expectedBatchSize'>): number {
  return (plan.sigma * plan.clipNorm) / plan.expectedBatchSize;
}

export function budgetWarnings(settings: RunSettings, plan: PlanSummary | null): Guidance[] {
  const out: Guidance[] = [];
  if (settings.targetEpsilon > EPSILON_WEAK)
    out.push({
      id: 'epsilon-weak',
      text: `ε = ${settings.targetEpsilon} is above ${EPSILON_WEAK}: the guarantee allows any one document to make an outcome e^${settings.targetEpsilon} ≈ ${Math.exp(settings.targetEpsilon).toExponential(0)} times more likely, which protects little. Use ε ≤ 8 if privacy matters.`,
    });
  if (!plan) return out;
  const n = plan.trainUsable;
  if (n < FEW_DOCUMENTS)
    out.push({
      id: 'few-documents',
      text: `Only ${n} training documents. DP hides each document in noise; with fewer than about ${FEW_DOCUMENTS}, that noise outweighs what the documents teach, and the private models will stay close to the base models. Hundreds or thousands of documents work much better.`,
    });
  if (plan.delta > DELTA_WEAK)
    out.push({
      id: 'delta-weak',
      text: `δ = ${plan.delta.toExponential(2)} is large: with probability δ the guarantee may not hold at all. With few documents the default 1/N^1.1 is still large; a δ of 10⁻⁵ or less is customary (it costs a little more noise).`,
    });
  const ratio = plan.sigma / plan.expectedBatchSize;
  if (ratio > NOISE_TO_SIGNAL_HIGH)
    out.push({
      id: 'noise-swamps',
      text: `The noise swamps the signal: each DP-SGD step adds noise of standard deviation σ·C/B = ${fmt(noisePerStep(plan))} to every coordinate of the averaged gradient, ${(100 * ratio).toFixed(0)} % of the clip norm C = ${plan.clipNorm}, the most any step's averaged gradient can be (typical ones are much smaller). Training works when σ/B is about 0.01 or less: raise the expected batch size (${plan.expectedBatchSize} of ${n} documents now), use more documents, or a larger ε.`,
    });
  return out;
}
