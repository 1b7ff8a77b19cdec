/**
 * WASM thread scaling of the DP step: for each thread count (e.g. 1, 2, all), the backend is
 * restarted on that many threads, and the matmul peak, the non-DP step and the fast DP step are
 * measured on it. With `rounds` > 1 the thread counts take turns (1, 2, all, 1, 2, all, ...), so a
 * burst of load from elsewhere on a shared machine hits every count alike; every sample is kept.
 * `fraction_of_peak` = the step's model FLOPs per second (src/bench/flops.ts) / the matmul peak
 * measured at the same thread count (src/bench/matmul-peak.ts). A request that cannot get its
 * threads (Node; a page without cross-origin isolation) runs on fewer, says why (`limitation`), and
 * shares the measurement of the earlier request that ran on the same count (`same_as`).
 */
import type { GPTConfig } from '../model/config';
import type { TokenBatch } from '../model/losses';
import { disposeParams, initParams, type Params } from '../model/params';
import { disposeBatch, windowsToBatch } from '../train/batching';
import { ClippedSumAccumulator } from '../train/clipped-accumulator';
import type { GradientPool } from '../train/gradient-pool';
import { type BenchConfig, benchConfig } from './bench-configs';
import { stepRunners, syntheticBatch } from './dp-bench';
import { trainingStepFlops } from './flops';
import { type MatmulTiming, measureMatmulPeak } from './matmul-peak';
import { median, spread } from './stats';

/** '1', '2', ... or 'all' (every logical core). */
export type ThreadRequest = string;

export interface ThreadStart {
  /** Threads actually running (tfjs-backend-wasm's count). */
  threads: number;
  /** Why fewer than requested, if so. */
  limitation?: string;
}

/**
 * Starts the data-parallel DP step's workers for a requested count (undefined: every core, as
 * the app does): the wasm module on one thread and that many - 1 gradient helpers (null for one).
 */
export type WorkersStart = (threads: number | undefined) => Promise<GradientPool | null>;

export interface ThreadBenchOptions {
  threads: ThreadRequest[];
  /** Timed steps of each kind per round (default 3). */
  repeats: number;
  /** Turns over the thread counts (default 1). */
  rounds: number;
  /** Timed runs per matmul shape (default 5). */
  matmulRuns: number;
  batch?: number;
}

export const DEFAULT_THREAD_BENCH: ThreadBenchOptions = {
  threads: ['1', '2', 'all'],
  repeats: 3,
  rounds: 1,
  matmulRuns: 5,
};

export interface ThreadRow {
  threads_requested: ThreadRequest;
  threads: number;
  limitation?: string;
  /** Not measured again: the same thread count as this earlier request. */
  same_as?: ThreadRequest;
  dp_ms: number;
  nondp_ms: number;
  dp_tokens_per_s: number;
  nondp_tokens_per_s: number;
  /** Median over rounds of each round's best matmul GFLOP/s. */
  matmul_gflops_peak: number;
  dp_gflops: number;
  nondp_gflops: number;
  /** dp_gflops / matmul_gflops_peak. */
  fraction_of_peak: number;
  /**
   * The DP step as training runs it at this count: the batch split across `workers` (this thread
   * and its gradient helpers, each on one wasm thread), clipped sums of every share added here.
   */
  workers: number;
  dp_workers_ms: number;
  dp_workers_tokens_per_s: number;
  /** The data-parallel step's model FLOPs per second over this count's matmul peak. */
  dp_workers_fraction_of_peak: number;
  dp_workers_spread: number;
  /**
   * Diagnostics of the data-parallel step (medians of the timed steps): this thread's own share
   * (its clipping only), and the busiest helper's time on its share by its own clock (weights
   * set, clipping, sums read; NaN without helpers). Their excess over dp_workers_ms / workers of
   * the 1-worker row is what running side by side costs each core.
   */
  dp_workers_own_ms: number;
  dp_workers_helper_ms: number;
  nondp_fraction_of_peak: number;
  /** (max - min) / median of the step samples. */
  dp_spread: number;
  nondp_spread: number;
  samples_ms: { dp: number[]; nondp: number[]; dp_workers: number[] };
  matmul_peaks: number[];
  matmul_timings: MatmulTiming[];
}

export interface ThreadBenchResult {
  config: string;
  batch: number;
  tokens_per_step: number;
  step_flops: number;
  repeats: number;
  rounds: number;
  rows: ThreadRow[];
  /** dp_tokens_per_s at 2 threads over 1 thread (null unless both ran with those counts). */
  dp_speedup_2_over_1: number | null;
  nondp_speedup_2_over_1: number | null;
  /** dp_workers_tokens_per_s on 2 workers over 1 (null unless both were measured). */
  dp_workers_speedup_2_over_1: number | null;
}

/** Where a data-parallel step's time went (ms): this thread's share, and the busiest helper's. */
interface StepSplit {
  ownMs: number;
  helperMs: number;
}

/**
 * One data-parallel DP step (the clipped-sum part of train/dp-train.ts's step): the batch's rows
 * in `helpers + 1` micro-batches, the helpers' shares posted first (with the current weights),
 * this thread's share clipped meanwhile, the helpers' sums added to it and read back.
 */
async function dataParallelStep(
  params: Params,
  model: GPTConfig,
  rows: number[][],
  pool: GradientPool | null,
): Promise<StepSplit> {
  const parts = (pool?.helpers ?? 0) + 1;
  const per = Math.ceil(rows.length / parts);
  const shares = Array.from({ length: parts }, (_, i) => rows.slice(i * per, (i + 1) * per)).filter(
    (r) => r.length > 0,
  );
  const names = [...params.keys()];
  const remote =
    pool && shares.length > 1
      ? pool.step(
          await Promise.all(names.map(async (n) => (await params.get(n)!.data()) as Float32Array)),
          shares.slice(1).map((windows) => [{ windowsPerExample: 1, windows }]),
        )
      : null;
  const acc = new ClippedSumAccumulator();
  try {
    const started = performance.now();
    const batch = windowsToBatch(shares[0], shares[0].length, model.contextLength, 0);
    try {
      await acc.addMicroBatch(batch, 1, { params, config: model, clipping: { clipNorm: 1 }, padId: 0 });
    } finally {
      disposeBatch(batch);
    }
    const ownMs = performance.now() - started;
    const results = (await remote) ?? [];
    for (const r of results) acc.addArrays(names, r.sums, r.stats, params);
    await acc.readArrays(names, params);
    return { ownMs, helperMs: results.length ? Math.max(...results.map((r) => r.busyMs)) : Number.NaN };
  } finally {
    acc.dispose();
  }
}

/** Fresh weights and a synthetic batch for `run`, disposed after. */
async function withBenchModel(
  c: BenchConfig,
  run: (params: Params, batch: TokenBatch) => Promise<void>,
): Promise<void> {
  const params = initParams(c.model, 1);
  const batch = syntheticBatch(c.model, c.batch);
  try {
    await run(params, batch);
  } finally {
    disposeParams(params);
    batch.inputs.dispose();
    batch.targets.dispose();
    batch.mask.dispose();
  }
}

/** One warm-up run of each step, then `repeats` interleaved timed runs into `into[kind]`. */
async function timeSteps<K extends string>(
  steps: Record<K, () => Promise<void>>,
  kinds: K[],
  repeats: number,
  into: Record<K, number[]>,
): Promise<void> {
  for (const kind of kinds) await steps[kind]();
  for (let r = 0; r < repeats; r++) {
    for (const kind of kinds) {
      const t0 = performance.now();
      await steps[kind]();
      into[kind].push(performance.now() - t0);
    }
  }
}

/** What a helper loads to clip for the benchmark: every weight trained (as a full DP run). */
function benchShardModel(params: Params, model: GPTConfig) {
  return {
    config: model,
    padId: 0,
    forward: [...params].map(([name, p]) => ({ name, data: p.dataSync() as Float32Array })),
    trainable: [...params.keys()],
    clipping: { clipNorm: 1, embeddings: 'train' as const, parameters: 'all' as const },
  };
}

/**
 * Gradient helper pools for the thread counts of a benchmark, each started once and kept across
 * rounds (`start(n)` starts n helpers: worker threads in Node, dedicated workers in a page).
 */
export function helperPools(start: (helpers: number) => Promise<GradientPool>) {
  const pools = new Map<number, Promise<GradientPool>>();
  return {
    /** Helpers beside this thread for a step on `threads` threads (none for one). */
    forThreads(threads: number): Promise<GradientPool | null> {
      const helpers = threads - 1;
      if (helpers < 1) return Promise.resolve(null);
      if (!pools.has(helpers)) pools.set(helpers, start(helpers));
      return pools.get(helpers)!;
    },
    async closeAll(): Promise<void> {
      for (const p of pools.values()) await (await p.catch(() => null))?.close();
      pools.clear();
    },
  };
}

/** Parses "1,2,all"; throws on anything else. */
export function parseThreadRequests(raw: string): ThreadRequest[] {
  const items = raw
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const bad = items.find((s) => s !== 'all' && !(Number.isInteger(Number(s)) && Number(s) >= 1));
  if (bad !== undefined || items.length === 0)
    throw new Error(`threads must be a list of counts >= 1 or "all", e.g. 1,2,all; got "${raw}"`);
  return items;
}

export async function runThreadBenchmark(
  name: string,
  start: (threads: number | undefined) => Promise<ThreadStart>,
  options: Partial<ThreadBenchOptions> = {},
  onProgress?: (msg: string) => void,
  startWorkers?: WorkersStart,
): Promise<ThreadBenchResult> {
  const o = { ...DEFAULT_THREAD_BENCH, ...options };
  const c = benchConfig(name, o.batch);
  const flops = trainingStepFlops(c.model, c.batch, c.model.contextLength);
  const tokens = c.batch * c.model.contextLength;
  const acc = o.threads.map((req) => ({
    req,
    started: null as ThreadStart | null,
    sameAs: undefined as ThreadRequest | undefined,
    dp: [] as number[],
    nondp: [] as number[],
    workers: [] as number[],
    splits: [] as StepSplit[],
    workerCount: 1,
    peaks: [] as number[],
    timings: [] as MatmulTiming[],
  }));
  for (let round = 0; round < o.rounds; round++) {
    for (const a of acc) {
      const requested = a.req === 'all' ? undefined : Number(a.req);
      a.started = await start(requested);
      const twin = acc.find((b) => b !== a && !b.sameAs && b.started?.threads === a.started!.threads);
      if (a.started.limitation && twin && twin.dp.length > a.dp.length) {
        a.sameAs = twin.req;
        onProgress?.(`threads ${a.req}: ${a.started.limitation}; same as threads ${twin.req}`);
      } else {
        await withBenchModel(c, async (params, batch) => {
          const steps = stepRunners(params, c.model, batch);
          await timeSteps(steps, ['nondp', 'dp'], o.repeats, a);
          // After the steps: each thread count starts a fresh wasm module, whose code a browser
          // first runs unoptimised (Chromium's baseline tier); measured first, the 1-thread peak
          // came out at 20-30 GFLOP/s instead of ~47 and inflated fraction_of_peak.
          const peak = await measureMatmulPeak(c.model, tokens, o.matmulRuns);
          a.peaks.push(peak.gflops_peak);
          a.timings = peak.timings;
        });
      }
      if (startWorkers) {
        const pool = await startWorkers(requested);
        a.workerCount = (pool?.helpers ?? 0) + 1;
        await withBenchModel(c, async (params, batch) => {
          const [inputs, targets] = [await batch.inputs.array(), await batch.targets.array()];
          const rows = inputs.map((row, i) => [...row, targets[i][targets[i].length - 1]]);
          if (pool) await pool.load(benchShardModel(params, c.model));
          const warmUp = a.splits.length; // timeSteps' first run is an untimed warm-up
          try {
            await timeSteps(
              {
                workers: async () => {
                  a.splits.push(await dataParallelStep(params, c.model, rows, pool));
                },
              },
              ['workers'],
              o.repeats,
              a,
            );
            a.splits.splice(warmUp, 1);
          } finally {
            await pool?.unload();
          }
        });
      }
      const last = (xs: number[]) => (xs.length ? `${median(xs.slice(-o.repeats)).toFixed(0)} ms` : 'n/a');
      onProgress?.(
        `round ${round + 1}/${o.rounds}, threads ${a.req} (${a.started.threads}): peak ${a.peaks.at(-1)?.toFixed(1) ?? 'n/a'} GFLOP/s, ` +
          `non-DP ${last(a.nondp)}, DP ${last(a.dp)}, DP on ${a.workerCount} worker(s) ${last(a.workers)}`,
      );
    }
  }
  const rows: ThreadRow[] = acc.map((own) => {
    const a = own.sameAs ? acc.find((b) => b.req === own.sameAs)! : own;
    const dp = median(a.dp);
    const nondp = median(a.nondp);
    const workers = own.workers.length ? median(own.workers) : Number.NaN;
    const peak = median(a.peaks);
    const gflops = (ms: number) => flops / (ms * 1e6);
    return {
      threads_requested: own.req,
      threads: own.started!.threads,
      ...(own.started!.limitation ? { limitation: own.started!.limitation } : {}),
      ...(own.sameAs ? { same_as: own.sameAs } : {}),
      dp_ms: dp,
      nondp_ms: nondp,
      dp_tokens_per_s: (tokens / dp) * 1000,
      nondp_tokens_per_s: (tokens / nondp) * 1000,
      matmul_gflops_peak: peak,
      dp_gflops: gflops(dp),
      nondp_gflops: gflops(nondp),
      fraction_of_peak: gflops(dp) / peak,
      workers: own.workerCount,
      dp_workers_ms: workers,
      dp_workers_tokens_per_s: (tokens / workers) * 1000,
      dp_workers_fraction_of_peak: gflops(workers) / peak,
      dp_workers_spread: own.workers.length ? spread(own.workers) : Number.NaN,
      dp_workers_own_ms: own.splits.length ? median(own.splits.map((x) => x.ownMs)) : Number.NaN,
      dp_workers_helper_ms: own.splits.length ? median(own.splits.map((x) => x.helperMs)) : Number.NaN,
      nondp_fraction_of_peak: gflops(nondp) / peak,
      dp_spread: spread(a.dp),
      nondp_spread: spread(a.nondp),
      samples_ms: { dp: a.dp, nondp: a.nondp, dp_workers: own.workers },
      matmul_peaks: a.peaks,
      matmul_timings: a.timings,
    };
  });
  const at = (n: number) => rows.find((r) => r.threads === n && r.threads_requested === String(n));
  const one = at(1);
  const withWorkers = (n: number) => rows.find((r) => r.workers === n && r.threads_requested === String(n));
  const oneWorker = withWorkers(1);
  const twoWorkers = withWorkers(2);
  const two = at(2);
  return {
    config: name,
    batch: c.batch,
    tokens_per_step: tokens,
    step_flops: flops,
    repeats: o.repeats,
    rounds: o.rounds,
    rows,
    dp_speedup_2_over_1: one && two ? two.dp_tokens_per_s / one.dp_tokens_per_s : null,
    nondp_speedup_2_over_1: one && two ? two.nondp_tokens_per_s / one.nondp_tokens_per_s : null,
    dp_workers_speedup_2_over_1:
      oneWorker && twoWorkers ? twoWorkers.dp_workers_tokens_per_s / oneWorker.dp_workers_tokens_per_s : null,
  };
}
