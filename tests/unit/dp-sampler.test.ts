import { describe, expect, it } from 'vitest';
import {
  distinctIndices,
  expectedBatchSize,
  packMicroBatches,
  type SampledDocument,
  samplePoissonStep,
} from '../../src/dp/sampler';
import { insecureFixedSeedNoiseSource, type NoiseSeed, type NoiseSource } from '../../src/random/noise';

/** Runs `steps` logical steps and returns each step's sample. */
function run(windowCounts: number[], q: number, steps: number, seed: number, k = 1): SampledDocument[][] {
  const source = insecureFixedSeedNoiseSource(seed);
  return Array.from({ length: steps }, () =>
    samplePoissonStep(windowCounts, { samplingRate: q, windowsPerDocument: k }, source),
  );
}

/** Binomial(n, p) probabilities 0..n by the ratio recurrence (float64). */
function binomialPmf(n: number, p: number): number[] {
  const pmf = [(1 - p) ** n];
  for (let k = 0; k < n; k++) pmf.push((pmf[k] * (n - k) * p) / ((k + 1) * (1 - p)));
  return pmf;
}

/** Chi-square critical value at level alpha (Wilson-Hilferty; z for alpha = 1e-3 is 3.0902). */
function chiSquareCritical(df: number): number {
  const z = 3.0902;
  return df * (1 - 2 / (9 * df) + z * Math.sqrt(2 / (9 * df))) ** 3;
}

/** Pearson chi-square of observed counts against probabilities, pooling tail cells to expected >= 5. */
function chiSquare(observed: number[], probabilities: number[], total: number): { stat: number; df: number } {
  const cells: { o: number; e: number }[] = [];
  let o = 0;
  let e = 0;
  for (let i = 0; i < probabilities.length; i++) {
    o += observed[i] ?? 0;
    e += probabilities[i] * total;
    if (e >= 5) {
      cells.push({ o, e });
      o = 0;
      e = 0;
    }
  }
  cells[cells.length - 1].o += o;
  cells[cells.length - 1].e += e;
  const stat = cells.reduce((s, c) => s + (c.o - c.e) ** 2 / c.e, 0);
  return { stat, df: cells.length - 1 };
}

describe('Poisson sampling of documents', () => {
  const n = 500;
  const q = 0.04;
  const steps = 2000;
  const samples = run(new Array(n).fill(3), q, steps, 11);

  it('includes each document with probability q (binomial bounds, overall and per document)', () => {
    const counts = new Array(n).fill(0);
    for (const s of samples) for (const d of s) counts[d.documentIndex]++;
    const total = counts.reduce((a, b) => a + b, 0);
    const trials = n * steps;
    expect(Math.abs(total - trials * q)).toBeLessThan(5 * Math.sqrt(trials * q * (1 - q)));
    const perDocSd = Math.sqrt(steps * q * (1 - q));
    for (const c of counts) expect(Math.abs(c - steps * q)).toBeLessThan(6 * perDocSd);
  });

  it('includes documents independently (pairwise co-inclusion ~ q^2)', () => {
    const pairs: [number, number][] = [];
    for (let d = 0; d + 1 < n; d++) pairs.push([d, d + 1]);
    for (let d = 0; d < n / 2; d++) pairs.push([d, n - 1 - d]);
    let together = 0;
    for (const s of samples) {
      const inStep = new Set(s.map((d) => d.documentIndex));
      for (const [a, b] of pairs) if (inStep.has(a) && inStep.has(b)) together++;
    }
    const trials = pairs.length * steps;
    // Pairs overlap, so counts are not quite independent; 5 sd of the independent case is still a tight bound.
    expect(Math.abs(together - trials * q * q)).toBeLessThan(5 * Math.sqrt(trials * q * q));
  });

  it('gives batch sizes distributed as Binomial(N, q) (chi-square at alpha = 1e-3)', () => {
    const sizes = samples.map((s) => s.length);
    const observed = new Array(n + 1).fill(0);
    for (const b of sizes) observed[b]++;
    const pmf = binomialPmf(n, q);
    const { stat, df } = chiSquare(observed, pmf, steps);
    expect(df).toBeGreaterThan(10);
    expect(stat).toBeLessThan(chiSquareCritical(df));
    const mean = sizes.reduce((a, b) => a + b, 0) / steps;
    expect(Math.abs(mean - n * q)).toBeLessThan(5 * Math.sqrt((n * q * (1 - q)) / steps));
    // The test has power: fixed-size batches of q N (shuffling, as the reference code does) fail it.
    const fixed = new Array(n + 1).fill(0);
    fixed[n * q] = steps;
    expect(chiSquare(fixed, pmf, steps).stat).toBeGreaterThan(chiSquareCritical(df));
  });

  it('lists sampled documents in ascending order without duplicates', () => {
    for (const s of samples.slice(0, 50)) {
      const ids = s.map((d) => d.documentIndex);
      expect(ids).toEqual([...new Set(ids)].sort((a, b) => a - b));
    }
  });

  it('samples every document when q = 1', () => {
    const [s] = run([1, 2, 3], 1, 1, 3);
    expect(s.map((d) => d.documentIndex)).toEqual([0, 1, 2]);
  });

  it('is deterministic under a fixed test seed, and seed-dependent', () => {
    const windowCounts = Array.from({ length: 300 }, (_, i) => 1 + (i % 7));
    expect(run(windowCounts, 0.1, 5, 99, 2)).toEqual(run(windowCounts, 0.1, 5, 99, 2));
    expect(run(windowCounts, 0.1, 5, 100, 2)).not.toEqual(run(windowCounts, 0.1, 5, 99, 2));
  });

  it('uses two fresh seeds per step and never reuses one', () => {
    const inner = insecureFixedSeedNoiseSource(1);
    const used: string[] = [];
    const recording: NoiseSource = {
      secure: inner.secure,
      nextSeed: () => inner.nextSeed(),
      fillNormal: inner.fillNormal,
      uniform53: (seed: NoiseSeed, count: number) => {
        used.push(JSON.stringify(seed));
        return inner.uniform53(seed, count);
      },
    };
    for (let i = 0; i < 10; i++)
      samplePoissonStep([4, 4, 4, 4, 4], { samplingRate: 0.5, windowsPerDocument: 2 }, recording);
    expect(used.length).toBe(20);
    expect(new Set(used).size).toBe(20);
  });

  it('rejects invalid configurations with specific messages', () => {
    const src = insecureFixedSeedNoiseSource(0);
    expect(() => samplePoissonStep([1, 2], { samplingRate: 0 }, src)).toThrow(
      /samplingRate q must be in \(0, 1\]/,
    );
    expect(() => samplePoissonStep([1, 2], { samplingRate: 1.5 }, src)).toThrow(/samplingRate/);
    expect(() => samplePoissonStep([1, 2], { samplingRate: 0.5, windowsPerDocument: 0 }, src)).toThrow(
      /windowsPerDocument/,
    );
    expect(() => samplePoissonStep([1, 0], { samplingRate: 0.5 }, src)).toThrow(/document 1 has 0 windows/);
    expect(expectedBatchSize(1000, 0.01)).toBeCloseTo(10, 12);
  });
});

describe('window choice within a sampled document', () => {
  it('picks min(K, windows) distinct windows within range', () => {
    const windowCounts = [1, 2, 3, 5, 50, 1000];
    for (const s of run(windowCounts, 1, 200, 5, 3)) {
      for (const d of s) {
        const nWin = windowCounts[d.documentIndex];
        expect(d.windowIndices.length).toBe(Math.min(3, nWin));
        expect(new Set(d.windowIndices).size).toBe(d.windowIndices.length);
        for (const w of d.windowIndices) expect(Number.isInteger(w) && w >= 0 && w < nWin).toBe(true);
      }
    }
  });

  it('chooses every K-subset equally often (chi-square, 5 windows choose 2)', () => {
    const counts = new Map<string, number>();
    const steps = 5000;
    for (const [d] of run([5], 1, steps, 8, 2)) {
      const k = d.windowIndices.join(',');
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    expect(counts.size).toBe(10);
    const stat = [...counts.values()].reduce((s, o) => s + (o - steps / 10) ** 2 / (steps / 10), 0);
    expect(stat).toBeLessThan(chiSquareCritical(9));
  });

  it("Floyd's algorithm maps uniforms to the expected indices", () => {
    // n = 10, k = 3, j = 7, 8, 9: t = floor(0 * 8) = 0 -> {0}; t = floor(0.05 * 9) = 0, taken -> j = 8;
    // t = floor(0.99 * 10) = 9, free -> {0, 8, 9}.
    expect(distinctIndices(10, 3, [0, 0.05, 0.99])).toEqual([0, 8, 9]);
    // t = 4, then 4 (taken -> 8), then 4 (taken -> 9).
    expect(distinctIndices(10, 3, [0.5, 0.45, 0.41])).toEqual([4, 8, 9]);
    expect(() => distinctIndices(3, 4, [0, 0, 0, 0])).toThrow(/cannot choose 4 distinct indices out of 3/);
  });
});

describe('micro-batch packing', () => {
  const sample: SampledDocument[] = Array.from({ length: 23 }, (_, i) => ({
    documentIndex: 3 * i,
    windowIndices: Array.from({ length: 1 + (i % 3) }, (_, w) => w),
  }));

  it('groups documents by window count, floor(R / k) per micro-batch, no padding, every document once', () => {
    const batches = packMicroBatches(sample, 10);
    // 8 documents with 1 window, 8 with 2, 7 with 3: R = 10 -> 10 / 5 / 3 documents per micro-batch.
    expect(batches.map((b) => [b.windowsPerExample, b.rows.length])).toEqual([
      [1, 8],
      [2, 5],
      [2, 3],
      [3, 3],
      [3, 3],
      [3, 1],
    ]);
    for (const b of batches) {
      for (const r of b.rows) expect(r.windowIndices.length).toBe(b.windowsPerExample);
      expect(b.rows.length * b.windowsPerExample).toBeLessThanOrEqual(10);
    }
    const packed = batches.flatMap((b) => b.rows.map((r) => r.documentIndex)).sort((a, b) => a - b);
    expect(packed).toEqual(sample.map((d) => d.documentIndex));
  });

  it('gives a document with more windows than R a micro-batch of its own, and no batch for an empty sample', () => {
    const long: SampledDocument = { documentIndex: 5, windowIndices: [0, 1, 2, 3, 4, 5] };
    expect(packMicroBatches([long, long], 4).map((b) => b.rows.length)).toEqual([1, 1]);
    expect(packMicroBatches([], 8)).toEqual([]);
    expect(() => packMicroBatches(sample, 0)).toThrow(/windowRowsPerMicroBatch/);
  });

  it('copies window lists (packing cannot alias the sample)', () => {
    const [b] = packMicroBatches(sample.slice(0, 1), 2);
    b.rows[0].windowIndices.push(99);
    expect(sample[0].windowIndices).toEqual([0]);
  });
});
