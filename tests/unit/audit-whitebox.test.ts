import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { designCanaries } from '../../src/audit/canaries';
import { whiteboxAudit } from '../../src/audit/whitebox';
import { trainableNames } from '../../src/dp/clipping';
import { checkTestFaults, createTestFaults, type DPFaults } from '../../src/dp/faults';
import { clippedSparseSums } from '../../src/dp/sparse-examples';
import { disposeParams, paramsToArrays } from '../../src/model/params';
import type { NoiseSeed } from '../../src/random/noise';
import { planPrivacy } from '../../src/train/dp-plan';
import { trainWithDP } from '../../src/train/dp-train';
import { useWasm } from './helpers/backend';
import { randomIds, randomWeights, tinyConfig } from './helpers/tiny-model';

beforeAll(useWasm);

/**
 * White-box audits of the real trainWithDP on a tiny random model (26k parameters), reproducible
 * (fixed audit seed, test-only fixed DP seed). Settings per fault, as documented in README
 * ("Privacy audit"): claimed epsilon 2, delta 1e-5, canary gradients of norm 10 C before clipping.
 * A: full batch (q = 1), 5 steps, 8000 Dirac canaries: noise x0.5, clipping off, a tensor left out.
 * B: 256 documents, full batch, 5 steps, micro-batches of 8, 128 canaries: the realised-batch bug
 *    (canaries must not dominate the realised batch, or its division hides them).
 */
const cfg = tinyConfig({ vocabSize: 13, contextLength: 8, nLayer: 2, nHead: 2, nEmbd: 32 });
const SEED: NoiseSeed = { key: [0x1234, 0x5678], stream: [0x9abc, 0xdef0] };

/** n one-window documents of random tokens (incoherent gradients: little real-data drift on canaries). */
function corpus(n: number): number[][][] {
  return Array.from({ length: n }, (_, d) => [randomIds(5 + (d % 4), 13, d + 1)]);
}

const SETTINGS = {
  A: { docs: 32, canaries: 8000, training: { expectedBatchSize: 32, epochs: 5, microBatchSize: 16 } },
  B: { docs: 256, canaries: 128, training: { expectedBatchSize: 256, epochs: 5, microBatchSize: 8 } },
} as const;

async function audit(setting: keyof typeof SETTINGS, faults?: DPFaults) {
  const s = SETTINGS[setting];
  const { params } = randomWeights(cfg, 3, 0.1);
  const training = {
    ...s.training,
    targetEpsilon: 2,
    delta: 1e-5,
    schedule: { peak: 1e-3 },
    insecureFixedSeedForTestsOnly: 11,
  };
  const docs = corpus(s.docs);
  const plan = planPrivacy(docs.length, training);
  const r = await whiteboxAudit({
    params,
    config: cfg,
    documentWindows: docs,
    padId: 0,
    plan,
    training,
    audit: { canaries: s.canaries },
    seed: SEED,
    faults,
  });
  disposeParams(params);
  return r;
}

describe('white-box audit of the DP-SGD step', () => {
  it('setting A: the correct code stays below its claim; each fault goes above it', async () => {
    const correct = await audit('A');
    expect(correct.epsilonClaimed).toBeLessThanOrEqual(2);
    expect(correct.bound.epsilon).toBeLessThanOrEqual(correct.epsilonClaimed);
    expect(correct.bound.epsilon).toBeGreaterThan(0.3); // the audit has power at all
    for (const f of [
      { noiseScale: 0.5 },
      { disableClipping: true },
      { excludeFromNorm: 'h.0.mlp.c_fc.weight' },
    ]) {
      const r = await audit('A', createTestFaults(f));
      expect(r.bound.epsilon, JSON.stringify(f)).toBeGreaterThan(r.epsilonClaimed);
    }
  });

  it('setting B: the realised-batch / per-micro-batch-noise bug is caught, the correct code is not flagged', async () => {
    const correct = await audit('B');
    expect(correct.bound.epsilon).toBeLessThanOrEqual(correct.epsilonClaimed);
    const faulty = await audit('B', createTestFaults({ realisedBatchPerMicroBatchNoise: true }));
    expect(faulty.bound.epsilon).toBeGreaterThan(faulty.epsilonClaimed);
  });

  it('LoRA: the canaries live in the adapter factors DP-SGD trains; clipping off is caught there too', async () => {
    const docs = corpus(32);
    const training = {
      expectedBatchSize: 32,
      epochs: 4,
      microBatchSize: 16,
      targetEpsilon: 2,
      delta: 1e-5,
      parameters: 'lora' as const,
      insecureFixedSeedForTestsOnly: 13,
    };
    const plan = planPrivacy(docs.length, training);
    const run = async (faults?: DPFaults) => {
      const { params } = randomWeights(cfg, 8, 0.1);
      const r = await whiteboxAudit({
        params,
        config: cfg,
        documentWindows: docs,
        padId: 0,
        plan,
        training,
        audit: { canaries: 2000 },
        seed: SEED,
        faults,
      });
      disposeParams(params);
      return r;
    };
    const correct = await run();
    expect(correct.bound.epsilon).toBeLessThanOrEqual(correct.epsilonClaimed);
    const noClip = await run(createTestFaults({ disableClipping: true }));
    expect(noClip.bound.epsilon).toBeGreaterThan(noClip.epsilonClaimed);
  });

  it('the recovered noisy gradient holds exactly C / qN per included canary (one step, same noise)', async () => {
    const docs = corpus(16);
    const training = {
      expectedBatchSize: 16,
      epochs: 1,
      microBatchSize: 8,
      targetEpsilon: 2,
      delta: 1e-5,
      insecureFixedSeedForTestsOnly: 5,
    };
    const plan = planPrivacy(docs.length, training);
    // Reference: the same step without canaries (same Philox seeds, so the same sample and noise).
    const ref = randomWeights(cfg, 4, 0.1).params;
    let m1 = new Map<string, Float32Array>();
    await trainWithDP({
      params: ref,
      config: cfg,
      documentWindows: docs,
      padId: 0,
      plan,
      training,
      audit: {
        afterUpdate: async (v) => {
          m1 = await v.firstMoments();
        },
      },
    });
    const audited = randomWeights(cfg, 4, 0.1).params;
    const r = await whiteboxAudit({
      params: audited,
      config: cfg,
      documentWindows: docs,
      padId: 0,
      plan,
      training,
      audit: { canaries: 500 },
      seed: SEED,
    });
    const names = [...trainableNames(audited, cfg, 'train')];
    const design = designCanaries(
      names.map((n) => ({ name: n, size: audited.get(n)!.size })),
      500,
      'dirac',
      SEED,
    );
    for (let i = 0; i < 500; i++) {
      const g = m1.get(design.tensors[design.tensor[i]].name)![design.index[i]] / 0.1; // m_1 = (1 - beta1) g_1
      const canaryPart = r.scores.aligned[i] - (g * plan.q * plan.numDocuments) / plan.clipNorm;
      expect(canaryPart).toBeCloseTo(design.included[i] ? 1 : 0, 3);
    }
    disposeParams(ref);
    disposeParams(audited);
  });
});

describe('audit hooks and fault injection', () => {
  it('canary gradients are clipped like documents: to C, or not at all with the clipping fault', async () => {
    const shapes = new Map([['w', [4, 3]]]);
    const grads = {
      examples: 2,
      byParameter: new Map([
        [
          'w',
          {
            example: Int32Array.of(0, 1, 1),
            index: Int32Array.of(5, 0, 11),
            value: Float32Array.of(10, 3, 4),
          },
        ],
      ]),
    };
    const clipped = await clippedSparseSums(grads, shapes, 1).get('w')!.data();
    const expected = new Float32Array(12);
    expected[5] = 10 / (10 + 1e-6);
    expected[0] = 3 / (5 + 1e-6);
    expected[11] = 4 / (5 + 1e-6);
    expect(Array.from(clipped)).toEqual(Array.from(expected).map((x) => expect.closeTo(x, 6)));
    const raw = await clippedSparseSums(grads, shapes, 1, createTestFaults({ disableClipping: true }))
      .get('w')!
      .data();
    expect(raw[5]).toBeCloseTo(10, 5);
  });

  it('training is unchanged by empty audit hooks, and documents are sampled as without canaries', async () => {
    const docs = corpus(24);
    const training = {
      expectedBatchSize: 8,
      epochs: 1,
      microBatchSize: 4,
      targetEpsilon: 3,
      delta: 1e-5,
      insecureFixedSeedForTestsOnly: 9,
    };
    const plan = planPrivacy(docs.length, training);
    const run = async (canaries: number) => {
      const { params } = randomWeights(cfg, 6, 0.1);
      const sampled: number[] = [];
      await trainWithDP({
        params,
        config: cfg,
        documentWindows: docs,
        padId: 0,
        plan,
        training,
        hooks: { onStep: (s) => void sampled.push(s.sampledDocuments) },
        audit: canaries
          ? {
              canaries: {
                count: canaries,
                gradients: (s) => ({ examples: s.length, byParameter: new Map() }),
              },
            }
          : {},
      });
      const arrays = await paramsToArrays(params);
      disposeParams(params);
      return { sampled, arrays };
    };
    const plain = await run(0);
    const withCanaries = await run(40);
    expect(withCanaries.sampled).toEqual(plain.sampled);
    for (const [name, a] of plain.arrays) expect(withCanaries.arrays.get(name)).toEqual(a);
  });

  it('refuses a faults object not made by createTestFaults (e.g. one that crossed postMessage)', () => {
    const cloned = structuredClone(createTestFaults({ noiseScale: 0.5 }));
    expect(() => checkTestFaults(cloned)).toThrow(/tests only/);
    expect(() => checkTestFaults({ disableClipping: true })).toThrow(/tests only/);
    expect(checkTestFaults(undefined)).toBeUndefined();
  });

  it('the app and the CLI never import the fault switches', async () => {
    const { readdirSync, readFileSync, statSync } = await import('node:fs');
    const { join } = await import('node:path');
    const files: string[] = [];
    const walk = (d: string) => {
      for (const f of readdirSync(d)) {
        const p = join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(ts|tsx)$/.test(f)) files.push(p);
      }
    };
    for (const d of ['src/cli', 'src/worker', 'src/ui', 'src/pipeline', 'src/audit']) walk(d);
    const offenders = files.filter((f) =>
      /import[^;]*\bcreateTestFaults\b|createTestFaults\(/.test(readFileSync(f, 'utf8')),
    );
    expect(offenders).toEqual([]);
    expect(tf.getBackend()).toBe('wasm');
  });
});
