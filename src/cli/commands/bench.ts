import { type DPBenchResult, runDPBenchmark } from '../../bench/dp-bench';
import { type GenerateBenchResult, runGenerateBenchmark } from '../../bench/generate-bench';
import { initBackend } from '../../model/backend';
import { type ParsedArgs, UsageError } from '../args';
import type { Command, CommandIO } from '../command';

type Suite = (opts: ParsedArgs['options'], io: CommandIO) => Promise<object>;

function formatDP(r: DPBenchResult): string {
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  const m = r.model;
  return [
    `DP step benchmark "${r.config}" on ${r.backend} (${r.dp_reduction}): ${m.nLayer} layers, width ${m.nEmbd}, context ${m.contextLength}, batch ${r.batch}, vocab ${m.vocabSize}; median of ${r.repeats}`,
    `  non-DP step   ${r.nondp_ms.toFixed(0).padStart(7)} ms   peak ${mb(r.nondp_peak_bytes)}`,
    `  fast DP step  ${r.dp_ms.toFixed(0).padStart(7)} ms   peak ${mb(r.dp_peak_bytes)}`,
    `  naive DP step ${r.naive_ms.toFixed(0).padStart(7)} ms   peak ${mb(r.naive_peak_bytes)}`,
    `  fast DP / non-DP: time ${r.dp_over_nondp_time.toFixed(2)}x, memory ${r.dp_over_nondp_memory.toFixed(2)}x; naive / fast: time ${r.naive_over_dp_time.toFixed(2)}x`,
  ].join('\n');
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
  dp: {
    run: async (opts, io) =>
      runDPBenchmark(String(opts.config ?? 'small'), Number(opts.repeats ?? 5), (m) => io.err(m)),
    format: formatDP as (r: never) => string,
  },
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
      description: 'Named configuration of the suite (dp: small; generate: a model preset, teacher)',
    },
    {
      name: 'repeats',
      type: 'number',
      description: 'Timed repetitions, median reported (dp: 5; generate: 3)',
    },
    { name: 'nocache-repeats', type: 'number', description: 'generate: timed runs without the KV cache (1)' },
    { name: 'batch', type: 'number', description: 'generate: prompts per batch (32)' },
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
