/**
 * Data-parallel DP steps (src/train/gradient-pool.ts): a run whose micro-batches are shared with
 * gradient helpers ends with the same model, losses and clipping counts as the same run (same
 * test seed: the same samples and noise) on one thread, for full, bias+LayerNorm and LoRA
 * training; the helpers here answer in process, through the same request/reply protocol the
 * worker threads use (tests/unit/cli-gradient-workers.test.ts runs real threads). Also: how
 * micro-batches are split, what disables helpers, and that a helper's failure fails the run.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MicroBatch } from '../../src/dp/sampler';
import { paramsToArrays } from '../../src/model/params';
import { type DPTrainingConfig, planPrivacy } from '../../src/train/dp-plan';
import { type DPStepReport, trainWithDP } from '../../src/train/dp-train';
import {
  createShardHost,
  GradientPool,
  poolOrOneThread,
  type ShardEndpoint,
  type ShardRequest,
  splitMicroBatches,
} from '../../src/train/gradient-pool';
import { maxAbsDiff } from './helpers/arrays';
import { useWasm } from './helpers/backend';
import { randomWeights, tinyConfig } from './helpers/tiny-model';

beforeAll(useWasm);

const cfg = tinyConfig({ vocabSize: 13, contextLength: 8, nLayer: 2, nHead: 2, nEmbd: 8 });

/** N documents of 1-3 windows; different lengths, so micro-batches have different shapes. */
function corpus(n: number): number[][][] {
  return Array.from({ length: n }, (_, d) => {
    const toks = Array.from({ length: 4 + (d % 5) * 4 }, (_, i) => ((i * (d + 1)) % 11) + 1);
    const windows: number[][] = [];
    for (let s = 0; s + 1 < toks.length; s += 8) windows.push(toks.slice(s, s + 9));
    return windows;
  });
}

const base: Partial<DPTrainingConfig> = {
  expectedBatchSize: 16,
  epochs: 2,
  microBatchSize: 4,
  noiseMultiplier: 0.5,
  clipNorm: 0.5,
  windowsPerDocument: 3,
  schedule: { peak: 3e-2 },
  insecureFixedSeedForTestsOnly: 5,
};

/** In-process helpers that record what they were asked. */
function inProcessPool(n: number) {
  const requests: ShardRequest['kind'][] = [];
  const stepped: number[] = [];
  const endpoints: ShardEndpoint[] = Array.from({ length: n }, (_, i) => {
    const host = createShardHost();
    return {
      request: async (msg) => {
        requests.push(msg.kind);
        if (msg.kind === 'step') stepped.push(i);
        return host(msg);
      },
      close: () => {},
    };
  });
  return { pool: new GradientPool(endpoints, `${n} in-process helpers`), requests, stepped };
}

async function run(training: Partial<DPTrainingConfig>, gradientPool: GradientPool | null) {
  const docs = corpus(48);
  const plan = planPrivacy(docs.length, training);
  const { params } = randomWeights(cfg, 3, 0.1);
  const reports: DPStepReport[] = [];
  const result = await trainWithDP({
    params,
    config: cfg,
    documentWindows: docs,
    padId: 0,
    plan,
    training,
    gradientPool,
    hooks: { onStep: (r) => void reports.push(r) },
  });
  const arrays = await paramsToArrays(params);
  for (const p of params.values()) p.dispose();
  return { result, reports, arrays };
}

describe('DP steps shared with gradient helpers', () => {
  for (const [label, training] of [
    ['all parameters', {}],
    ['biases + LayerNorms', { parameters: 'biasLayerNorm' }],
    ['LoRA', { parameters: 'lora', lora: { rank: 2, alpha: 4, targets: ['attn.c_attn', 'mlp.c_fc'] } }],
  ] as [string, Partial<DPTrainingConfig>][]) {
    it(`${label}: the same model, losses and counts as on one thread`, async () => {
      const local = await run({ ...base, ...training }, null);
      const { pool, requests, stepped } = inProcessPool(2);
      const before = tf.memory().numTensors;
      const shared = await run({ ...base, ...training }, pool);
      expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
      // The helpers did real work: every step with enough micro-batches went to both.
      expect(requests[0]).toBe('load');
      expect(requests.at(-1)).toBe('unload');
      expect(new Set(stepped)).toEqual(new Set([0, 1]));
      expect(shared.reports.length).toBe(local.reports.length);
      shared.reports.forEach((r, i) => {
        const l = local.reports[i];
        expect(r.sampledDocuments).toBe(l.sampledDocuments);
        expect(r.clippedFraction).toBe(l.clippedFraction);
        expect(r.tokens).toBe(l.tokens);
        expect(r.loss).toBeCloseTo(l.loss, 4);
      });
      // Only the order of float additions differs.
      const moved = maxAbsDiff(
        local.arrays,
        (await run({ ...base, ...training, epochs: 0.01 }, null)).arrays,
      );
      expect(moved).toBeGreaterThan(1e-3);
      expect(maxAbsDiff(local.arrays, shared.arrays)).toBeLessThan(1e-4);
      expect(shared.result.epsilon).toBe(local.result.epsilon);
    });
  }

  it('is not used for a per-row loss (DPKD) and says nothing to the helpers', async () => {
    const { pool, requests } = inProcessPool(1);
    const rowLoss: DPTrainingConfig['rowLoss'] = (logits, batch) =>
      tf.tidy(() => tf.mean(tf.mul(tf.mean(logits, 2), batch.mask), 1)) as tf.Tensor1D;
    await run({ ...base, epochs: 0.2, rowLoss }, pool);
    expect(requests).toEqual([]);
  });

  it("a helper's failure fails the run with its message", async () => {
    const failing: ShardEndpoint = {
      request: async (msg) => (msg.kind === 'step' ? { ok: false, error: 'out of memory' } : { ok: true }),
      close: () => {},
    };
    await expect(run(base, new GradientPool([failing], 'failing'))).rejects.toThrow(
      /gradient helper failed: out of memory/,
    );
  });
});

describe('poolOrOneThread', () => {
  it('passes a started pool on and says so; a failed start becomes null (one thread) with its reason', async () => {
    const pool = new GradientPool([], 'no helpers');
    const said: string[] = [];
    const started = await poolOrOneThread(
      Promise.resolve(pool),
      (p) => said.push(`started ${p.description}`),
      (why) => said.push(`failed ${why}`),
    );
    expect(started).toBe(pool);
    const failed = await poolOrOneThread(
      Promise.reject(new Error('could not start a gradient worker: out of memory')),
      (p) => said.push(`started ${p.description}`),
      (why) => said.push(`failed ${why}`),
    );
    expect(failed).toBeNull();
    expect(said).toEqual(['started no helpers', 'failed could not start a gradient worker: out of memory']);
  });
});

describe('splitMicroBatches', () => {
  const mb = (rows: number): MicroBatch => ({
    windowsPerExample: 1,
    rows: Array.from({ length: rows }, (_, i) => ({ documentIndex: i, windowIndices: [0] })),
  });

  it('balances work, keeps every micro-batch exactly once', () => {
    const mbs = [mb(4), mb(1), mb(3), mb(2), mb(2)];
    const shares = splitMicroBatches(mbs, 2, (m) => m.rows.length);
    expect(shares.flat().sort((a, b) => a.rows.length - b.rows.length)).toEqual(
      [...mbs].sort((a, b) => a.rows.length - b.rows.length),
    );
    const work = shares.map((s) => s.reduce((a, m) => a + m.rows.length, 0));
    expect(work).toEqual([6, 6]);
  });

  it('one part keeps everything; fewer micro-batches than parts leaves shares empty', () => {
    expect(splitMicroBatches([mb(1), mb(2)], 1, () => 1)).toEqual([[mb(1), mb(2)]]);
    const shares = splitMicroBatches([mb(3)], 3, (m) => m.rows.length);
    expect(shares.map((s) => s.length)).toEqual([1, 0, 0]);
    expect(() => splitMicroBatches([], 0, () => 1)).toThrow(/parts/);
  });
});
