/**
 * How many synthetic samples each control code gets. The reference code uses the exact private
 * label histogram, which leaks it. Here it is either
 * - 'dp': a Gaussian-noised histogram of the training documents' control codes. A document has one
 *   control code (its label tuple), so adding or removing it changes one count by 1 (L2
 *   sensitivity 1): noise N(0, sigma_h^2) per count is the Gaussian mechanism, accounted as one
 *   full-batch phase {q: 1, sigma: sigma_h, steps: 1} composed with DP-SGD. The SET of codes is
 *   private too (a code held by one document would reveal it), so codes are released only when
 *   their noisy count exceeds tau = 1 + sigma_h * z(1 - deltaThreshold): a code unique to one
 *   document appears with probability <= deltaThreshold, which is added to the run's delta
 *   (Gaussian partition selection).
 * - 'uniform': equal counts over a list of codes the USER declares (public by declaration, listed in
 *   the privacy report). The private label set is never released: a declared code no document holds
 *   is prompted anyway, and a code held only by private documents is not.
 * Codes are released in canonical order (sorted by key), never in the documents' order.
 */

import type { Document } from '../data/types';
import type { Phase } from '../dp/accounting/index';
import { normSf } from '../dp/accounting/special';
import type { NoiseSource } from '../random/noise';

export type HistogramMode = 'dp' | 'uniform';

export interface CodeCount {
  labels: string[];
  /** Released (noisy) count, or 1 for the uniform prior. */
  weight: number;
}

export interface HistogramRelease {
  mode: HistogramMode;
  codes: CodeCount[];
  /** The DP phase to compose with training (none for 'uniform'). */
  phases: Phase[];
  /** Delta spent on releasing the code set (0 for 'uniform'). */
  deltaThreshold: number;
  threshold?: number;
  sigma?: number;
  /** Codes of the training documents left out of the release. Computed from private data: shown to
   * the local user only, never written to an exported report. */
  droppedCodes: number;
}

export function codeKey(labels: string[]): string {
  return JSON.stringify(labels);
}

/** Upper quantile z with P(N(0,1) > z) = p, by bisection on the survival function. */
export function normalUpperQuantile(p: number): number {
  if (!(p > 0 && p < 0.5)) throw new Error(`quantile probability must be in (0, 0.5), got ${p}`);
  let lo = 0;
  let hi = 40;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (normSf(mid) > p) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Orders codes by their key (code-unit order of the JSON text): the one canonical order of codes. */
export function compareCodes(a: string[], b: string[]): number {
  const ka = codeKey(a);
  const kb = codeKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/**
 * Exact counts per code, in canonical order (sorted by key). Never in the documents' order: that
 * order is private (it would set the order of the released codes, hence of prompts and seeds).
 */
export function exactCodeCounts(docs: Document[]): Map<string, { labels: string[]; count: number }> {
  const counts = new Map<string, { labels: string[]; count: number }>();
  for (const d of docs) {
    const k = codeKey(d.labels);
    const e = counts.get(k);
    if (e) e.count++;
    else counts.set(k, { labels: d.labels, count: 1 });
  }
  return new Map([...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export interface DPHistogramOptions {
  /** Noise multiplier of the counts (sensitivity 1). Default 10. */
  sigma: number;
  /** Probability bound for releasing a code held by one document. */
  deltaThreshold: number;
  /** The codes of 'uniform' mode, declared by the user (required there; ignored by 'dp'). */
  declaredCodes?: string[][];
}

/** The accounting phases of a histogram release: one full-batch Gaussian mechanism for 'dp'. */
export function histogramPhases(mode: HistogramMode, sigma: number): Phase[] {
  return mode === 'dp' ? [{ q: 1, sigma, steps: 1 }] : [];
}

export function releaseCodeHistogram(
  docs: Document[],
  mode: HistogramMode,
  source: NoiseSource,
  options: DPHistogramOptions,
): HistogramRelease {
  if (mode === 'uniform') {
    if (!options.declaredCodes?.length)
      throw new Error(
        "histogram mode 'uniform' needs the list of codes declared by the user (public by declaration); it never takes them from the data",
      );
    const declared = new Map(options.declaredCodes.map((labels) => [codeKey(labels), labels]));
    return {
      mode,
      codes: [...declared.keys()].sort().map((k) => ({ labels: declared.get(k)!, weight: 1 })),
      phases: [],
      deltaThreshold: 0,
      droppedCodes: 0,
    };
  }
  const exact = exactCodeCounts(docs);
  if (!(options.sigma > 0)) throw new Error(`histogram sigma must be > 0, got ${options.sigma}`);
  const threshold = 1 + options.sigma * normalUpperQuantile(options.deltaThreshold);
  const noise = new Float32Array(exact.size + (exact.size % 2));
  source.fillNormal(noise, options.sigma, source.nextSeed());
  const codes: CodeCount[] = [];
  let i = 0;
  for (const e of exact.values()) {
    const noisy = e.count + noise[i++];
    if (noisy > threshold) codes.push({ labels: e.labels, weight: noisy });
  }
  return {
    mode,
    codes,
    phases: histogramPhases('dp', options.sigma),
    deltaThreshold: options.deltaThreshold,
    threshold,
    sigma: options.sigma,
    droppedCodes: exact.size - codes.length,
  };
}

/** Splits `total` samples over the codes in proportion to their weights (largest remainders). */
export function allocateSamples(codes: CodeCount[], total: number): number[] {
  if (codes.length === 0) return [];
  const sum = codes.reduce((a, c) => a + c.weight, 0);
  const exact = codes.map((c) => (total * c.weight) / sum);
  const out = exact.map(Math.floor);
  const order = exact.map((v, i) => [v - Math.floor(v), i]).sort((a, b) => b[0] - a[0]);
  let left = total - out.reduce((a, b) => a + b, 0);
  for (const [, i] of order) {
    if (left <= 0) break;
    out[i]++;
    left--;
  }
  return out;
}
