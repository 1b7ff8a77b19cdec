/**
 * The naive DP oracle: per-example gradients by ordinary autodiff, one example at a time, each
 * clipped over all trainable parameters and summed. Slow (E backward passes) and memory-light; it
 * is the independent truth the fast book-keeping path (clipping.ts) is tested against, and the
 * "naive" column of the DP benchmark.
 *
 * Independent on purpose: it shares only the model (forward pass) and the option and result
 * types with the fast path. Its loss (plain log-softmax cross-entropy, not the model's hand-written
 * gradient op), its per-example sum over K windows, its list of trained parameters and its
 * defaults are written here again, so a bug in any of the fast path's versions shows up as a
 * disagreement instead of being copied into the truth.
 */
import * as tf from '@tensorflow/tfjs';
import type { GPTConfig } from '../model/config';
import { forward } from '../model/gpt';
import type { TokenBatch } from '../model/losses';
import type { Params } from '../model/params';
import type { ClippedGradients, ClippingOptions } from './clipping';

type OracleOptions = Pick<
  ClippingOptions,
  'clipNorm' | 'windowsPerExample' | 'embeddings' | 'parameters' | 'adapters' | 'rowLoss'
>;

const ORACLE_DEFAULTS: OracleOptions = {
  clipNorm: 1,
  windowsPerExample: 1,
  embeddings: 'train',
  parameters: 'all',
};

/**
 * The parameters DP-SGD trains: LoRA factors only; biases and LayerNorm gains only; or every
 * parameter except the tied LM head (it is wte) and, with frozen embeddings, wte and wpe.
 */
function oracleTrainedNames(params: Params, config: GPTConfig, o: OracleOptions): string[] {
  if (o.parameters === 'lora') {
    if (!o.adapters) throw new Error("oracle: parameters 'lora' needs adapters");
    return [...o.adapters.params.keys()];
  }
  const names = [...params.keys()];
  if (o.parameters !== 'all' && o.parameters !== 'biasLayerNorm')
    throw new Error(`oracle: unknown parameter selection "${o.parameters}"`);
  if (o.parameters === 'biasLayerNorm') {
    const layerNorm = /^(h\.\d+\.ln_1|h\.\d+\.ln_2|ln_f)\.weight$/;
    return names.filter((n) => n.endsWith('.bias') || layerNorm.test(n));
  }
  return names.filter(
    (n) =>
      !(config.tieEmbeddings && n === 'lm_head.weight') &&
      !(o.embeddings === 'frozen' && (n === 'wte.weight' || n === 'wpe.weight')),
  );
}

/** One window's loss: mean cross-entropy over its real target tokens (0 for an empty window). */
function windowLosses(logits: tf.Tensor3D, batch: TokenBatch): tf.Tensor1D {
  const logProbs = tf.logSoftmax(logits);
  const targets = tf.cast(tf.oneHot(tf.cast(batch.targets, 'int32'), logits.shape[2]), 'float32');
  const tokenLoss = tf.neg(tf.sum(tf.mul(logProbs, targets), 2));
  const tokens = tf.sum(batch.mask, 1);
  return tf.div(tf.sum(tf.mul(tokenLoss, batch.mask), 1), tf.maximum(tokens, 1));
}

export function clippedGradientsNaive(
  params: Params,
  config: GPTConfig,
  batch: TokenBatch,
  options: Partial<ClippingOptions> = {},
): ClippedGradients {
  const opts: OracleOptions = {
    clipNorm: options.clipNorm ?? ORACLE_DEFAULTS.clipNorm,
    windowsPerExample: options.windowsPerExample ?? ORACLE_DEFAULTS.windowsPerExample,
    embeddings: options.embeddings ?? ORACLE_DEFAULTS.embeddings,
    parameters: options.parameters ?? ORACLE_DEFAULTS.parameters,
    adapters: options.adapters,
    rowLoss: options.rowLoss,
  };
  const k = opts.windowsPerExample;
  const [rows, t] = batch.inputs.shape;
  if (!Number.isInteger(k) || k < 1 || rows % k !== 0)
    throw new Error(`oracle: ${rows} rows do not split into examples of ${k} windows`);
  const names = oracleTrainedNames(params, config, opts);
  // LoRA factors are variables outside the model's parameters: differentiate them with the rest.
  const variables: Params = opts.adapters ? new Map([...params, ...opts.adapters.params]) : params;
  const vars = names.map((n) => variables.get(n)!);
  const sums = new Map<string, tf.Tensor>();
  const norms: tf.Scalar[] = [];
  const losses: tf.Scalar[] = [];
  for (let i = 0; i < rows / k; i++) {
    const slice = (x: tf.Tensor2D) => tf.slice(x, [i * k, 0], [k, t]);
    const one: TokenBatch = {
      inputs: slice(batch.inputs),
      targets: slice(batch.targets),
      mask: slice(batch.mask),
    };
    // The example's loss: the sum over its K windows of each window's loss.
    const { value: loss, grads: byVariable } = tf.variableGrads(() => {
      const logits = forward(params, config, one.inputs, { adapters: opts.adapters }).logits;
      const perWindow = opts.rowLoss ? opts.rowLoss(logits, one, i * k) : windowLosses(logits, one);
      return tf.sum(perWindow) as tf.Scalar;
    }, vars);
    const grads = names.map((_, j) => byVariable[vars[j].name]);
    // Stays on the device (no sync read-back, which webgpu forbids). Pairwise adds, not tf.addN:
    // webgpu's AddN binds every input at once and fails beyond 8 storage buffers per shader.
    const norm = tf.tidy(() =>
      tf.sqrt(grads.map((g) => tf.sum(tf.square(g))).reduce((a, b) => tf.add(a, b))),
    ) as tf.Scalar;
    const c = tf.tidy(() => tf.minimum(1, tf.div(opts.clipNorm, tf.add(norm, 1e-6))));
    norms.push(norm);
    losses.push(loss);
    names.forEach((name, j) => {
      const scaled = tf.mul(grads[j], c);
      const prev = sums.get(name);
      sums.set(name, prev ? tf.add(prev, scaled) : scaled);
      if (prev) {
        prev.dispose();
        scaled.dispose();
      }
    });
    tf.dispose([c, ...grads, one.inputs, one.targets, one.mask]);
  }
  const normVec = tf.stack(norms) as tf.Tensor1D;
  const clip = tf.tidy(() => tf.minimum(1, tf.div(opts.clipNorm, tf.add(normVec, 1e-6)))) as tf.Tensor1D;
  const lossVec = tf.stack(losses) as tf.Tensor1D;
  tf.dispose([...norms, ...losses]);
  return { clippedSum: sums, norms: normVec, clipFactors: clip, losses: lossVec };
}
