import { availableParallelism } from 'node:os';
import { type DPBenchResult, runDPBenchmark } from '../../bench/dp-bench';
import { dpSummaryLine, dpTableRows, textTable, threadTableRows } from '../../bench/dp-report';
import { type GenerateBenchResult, runGenerateBenchmark } from '../../bench/generate-bench';
import {
  helperPools,
  parseThreadRequests,
  runThreadBenchmark,
  type ThreadBenchResult,
} from '../../bench/thread-bench';
import { initBackend } from '../../model/backend';
import { type ParsedArgs, UsageError } from '../args';
import type { Command, CommandIO } from '../command';
import { startGradientWorkers } from '../gradient-workers';

type Options = ParsedArgs['options'];
type Suite = (opts: Options, io: CommandIO) => Promise<object>;

interface DPSuiteResult {
  /** One row per thread count (in Node tfjs-backend-wasm has one thread: see `limitation`). */
  threads: ThreadBenchResult | null;
  /** Non-DP vs fast DP vs naive, peak memory, the memory estimate's check. */
  steps: DPBenchResult;
}

function formatDP({ threads, steps: r }: DPSuiteResult): string {
  const m = r.model;
  const lines: string[] = [];
  if (threads) {
    lines.push(
      `Threads: DP step "${threads.config}", batch ${threads.batch} (${threads.tokens_per_step} tokens, ${(threads.step_flops / 1e9).toFixed(2)} GFLOP); ${threads.rounds} round(s) x ${threads.repeats}`,
      textTable(threadTableRows(threads)),
    );
    for (const row of threads.rows)
      if (row.limitation) lines.push(`  threads ${row.threads_requested}: ${row.limitation}`);
  }
  lines.push(
    `DP step benchmark "${r.config}" on ${r.backend} (${r.dp_reduction}): ${m.nLayer} layers, width ${m.nEmbd}, context ${m.contextLength}, batch ${r.batch}, vocab ${m.vocabSize}; median of ${r.repeats}`,
    textTable(dpTableRows(r)),
    `  ${dpSummaryLine(r)}`,
  );
  return lines.join('\n');
}

async function runDPSuite(opts: Options, io: CommandIO): Promise<DPSuiteResult> {
  const config = String(opts.config ?? 'small');
  const repeats = Number(opts.repeats ?? 5);
  const batch = opts.batch === undefined ? undefined : Number(opts.batch);
  const requests = opts.threads === 'none' ? [] : parseThreadRequests(String(opts.threads ?? '1,2,all'));
  // Node's wasm has one thread (see `limitation`); the data-parallel step's helpers are worker threads.
  const pools = helperPools(startGradientWorkers);
  const start = async (wasmThreads: number | undefined) => {
    const info = await initBackend({ override: 'wasm', wasmThreads });
    return { threads: info.wasmThreads?.count ?? 1, limitation: info.wasmThreads?.limitation };
  };
  const startWorkers = async (threads: number | undefined) => {
    await initBackend({ override: 'wasm', wasmThreads: 1 });
    return pools.forThreads(threads ?? availableParallelism());
  };
  let threads: ThreadBenchResult | null = null;
  try {
    if (requests.length > 0)
      threads = await runThreadBenchmark(
        config,
        start,
        { threads: requests, repeats, rounds: Number(opts.rounds ?? 1), batch },
        (m) => io.err(m),
        startWorkers,
      );
  } finally {
    await pools.closeAll();
  }
  await initBackend({ override: 'wasm' });
  const restart = async () => {
    await initBackend({ override: 'wasm', restartWasm: true });
  };
  const steps = await runDPBenchmark(config, { repeats, batch, naive: opts.naive !== false, restart }, (m) =>
    io.err(m),
  );
  return { threads, steps };
}

function formatGenerate(r: GenerateBenchResult): string {
  const m = r.model;
  const runs = (xs: number[]) => `median of ${xs.length}`;
  return [
    `Generation benchmark "${r.config}" on ${r.backend}: ${m.nLayer} layers, width ${m.nEmbd}, vocab ${m.vocabSize}; batch ${r.batch}, ${r.tokens} tokens incl. a ${r.prompt_tokens}-token prompt (${r.generated_per_run} generated per run)`,
    `  KV cache    ${r.kv_tokens_per_s.toFixed(1).padStart(9)} tokens/s   (${runs(r.samples_ms.kv)})`,
    `  no cache    ${r.nocache_tokens_per_s.toFixed(1).padStart(9)} tokens/s   (${runs(r.samples_ms.nocache)})`,
    `  speedup ${r.speedup.toFixed(1)}x`,
  ].join('\n');
}

const suites: Record<string, { run: Suite; format: (r: never) => string }> = {
  dp: { run: runDPSuite, format: formatDP as (r: never) => string },
  generate: {
    run: async (opts, io) =>
      runGenerateBenchmark(
        String(opts.config ?? 'teacher'),
        {
          repeats: Number(opts.repeats ?? 3),
          nocacheRepeats: Number(opts['nocache-repeats'] ?? 1),
          batch: Number(opts.batch ?? 32),
          tokens: Number(opts.tokens ?? 128),
        },
        (m) => io.err(m),
      ),
    format: formatGenerate as (r: never) => string,
  },
};

export const benchCommand: Command = {
  name: 'bench',
  summary: `Benchmarks, measured side by side in one process (suites: ${Object.keys(suites).join(', ')})`,
  usage: 'SUITE ',
  positionals: true,
  options: [
    {
      name: 'config',
      type: 'string',
      description:
        'Named configuration of the suite (dp: small, tiny, distilgpt2, gpt2; generate: a model preset or gpt2-vocab, teacher)',
    },
    {
      name: 'repeats',
      type: 'number',
      description: 'Timed repetitions, median reported (dp: 5; generate: 3)',
    },
    { name: 'nocache-repeats', type: 'number', description: 'generate: timed runs without the KV cache (1)' },
    {
      name: 'batch',
      type: 'number',
      description: "dp: the configuration's batch instead of its own; generate: prompts per batch (32)",
    },
    {
      name: 'threads',
      type: 'string',
      description: 'dp: WASM thread counts, one row each (1,2,all; none skips the rows)',
    },
    { name: 'rounds', type: 'number', description: 'dp: turns over the thread counts, interleaved (1)' },
    { name: 'naive', type: 'boolean', description: 'dp: time the naive oracle too (--naive=false skips it)' },
    { name: 'tokens', type: 'number', description: 'generate: tokens per sequence incl. the prompt (128)' },
    { name: 'json', type: 'boolean', description: 'Print one JSON object' },
  ],
  async run(args, io) {
    const name = args.positionals[0];
    const suite = name ? suites[name] : undefined;
    if (!suite) throw new UsageError(`choose a suite: ${Object.keys(suites).join(', ')}`);
    await initBackend();
    const result = await suite.run(args.options, io);
    io.out(args.options.json ? JSON.stringify(result) : suite.format(result as never));
    return 0;
  },
};
