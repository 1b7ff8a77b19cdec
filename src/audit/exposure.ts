/**
 * The secret-sharer exposure (Carlini et al. 2019) of the black-box audit's canaries, and its
 * chance level. Pure arithmetic with no imports: the audit's result in words (read on
 * the UI thread) quotes the chance level.
 */

/** Candidate secrets per canary for the exposure rank (the black-box audit's default). */
export const EXPOSURE_CANDIDATES = 127;

/**
 * The mean exposure of a secret the model never saw (its rank uniform among K + 1):
 * log2(K + 1) - mean_{r = 1..K+1} log2 r, about 1.4 bits for K = 127. Exposure above it is leakage.
 */
export function chanceExposureBits(k: number): number {
  let sum = 0;
  for (let r = 1; r <= k + 1; r++) sum += Math.log2(r);
  return Math.log2(k + 1) - sum / (k + 1);
}

/**
 * Exposure in bits of each secret given its score and the candidates' scores (higher = more
 * likely): log2(K + 1) - log2(rank), rank = 1 + candidates scoring at least as high. Carlini et al.
 * define it over all 10^6 secrets; with K sampled candidates it is estimated, capped at log2(K + 1).
 */
export function exposureBits(score: number, candidateScores: ArrayLike<number>): number {
  let above = 0;
  for (let i = 0; i < candidateScores.length; i++) if (candidateScores[i] >= score) above++;
  return Math.log2(candidateScores.length + 1) - Math.log2(1 + above);
}
