/**
 * DP-SGD with LoRA adapters and with biases + LayerNorms only: only the selected parameters move,
 * the model holds the merged weights between steps, a LoRA run resumes from its saved factors and
 * frozen weights, and no tensor leaks.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { isBiasOrLayerNorm } from '../../src/dp/clipping';
import type { LoraConfig } from '../../src/model/lora';
import { disposeParams, paramsToArrays } from '../../src/model/params';
import { type DPTrainingConfig, planPrivacy } from '../../src/train/dp-plan';
import { trainWithDP } from '../../src/train/dp-train';
import { useWasm } from './helpers/backend';
import { randomWeights, tinyConfig } from './helpers/tiny-model';

beforeAll(useWasm);

const cfg = tinyConfig({ vocabSize: 13, contextLength: 8, nLayer: 2, nHead: 2, nEmbd: 8 });
const LORA: LoraConfig = { rank: 2, alpha: 4, targets: ['attn.c_attn', 'mlp.c_fc'] };

/** N documents of 1-3 windows of a repeated pattern, easy to learn. */
function corpus(n: number): number[][][] {
  return Array.from({ length: n }, (_, d) => {
    const toks = Array.from({ length: 6 + (d % 3) * 8 }, (_, i) => (i % 4) + 1);
    const windows: number[][] = [];
    for (let s = 0; s + 1 < toks.length; s += 8) windows.push(toks.slice(s, s + 9));
    return windows;
  });
}

const adapted = (name: string) => /\.(attn\.c_attn|mlp\.c_fc)\.weight$/.test(name);

async function train(training: Partial<DPTrainingConfig>, stopAfter = Number.POSITIVE_INFINITY) {
  const docs = corpus(40);
  const plan = planPrivacy(docs.length, training);
  const { params } = randomWeights(cfg, 2, 0.1);
  const before = await paramsToArrays(params);
  const losses: number[] = [];
  const counts: number[] = [];
  let left = stopAfter;
  const run = (resume?: Awaited<ReturnType<typeof trainWithDP>>['state']) =>
    trainWithDP({
      params,
      config: cfg,
      documentWindows: docs,
      padId: 0,
      plan,
      training,
      resume,
      hooks: {
        shouldStop: () => left-- <= 0,
        onStep: (r) => {
          losses.push(r.loss);
          counts.push(tf.memory().numTensors);
        },
      },
    });
  const first = await run();
  const resume = () => {
    left = Number.POSITIVE_INFINITY;
    return run(first.state);
  };
  return { params, before, losses, counts, first, plan, resume };
}

const base: Partial<DPTrainingConfig> = {
  expectedBatchSize: 10,
  epochs: 2,
  microBatchSize: 8,
  noiseMultiplier: 0.3,
  clipNorm: 1,
  windowsPerDocument: 3,
  schedule: { peak: 3e-2 },
  insecureFixedSeedForTestsOnly: 11,
};

describe('parameter-efficient DP-SGD', () => {
  it('LoRA: learns, only the adapted weights move, merged into the model, no leak', async () => {
    const r = await train({ ...base, parameters: 'lora', lora: LORA });
    expect(r.plan.parameters).toBe('lora');
    expect(r.plan.lora).toEqual(LORA);
    expect(r.first.completed).toBe(true);
    expect(r.first.state.lora).toBeUndefined();
    const after = await paramsToArrays(r.params);
    for (const [name, v] of after) {
      const changed = v.some((x, i) => x !== r.before.get(name)![i]);
      expect(changed, name).toBe(adapted(name));
    }
    expect(r.losses.at(-1)!).toBeLessThan(r.losses[0]);
    expect(r.counts.slice(1)).toEqual(r.counts.slice(1).map(() => r.counts[1]));
    disposeParams(r.params);
  });

  it('biases + LayerNorms only: nothing else moves', async () => {
    const r = await train({ ...base, parameters: 'biasLayerNorm' });
    const after = await paramsToArrays(r.params);
    for (const [name, v] of after) {
      const changed = v.some((x, i) => x !== r.before.get(name)![i]);
      expect(changed, name).toBe(isBiasOrLayerNorm(name));
    }
    expect(r.losses.at(-1)!).toBeLessThan(r.losses[0]);
    disposeParams(r.params);
  });

  it('LoRA resumes from the saved factors and the frozen weights W0', async () => {
    const r = await train({ ...base, parameters: 'lora', lora: LORA }, 3);
    expect(r.first.completed).toBe(false);
    const saved = r.first.state.lora!;
    expect([...saved.adapters.keys()]).toHaveLength(2 * 2 * 2);
    // The frozen weights are the ones training started from, while the model holds W0 + s A B.
    const now = await paramsToArrays(r.params);
    for (const [name, w0] of saved.base) {
      expect(w0).toEqual(r.before.get(name));
      expect(now.get(name)!.some((x, i) => x !== w0[i])).toBe(true);
    }
    const second = await r.resume();
    expect(second.completed).toBe(true);
    expect(second.state.step).toBe(r.plan.steps);
    const after = await paramsToArrays(r.params);
    for (const [name, v] of after) if (!adapted(name)) expect(v, name).toEqual(r.before.get(name));
    disposeParams(r.params);
  });
});
