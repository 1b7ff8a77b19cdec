/**
 * The DP benchmark's JSON on the tiny configuration (seconds): the keys the browser benchmark and
 * `distildp bench dp` report, numbers consistent with each other, and the FLOP count by hand.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { benchConfig, DP_BENCH_CONFIGS } from '../../src/bench/bench-configs';
import { runDPBenchmark } from '../../src/bench/dp-bench';
import { dpTableRows, textTable, threadTableRows } from '../../src/bench/dp-report';
import { forwardFlopsPerToken, trainingStepFlops } from '../../src/bench/flops';
import { median, spread } from '../../src/bench/stats';
import { helperPools, parseThreadRequests, runThreadBenchmark } from '../../src/bench/thread-bench';
import { modelMemory } from '../../src/io/memory-estimate';
import { initBackend } from '../../src/model/backend';
import { makeConfig } from '../../src/model/config';
import { NODE_NO_THREADS } from '../../src/platform/wasm-threads';
import { createShardHost, GradientPool } from '../../src/train/gradient-pool';
import { useWasm } from './helpers/backend';

beforeAll(useWasm);

describe('FLOP count of a training step', () => {
  it('matches a hand count for a 1-layer model', () => {
    // d 4, V 10, T 3: per token 2*12*16 (four linears) + 2*2*3*4 (QK^T, PV) + 2*4*10 (LM head).
    const c = makeConfig({ vocabSize: 10, contextLength: 8, nLayer: 1, nHead: 2, nEmbd: 4 });
    expect(forwardFlopsPerToken(c, 3)).toBe(384 + 48 + 80);
    expect(trainingStepFlops(c, 2, 3)).toBe(3 * 2 * 3 * 512);
  });

  it('GPT-2 small at context 128: about 6 x 85 M FLOPs per token for the body (+ attention and head)', () => {
    const gpt2 = DP_BENCH_CONFIGS.gpt2.model;
    const perToken = trainingStepFlops(gpt2, 1, 128) / 128;
    const body = 6 * 12 * 12 * 768 * 768; // 6 * non-embedding parameters (85 M)
    expect(perToken).toBeGreaterThan(body);
    expect(perToken).toBeLessThan(body * 1.5);
  });
});

describe('benchmark helpers', () => {
  it('median, spread, thread lists and config overrides', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(spread([1, 2, 3])).toBe(1);
    expect(parseThreadRequests('1, 2,ALL')).toEqual(['1', '2', 'all']);
    expect(() => parseThreadRequests('1,x')).toThrow(/counts >= 1 or "all"/);
    expect(benchConfig('tiny', 3).batch).toBe(3);
    expect(() => benchConfig('huge')).toThrow(/unknown benchmark config "huge"/);
    expect(DP_BENCH_CONFIGS.distilgpt2.model).toMatchObject({
      nLayer: 6,
      nEmbd: 768,
      nHead: 12,
      vocabSize: 50257,
    });
    expect(DP_BENCH_CONFIGS.gpt2.model).toMatchObject({
      nLayer: 12,
      nEmbd: 768,
      nHead: 12,
      vocabSize: 50257,
    });
  });
});

describe('DP benchmark JSON (tiny)', () => {
  it('thread rows: Node runs one thread and says why, sharing the measurement', async () => {
    const start = async (wasmThreads: number | undefined) => {
      const info = await initBackend({ override: 'wasm', wasmThreads });
      return { threads: info.wasmThreads!.count, limitation: info.wasmThreads!.limitation };
    };
    const t = await runThreadBenchmark('tiny', start, {
      threads: ['1', '2', 'all'],
      repeats: 1,
      matmulRuns: 1,
    });
    expect(t.rows.map((r) => [r.threads_requested, r.threads, r.same_as])).toEqual([
      ['1', 1, undefined],
      ['2', 1, '1'],
      ['all', 1, '1'],
    ]);
    expect(t.rows[1].limitation).toBe(NODE_NO_THREADS);
    expect(t.dp_speedup_2_over_1).toBeNull(); // no row ran on 2 threads
    const r = t.rows[0];
    expect(r.dp_tokens_per_s).toBeCloseTo((t.tokens_per_step / r.dp_ms) * 1000, 6);
    expect(r.dp_gflops).toBeCloseTo(t.step_flops / (r.dp_ms * 1e6), 6);
    expect(r.fraction_of_peak).toBeCloseTo(r.dp_gflops / r.matmul_gflops_peak, 9);
    expect(r.matmul_gflops_peak).toBe(Math.max(...r.matmul_timings.map((m) => m.gflops)));
    expect(r.matmul_timings.map((m) => m.shape)).toContainEqual([1024, 1024, 1024]);
    expect(textTable(threadTableRows(t)).split('\n')).toHaveLength(4);
  });

  it('thread rows with gradient helpers: the data-parallel step runs on helpers + 1 workers', async () => {
    const inProcess = (n: number) =>
      Promise.resolve(
        new GradientPool(
          Array.from({ length: n }, () => ({ request: createShardHost(), close: () => {} })),
          `${n} in-process`,
        ),
      );
    const pools = helperPools(inProcess);
    const start = async (wasmThreads: number | undefined) => {
      const info = await initBackend({ override: 'wasm', wasmThreads });
      return { threads: info.wasmThreads!.count, limitation: info.wasmThreads!.limitation };
    };
    const startWorkers = (threads: number | undefined) => pools.forThreads(threads ?? 3);
    const t = await runThreadBenchmark(
      'tiny',
      start,
      { threads: ['1', '2'], repeats: 2, matmulRuns: 1 },
      undefined,
      startWorkers,
    );
    await pools.closeAll();
    // Node's wasm runs one thread in both rows (the second shares the first's measurement), but
    // the data-parallel step is measured for each: 1 and 2 workers.
    expect(t.rows.map((r) => [r.threads_requested, r.workers, r.same_as])).toEqual([
      ['1', 1, undefined],
      ['2', 2, '1'],
    ]);
    for (const r of t.rows) {
      expect(r.samples_ms.dp_workers).toHaveLength(2);
      expect(r.dp_workers_tokens_per_s).toBeCloseTo((t.tokens_per_step / r.dp_workers_ms) * 1000, 6);
      // This thread's share is part of the step; a helper's busy time comes from the helper.
      expect(r.dp_workers_own_ms).toBeGreaterThan(0);
      expect(r.dp_workers_own_ms).toBeLessThanOrEqual(Math.max(...r.samples_ms.dp_workers));
    }
    expect(t.rows[0].dp_workers_helper_ms).toBeNaN();
    expect(t.rows[1].dp_workers_helper_ms).toBeGreaterThan(0);
    expect(t.dp_workers_speedup_2_over_1).toBeCloseTo(
      t.rows[1].dp_workers_tokens_per_s / t.rows[0].dp_workers_tokens_per_s,
      9,
    );
  });

  it('steps: non-DP, fast DP, naive, memory against the estimate', async () => {
    const d = await runDPBenchmark('tiny', { repeats: 1 });
    expect(d.samples_ms.dp).toHaveLength(1);
    expect(d.naive_ms).toBeGreaterThan(0);
    expect(d.dp_over_nondp_time).toBeCloseTo(d.dp_ms / d.nondp_ms, 9);
    expect(d.dp_peak_bytes).toBeGreaterThan(0);
    expect(d.training_step_peak_bytes).toBeGreaterThan(d.dp_peak_bytes * 0.5);
    expect(d.estimated_training_bytes).toBe(modelMemory(d.model, d.batch).trainingBytes);
    expect(d.estimate_over_measured).toBeCloseTo(d.estimated_training_bytes / d.training_step_peak_bytes!, 9);
    expect(d.dp_heap_bytes).toBeNull(); // no restart function: no fresh heap to measure
    expect(dpTableRows(d).rows).toHaveLength(4);
    const quick = await runDPBenchmark('tiny', { repeats: 1, naive: false, trainingStep: false, batch: 2 });
    expect([quick.batch, quick.naive_ms, quick.training_step_peak_bytes]).toEqual([2, null, null]);
  });

  it('with a restart function: each step on a fresh wasm heap, which holds its tensors', async () => {
    let restarts = 0;
    const restart = async () => {
      restarts++;
      await initBackend({ override: 'wasm', restartWasm: true });
    };
    const d = await runDPBenchmark('tiny', { repeats: 1, naive: false, restart });
    expect(restarts).toBe(4); // nondp, dp, training step, then the timing
    for (const [heap, peak] of [
      [d.nondp_heap_bytes, d.nondp_peak_bytes],
      [d.dp_heap_bytes, d.dp_peak_bytes],
      [d.training_step_heap_bytes, d.training_step_peak_bytes],
    ])
      expect(heap).toBeGreaterThan(peak!);
    expect(d.estimate_over_measured).toBeCloseTo(d.estimated_training_bytes / d.training_step_heap_bytes!, 9);
  });
});
