/**
 * Philox4x32-10 and the Box-Muller pair of src/random/noise.ts's SPEC, in WGSL. The integer part
 * reproduces src/random/philox.ts bit for bit (32x32 -> 64-bit products from 16-bit halves: WGSL has no
 * 64-bit integers). The Gaussian part is float32 (WGSL has no f64): close to the float64 reference,
 * with the two places where a naive float32 evaluation loses accuracy handled explicitly:
 * - ln(u_r) for u_r near 1: 1 - u_r is formed from the integer words (exact up to one rounding)
 *   and ln(1 - w) uses its series for w < 1/64;
 * - the angle: WGSL only promises sin/cos to 2^-11 absolute on [-pi, pi], and SwiftShader is off by
 *   ~2e-4, so the quadrant k and a reduced angle in [-pi/4, pi/4] are taken from the integer x2
 *   (2 pi u_a = k pi/2 + r, exactly) and sin r, cos r come from Cephes' float32 polynomials.
 */
import type { WebGPUProgram } from '../webgpu-backend';

export const PHILOX_WGSL = `
  // High and low words of the 64-bit product a * b.
  fn philoxMulHiLo(a : u32, b : u32) -> vec2<u32> {
    let aLo = a & 0xffffu;
    let aHi = a >> 16u;
    let bLo = b & 0xffffu;
    let bHi = b >> 16u;
    let loLo = aLo * bLo;
    let loHi = aLo * bHi;
    let hiLo = aHi * bLo;
    let carry = ((loLo >> 16u) + (loHi & 0xffffu) + (hiLo & 0xffffu)) >> 16u;
    return vec2<u32>(aHi * bHi + (loHi >> 16u) + (hiLo >> 16u) + carry, a * b);
  }

  // Philox4x32-10 (Random123 word order): counter c, key k.
  fn philox4x32_10(counter : vec4<u32>, key : vec2<u32>) -> vec4<u32> {
    var c = counter;
    var k = key;
    for (var r = 0; r < 10; r = r + 1) {
      if (r > 0) {
        k = k + vec2<u32>(0x9e3779b9u, 0xbb67ae85u);
      }
      let p0 = philoxMulHiLo(0xd2511f53u, c.x);
      let p1 = philoxMulHiLo(0xcd9e8d57u, c.z);
      c = vec4<u32>(p1.x ^ c.y ^ k.x, p1.y, p0.x ^ c.w ^ k.y, p0.y);
    }
    return c;
  }

  // sin and cos of r in [-pi/4, pi/4] (Cephes sinf/cosf polynomials, ~1 ulp).
  fn philoxSinCosReduced(r : f32) -> vec2<f32> {
    let z = r * r;
    let s = ((-1.9515295891e-4 * z + 8.3321608736e-3) * z - 1.6666654611e-1) * z * r + r;
    let c = ((2.443315711809948e-5 * z - 1.388731625493765e-3) * z + 4.166664568298827e-2) * z * z - 0.5 * z + 1.0;
    return vec2<f32>(s, c);
  }

  // The two standard normals of a block (SPEC of src/random/noise.ts): (r cos theta, r sin theta) with
  // u_r = x0 2^-32 + (x1 + 0.5) 2^-64, r = sqrt(-2 ln u_r), theta = 2 pi (x2 + 0.5) 2^-32 - pi.
  fn philoxNormalPair(x : vec4<u32>) -> vec2<f32> {
    var lnU : f32;
    if (x.x >= 0x80000000u) {
      // u_r >= 1/2: w = 1 - u_r = (2^32 - x0) 2^-32 - (x1 + 0.5) 2^-64, with 2^32 - x0 exact.
      let w = f32(~x.x + 1u) * 0x1p-32f - (f32(x.y) + 0.5) * 0x1p-64f;
      if (w < 0.015625) {
        lnU = -w * (1.0 + w * (0.5 + w * (0.33333334 + w * 0.25)));
      } else {
        lnU = log(1.0 - w);
      }
    } else {
      lnU = log(f32(x.x) * 0x1p-32f + (f32(x.y) + 0.5) * 0x1p-64f);
    }
    let radius = sqrt(max(-2.0 * lnU, 0.0));
    // theta + pi = 2 pi (x2 + 0.5) 2^-32 = k pi/2 + r: y = x2 + 2^29 (mod 2^32) puts the nearest
    // quadrant boundary k in its top two bits and r = pi/2 ((y mod 2^30) - 2^29 + 0.5) 2^-30.
    let y = x.z + 0x20000000u;
    let k = y >> 30u;
    let r = 1.5707964 * ((f32(i32(y & 0x3fffffffu) - 0x20000000) + 0.5) * 0x1p-30f);
    let sc = philoxSinCosReduced(r);
    // sin and cos of k pi/2 + r, then of theta = (k pi/2 + r) - pi (both change sign).
    var sinA = sc.x;
    var cosA = sc.y;
    if (k == 1u) {
      sinA = sc.y;
      cosA = -sc.x;
    } else if (k == 2u) {
      sinA = -sc.x;
      cosA = -sc.y;
    } else if (k == 3u) {
      sinA = -sc.y;
      cosA = sc.x;
    }
    return vec2<f32>(-radius * cosA, -radius * sinA);
  }
`;

/**
 * Test program: raw Philox4x32-10 blocks of n counters (int32 (n, 4), bit patterns of u32 words)
 * under one key; output int32 (n, 4). Checks the WGSL integer path against Random123 KATs and
 * src/random/philox.ts.
 */
export class PhiloxBlocksProgram implements WebGPUProgram {
  variableNames = ['Ctr'];
  outputShape: number[];
  shaderKey = 'dpPhiloxBlocks';
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];
  uniforms = 'philoxKey : vec2<u32>,';

  constructor(blocks: number) {
    this.outputShape = [blocks, 4];
    this.dispatch = [Math.ceil(blocks / 64), 1, 1];
  }

  getUserCode(): string {
    return `
  ${PHILOX_WGSL}
  fn main(index : i32) {
    let n = i32(globalId.x);
    if (n < uniforms.outShape.x) {
      let c = vec4<u32>(bitcast<u32>(Ctr[4 * n]), bitcast<u32>(Ctr[4 * n + 1]),
                        bitcast<u32>(Ctr[4 * n + 2]), bitcast<u32>(Ctr[4 * n + 3]));
      let x = philox4x32_10(c, uniforms.philoxKey);
      result[4 * n] = bitcast<i32>(x.x);
      result[4 * n + 1] = bitcast<i32>(x.y);
      result[4 * n + 2] = bitcast<i32>(x.z);
      result[4 * n + 3] = bitcast<i32>(x.w);
    }
  }`;
  }
}
