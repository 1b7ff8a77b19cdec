import { seededUniform } from '../../../src/random/seeded';

/** A small seeded PRNG (mulberry32) for test fixtures only (never for DP noise). */
export const seededRandom = seededUniform;

/** Standard normal samples via Box-Muller from a seeded uniform source. */
export function seededNormal(seed: number): () => number {
  const u = seededRandom(seed);
  return () => Math.sqrt(-2 * Math.log(u() + 1e-300)) * Math.cos(2 * Math.PI * u());
}
