/**
 * IEEE 754 half precision (F16) and bfloat16 (BF16) <-> float32 conversions on bit patterns.
 * Pure TypeScript (no TF.js): used by the safetensors reader and writer.
 */

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/**
 * Rounds a number to float32, then to the nearest half (ties to even), returning the 16-bit
 * pattern. Values at or above 65520 in magnitude become infinity, below 2^-25 become (signed)
 * zero; NaN stays NaN (quiet). This is what numpy's / PyTorch's float32 -> float16 cast does.
 */
export function float32ToFloat16Bits(value: number): number {
  scratchF32[0] = value;
  const x = scratchU32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp32 = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp32 === 0xff) return sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0);
  // Exponent re-biased for half (bias 15 instead of 127).
  const exp = exp32 - 112;
  if (exp >= 0x1f) return sign | 0x7c00;
  if (exp <= 0) {
    // Half subnormal (or zero): value = m * 2^-24 with m = mant24 >> (14 - exp), rounded.
    if (exp < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - exp;
    const kept = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    return sign | (rest > halfway || (rest === halfway && kept & 1) ? kept + 1 : kept);
  }
  // Normal: keep 10 of the 23 mantissa bits. A carry out of the mantissa correctly bumps the
  // exponent (and turns the largest values into infinity).
  const bits = (exp << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  return sign | (rest > 0x1000 || (rest === 0x1000 && bits & 1) ? bits + 1 : bits);
}

/** The value of a 16-bit half pattern (exact: every half is a float32). */
export function float16BitsToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

let halfTable: Float32Array | undefined;

/** All 65536 half values, built once on first use (256 KiB). */
function halfLookup(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = float16BitsToNumber(h);
  }
  return halfTable;
}

/** Decodes `count` little-endian halves starting at `byteOffset` of `view`. */
export function decodeFloat16(view: DataView, byteOffset: number, count: number): Float32Array {
  const table = halfLookup();
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = table[view.getUint16(byteOffset + 2 * i, true)];
  return out;
}

/** Decodes `count` little-endian bfloat16 values: each is the top half of a float32. */
export function decodeBFloat16(view: DataView, byteOffset: number, count: number): Float32Array {
  const out = new Float32Array(count);
  // Same host byte order for both views, so writing the bits through Uint32 is endian-safe.
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < count; i++) outBits[i] = view.getUint16(byteOffset + 2 * i, true) << 16;
  return out;
}

/** Encodes values as little-endian halves into `view` at `byteOffset`. */
export function encodeFloat16(values: Float32Array, view: DataView, byteOffset: number): void {
  for (let i = 0; i < values.length; i++) {
    view.setUint16(byteOffset + 2 * i, float32ToFloat16Bits(values[i]), true);
  }
}
