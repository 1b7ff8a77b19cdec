/**
 * The black-box audit's canary documents (Carlini et al. 2019, "The Secret Sharer"): a fixed
 * template with a random secret, e.g. "my account code is 7-3-9-1-0-4". m canaries, each included
 * in the audit's training data with probability 1/2, and K candidate secrets for the exposure
 * rank, all drawn from the audit seed (crypto-seeded unless a test passes one).
 */
import { type NoiseSeed, philoxUniform53 } from '../random/noise';
import { auditStream } from './canaries';

export const SECRET_TEMPLATE = 'my account code is ';
/** Digits of a secret: 10^6 possible secrets. */
export const SECRET_DIGITS = 6;

const STREAM = { inclusion: 11, secrets: 12, candidates: 13 } as const;

export function canaryText(secret: string): string {
  return `${SECRET_TEMPLATE}${secret}`;
}

/** `count` secrets "d-d-d-d-d-d" from a Philox stream of the seed. */
function secrets(seed: NoiseSeed, purpose: number, count: number): string[] {
  const u = philoxUniform53(auditStream(seed, purpose), count * SECRET_DIGITS);
  return Array.from({ length: count }, (_, i) =>
    Array.from({ length: SECRET_DIGITS }, (_, j) => Math.floor(u[i * SECRET_DIGITS + j] * 10)).join('-'),
  );
}

export interface SecretCanaries {
  secrets: string[];
  included: boolean[];
  /** Candidate secrets for the exposure rank (never inserted). */
  candidates: string[];
}

export function designSecretCanaries(m: number, candidates: number, seed: NoiseSeed): SecretCanaries {
  if (!Number.isInteger(m) || m < 2) throw new Error(`an audit needs at least 2 canaries, got ${m}`);
  if (!Number.isInteger(candidates) || candidates < 1)
    throw new Error(`candidates must be an integer >= 1, got ${candidates}`);
  return {
    secrets: secrets(seed, STREAM.secrets, m),
    included: Array.from(philoxUniform53(auditStream(seed, STREAM.inclusion), m), (u) => u < 0.5),
    candidates: secrets(seed, STREAM.candidates, candidates),
  };
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
