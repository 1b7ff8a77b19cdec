/**
 * The white-box privacy audit on the webgpu backend (Dawn + SwiftShader), where noise and AdamW
 * run as the fused WGSL kernel: the audit recovers exactly the canaries' C / qN from what the
 * kernel wrote, does not flag the correct code, and catches half the noise.
 * Settings as tests/unit/audit-whitebox.test.ts's A, on a smaller model.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { designCanaries } from '../../src/audit/canaries';
import { whiteboxAudit } from '../../src/audit/whitebox';
import { createTestFaults, type DPFaults } from '../../src/dp/faults';
import { initBackend } from '../../src/model/backend';
import { makeConfig } from '../../src/model/config';
import { disposeParams, paramShapes, paramsFromArrays } from '../../src/model/params';
import type { NoiseSeed } from '../../src/random/noise';
import { planPrivacy } from '../../src/train/dp-plan';
import { trainWithDP } from '../../src/train/dp-train';
import { seededNormal } from '../unit/helpers/random';
import { randomIds } from '../unit/helpers/tiny-model';

const config = makeConfig({ vocabSize: 13, contextLength: 8, nLayer: 1, nHead: 2, nEmbd: 32 });
const SEED: NoiseSeed = { key: [7, 8], stream: [9, 10] };
const docs = Array.from({ length: 16 }, (_, d) => [randomIds(5 + (d % 4), 13, d + 1)]);

function startArrays(): Map<string, Float32Array> {
  const normal = seededNormal(5);
  return new Map(
    [...paramShapes(config)].map(([name, shape]) => {
      const size = shape.reduce((a, b) => a * b, 1);
      const gain = /ln_(1|2|f)\.weight$/.test(name) ? 1 : 0;
      return [name, Float32Array.from({ length: size }, () => gain + 0.1 * normal())];
    }),
  );
}

const training = (epochs: number) => ({
  expectedBatchSize: 16,
  epochs,
  microBatchSize: 8,
  targetEpsilon: 2,
  delta: 1e-5,
  schedule: { peak: 1e-3 },
  insecureFixedSeedForTestsOnly: 3,
});

async function audit(canaries: number, epochs: number, faults?: DPFaults) {
  const params = paramsFromArrays(config, startArrays());
  const t = training(epochs);
  const r = await whiteboxAudit({
    params,
    config,
    documentWindows: docs,
    padId: 0,
    plan: planPrivacy(docs.length, t),
    training: t,
    audit: { canaries },
    seed: SEED,
    faults,
  });
  disposeParams(params);
  return r;
}

describe('white-box audit on webgpu (fused noise + AdamW kernel)', () => {
  beforeAll(async () => {
    expect((await initBackend({ override: 'webgpu' })).backend).toBe('webgpu');
  });

  it("recovers C / qN per included canary from the fused kernel's update", async () => {
    const t = training(1);
    const plan = planPrivacy(docs.length, t);
    const ref = paramsFromArrays(config, startArrays());
    let m1 = new Map<string, Float32Array>();
    await trainWithDP({
      params: ref,
      config,
      documentWindows: docs,
      padId: 0,
      plan,
      training: t,
      audit: {
        afterUpdate: async (v) => {
          m1 = await v.firstMoments();
        },
      },
    });
    disposeParams(ref);
    const r = await audit(600, 1);
    expect(r.noisyUpdate).toBe('fused-webgpu');
    const names = [...paramShapes(config).keys()].filter((n) => n !== 'lm_head.weight');
    const design = designCanaries(
      names.map((n) => ({ name: n, size: m1.get(n)!.length })),
      600,
      'dirac',
      SEED,
    );
    for (let i = 0; i < 600; i++) {
      const g = m1.get(design.tensors[design.tensor[i]].name)![design.index[i]] / 0.1;
      expect(r.scores.aligned[i] - (g * 16) / 1).toBeCloseTo(design.included[i] ? 1 : 0, 3);
    }
  });

  it('does not flag the correct code; catches half the noise', async () => {
    const correct = await audit(4000, 5);
    expect(correct.bound.epsilon).toBeLessThanOrEqual(correct.epsilonClaimed);
    const halfNoise = await audit(4000, 5, createTestFaults({ noiseScale: 0.5 }));
    expect(halfNoise.noisyUpdate).toBe('fused-webgpu');
    expect(halfNoise.bound.epsilon).toBeGreaterThan(halfNoise.epsilonClaimed);
  });
});
