/**
 * Secure randomness for DP: uniforms and Gaussian noise from Philox4x32-10 keyed by a fresh 128-bit seed
 * from `crypto.getRandomValues`. TF.js random ops are seeded from a non-cryptographic generator, so no
 * DP noise or sampling decision may come from them (docs/METHOD.md, "Secure noise"). No TF.js import here:
 * this module also runs on the UI thread for previews.
 *
 * ============================== SPEC: the exact mapping (GPU kernels reproduce it) ==============================
 * Seed: 4 unsigned 32-bit words, key = [k0, k1] (the Philox key), stream = [s0, s1].
 * Block: for a 64-bit block index b, (x0, x1, x2, x3) = Philox4x32-10(counter = [b mod 2^32, floor(b / 2^32),
 *        s0, s1], key = [k0, k1]) (Random123 word order). A draw's element index i starts at 0 (or at the
 *        `offset` argument, which only shifts i), so element i depends on (seed, i) alone.
 *
 * Normal (fillNormal), two outputs per block, b = floor(i / 2):
 *   u_r   = x0 * 2^-32 + (x1 + 0.5) * 2^-64        in (0, 1]: a 64-bit uniform, never 0 (rounds to 1 only
 *                                                  when x0 = 2^32 - 1 and x1 is large: then r = 0, harmless)
 *   u_a   = (x2 + 0.5) * 2^-32                     in (0, 1), 0 and 1 excluded
 *   r     = sqrt(-2 ln u_r)                        reaches 9.49 (x0 = x1 = 0): 64 bits push the truncation of
 *                                                  the Gaussian tail to 9.5 sigma (32 bits would stop at 6.8)
 *   theta = 2 pi u_a - pi                          in (-pi, pi): the range where WGSL cos/sin are accurate
 *   z[2b] = r cos(theta),  z[2b + 1] = r sin(theta)   (Box-Muller, both outputs used)
 *   out[j] = float32(std * z[offset + j])          x3 is not used.
 * The reference evaluates in float64 and rounds once at the end. A float32 implementation (WGSL has no f64)
 * cannot be bit-identical: expect |diff| ~ 1e-6 * std * max(1, |z|), and up to ~2^-12 * std in the rare
 * case u_r ~ 1 (r tiny) where float32 cannot resolve 1 - u_r. Tests of a kernel need that tolerance.
 *
 * Uniforms, one block per element, b = i:
 *   uniform53:      ((x0 >>> 11) * 2^32 + x1) * 2^-53     in [0, 1), 53 random bits (exact in float64);
 *                   `u < q` then holds with probability ceil(q * 2^53) / 2^53 (Poisson sampling).
 *   uniform32:      (x0 + 0.5) * 2^-32                     in (0, 1), 32 random bits, returned as float64.
 *   uniformFloat32: ((x0 >>> 9) + 0.5) * 2^-23             in (0, 1), 23 random bits: every value is exact in
 *                   float32 (24 significant bits), so none rounds to 0 or 1.
 * ===============================================================================================================
 *
 * Seeds are secrets: the noise is only unpredictable while its seed is. Never log, export or checkpoint them.
 */
import { philox4x32_10 } from './philox';

/** A 128-bit seed as 4 unsigned 32-bit words. */
export interface NoiseSeed {
  key: [number, number];
  stream: [number, number];
}

export interface NoiseSource {
  /** False only for the test-only fixed-seed source. DP training must refuse an insecure source. */
  readonly secure: boolean;
  /** A fresh 128-bit seed per call (never reused). */
  nextSeed(): NoiseSeed;
  /** out[j] = std * N(0,1) element (offset + j) of the seed's normal stream (see SPEC above). */
  fillNormal(out: Float32Array, std: number, seed: NoiseSeed, offset?: number): void;
  /** `count` uniforms in [0, 1) with 53 random bits, elements offset .. offset + count - 1. */
  uniform53(seed: NoiseSeed, count: number, offset?: number): Float64Array;
}

const TWO_POW_32 = 4294967296;
const TWO_POW_M32 = 1 / TWO_POW_32;
const TWO_POW_M53 = 2 ** -53;
const TWO_POW_M64 = 2 ** -64;
const TWO_POW_M23 = 2 ** -23;

function isU32(x: number): boolean {
  return Number.isInteger(x) && x >= 0 && x < TWO_POW_32;
}

function checkSeed(seed: NoiseSeed): void {
  const words = [...(seed?.key ?? []), ...(seed?.stream ?? [])];
  if (words.length !== 4 || !words.every(isU32)) {
    throw new Error(
      `invalid NoiseSeed: expected key [u32, u32] and stream [u32, u32], got ${JSON.stringify(seed)}`,
    );
  }
}

function checkRange(what: string, count: number, offset: number): void {
  if (!Number.isSafeInteger(count) || count < 0)
    throw new Error(`${what}: count must be an integer >= 0, got ${count}`);
  if (!Number.isSafeInteger(offset) || offset < 0)
    throw new Error(`${what}: offset must be an integer >= 0, got ${offset}`);
  if (offset + count > Number.MAX_SAFE_INTEGER) throw new Error(`${what}: offset + count exceeds 2^53 - 1`);
}

/** Runs Philox for block index b of a seed into `out`. */
function block(seed: NoiseSeed, b: number, out: Uint32Array): void {
  const lo = b % TWO_POW_32;
  philox4x32_10(lo, (b - lo) / TWO_POW_32, seed.stream[0], seed.stream[1], seed.key[0], seed.key[1], out);
}

/** The two standard normals of one block's words (x0, x1, x2), exactly as the SPEC; float64. */
export function normalPairFromWords(x0: number, x1: number, x2: number): [number, number] {
  const uRadius = (x0 >>> 0) * TWO_POW_M32 + ((x1 >>> 0) + 0.5) * TWO_POW_M64;
  const uAngle = ((x2 >>> 0) + 0.5) * TWO_POW_M32;
  const r = Math.sqrt(-2 * Math.log(uRadius));
  const theta = 2 * Math.PI * uAngle - Math.PI;
  return [r * Math.cos(theta), r * Math.sin(theta)];
}

/** out[j] = float32(std * z[offset + j]) for the seed's normal stream (SPEC above). */
export function philoxFillNormal(out: Float32Array, std: number, seed: NoiseSeed, offset = 0): void {
  checkSeed(seed);
  checkRange('fillNormal', out.length, offset);
  if (!Number.isFinite(std) || std < 0)
    throw new Error(`fillNormal: std must be finite and >= 0, got ${std}`);
  const words = new Uint32Array(4);
  const end = offset + out.length;
  let i = offset;
  while (i < end) {
    const b = Math.floor(i / 2);
    block(seed, b, words);
    const [zCos, zSin] = normalPairFromWords(words[0], words[1], words[2]);
    if (i === 2 * b) {
      out[i - offset] = std * zCos;
      i++;
    }
    if (i < end) {
      out[i - offset] = std * zSin;
      i++;
    }
  }
}

/** Uniforms in [0, 1) with 53 random bits: element i = ((x0 >>> 11) * 2^32 + x1) * 2^-53 of block i. */
export function philoxUniform53(seed: NoiseSeed, count: number, offset = 0): Float64Array {
  checkSeed(seed);
  checkRange('uniform53', count, offset);
  const out = new Float64Array(count);
  const words = new Uint32Array(4);
  for (let j = 0; j < count; j++) {
    block(seed, offset + j, words);
    out[j] = ((words[0] >>> 11) * TWO_POW_32 + words[1]) * TWO_POW_M53;
  }
  return out;
}

/** Uniforms in (0, 1) with 32 random bits (float64): element i = (x0 + 0.5) * 2^-32 of block i. */
export function philoxUniform32(seed: NoiseSeed, count: number, offset = 0): Float64Array {
  checkSeed(seed);
  checkRange('uniform32', count, offset);
  const out = new Float64Array(count);
  const words = new Uint32Array(4);
  for (let j = 0; j < count; j++) {
    block(seed, offset + j, words);
    out[j] = (words[0] + 0.5) * TWO_POW_M32;
  }
  return out;
}

/** Uniforms in (0, 1), each exact in float32: element i = ((x0 >>> 9) + 0.5) * 2^-23 of block i. */
export function philoxUniformFloat32(seed: NoiseSeed, count: number, offset = 0): Float32Array {
  checkSeed(seed);
  checkRange('uniformFloat32', count, offset);
  const out = new Float32Array(count);
  const words = new Uint32Array(4);
  for (let j = 0; j < count; j++) {
    block(seed, offset + j, words);
    out[j] = ((words[0] >>> 9) + 0.5) * TWO_POW_M23;
  }
  return out;
}

function sourceWithSeeds(secure: boolean, nextSeed: () => NoiseSeed): NoiseSource {
  return {
    secure,
    nextSeed,
    fillNormal: philoxFillNormal,
    uniform53: philoxUniform53,
  };
}

/**
 * The noise source for DP: every seed is 128 bits from `crypto.getRandomValues` (browsers, workers,
 * Node >= 20). Throws if that is unavailable: there is deliberately no fallback to a weaker generator.
 * Two seeds coincide with probability 2^-128 per pair, i.e. never in practice.
 */
export function secureNoiseSource(): NoiseSource {
  const webCrypto = (globalThis as { crypto?: Crypto }).crypto;
  if (!webCrypto || typeof webCrypto.getRandomValues !== 'function') {
    throw new Error(
      'secureNoiseSource: globalThis.crypto.getRandomValues is unavailable; DP noise needs a ' +
        'cryptographically secure seed (run in a browser, a worker or Node >= 20); refusing to fall back',
    );
  }
  return sourceWithSeeds(true, () => {
    const w = webCrypto.getRandomValues(new Uint32Array(4));
    return { key: [w[0], w[1]], stream: [w[2], w[3]] };
  });
}

/**
 * TESTS ONLY: a reproducible source (`secure === false`). Seed n is the Philox block of counter
 * [n mod 2^32, floor(n / 2^32), 0x5eed5eed, 0] under key [seed mod 2^32, floor(seed / 2^32)]; Philox is a
 * permutation of the counter for a fixed key, so the seeds of one source never repeat.
 */
export function insecureFixedSeedNoiseSource(seed: number): NoiseSource {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new Error(`insecureFixedSeedNoiseSource: seed must be a safe integer >= 0, got ${seed}`);
  }
  const keyLo = seed % TWO_POW_32;
  const keyHi = (seed - keyLo) / TWO_POW_32;
  const words = new Uint32Array(4);
  let n = 0;
  return sourceWithSeeds(false, () => {
    const lo = n % TWO_POW_32;
    philox4x32_10(lo, (n - lo) / TWO_POW_32, 0x5eed5eed, 0, keyLo, keyHi, words);
    n++;
    return { key: [words[0], words[1]], stream: [words[2], words[3]] };
  });
}
