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
import { disposeParams, initParams } from '../model/params';
import { benchConfig } from './bench-configs';
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
  nondp_fraction_of_peak: number;
  /** (max - min) / median of the step samples. */
  dp_spread: number;
  nondp_spread: number;
  samples_ms: { dp: number[]; nondp: number[] };
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
    peaks: [] as number[],
    timings: [] as MatmulTiming[],
  }));
  for (let round = 0; round < o.rounds; round++) {
    for (const a of acc) {
      a.started = await start(a.req === 'all' ? undefined : Number(a.req));
      const twin = acc.find((b) => b !== a && !b.sameAs && b.started?.threads === a.started!.threads);
      if (a.started.limitation && twin && twin.dp.length > a.dp.length) {
        a.sameAs = twin.req;
        onProgress?.(`threads ${a.req}: ${a.started.limitation}; same as threads ${twin.req}`);
        continue;
      }
      const params = initParams(c.model, 1);
      const batch = syntheticBatch(c.model, c.batch);
      try {
        const peak = await measureMatmulPeak(c.model, tokens, o.matmulRuns);
        a.peaks.push(peak.gflops_peak);
        a.timings = peak.timings;
        const steps = stepRunners(params, c.model, batch);
        await steps.nondp();
        await steps.dp();
        for (let r = 0; r < o.repeats; r++) {
          for (const kind of ['nondp', 'dp'] as const) {
            const t0 = performance.now();
            await steps[kind]();
            a[kind].push(performance.now() - t0);
          }
        }
      } finally {
        disposeParams(params);
        batch.inputs.dispose();
        batch.targets.dispose();
        batch.mask.dispose();
      }
      onProgress?.(
        `round ${round + 1}/${o.rounds}, threads ${a.req} (${a.started.threads}): peak ${a.peaks.at(-1)?.toFixed(1)} GFLOP/s, ` +
          `non-DP ${median(a.nondp.slice(-o.repeats)).toFixed(0)} ms, DP ${median(a.dp.slice(-o.repeats)).toFixed(0)} ms`,
      );
    }
  }
  const rows: ThreadRow[] = acc.map((own) => {
    const a = own.sameAs ? acc.find((b) => b.req === own.sameAs)! : own;
    const dp = median(a.dp);
    const nondp = median(a.nondp);
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
      nondp_fraction_of_peak: gflops(nondp) / peak,
      dp_spread: spread(a.dp),
      nondp_spread: spread(a.nondp),
      samples_ms: { dp: a.dp, nondp: a.nondp },
      matmul_peaks: a.peaks,
      matmul_timings: a.timings,
    };
  });
  const at = (n: number) => rows.find((r) => r.threads === n && r.threads_requested === String(n));
  const one = at(1);
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
  };
}
