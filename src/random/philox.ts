/**
 * Philox4x32-10, the counter-based generator of Salmon, Moraes, Dror & Shaw, "Parallel random numbers:
 * as easy as 1, 2, 3" (SC 2011), exactly as in the Random123 reference implementation: a 128-bit counter
 * and a 64-bit key go through 10 rounds; output block n is a pure function of (counter n, key), so any
 * element of a stream can be computed on its own (a WebGPU thread per element, a worker per chunk).
 *
 * Plain 32-bit integer arithmetic: JavaScript numbers are doubles, so the low word of a 32x32 product
 * is `Math.imul` and the high word is assembled from 16-bit halves (every partial product < 2^32, every
 * partial sum < 2^53, so all of it is exact). No BigInt (slow), no allocation per block.
 */

/** Round multipliers and key increments (Random123 PHILOX_M4x32_0/1, PHILOX_W32_0/1). */
const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;
const M0_HI = M0 >>> 16;
const M0_LO = M0 & 0xffff;
const M1_HI = M1 >>> 16;
const M1_LO = M1 & 0xffff;
export const PHILOX_ROUNDS = 10;

/** High 32 bits of the 64-bit product of a = aHi * 2^16 + aLo and an unsigned 32-bit b. */
function mulHiSplit(aHi: number, aLo: number, b: number): number {
  const bHi = b >>> 16;
  const bLo = b & 0xffff;
  const loLo = aLo * bLo;
  const hiLo = aHi * bLo;
  const loHi = aLo * bHi;
  // Carry out of the low 32 bits: bits 16..31 of loLo plus the low halves of the two cross terms.
  const carry = Math.floor(((loLo >>> 16) + (hiLo & 0xffff) + (loHi & 0xffff)) / 65536);
  return (aHi * bHi + Math.floor(hiLo / 65536) + Math.floor(loHi / 65536) + carry) >>> 0;
}

/** High 32 bits of the unsigned 64-bit product a * b (a, b unsigned 32-bit integers). */
export function mulHi32(a: number, b: number): number {
  a >>>= 0;
  return mulHiSplit(a >>> 16, a & 0xffff, b >>> 0);
}

/**
 * One Philox4x32-10 block: counter (c0..c3) and key (k0, k1) -> four 32-bit words written to out[0..3].
 * All inputs are unsigned 32-bit integers. Word order matches Random123 (c0 = ctr.v[0], k0 = key.v[0]).
 */
export function philox4x32_10(
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
  out: Uint32Array,
): void {
  c0 >>>= 0;
  c1 >>>= 0;
  c2 >>>= 0;
  c3 >>>= 0;
  k0 >>>= 0;
  k1 >>>= 0;
  for (let round = 0; round < PHILOX_ROUNDS; round++) {
    if (round > 0) {
      // Random123 bumps the key before every round after the first (the Weyl sequence).
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const hi0 = mulHiSplit(M0_HI, M0_LO, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulHiSplit(M1_HI, M1_LO, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

/** Convenience form: Philox4x32-10 of a 4-word counter and a 2-word key, as a new Uint32Array(4). */
export function philox4x32(counter: ArrayLike<number>, key: ArrayLike<number>): Uint32Array {
  if (counter.length !== 4) throw new Error(`Philox4x32 counter must have 4 words, got ${counter.length}`);
  if (key.length !== 2) throw new Error(`Philox4x32 key must have 2 words, got ${key.length}`);
  const out = new Uint32Array(4);
  philox4x32_10(counter[0], counter[1], counter[2], counter[3], key[0], key[1], out);
  return out;
}
