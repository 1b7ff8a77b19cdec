/**
 * What a DP-SGD run trains: every parameter, only biases and LayerNorms, or LoRA adapters
 * (src/dp/clipping.ts ParameterSelection). For LoRA the model's adapted weights are frozen at
 * W0 for the DP forward pass, the factors A, B are what the optimizer updates, clips and noises,
 * and after every update the model holds the merged W0 + s A B, so everything outside the
 * training loop (validation, checkpoints, export) sees a plain GPT-2 of the current state.
 */
import * as tf from '@tensorflow/tfjs';
import { type EmbeddingMode, type ParameterSelection, trainableNames } from '../dp/clipping';
import type { GPTConfig } from '../model/config';
import {
  createLoraAdapters,
  frozenBaseWeights,
  type LoraAdapters,
  type LoraConfig,
  loraAdaptersFromArrays,
  loraShapes,
  mergeLora,
  validateLora,
} from '../model/lora';
import { type Params, paramsToArrays } from '../model/params';

/** LoRA state of a partial run: the factors and the frozen base weights W0 (for exact resume). */
export interface LoraTrainingState {
  adapters: Map<string, Float32Array>;
  base: Map<string, Float32Array>;
}

export interface TrainedParameters {
  /** Variables the optimizer updates; their names are the clipped sums' names. */
  trainable: Params;
  /** What the DP forward pass reads: the model, with W0 in place of LoRA-merged weights. */
  forwardParams: Params;
  adapters?: LoraAdapters;
  /** After each update: merge the adapters into the model (LoRA), nothing otherwise. */
  afterUpdate(): void;
  exportState(): Promise<LoraTrainingState | undefined>;
  dispose(): void;
}

export function trainedParameters(
  params: Params,
  config: GPTConfig,
  o: { selection: ParameterSelection; embeddings: EmbeddingMode; lora: LoraConfig; loraSeed: number },
  resume?: LoraTrainingState,
): TrainedParameters {
  if (o.selection !== 'lora') {
    const names = trainableNames(params, config, o.embeddings, o.selection);
    return {
      trainable: new Map([...names].map((n) => [n, params.get(n)!])),
      forwardParams: params,
      afterUpdate: () => {},
      exportState: async () => undefined,
      dispose: () => {},
    };
  }
  validateLora(o.lora);
  let base: Params;
  let adapters: LoraAdapters;
  if (resume) {
    base = new Map();
    for (const [name, w] of frozenBaseWeights(params, config, o.lora)) {
      const saved = resume.base.get(name);
      if (!saved || saved.length !== w.size) throw new Error(`LoRA checkpoint: no frozen weight ${name}`);
      tf.tidy(() => w.assign(tf.tensor(saved, w.shape)));
      base.set(name, w);
    }
    adapters = loraAdaptersFromArrays(config, o.lora, resume.adapters);
  } else {
    base = frozenBaseWeights(params, config, o.lora);
    adapters = createLoraAdapters(config, o.lora, o.loraSeed);
  }
  const forwardParams: Params = new Map(params);
  for (const [name, w0] of base) forwardParams.set(name, w0);
  return {
    trainable: adapters.params,
    forwardParams,
    adapters,
    afterUpdate: () => mergeLora(params, base, adapters),
    exportState: async () => ({
      adapters: await paramsToArrays(adapters.params),
      base: await paramsToArrays(base),
    }),
    dispose: () => {
      for (const v of [...adapters.params.values(), ...base.values()]) v.dispose();
    },
  };
}

/** Numbers trained (and noised) per DP step under a selection (shown in plans and reports). */
export function trainedParameterCount(
  params: Params,
  config: GPTConfig,
  o: { selection: ParameterSelection; embeddings: EmbeddingMode; lora: LoraConfig },
): number {
  if (o.selection === 'lora')
    return [...loraShapes(config, o.lora).values()].reduce((a, [x, y]) => a + x * y, 0);
  return [...trainableNames(params, config, o.embeddings, o.selection)].reduce(
    (a, n) => a + params.get(n)!.size,
    0,
  );
}
