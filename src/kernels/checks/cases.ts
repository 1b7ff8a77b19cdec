/**
 * Test shapes and seeded test data for the kernel checks (shared by the Node tests and the
 * browser check page). The generator is mulberry32: fine for fixtures, never for DP noise.
 */
import { insecureFixedSeedNoiseSource, type NoiseSeed } from '../../random/noise';

export interface NormCase {
  /** Examples B, tokens L, input width d, output width p, vocabulary V (embedding, tied head). */
  examples: number;
  tokens: number;
  d: number;
  p: number;
  vocab: number;
}

export interface CaseData {
  /** Valid tokens per example; positions >= length are padding (G, b, Gl rows are 0 there). */
  lengths: number[];
  a: Float32Array;
  g: Float32Array;
  b: Float32Array;
  gl: Float32Array;
  ids: Int32Array;
  c: Float32Array;
}

export function caseLabel(c: NormCase): string {
  return `B=${c.examples} L=${c.tokens} d=${c.d} p=${c.p} V=${c.vocab}`;
}

/** Sizes off the 32/64 workgroup tiles, L = 1, several (t, s) blocks, a fully padded example. */
export const NODE_CASES: NormCase[] = [
  { examples: 3, tokens: 1, d: 5, p: 7, vocab: 3 },
  { examples: 4, tokens: 33, d: 19, p: 17, vocab: 6 },
  { examples: 2, tokens: 70, d: 64, p: 130, vocab: 11 },
  { examples: 3, tokens: 97, d: 100, p: 65, vocab: 40 },
  { examples: 2, tokens: 150, d: 24, p: 9, vocab: 7 },
  { examples: 2, tokens: 300, d: 8, p: 6, vocab: 50 },
];

/** SwiftShader in Chromium is slow: small shapes, still covering the same edge cases. */
export const BROWSER_CASES: NormCase[] = [
  { examples: 3, tokens: 1, d: 5, p: 7, vocab: 3 },
  { examples: 3, tokens: 37, d: 19, p: 70, vocab: 6 },
  { examples: 2, tokens: 66, d: 33, p: 9, vocab: 10 },
];

export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Example 0 is full length, example 1 about 60%, the last one (when B >= 3) fully padded, the
 * rest random. A is random on padded rows too: only G = 0 may make them vanish.
 */
export function makeCaseData(c: NormCase, seed: number): CaseData {
  const rand = mulberry32(seed);
  const uniform = () => 2 * rand() - 1;
  const { examples: bSize, tokens: l, d, p, vocab } = c;
  const lengths = Array.from({ length: bSize }, (_, i) => {
    if (i === 0) return l;
    if (i === 1) return Math.max(1, Math.floor(0.6 * l));
    if (i === bSize - 1) return 0;
    return 1 + Math.floor(rand() * l);
  });
  const perToken = (width: number, padded: boolean) => {
    const out = new Float32Array(bSize * l * width);
    for (let i = 0; i < bSize; i++) {
      for (let t = 0; t < l; t++) {
        if (padded && t >= lengths[i]) continue;
        for (let k = 0; k < width; k++) out[(i * l + t) * width + k] = uniform();
      }
    }
    return out;
  };
  const ids = new Int32Array(bSize * l);
  for (let n = 0; n < ids.length; n++) ids[n] = Math.floor(rand() * vocab);
  const clip = new Float32Array(bSize);
  for (let i = 0; i < bSize; i++) clip[i] = 0.05 + 0.95 * rand();
  return {
    lengths,
    a: perToken(d, false),
    g: perToken(p, true),
    b: perToken(d, true),
    gl: perToken(vocab, true),
    ids,
    c: clip,
  };
}

/** Fixed (test-only, not secure) seeds of the noise checks: reproducible failures. */
const NOISE_TEST_SEEDS = insecureFixedSeedNoiseSource(20261128);
export const SEED_A: NoiseSeed = NOISE_TEST_SEEDS.nextSeed();
export const SEED_B: NoiseSeed = NOISE_TEST_SEEDS.nextSeed();
