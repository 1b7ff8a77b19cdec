/**
 * Parameter-efficient DP fine-tuning: LoRA adapters and bias/LayerNorm-only training.
 * - LoRA gradients (TF.js autodiff through the adapted forward pass) against central finite
 *   differences of the independent float64 reference model with merged weights W + s A B;
 * - merging: the adapted forward equals the plain forward of the merged weights;
 * - the book-keeping fast path (both reduction strategies) against the naive per-example oracle,
 *   clipping exactly the trained parameters and nothing else.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type ClippedGradients,
  type ClippingOptions,
  clippedGradientsFast,
  type ParameterSelection,
} from '../../src/dp/clipping';
import type { ReductionStrategy } from '../../src/dp/norm-accumulator';
import { clippedGradientsNaive } from '../../src/dp/oracle';
import { forward } from '../../src/model/gpt';
import {
  createLoraAdapters,
  frozenBaseWeights,
  type LoraAdapters,
  type LoraConfig,
  loraShapes,
  mergeLora,
} from '../../src/model/lora';
import { perExampleLoss, type TokenBatch } from '../../src/model/losses';
import { disposeParams, type Params } from '../../src/model/params';
import { useWasm } from './helpers/backend';
import { seededNormal } from './helpers/random';
import { randomIds, randomWeights, tinyConfig } from './helpers/tiny-model';
import { type RefExample, type RefWeights, referenceExampleLoss } from './reference/gpt2-reference';

beforeAll(useWasm);

const LORA: LoraConfig = {
  rank: 2,
  alpha: 3,
  targets: ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'],
};

/** Adapters with random A AND B (fresh ones have B = 0, which would leave A's gradient at zero). */
function randomAdapters(cfg: ReturnType<typeof tinyConfig>, lora: LoraConfig, seed: number) {
  const normal = seededNormal(seed);
  const ref = new Map<string, Float64Array>();
  const params: Params = new Map();
  for (const [name, shape] of loraShapes(cfg, lora)) {
    const f32 = Float32Array.from({ length: shape[0] * shape[1] }, () => 0.3 * normal());
    ref.set(name, Float64Array.from(f32));
    params.set(name, tf.variable(tf.tensor(f32, shape), true));
  }
  return { ref, adapters: { scale: lora.alpha / lora.rank, params } as LoraAdapters };
}

/** float64 W + s A B for every adapted layer. */
function mergedReference(
  weights: RefWeights,
  adapters: Map<string, Float64Array>,
  shapes: Map<string, number[]>,
  scale: number,
): RefWeights {
  const out = new Map(weights);
  for (const [name, [fanIn, r]] of shapes) {
    if (!name.endsWith('lora_A.weight')) continue;
    const layer = name.slice(0, -'.lora_A.weight'.length);
    const a = adapters.get(name)!;
    const b = adapters.get(`${layer}.lora_B.weight`)!;
    const fanOut = shapes.get(`${layer}.lora_B.weight`)![1];
    const w = Float64Array.from(weights.get(`${layer}.weight`)!);
    for (let i = 0; i < fanIn; i++)
      for (let j = 0; j < fanOut; j++) {
        let s = 0;
        for (let k = 0; k < r; k++) s += a[i * r + k] * b[k * fanOut + j];
        w[i * fanOut + j] += scale * s;
      }
    out.set(`${layer}.weight`, w);
  }
  return out;
}

function toBatch(examples: RefExample[]): TokenBatch {
  const t = examples[0].inputs.length;
  const rows = (f: (e: RefExample) => number[], dtype: 'int32' | 'float32') =>
    tf.tensor2d(examples.map(f), [examples.length, t], dtype);
  return {
    inputs: rows((e) => e.inputs, 'int32'),
    targets: rows((e) => e.targets, 'int32'),
    mask: rows((e) => e.mask, 'float32'),
  };
}

describe('LoRA', () => {
  it('gradients of A and B agree with finite differences of the float64 reference', async () => {
    const cfg = tinyConfig({ vocabSize: 13, contextLength: 6 });
    const { ref, params } = randomWeights(cfg, 41, 0.25);
    const { ref: adRef, adapters } = randomAdapters(cfg, LORA, 42);
    const shapes = loraShapes(cfg, LORA);
    const examples: RefExample[] = [
      { inputs: randomIds(6, 13, 3), targets: randomIds(6, 13, 4), mask: [1, 1, 1, 1, 1, 1] },
      { inputs: [3, 3, 7, 3, 0, 0], targets: [3, 7, 3, 3, 0, 0], mask: [1, 1, 1, 1, 0, 0] },
    ];
    const lossOf = () => {
      const merged = mergedReference(ref, adRef, shapes, adapters.scale);
      return examples.reduce((s, e) => s + referenceExampleLoss(cfg, merged, e), 0) / examples.length;
    };
    const batch = toBatch(examples);
    const vars = [...adapters.params.values()];
    const { grads } = tf.variableGrads(
      () =>
        tf.mean(perExampleLoss(forward(params, cfg, batch.inputs, { adapters }).logits, batch)) as tf.Scalar,
      vars,
    );
    let checked = 0;
    let maxGrad = 0;
    for (const [name, v] of adapters.params) {
      const g = await grads[v.name].data();
      const base = adRef.get(name)!;
      for (const i of [0, Math.floor(g.length / 2), g.length - 1]) {
        const h = 1e-5;
        const orig = base[i];
        base[i] = orig + h;
        const up = lossOf();
        base[i] = orig - h;
        const down = lossOf();
        base[i] = orig;
        const fd = (up - down) / (2 * h);
        maxGrad = Math.max(maxGrad, Math.abs(fd));
        expect(Math.abs(fd - g[i]), `${name}[${i}] autodiff ${g[i]} vs fd ${fd}`).toBeLessThan(
          2e-4 + 2e-3 * Math.abs(fd),
        );
        checked++;
      }
    }
    expect(checked).toBe(3 * shapes.size);
    expect(maxGrad).toBeGreaterThan(0.01);
    tf.dispose([...Object.values(grads), batch.inputs, batch.targets, batch.mask]);
    disposeParams(params);
    disposeParams(adapters.params);
  });

  it('fresh adapters start at the pretrained model; merging gives the adapted forward exactly', async () => {
    const cfg = tinyConfig({ vocabSize: 13, contextLength: 6 });
    const { params } = randomWeights(cfg, 43, 0.25);
    const ids = tf.tensor2d([randomIds(6, 13, 5)], [1, 6], 'int32');
    const fresh = createLoraAdapters(cfg, LORA, 1);
    const plain = forward(params, cfg, ids).logits;
    expect(
      await tf.max(tf.abs(tf.sub(forward(params, cfg, ids, { adapters: fresh }).logits, plain))).data(),
    ).toEqual(new Float32Array([0]));
    const { adapters } = randomAdapters(cfg, LORA, 44);
    const adapted = forward(params, cfg, ids, { adapters }).logits;
    const base = frozenBaseWeights(params, cfg, LORA);
    mergeLora(params, base, adapters);
    mergeLora(params, base, adapters); // idempotent: always from the frozen base
    const merged = forward(params, cfg, ids).logits;
    const err = (await tf.max(tf.abs(tf.sub(merged, adapted))).data())[0];
    expect(err).toBeLessThan(1e-4);
    expect((await tf.max(tf.abs(tf.sub(merged, plain))).data())[0]).toBeGreaterThan(1e-2);
    tf.dispose([ids, plain, adapted, merged, ...base.values()]);
    disposeParams(params);
    disposeParams(fresh.params);
    disposeParams(adapters.params);
  });
});

async function relErr(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const diff = (await tf.norm(tf.sub(a, b)).data())[0];
  const ref = (await tf.norm(b).data())[0];
  return ref === 0 ? diff : diff / ref;
}

function disposeResult(r: ClippedGradients): void {
  tf.dispose([...r.clippedSum.values(), r.norms, r.clipFactors, r.losses]);
}

const T = 6;
const V = 17;
const row = (seed: number, real = T) => {
  const ids = randomIds(T + 1, V, seed);
  return {
    inputs: ids.slice(0, T),
    targets: ids.slice(1),
    mask: Array.from({ length: T }, (_, i) => (i < real ? 1 : 0)),
  };
};

describe('DP clipping of exactly the trained parameters: fast path = naive oracle', () => {
  const strategies: ReductionStrategy[] = ['perExampleLoops', 'fusedKernels'];
  const selections: { selection: ParameterSelection; k: number; lora?: LoraConfig }[] = [
    { selection: 'lora', k: 1, lora: LORA },
    { selection: 'lora', k: 2, lora: { rank: 3, alpha: 6, targets: ['attn.c_attn', 'mlp.c_proj'] } },
    { selection: 'biasLayerNorm', k: 1 },
    { selection: 'biasLayerNorm', k: 2 },
  ];
  for (const { selection, k, lora } of selections)
    for (const reduction of strategies)
      it(`${selection}${lora ? ` r=${lora.rank} (${lora.targets.length} targets)` : ''}, K = ${k} [${reduction}]`, async () => {
        for (const tie of [true, false]) {
          const cfg = tinyConfig({ vocabSize: V, contextLength: T, tieEmbeddings: tie });
          const { params } = randomWeights(cfg, 45, 0.3);
          const adapters = lora ? randomAdapters(cfg, lora, 46).adapters : undefined;
          const batch = toBatch([row(1), row(2), row(3, 2), row(4), row(5, 0), row(6)]);
          const base: Partial<ClippingOptions> = { windowsPerExample: k, parameters: selection, adapters };
          const probe = clippedGradientsNaive(params, cfg, batch, { ...base, clipNorm: 1e9 });
          const norms = [...(await probe.norms.data())].filter((n) => n > 0).sort((a, b) => a - b);
          disposeResult(probe);
          const opts = { ...base, clipNorm: (norms[0] + norms[norms.length - 1]) / 2 };
          const fast = clippedGradientsFast(params, cfg, batch, { ...opts, reduction });
          const naive = clippedGradientsNaive(params, cfg, batch, opts);
          const expected = lora
            ? [...adapters!.params.keys()]
            : [...params.keys()].filter((n) => n.endsWith('.bias') || /ln_(1|2|f)\.weight$/.test(n));
          expect([...fast.clippedSum.keys()].sort()).toEqual(expected.sort());
          expect([...naive.clippedSum.keys()].sort()).toEqual(expected.sort());
          expect(await relErr(fast.norms, naive.norms)).toBeLessThan(1e-4);
          for (const [name, g] of naive.clippedSum)
            expect(await relErr(fast.clippedSum.get(name)!, g), name).toBeLessThan(1e-4);
          const factors = [...(await fast.clipFactors.data())];
          expect(factors.some((f) => f < 1) && factors.some((f) => f === 1)).toBe(true);
          disposeResult(fast);
          disposeResult(naive);
          tf.dispose([batch.inputs, batch.targets, batch.mask]);
          disposeParams(params);
          if (adapters) disposeParams(adapters.params);
        }
      });
});
