/**
 * The book-keeping forward/backward pass. A `LayerRunner` (see src/model/gpt.ts) that
 * - records each layer's input A (for LayerNorm: the normalised input xhat), and
 * - wraps each layer's output in an identity op whose gradient function records the output
 *   gradient G as it flows past,
 * while treating every parameter as a constant. One backward pass from the summed per-example
 * losses down to the embedding output then yields every per-layer (A, G) pair and no weight
 * gradient at all: the DP code computes per-example norms and clipped sums from them.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerRunner } from '../model/gpt';
import { linearInputGradOnly, lmHeadLogits, normalize } from '../model/ops';

export type SiteKind = 'linear' | 'layerNorm' | 'lmHead';

/** What the pass recorded for one parameterised layer. */
export interface TapSite {
  kind: SiteKind;
  /** Layer input (N, in): for LayerNorm the normalised input xhat; for the LM head its input. */
  input: tf.Tensor2D;
  /** Gradient of the summed loss w.r.t. the layer output (N, out), filled in by the backward pass. */
  outputGrad?: tf.Tensor2D;
}

/** Identity whose backward records the upstream gradient (kept until the caller disposes it). */
function recordGradient(x: tf.Tensor2D, onGrad: (g: tf.Tensor2D) => void): tf.Tensor2D {
  const op = tf.customGrad((xIn) => ({
    value: tf.clone(xIn as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor) => {
      onGrad(tf.keep(tf.clone(dy)) as tf.Tensor2D);
      return [dy];
    },
  })) as (xIn: tf.Tensor2D) => tf.Tensor2D;
  return op(x);
}

/**
 * Called during the backward pass with a site's input and output gradient. Return true to keep
 * both on the site (the caller then disposes them through `dispose`), false to release them.
 * Runs inside TF.js' backprop scope: tensors it wants to outlive the pass must be `tf.keep`-ed.
 */
export type GradientConsumer = (name: string, site: TapSite, outputGrad: tf.Tensor2D) => boolean;

export class TapRunner implements LayerRunner {
  readonly sites = new Map<string, TapSite>();

  /**
   * @param embeddingOutput the (N, d) tensor the backward pass differentiates with respect to.
   * @param onGradient consumer of each site's gradient; by default every site keeps its (A, G).
   * @param records which sites have trained parameters: the others (frozen layers under LoRA or
   *   bias/LayerNorm-only training) run without recording anything. The LM head is always recorded.
   */
  constructor(
    private readonly embeddingOutput: tf.Tensor2D,
    private readonly onGradient: GradientConsumer = () => true,
    private readonly records: (site: string) => boolean = () => true,
  ) {}

  private record(site: string, kind: SiteKind, input: tf.Tensor2D, output: tf.Tensor2D): tf.Tensor2D {
    if (this.sites.has(site)) throw new Error(`tap: layer ${site} recorded twice`);
    const entry: TapSite = { kind, input: tf.keep(input) };
    this.sites.set(site, entry);
    return recordGradient(output, (g) => {
      if (this.onGradient(site, entry, g)) entry.outputGrad = g;
      else {
        g.dispose();
        entry.input.dispose();
      }
    });
  }

  linear(site: string, x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor2D {
    const y = linearInputGradOnly(x, w, b);
    return this.records(site) ? this.record(site, 'linear', x, y) : y;
  }

  layerNorm(site: string, x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number): tf.Tensor2D {
    const xhat = normalize(x, eps) as tf.Tensor2D;
    const y = tf.add(tf.mul(xhat, gamma), beta) as tf.Tensor2D;
    return this.records(site) ? this.record(site, 'layerNorm', xhat, y) : y;
  }

  embed(): tf.Tensor2D {
    return this.embeddingOutput;
  }

  lmHead(h: tf.Tensor2D, weight: tf.Tensor2D): tf.Tensor2D {
    // logits = h @ weight^T; backward dh = dlogits @ weight; no V x d transpose either way.
    return this.record('lm_head', 'lmHead', h, lmHeadLogits(h, weight, false));
  }

  dispose(): void {
    for (const s of this.sites.values()) {
      if (!s.input.isDisposed) s.input.dispose();
      if (s.outputGrad && !s.outputGrad.isDisposed) s.outputGrad.dispose();
    }
    this.sites.clear();
  }
}
