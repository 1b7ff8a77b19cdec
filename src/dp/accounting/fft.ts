/**
 * Real-input FFT of a power-of-two length n, through one complex FFT of length n/2 (the usual
 * even/odd packing). Twiddles and the bit-reversal permutation are computed once per size.
 * Spectra are returned as separate real/imaginary arrays of length n/2 + 1 (bins 0..n/2).
 */

export class RealFft {
  readonly n: number;
  private readonly half: number;
  private readonly cos: Float64Array; // cos(2 pi k / n), k < n/2: serves the half-size FFT and the split
  private readonly sin: Float64Array;
  private readonly bitrev: Uint32Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;

  constructor(n: number) {
    if (!Number.isInteger(n) || n < 4 || (n & (n - 1)) !== 0)
      throw new Error(`RealFft size must be a power of two >= 4, got ${n}`);
    this.n = n;
    this.half = n / 2;
    this.cos = new Float64Array(this.half);
    this.sin = new Float64Array(this.half);
    for (let k = 0; k < this.half; k++) {
      const a = (2 * Math.PI * k) / n;
      this.cos[k] = Math.cos(a);
      this.sin[k] = Math.sin(a);
    }
    const m = this.half;
    const bits = Math.log2(m);
    this.bitrev = new Uint32Array(m);
    for (let i = 0; i < m; i++) {
      let r = 0;
      for (let b = 0, x = i; b < bits; b++, x >>= 1) r = (r << 1) | (x & 1);
      this.bitrev[i] = r;
    }
    this.re = new Float64Array(m);
    this.im = new Float64Array(m);
  }

  /**
   * In-place complex FFT of (re, im), length n/2; sign -1 forward, +1 inverse (unnormalised).
   * Decimation in time, two radix-2 stages per pass over memory (radix 2^2).
   */
  private complexFft(re: Float64Array, im: Float64Array, sign: number): void {
    const m = this.half;
    const rev = this.bitrev;
    const cosT = this.cos;
    const sinT = this.sin;
    const n = this.n;
    for (let i = 0; i < m; i++) {
      const j = rev[i];
      if (j > i) {
        const tr = re[i];
        re[i] = re[j];
        re[j] = tr;
        const ti = im[i];
        im[i] = im[j];
        im[j] = ti;
      }
    }
    // With an odd number of stages, the first (span 2, twiddle 1) runs alone.
    let h = 1;
    if (Math.log2(m) % 2 === 1) {
      for (let a = 0; a < m; a += 2) {
        const xr = re[a + 1];
        const xi = im[a + 1];
        re[a + 1] = re[a] - xr;
        im[a + 1] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
      }
      h = 2;
    }
    // Stages of span 2h (twiddle W1 = e^{sign 2 pi i k/(2h)}) and 4h (W2 = e^{sign 2 pi i k/(4h)},
    // and W2 * sign*i for the second half) on the four points k, k+h, k+2h, k+3h of each block.
    for (; 4 * h <= m; h *= 4) {
      const block = 4 * h;
      const stride1 = n / (2 * h);
      const stride2 = n / (4 * h);
      for (let start = 0; start < m; start += block) {
        for (let k = 0; k < h; k++) {
          const w1r = cosT[k * stride1];
          const w1i = sign * sinT[k * stride1];
          const w2r = cosT[k * stride2];
          const w2i = sign * sinT[k * stride2];
          const w3r = -sign * w2i;
          const w3i = sign * w2r;
          const i0 = start + k;
          const i1 = i0 + h;
          const i2 = i1 + h;
          const i3 = i2 + h;
          const a1r = re[i1];
          const a1i = im[i1];
          const a3r = re[i3];
          const a3i = im[i3];
          const t1r = a1r * w1r - a1i * w1i;
          const t1i = a1r * w1i + a1i * w1r;
          const t3r = a3r * w1r - a3i * w1i;
          const t3i = a3r * w1i + a3i * w1r;
          const y0r = re[i0] + t1r;
          const y0i = im[i0] + t1i;
          const y1r = re[i0] - t1r;
          const y1i = im[i0] - t1i;
          const y2r = re[i2] + t3r;
          const y2i = im[i2] + t3i;
          const y3r = re[i2] - t3r;
          const y3i = im[i2] - t3i;
          const u2r = y2r * w2r - y2i * w2i;
          const u2i = y2r * w2i + y2i * w2r;
          const u3r = y3r * w3r - y3i * w3i;
          const u3i = y3r * w3i + y3i * w3r;
          re[i0] = y0r + u2r;
          im[i0] = y0i + u2i;
          re[i2] = y0r - u2r;
          im[i2] = y0i - u2i;
          re[i1] = y1r + u3r;
          im[i1] = y1i + u3i;
          re[i3] = y1r - u3r;
          im[i3] = y1i - u3i;
        }
      }
    }
  }

  /** Spectrum X_k = sum_j x_j e^{-2 pi i jk/n}, k = 0..n/2. */
  forward(x: Float64Array): { re: Float64Array; im: Float64Array } {
    const m = this.half;
    if (x.length !== this.n) throw new Error(`RealFft.forward: expected length ${this.n}, got ${x.length}`);
    const zr = this.re;
    const zi = this.im;
    for (let j = 0; j < m; j++) {
      zr[j] = x[2 * j];
      zi[j] = x[2 * j + 1];
    }
    this.complexFft(zr, zi, -1);
    const outRe = new Float64Array(m + 1);
    const outIm = new Float64Array(m + 1);
    for (let k = 0; k <= m; k++) {
      const a = k % m;
      const b = (m - k) % m;
      // Even part E = (Z_k + conj Z_{m-k}) / 2, odd part O = (Z_k - conj Z_{m-k}) / (2i).
      const er = 0.5 * (zr[a] + zr[b]);
      const ei = 0.5 * (zi[a] - zi[b]);
      const or = 0.5 * (zi[a] + zi[b]);
      const oi = -0.5 * (zr[a] - zr[b]);
      // X_k = E + e^{-2 pi i k/n} O
      const c = k < m ? this.cos[k] : -1;
      const s = k < m ? -this.sin[k] : 0;
      outRe[k] = er + c * or - s * oi;
      outIm[k] = ei + c * oi + s * or;
    }
    return { re: outRe, im: outIm };
  }

  /** Inverse of `forward`: x_j = (1/n) sum_k X_k e^{2 pi i jk/n} for a Hermitian spectrum. */
  inverse(
    specRe: Float64Array,
    specIm: Float64Array,
    out: Float64Array = new Float64Array(this.n),
  ): Float64Array {
    const m = this.half;
    const zr = this.re;
    const zi = this.im;
    for (let k = 0; k < m; k++) {
      // E_k = (X_k + conj X_{m-k}) / 2, O_k = (X_k - conj X_{m-k}) e^{2 pi i k/n} / 2, Z_k = E_k + i O_k.
      const xr = specRe[k];
      const xi = specIm[k];
      const yr = specRe[m - k];
      const yi = -specIm[m - k];
      const er = 0.5 * (xr + yr);
      const ei = 0.5 * (xi + yi);
      const dr = 0.5 * (xr - yr);
      const di = 0.5 * (xi - yi);
      const c = this.cos[k];
      const s = this.sin[k];
      const or = dr * c - di * s;
      const oi = dr * s + di * c;
      zr[k] = er - oi;
      zi[k] = ei + or;
    }
    this.complexFft(zr, zi, 1);
    const scale = 1 / m;
    for (let j = 0; j < m; j++) {
      out[2 * j] = zr[j] * scale;
      out[2 * j + 1] = zi[j] * scale;
    }
    return out;
  }
}
