/**
 * The automatic backend choice's probe (src/model/backend.ts): the time of one DP training step
 * (book-keeping clipped gradients, as DP fine-tuning runs them) of the model to be trained, on
 * random weights and a fixed synthetic batch, on whatever backend is current. The first step is
 * a warm-up (WebGPU compiles its shaders, wasm creates its operators); the second is timed.
 */
import * as tf from '@tensorflow/tfjs';
import { clippedGradientsFast } from '../dp/clipping';
import type { GPTConfig } from '../model/config';
import { disposeParams, initParams } from '../model/params';

/** Examples in the probe's micro-batch: enough to use the hardware, small enough to take seconds. */
export const PROBE_EXAMPLES = 2;

export async function probeDPStepMs(config: GPTConfig, examples = PROBE_EXAMPLES): Promise<number> {
  const t = config.contextLength;
  const ids = Array.from({ length: examples }, (_, b) =>
    Array.from({ length: t + 1 }, (_, i) => (b * 31 + i * 7) % Math.min(256, config.vocabSize)),
  );
  const params = initParams(config, 1);
  const batch = {
    inputs: tf.tensor2d(
      ids.map((r) => r.slice(0, t)),
      [examples, t],
      'int32',
    ),
    targets: tf.tensor2d(
      ids.map((r) => r.slice(1)),
      [examples, t],
      'int32',
    ),
    mask: tf.ones([examples, t]) as tf.Tensor2D,
  };
  const step = async () => {
    const r = clippedGradientsFast(params, config, batch, { clipNorm: 1 });
    const outputs = [...r.clippedSum.values(), r.norms, r.clipFactors, r.losses];
    for (const o of outputs) await o.data(); // webgpu: only await data() reads back
    tf.dispose(outputs);
  };
  try {
    await step();
    const t0 = performance.now();
    await step();
    return performance.now() - t0;
  } finally {
    disposeParams(params);
    tf.dispose([batch.inputs, batch.targets, batch.mask]);
  }
}

/** "teacher (4 x 128, vocabulary 258), 2 examples": what the probe measured. */
export function probeLabel(name: string, config: GPTConfig, examples = PROBE_EXAMPLES): string {
  return `${name} (${config.nLayer} x ${config.nEmbd}, vocabulary ${config.vocabSize}), ${examples} examples`;
}
