import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RealFft } from '../../src/dp/accounting/fft';
import { erfc, logErfc, logNormCdf, normCdf } from '../../src/dp/accounting/special';

/** mpmath values at 50 digits (tests/unit/fixtures/accounting-mpmath.py). */
const ref = JSON.parse(
  readFileSync(new URL('./fixtures/accounting-mpmath.json', import.meta.url), 'utf8'),
) as {
  special: { x: number; erfc: number; logErfc: number }[];
  normal: { x: number; cdf: number; logCdf: number }[];
};

const rel = (a: number, b: number) => (b === 0 ? Math.abs(a) : Math.abs(a - b) / Math.abs(b));

describe('special functions against mpmath', () => {
  it('erfc and log erfc to 1e-13 relative, including the far tail', () => {
    for (const r of ref.special) {
      expect(rel(erfc(r.x), r.erfc), `erfc(${r.x})`).toBeLessThan(1e-13);
      expect(Math.abs(logErfc(r.x) - r.logErfc), `logErfc(${r.x})`).toBeLessThan(
        1e-13 * Math.max(1, Math.abs(r.logErfc)),
      );
    }
  });

  it('Phi and log Phi to 1e-12 relative, log Phi down to x = -38 (Phi ~ 1e-316)', () => {
    for (const r of ref.normal) {
      if (r.cdf > 1e-300) expect(rel(normCdf(r.x), r.cdf), `Phi(${r.x})`).toBeLessThan(1e-12);
      expect(rel(logNormCdf(r.x), r.logCdf), `log Phi(${r.x})`).toBeLessThan(1e-13);
    }
  });
});

describe('RealFft', () => {
  function naiveDft(x: Float64Array): { re: number[]; im: number[] } {
    const n = x.length;
    const re: number[] = [];
    const im: number[] = [];
    for (let k = 0; k <= n / 2; k++) {
      let sr = 0;
      let si = 0;
      for (let j = 0; j < n; j++) {
        const a = (-2 * Math.PI * ((j * k) % n)) / n;
        sr += x[j] * Math.cos(a);
        si += x[j] * Math.sin(a);
      }
      re.push(sr);
      im.push(si);
    }
    return { re, im };
  }

  for (const n of [4, 8, 64, 512]) {
    it(`matches a naive DFT and inverts exactly (n = ${n})`, () => {
      const x = Float64Array.from({ length: n }, (_, i) => Math.sin(1.3 * i) + 0.1 * (i % 7));
      const fft = new RealFft(n);
      const { re, im } = fft.forward(x);
      const want = naiveDft(x);
      for (let k = 0; k <= n / 2; k++) {
        expect(Math.abs(re[k] - want.re[k])).toBeLessThan(1e-11);
        expect(Math.abs(im[k] - want.im[k])).toBeLessThan(1e-11);
      }
      const back = fft.inverse(re, im);
      for (let j = 0; j < n; j++) expect(Math.abs(back[j] - x[j])).toBeLessThan(1e-14);
    });
  }

  it('computes circular convolutions through spectrum products', () => {
    const n = 16;
    const a = Float64Array.from({ length: n }, (_, i) => (i < 5 ? i + 1 : 0));
    const b = Float64Array.from({ length: n }, (_, i) => (i > 12 ? 2 : i === 0 ? 1 : 0));
    const fft = new RealFft(n);
    const fa = fft.forward(a);
    const fb = fft.forward(b);
    const re = fa.re.map((r, k) => r * fb.re[k] - fa.im[k] * fb.im[k]);
    const im = fa.re.map((r, k) => r * fb.im[k] + fa.im[k] * fb.re[k]);
    const got = fft.inverse(re, im);
    for (let j = 0; j < n; j++) {
      let want = 0;
      for (let i = 0; i < n; i++) want += a[i] * b[(j - i + n) % n];
      expect(got[j]).toBeCloseTo(want, 12);
    }
  });

  it('rejects sizes that are not powers of two', () => {
    expect(() => new RealFft(12)).toThrow(/power of two/);
  });
});
