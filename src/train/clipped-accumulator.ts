/**
 * The clipped-gradient sum of one DP step, built micro-batch by micro-batch: each micro-batch's
 * per-document clipped sum (fast book-keeping path, non-finite documents skipped,
 * src/dp/nonfinite.ts) is added in, with the step's local statistics (loss, clipped and skipped
 * documents, tokens). The training loop (train/dp-train.ts) and the gradient helpers of
 * train/gradient-pool.ts both use it, so a micro-batch contributes exactly the same sum wherever
 * it runs; a helper's sums come back as arrays and are added with `addArrays`.
 */
import * as tf from '@tensorflow/tfjs';
import { type ClippingOptions, clippedGradientsFast } from '../dp/clipping';
import { clipSkippingNonFinite } from '../dp/nonfinite';
import type { GPTConfig } from '../model/config';
import type { TokenBatch } from '../model/losses';
import type { Params } from '../model/params';

/** What a step's clipped sum is computed with: the forward parameters and the clipping options. */
export interface ClipContext {
  params: Params;
  config: GPTConfig;
  clipping: Partial<ClippingOptions>;
  padId: number;
}

/** Statistics of the documents of a step (or a share of it): local, never released. */
export interface ClipStats {
  /** Sum of the per-document losses of the documents that contributed. */
  lossSum: number;
  /** Documents whose gradient was clipped (factor < 1). */
  clipped: number;
  /** Documents skipped for a non-finite gradient (factor 0). */
  nonFinite: number;
  /** Real (unmasked) tokens. */
  tokens: number;
}

export class ClippedSumAccumulator {
  readonly stats: ClipStats = { lossSum: 0, clipped: 0, nonFinite: 0, tokens: 0 };
  private sums = new Map<string, tf.Tensor>();

  /** Clips one micro-batch (documents of `windowsPerExample` rows each) and adds its sum. */
  async addMicroBatch(batch: TokenBatch, windowsPerExample: number, ctx: ClipContext): Promise<void> {
    const r = await clipSkippingNonFinite(
      clippedGradientsFast,
      ctx.params,
      ctx.config,
      batch,
      { ...ctx.clipping, windowsPerExample },
      ctx.padId,
    );
    const skipped = new Set(r.nonFiniteExamples);
    const tokenCount = tf.sum(batch.mask);
    const [losses, factors, count] = await Promise.all([
      r.losses.data(),
      r.clipFactors.data(),
      tokenCount.data(),
    ]);
    tokenCount.dispose();
    this.stats.nonFinite += skipped.size;
    this.stats.tokens += count[0];
    for (let i = 0; i < losses.length; i++) {
      if (skipped.has(i)) continue;
      this.stats.lossSum += losses[i];
      if (factors[i] < 1) this.stats.clipped++;
    }
    tf.dispose([r.norms, r.clipFactors, r.losses]);
    for (const [name, g] of r.clippedSum) this.addTensor(name, g);
  }

  /** Adds sums computed elsewhere (a gradient helper), in `names` order, and their statistics. */
  addArrays(names: readonly string[], sums: readonly Float32Array[], stats: ClipStats, shapes: Params): void {
    if (sums.length !== names.length) throw new Error(`expected ${names.length} sums, got ${sums.length}`);
    for (const [i, name] of names.entries())
      this.addTensor(name, tf.tensor(sums[i], shapes.get(name)!.shape, 'float32'));
    this.stats.lossSum += stats.lossSum;
    this.stats.clipped += stats.clipped;
    this.stats.nonFinite += stats.nonFinite;
    this.stats.tokens += stats.tokens;
  }

  /** The sums (ownership passes to the caller); empty when nothing was added. */
  take(): Map<string, tf.Tensor> {
    const out = this.sums;
    this.sums = new Map();
    return out;
  }

  /** The sums read back in `names` order (a parameter nothing was added to reads as zeros). */
  async readArrays(names: readonly string[], shapes: Params): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (const name of names) {
      const t = this.sums.get(name);
      out.push(t ? ((await t.data()) as Float32Array) : new Float32Array(shapes.get(name)!.size));
    }
    return out;
  }

  dispose(): void {
    tf.dispose([...this.sums.values()]);
    this.sums.clear();
  }

  private addTensor(name: string, g: tf.Tensor): void {
    const prev = this.sums.get(name);
    if (!prev) {
      this.sums.set(name, g);
      return;
    }
    this.sums.set(name, tf.add(prev, g));
    prev.dispose();
    g.dispose();
  }
}
