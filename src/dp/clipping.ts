/**
 * Per-example clipped gradient sums, sum_i c_i g_i with c_i = min(1, C / (||g_i|| + 1e-6)) and
 * ||g_i|| taken over ALL trainable parameters, computed two ways:
 * - `clippedGradientsFast` (here): one forward + one backward pass (book-keeping, src/dp/tap.ts).
 *   As each layer's output gradient G arrives during the backward pass, it is reduced to what
 *   clipping needs: for a linear layer either the per-example gradients A_i^T G_i (when the
 *   direct norm is cheaper, METHOD.md's cost model, and they fit the memory budget) or the pair
 *   (A, G) itself (ghost norm; the clipped sum is then A^T diag(c) G). After the pass, the norms
 *   give c, and the clipped sums are c-weighted sums of those pieces.
 * - `clippedGradientsNaive` (oracle.ts): per-example autodiff in a loop, clip, sum.
 * Tests require the two to agree.
 *
 * Batch layout: rows are windows; example (document) i owns rows [i K, (i + 1) K). Its loss is
 * the sum over its K windows of the mean cross-entropy over each window's own real tokens, so
 * an example's gradient depends on nothing but its own tokens. Empty padding rows (mask 0)
 * contribute exactly nothing.
 */
import * as tf from '@tensorflow/tfjs';
import type { GPTConfig } from '../model/config';
import { forward } from '../model/gpt';
import type { Params } from '../model/params';
import { perExampleLoss, type TokenBatch } from '../train/losses';
import { clipFactors, ghostNormIsCheaper } from './norms';
import { ghostSqNormsLooped, perExampleGramReduce, perExampleWeightGrads } from './per-example';
import { TapRunner, type TapSite } from './tap';

/** How embeddings are treated under DP. */
export type EmbeddingMode = 'train' | 'frozen';

export interface ClippingOptions {
  /** Clip norm C (default 1.0, as the reference stack). */
  clipNorm: number;
  /** Windows per example K: rows [iK, (i+1)K) belong to example i (default 1). */
  windowsPerExample: number;
  /** 'frozen' excludes wte and wpe (and a tied LM head, which is wte) from training. */
  embeddings: EmbeddingMode;
  /**
   * Bytes of per-example gradients the fast path may hold at once (default 256 MB). Beyond it,
   * layers fall back to keeping (A, G) and forming A^T diag(c) G after the pass.
   */
  perExampleBudgetBytes: number;
  /**
   * Loss of each batch row (window) from the logits: default the mean next-token cross-entropy
   * over the row's own real tokens. The DPKD baseline passes a per-row distillation loss. It must
   * depend on that row only (then DP's per-example bound holds). `firstRow` is the index, in the
   * micro-batch, of the first row passed (the oracle passes one example's rows at a time), so a
   * loss that reads per-row data captured in its closure (teacher logits) can slice it.
   */
  rowLoss?: (logits: tf.Tensor3D, batch: TokenBatch, firstRow: number) => tf.Tensor1D;
}

export const DEFAULT_CLIPPING: ClippingOptions = {
  clipNorm: 1,
  windowsPerExample: 1,
  embeddings: 'train',
  perExampleBudgetBytes: 256 * 2 ** 20,
};

export interface ClippedGradients {
  /** sum_i c_i g_i for every trainable parameter. */
  clippedSum: Map<string, tf.Tensor>;
  /** (E,) per-example gradient norms before clipping. */
  norms: tf.Tensor1D;
  /** (E,) clip factors c_i. */
  clipFactors: tf.Tensor1D;
  /** (E,) per-example losses. */
  losses: tf.Tensor1D;
}

/** Names of the parameters DP-SGD trains under the given embedding mode. */
export function trainableNames(params: Params, config: GPTConfig, mode: EmbeddingMode): Set<string> {
  const names = new Set(params.keys());
  if (mode === 'frozen') {
    names.delete('wte.weight');
    names.delete('wpe.weight');
  }
  if (config.tieEmbeddings) names.delete('lm_head.weight');
  return names;
}

/** Per-example losses (E,) = sum over each example's K windows of the per-window loss. */
export function exampleLosses(
  logits: tf.Tensor3D,
  batch: TokenBatch,
  k: number,
  rowLoss: ClippingOptions['rowLoss'] = perExampleLoss,
  firstRow = 0,
): tf.Tensor1D {
  const rows = rowLoss(logits, batch, firstRow);
  return k === 1 ? rows : (tf.sum(tf.reshape(rows, [-1, k]), 1) as tf.Tensor1D);
}

export function checkBatch(batch: TokenBatch, k: number): { rows: number; t: number; examples: number } {
  const [rows, t] = batch.inputs.shape;
  if (!Number.isInteger(k) || k < 1)
    throw new Error(`windowsPerExample must be a positive integer, got ${k}`);
  if (rows % k !== 0) throw new Error(`batch has ${rows} rows, not a multiple of windowsPerExample ${k}`);
  return { rows, t, examples: rows / k };
}

/** Per-example sums over each example's rows: (E L, c) -> (E, c). */
function sumRowsPerExample(x: tf.Tensor2D, examples: number): tf.Tensor2D {
  return tf.sum(tf.reshape(x, [examples, -1, x.shape[1]]), 1) as tf.Tensor2D;
}

/** What the backward pass keeps of each parameter, to form the clipped sums afterwards. */
type Piece =
  /** Per-example gradients (E, size): clipped sum = c^T P. */
  | { kind: 'perExample'; grads: tf.Tensor2D; shape: number[] }
  /** A linear layer kept as (A, G): clipped sum = A^T diag(c) G. */
  | { kind: 'deferred'; a: tf.Tensor2D; g: tf.Tensor2D };

class NormAccumulator {
  readonly pieces = new Map<string, Piece>();
  private sq: tf.Tensor1D;
  private budget: number;

  constructor(
    readonly examples: number,
    budgetBytes: number,
  ) {
    this.sq = tf.keep(tf.zeros([examples]));
    this.budget = budgetBytes;
  }

  addSqNorms(v: tf.Tensor1D): void {
    const next = tf.keep(tf.add(this.sq, v)) as tf.Tensor1D;
    this.sq.dispose();
    this.sq = next;
  }

  /** Records per-example gradients (E, size) of a parameter and adds their squared norms. */
  addPerExample(name: string, grads: tf.Tensor2D, shape: number[]): void {
    this.addSqNorms(tf.sum(tf.square(grads), 1) as tf.Tensor1D);
    this.pieces.set(name, { kind: 'perExample', grads: tf.keep(grads), shape });
    this.budget -= grads.size * 4;
  }

  /** A linear weight: direct per-example gradients when cheaper and within budget, else ghost. */
  addLinearWeight(name: string, a: tf.Tensor2D, g: tf.Tensor2D): void {
    const l = a.shape[0] / this.examples;
    const [d, p] = [a.shape[1], g.shape[1]];
    const perExampleBytes = this.examples * d * p * 4;
    if (!ghostNormIsCheaper(l, d, p) && perExampleBytes <= this.budget) {
      this.addPerExample(name, perExampleWeightGrads(a, g, this.examples), [d, p]);
      return;
    }
    this.addSqNorms(ghostSqNormsLooped(a, g, this.examples));
    // Clones: the tap releases its own references to a and g after this call.
    this.pieces.set(name, { kind: 'deferred', a: tf.keep(tf.clone(a)), g: tf.keep(tf.clone(g)) });
  }

  squaredNorms(): tf.Tensor1D {
    return tf.relu(this.sq) as tf.Tensor1D; // round-off can make a ~0 sum of squares a hair negative
  }

  /** sum_i c_i g_i of every recorded parameter. */
  clippedSums(c: tf.Tensor1D, rowsPerExample: number): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    const cRow = tf.reshape(c, [1, this.examples]) as tf.Tensor2D;
    let rowScale: tf.Tensor2D | undefined;
    for (const [name, piece] of this.pieces) {
      const sum = tf.tidy((): tf.Tensor => {
        if (piece.kind === 'perExample') return tf.reshape(tf.matMul(cRow, piece.grads), piece.shape);
        rowScale ??= tf.keep(
          tf.reshape(tf.tile(tf.reshape(c, [this.examples, 1]), [1, rowsPerExample]), [-1, 1]),
        ) as tf.Tensor2D;
        // Explicit transpose + plain matmul (fast on wasm).
        return tf.matMul(tf.transpose(piece.a), tf.mul(piece.g, rowScale));
      });
      out.set(name, sum);
    }
    rowScale?.dispose();
    cRow.dispose();
    return out;
  }

  dispose(): void {
    this.sq.dispose();
    for (const p of this.pieces.values()) {
      if (p.kind === 'perExample') p.grads.dispose();
      else tf.dispose([p.a, p.g]);
    }
    this.pieces.clear();
  }
}

export function clippedGradientsFast(
  params: Params,
  config: GPTConfig,
  batch: TokenBatch,
  options: Partial<ClippingOptions> = {},
): ClippedGradients {
  const opts = { ...DEFAULT_CLIPPING, ...options };
  const k = opts.windowsPerExample;
  const { rows, t, examples } = checkBatch(batch, k);
  const rowsPerExample = k * t;
  const trainable = trainableNames(params, config, opts.embeddings);
  const p = (n: string) => params.get(n)! as tf.Tensor2D;
  const ids = tf.reshape(batch.inputs, [rows * t]) as tf.Tensor1D;
  const positions = tf.tidy(() => tf.tile(tf.range(0, t, 1, 'int32'), [rows])) as tf.Tensor1D;
  const x0 = tf.tidy(() =>
    tf.add(tf.gather(p('wte.weight'), ids), tf.gather(p('wpe.weight'), positions)),
  ) as tf.Tensor2D;
  const acc = new NormAccumulator(examples, opts.perExampleBudgetBytes);
  const wteTrained = trainable.has('wte.weight');
  const headTrained = config.tieEmbeddings ? wteTrained : trainable.has('lm_head.weight');

  // Consumes each layer's output gradient during the backward pass (see tap.ts).
  const consume = (name: string, site: TapSite, g: tf.Tensor2D): boolean => {
    if (site.kind === 'lmHead') return true; // the tied cross term also needs b: handled after the pass
    tf.tidy(() => {
      if (site.kind === 'linear') {
        if (trainable.has(`${name}.weight`)) acc.addLinearWeight(`${name}.weight`, site.input, g);
        if (trainable.has(`${name}.bias`))
          acc.addPerExample(`${name}.bias`, sumRowsPerExample(g, examples), [g.shape[1]]);
      } else {
        const d = g.shape[1];
        if (trainable.has(`${name}.weight`)) {
          acc.addPerExample(`${name}.weight`, sumRowsPerExample(tf.mul(site.input, g), examples), [d]);
        }
        if (trainable.has(`${name}.bias`))
          acc.addPerExample(`${name}.bias`, sumRowsPerExample(g, examples), [d]);
      }
    });
    return false;
  };
  const tap = new TapRunner(x0, consume);

  let losses: tf.Tensor1D | undefined;
  const [embGrad] = tf.grads((_x0: tf.Tensor) => {
    const { logits } = forward(params, config, batch.inputs, { runner: tap });
    losses = tf.keep(exampleLosses(logits, batch, k, opts.rowLoss));
    return tf.sum(losses) as tf.Scalar;
  })([x0]) as tf.Tensor2D[];

  const head = tap.sites.get('lm_head');
  if (!head?.outputGrad) throw new Error('tap: no gradient reached the LM head');
  const headName = config.tieEmbeddings ? 'lm_head (tied wte)' : 'lm_head.weight';
  const idsPerExample = tf.reshape(batch.inputs, [examples, -1]) as tf.Tensor2D;
  tf.tidy(() => {
    const gl = head.outputGrad!;
    const a = head.input;
    if (headTrained) acc.addLinearWeight(headName, a, gl);
    if (wteTrained) {
      const idsArr = idsPerExample;
      // Token embedding: sum_{t,s} [x_t == x_s] (b_t . b_s) per example.
      acc.addSqNorms(
        perExampleGramReduce(embGrad, embGrad, examples, (i, bb) => {
          const row = tf.slice(idsArr, [i, 0], [1, rowsPerExample]);
          return tf.mul(bb, tf.cast(tf.equal(tf.reshape(row, [-1, 1]), row), 'float32'));
        }),
      );
      if (config.tieEmbeddings) {
        // Cross term 2 sum_{t,s} Gl[t, x_s] (a_t . b_s) of the tied head and embedding gradients.
        const v = config.vocabSize;
        const cross = perExampleGramReduce(a, embGrad, examples, (i, ab) => {
          const row = tf.reshape(tf.slice(idsArr, [i, 0], [1, rowsPerExample]), [1, rowsPerExample]);
          const base = tf.reshape(
            tf.mul(tf.range(i * rowsPerExample, (i + 1) * rowsPerExample, 1, 'int32'), tf.scalar(v, 'int32')),
            [-1, 1],
          );
          const glAtIds = tf.reshape(tf.gather(tf.reshape(gl, [-1]), tf.reshape(tf.add(base, row), [-1])), [
            rowsPerExample,
            rowsPerExample,
          ]);
          return tf.mul(glAtIds, ab);
        });
        acc.addSqNorms(tf.mul(2, cross) as tf.Tensor1D);
      }
    }
    if (trainable.has('wpe.weight')) {
      if (k === 1) acc.addSqNorms(tf.sum(tf.square(tf.reshape(embGrad, [examples, -1])), 1) as tf.Tensor1D);
      else {
        // Positions repeat across an example's K windows: same-id pairs, as for tokens.
        const pos = tf.tile(tf.range(0, t, 1, 'int32'), [k]);
        const same = tf.cast(tf.equal(tf.reshape(pos, [-1, 1]), tf.reshape(pos, [1, -1])), 'float32');
        acc.addSqNorms(perExampleGramReduce(embGrad, embGrad, examples, (_i, bb) => tf.mul(bb, same)));
      }
    }
  });

  const sqNorms = acc.squaredNorms();
  const factors = clipFactors(sqNorms, opts.clipNorm);
  const clippedSum = acc.clippedSums(factors, rowsPerExample);
  tf.tidy(() => {
    const rowScale = tf.reshape(tf.tile(tf.reshape(factors, [examples, 1]), [1, rowsPerExample]), [-1, 1]);
    const bScaled = tf.mul(embGrad, rowScale);
    const headSum = clippedSum.get(headName);
    clippedSum.delete(headName);
    // The head piece is (d, V) = a^T diag(c) Gl; the parameter is (V, d).
    const headGrad = headSum
      ? (tf.transpose(tf.reshape(headSum, [config.nEmbd, config.vocabSize])) as tf.Tensor2D)
      : undefined;
    headSum?.dispose();
    if (wteTrained) {
      let g: tf.Tensor = tf.scatterND(tf.reshape(ids, [-1, 1]), bScaled, [config.vocabSize, config.nEmbd]);
      if (config.tieEmbeddings && headGrad) g = tf.add(g, headGrad);
      clippedSum.set('wte.weight', tf.keep(g));
    }
    if (!config.tieEmbeddings && headGrad) clippedSum.set('lm_head.weight', tf.keep(headGrad));
    if (trainable.has('wpe.weight')) {
      const g = tf.scatterND(tf.reshape(positions, [-1, 1]), bScaled, [config.contextLength, config.nEmbd]);
      clippedSum.set('wpe.weight', tf.keep(g));
    }
  });
  const norms = tf.sqrt(sqNorms) as tf.Tensor1D;
  acc.dispose();
  tap.dispose();
  tf.dispose([embGrad, x0, ids, positions, idsPerExample, sqNorms]);
  return { clippedSum, norms, clipFactors: factors, losses: losses! };
}
