import { describe, expect, it } from 'vitest';
import type { Document } from '../../src/data/types';
import { computeEpsilon } from '../../src/dp/accounting/index';
import { normSf } from '../../src/dp/accounting/special';
import {
  allocateSamples,
  exactCodeCounts,
  normalUpperQuantile,
  releaseCodeHistogram,
} from '../../src/pipeline/histogram';
import { insecureFixedSeedNoiseSource } from '../../src/random/noise';

function docs(counts: Record<string, number>): Document[] {
  const out: Document[] = [];
  for (const [label, n] of Object.entries(counts)) {
    for (let i = 0; i < n; i++) out.push({ id: `${label}${i}`, text: 'x', labels: [label], source: 't' });
  }
  return out;
}

describe('DP control-code histogram', () => {
  it('counts each document once, under its label tuple', () => {
    const counts = exactCodeCounts(docs({ a: 3, b: 1 }));
    expect([...counts.values()].map((c) => [c.labels, c.count])).toEqual([
      [['a'], 3],
      [['b'], 1],
    ]);
  });

  it('thresholds at 1 + sigma z(1 - deltaThreshold), so a single-document code is released with probability <= deltaThreshold', () => {
    expect(normSf(normalUpperQuantile(1e-6))).toBeCloseTo(1e-6, 12);
    const sigma = 4;
    const deltaThreshold = 0.05; // large, so the bound is testable empirically
    const source = insecureFixedSeedNoiseSource(1);
    let released = 0;
    const trials = 4000;
    for (let i = 0; i < trials; i++) {
      const r = releaseCodeHistogram(docs({ big: 500, unique: 1 }), 'dp', source, { sigma, deltaThreshold });
      if (r.codes.some((c) => c.labels[0] === 'unique')) released++;
      expect(r.threshold).toBeCloseTo(1 + sigma * normalUpperQuantile(deltaThreshold), 12);
    }
    // P(1 + N(0, sigma^2) > threshold) = deltaThreshold exactly; allow 5 binomial standard errors.
    const se = Math.sqrt((deltaThreshold * (1 - deltaThreshold)) / trials);
    expect(released / trials).toBeLessThan(deltaThreshold + 5 * se);
    expect(released / trials).toBeGreaterThan(deltaThreshold - 5 * se);
  });

  it('adds N(0, sigma^2) to every count (mean and variance over many codes)', () => {
    const counts: Record<string, number> = {};
    for (let i = 0; i < 2000; i++) counts[`c${i}`] = 1000;
    const sigma = 10;
    const r = releaseCodeHistogram(docs(counts), 'dp', insecureFixedSeedNoiseSource(2), {
      sigma,
      deltaThreshold: 1e-9,
    });
    expect(r.codes).toHaveLength(2000);
    const noise = r.codes.map((c) => c.weight - 1000);
    const mean = noise.reduce((a, b) => a + b, 0) / noise.length;
    const variance = noise.reduce((a, b) => a + (b - mean) ** 2, 0) / (noise.length - 1);
    expect(Math.abs(mean)).toBeLessThan((5 * sigma) / Math.sqrt(noise.length));
    expect(Math.abs(variance / sigma ** 2 - 1)).toBeLessThan(5 * Math.sqrt(2 / noise.length));
  });

  it('is accounted as one full-batch Gaussian mechanism with sensitivity 1', () => {
    const sigma = 10;
    const r = releaseCodeHistogram(docs({ a: 100 }), 'dp', insecureFixedSeedNoiseSource(3), {
      sigma,
      deltaThreshold: 1e-7,
    });
    expect(r.phases).toEqual([{ q: 1, sigma, steps: 1 }]);
    // Exact Gaussian mechanism (Balle & Wang): delta(eps) = Phi(-eps s + 1/(2s)) - e^eps Phi(-eps s - 1/(2s)).
    const delta = 1e-5;
    const exactDelta = (eps: number) =>
      normSf(eps * sigma - 1 / (2 * sigma)) - Math.exp(eps) * normSf(eps * sigma + 1 / (2 * sigma));
    let lo = 0;
    let hi = 5;
    for (let i = 0; i < 100; i++) {
      const mid = (lo + hi) / 2;
      if (exactDelta(mid) > delta) lo = mid;
      else hi = mid;
    }
    const eps = computeEpsilon(r.phases, delta);
    expect(eps).toBeGreaterThanOrEqual(hi * (1 - 1e-9));
    expect(eps).toBeLessThan(hi * 1.02 + 0.011); // the reported bound is Opacus-style (eps + 0.01 slack)
  });

  it('uniform mode spends nothing and weighs every declared code equally', () => {
    const r = releaseCodeHistogram(docs({ a: 5, b: 1 }), 'uniform', insecureFixedSeedNoiseSource(4), {
      sigma: 1,
      deltaThreshold: 1e-6,
      declaredCodes: [['b'], ['a']],
    });
    expect(r.phases).toEqual([]);
    expect(r.deltaThreshold).toBe(0);
    expect(r.codes.map((c) => c.weight)).toEqual([1, 1]);
  });

  it('uniform mode releases exactly the user-declared codes, never the private label set', () => {
    const release = (d: Document[]) =>
      releaseCodeHistogram(d, 'uniform', insecureFixedSeedNoiseSource(4), {
        sigma: 1,
        deltaThreshold: 1e-6,
        declaredCodes: [['c'], ['a'], ['b']],
      });
    // A code held by one private document ('secret') is not released; a declared code no document
    // holds ('c') is; the order is canonical.
    const withSecret = release(docs({ a: 5, b: 1, secret: 1 }));
    expect(withSecret.codes.map((c) => c.labels)).toEqual([['a'], ['b'], ['c']]);
    expect(release(docs({ b: 9 })).codes).toEqual(withSecret.codes);
  });

  it('uniform mode without a declared list is refused', () => {
    expect(() =>
      releaseCodeHistogram(docs({ a: 5 }), 'uniform', insecureFixedSeedNoiseSource(4), {
        sigma: 1,
        deltaThreshold: 1e-6,
      }),
    ).toThrow(/uniform.*declared/);
  });

  it('releases codes in canonical order (sorted by key), whatever the order of the documents', () => {
    const forward = docs({ zeta: 300, alpha: 200, mid: 250 });
    const backward = [...forward].reverse();
    const release = (d: Document[]) =>
      releaseCodeHistogram(d, 'dp', insecureFixedSeedNoiseSource(5), { sigma: 2, deltaThreshold: 1e-6 });
    const a = release(forward);
    const b = release(backward);
    expect(a.codes.map((c) => c.labels[0])).toEqual(['alpha', 'mid', 'zeta']);
    // Same noise stream, same codes, same order: the release does not depend on document order.
    expect(b.codes).toEqual(a.codes);
  });

  it('allocates samples in proportion to the released weights, summing exactly to the total', () => {
    const alloc = allocateSamples(
      [
        { labels: ['a'], weight: 30.6 },
        { labels: ['b'], weight: 10.1 },
        { labels: ['c'], weight: 59.3 },
      ],
      100,
    );
    expect(alloc.reduce((a, b) => a + b, 0)).toBe(100);
    expect(alloc).toEqual([31, 10, 59]); // floors 30, 10, 59; the one left goes to the largest remainder
  });
});
