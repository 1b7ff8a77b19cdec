/**
 * Poisson sampling of documents (the privacy unit) for DP-SGD, and packing of the sample into
 * micro-batches. Accountants (RDP, PRV, PLD) assume Poisson sampling: each document joins a logical step
 * independently with probability q, so the batch size is Binomial(N, q) and the update is divided by the
 * *expected* batch size q N (docs/METHOD.md). All randomness comes from a NoiseSource (Philox seeded by
 * crypto.getRandomValues); no TF.js here, so previews can run on the UI thread.
 */
import type { NoiseSource } from '../random/noise';

export interface PoissonSamplerConfig {
  /** q in (0, 1]: the probability that a document joins a logical step. */
  samplingRate: number;
  /**
   * K: the most windows one sampled document contributes, chosen without replacement; a document
   * with at most K windows contributes all of them (default 1).
   */
  windowsPerDocument?: number;
}

/** One sampled document and the windows it contributes (distinct, ascending). */
export interface SampledDocument {
  documentIndex: number;
  windowIndices: number[];
}

export const DEFAULT_WINDOWS_PER_DOCUMENT = 1;

function validate(windowCounts: ArrayLike<number>, config: PoissonSamplerConfig): number {
  const q = config.samplingRate;
  if (!(Number.isFinite(q) && q > 0 && q <= 1)) throw new Error(`samplingRate q must be in (0, 1], got ${q}`);
  const k = config.windowsPerDocument ?? DEFAULT_WINDOWS_PER_DOCUMENT;
  if (!Number.isInteger(k) || k < 1)
    throw new Error(`windowsPerDocument K must be an integer >= 1, got ${k}`);
  for (let d = 0; d < windowCounts.length; d++) {
    const n = windowCounts[d];
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new Error(`document ${d} has ${n} windows; every document needs an integer number >= 1`);
    }
  }
  return k;
}

/**
 * k distinct integers drawn uniformly from [0, n) with Floyd's algorithm (k <= n), using the uniforms
 * u[0..k-1] in [0, 1). Each integer is floor(u * range) with range <= n, so the bias is at most n / 2^53.
 * O(k) time and memory whatever n is (documents may have thousands of windows). Returned ascending.
 */
export function distinctIndices(n: number, k: number, uniforms: ArrayLike<number>): number[] {
  if (k > n) throw new Error(`cannot choose ${k} distinct indices out of ${n}`);
  if (uniforms.length < k) throw new Error(`need ${k} uniforms, got ${uniforms.length}`);
  const chosen = new Set<number>();
  for (let j = n - k, u = 0; j < n; j++, u++) {
    const t = Math.floor(uniforms[u] * (j + 1));
    chosen.add(chosen.has(t) ? j : t);
  }
  return [...chosen].sort((a, b) => a - b);
}

/**
 * One logical step's Poisson sample. `windowCounts[d]` is the number of windows of document d. Uses two
 * fresh seeds from the source: one for the N inclusion uniforms (document d is in iff u_d < q) and one
 * for the window choice (sampled document number s, in document order, uses uniforms s*K .. s*K+K-1).
 */
export function samplePoissonStep(
  windowCounts: ArrayLike<number>,
  config: PoissonSamplerConfig,
  source: NoiseSource,
): SampledDocument[] {
  const k = validate(windowCounts, config);
  const q = config.samplingRate;
  const inclusion = source.uniform53(source.nextSeed(), windowCounts.length);
  const included: number[] = [];
  for (let d = 0; d < inclusion.length; d++) if (inclusion[d] < q) included.push(d);
  const windowUniforms = source.uniform53(source.nextSeed(), included.length * k);
  return included.map((documentIndex, s) => {
    const n = windowCounts[documentIndex];
    const take = Math.min(k, n);
    const windowIndices =
      take === n
        ? Array.from({ length: n }, (_, w) => w)
        : distinctIndices(n, take, windowUniforms.subarray(s * k, s * k + take));
    return { documentIndex, windowIndices };
  });
}

/** q N: the divisor of the noisy clipped-gradient sum (the expected, not the realised, batch size). */
export function expectedBatchSize(numDocuments: number, samplingRate: number): number {
  return numDocuments * samplingRate;
}

/** A sampled document in a micro-batch and the windows it contributes. */
export interface MicroBatchRow {
  documentIndex: number;
  /** The document's windows; every row of one micro-batch has the same number of them. */
  windowIndices: number[];
}

export interface MicroBatch {
  /** Documents (the privacy units) of this micro-batch, each contributing `windowsPerExample` windows. */
  rows: MicroBatchRow[];
  /** Windows per document in this micro-batch (K of the clipping code: rows [iK, (i+1)K) are document i). */
  windowsPerExample: number;
}

/**
 * Packs a step's sample into micro-batches of about `windowRowsPerMicroBatch` window rows each.
 * Documents contribute different numbers of windows (all of theirs, up to the cap K), so they are
 * grouped by that number: a micro-batch holds documents with the same count k, floor(R / k) of
 * them (at least one), and no padding rows at all (a short document in a K-row layout would waste
 * K - k rows of compute). Grouping changes only how the sum of clipped gradients is computed, not
 * its value. An empty sample gives no micro-batches: the DP step then adds noise to a zero sum.
 */
export function packMicroBatches(
  sample: readonly SampledDocument[],
  windowRowsPerMicroBatch: number,
): MicroBatch[] {
  const r = windowRowsPerMicroBatch;
  if (!Number.isInteger(r) || r < 1)
    throw new Error(`windowRowsPerMicroBatch must be an integer >= 1, got ${r}`);
  const byCount = new Map<number, SampledDocument[]>();
  for (const d of sample) {
    const k = d.windowIndices.length;
    if (k < 1) throw new Error(`sampled document ${d.documentIndex} has no window`);
    const group = byCount.get(k);
    if (group) group.push(d);
    else byCount.set(k, [d]);
  }
  const batches: MicroBatch[] = [];
  for (const k of [...byCount.keys()].sort((a, b) => a - b)) {
    const docs = byCount.get(k)!;
    const perBatch = Math.max(1, Math.floor(r / k));
    for (let start = 0; start < docs.length; start += perBatch) {
      batches.push({
        windowsPerExample: k,
        rows: docs.slice(start, start + perBatch).map((d) => ({
          documentIndex: d.documentIndex,
          windowIndices: [...d.windowIndices],
        })),
      });
    }
  }
  return batches;
}
