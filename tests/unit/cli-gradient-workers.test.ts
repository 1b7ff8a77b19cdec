/**
 * The CLI's gradient helpers as real Node worker threads (src/cli/gradient-workers.ts): a DP run
 * shared with one ends where the same run (same test seed) on one thread ends; the `--threads`
 * option parses; a stopped pool fails the run with a message instead of hanging.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseThreads, startGradientWorkers } from '../../src/cli/gradient-workers';
import { paramsToArrays } from '../../src/model/params';
import { planPrivacy } from '../../src/train/dp-plan';
import { trainWithDP } from '../../src/train/dp-train';
import type { GradientPool } from '../../src/train/gradient-pool';
import { maxAbsDiff } from './helpers/arrays';
import { useWasm } from './helpers/backend';
import { randomWeights, tinyConfig } from './helpers/tiny-model';

beforeAll(useWasm);

const cfg = tinyConfig({ vocabSize: 17, contextLength: 16, nLayer: 1, nHead: 2, nEmbd: 16 });
const docs = Array.from({ length: 40 }, (_, d) => [
  Array.from({ length: 5 + (d % 12) }, (_, i) => ((i + d) % 15) + 1),
]);
const training = {
  expectedBatchSize: 12,
  epochs: 1,
  microBatchSize: 3,
  noiseMultiplier: 0.5,
  clipNorm: 0.5,
  insecureFixedSeedForTestsOnly: 9,
};

async function train(pool: GradientPool | null) {
  const { params } = randomWeights(cfg, 4, 0.1);
  const losses: number[] = [];
  await trainWithDP({
    params,
    config: cfg,
    documentWindows: docs,
    padId: 0,
    plan: planPrivacy(docs.length, training),
    training,
    gradientPool: pool,
    hooks: { onStep: (r) => void losses.push(r.loss) },
  });
  const arrays = await paramsToArrays(params);
  for (const p of params.values()) p.dispose();
  return { arrays, losses };
}

describe('gradient worker threads', () => {
  let pool: GradientPool;
  beforeAll(async () => {
    pool = await startGradientWorkers(1);
  }, 60_000);
  afterAll(() => pool?.close());

  it('a run shared with a worker thread ends as the run on one thread', async () => {
    const local = await train(null);
    const shared = await train(pool);
    expect(shared.losses.length).toBe(local.losses.length);
    for (const [i, l] of shared.losses.entries()) expect(l).toBeCloseTo(local.losses[i], 4);
    expect(maxAbsDiff(local.arrays, shared.arrays)).toBeLessThan(1e-4);
  }, 60_000);

  it('a stopped pool fails the run with a message instead of hanging', async () => {
    const doomed = await startGradientWorkers(1);
    await doomed.close();
    await expect(train(doomed)).rejects.toThrow(/closed|exited/);
  }, 60_000);
});

describe('--threads', () => {
  it('parses counts and "all"; refuses the rest', () => {
    expect(parseThreads('3')).toBe(3);
    expect(parseThreads('all')).toBeGreaterThanOrEqual(1);
    expect(parseThreads(undefined)).toBeGreaterThanOrEqual(1);
    expect(() => parseThreads('0')).toThrow(/--threads/);
    expect(() => parseThreads('two')).toThrow(/--threads/);
  });
});
