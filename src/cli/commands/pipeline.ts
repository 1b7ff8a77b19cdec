/**
 * `distildp pipeline`: DistilDP and its baselines on a private corpus, one table. `--demo` runs it on
 * the public-domain demo corpus shipped in public/demo with settings sized for 2 CPU cores.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { exportParamsToHF } from '../../io/params-io';
import { initBackend } from '../../model/backend';
import {
  DEFAULT_PIPELINE,
  type PipelineConfig,
  type PipelineOptions,
  resolvePipelineConfig,
} from '../../pipeline/config';
import { STANDARD_PROFILE } from '../../pipeline/profiles';
import { ALL_METHODS, type MethodName, type ResultRow } from '../../pipeline/results';
import { runPipeline } from '../../pipeline/run';
import { disposeModel } from '../../pipeline/stages';
import { syntheticToJsonl } from '../../pipeline/synthetic';
import { type ParsedArgs, UsageError } from '../args';
import type { Command } from '../command';
import { ingestPath } from '../fs-data';
import { loadModelArg, PUBLIC_DIR } from '../models';
import { progressPrinter } from '../progress';
import { PARAMETER_OPTIONS, parameterSelectionArgs } from './parameter-args';

export const DEMO_CORPUS = 'demo/demo-corpus.jsonl';

/** Settings of `--demo`: the app's standard run sizes, every method. */
export const DEMO_SETTINGS: PipelineOptions = { ...STANDARD_PROFILE, methods: [...ALL_METHODS] };

export function formatResults(rows: ResultRow[]): string {
  const header = ['method', 'model', 'epsilon', 'delta', 'test PPL', 'bits/byte', 'wall time'];
  const body = rows.map((r) => [
    r.method,
    r.model,
    r.epsilon === null ? 'inf' : r.epsilon.toFixed(3),
    r.delta === null ? '-' : r.delta.toExponential(2),
    r.test_ppl.toFixed(2),
    r.bits_per_byte.toFixed(3),
    `${r.wall_s.toFixed(0)} s`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

function methodsArg(v: unknown): MethodName[] {
  const list = String(v)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = list.filter((m) => !(ALL_METHODS as readonly string[]).includes(m));
  if (bad.length || list.length === 0)
    throw new UsageError(`--methods takes a comma list of ${ALL_METHODS.join(', ')}; got "${v}"`);
  return list as MethodName[];
}

/** A number option, or undefined when the user did not give it. */
function numberOr(v: unknown): number | undefined {
  return v === undefined ? undefined : Number(v);
}

/**
 * The pipeline config of parsed options: the library defaults, the --demo profile, then only the
 * options the user actually gave (an unset option leaves the layer below it in force).
 */
export function pipelineConfigFromOptions(o: ParsedArgs['options']): PipelineConfig {
  const histogram = o.histogram === undefined ? undefined : String(o.histogram);
  if (histogram !== undefined && histogram !== 'dp' && histogram !== 'uniform')
    throw new UsageError('--histogram is dp or uniform');
  // Options shared by every DP training (teachers and students).
  const dp = {
    expectedBatchSize: numberOr(o.batch),
    windowsPerDocument: numberOr(o['windows-per-doc']),
    ...parameterSelectionArgs(o),
  };
  return resolvePipelineConfig(o.demo ? DEMO_SETTINGS : undefined, {
    epsilon: numberOr(o.epsilon),
    delta: numberOr(o.delta),
    seed: numberOr(o.seed),
    methods: o.methods ? methodsArg(o.methods) : undefined,
    teacherDP: {
      ...dp,
      epochs: numberOr(o['teacher-epochs']),
      schedule: { peak: numberOr(o['teacher-lr']) },
    },
    studentDP: {
      ...dp,
      epochs: numberOr(o['student-epochs']),
      schedule: { peak: numberOr(o['student-lr']) },
    },
    synthetic: { samples: numberOr(o['synthetic-samples']) },
    distill: { epochs: numberOr(o['distill-epochs']) },
    distillation: {
      lambda: numberOr(o.lambda),
      temperature: numberOr(o.temperature),
      alpha: numberOr(o.alpha),
    },
    histogram: { mode: histogram },
  });
}

export const pipelineCommand: Command = {
  name: 'pipeline',
  summary:
    'Run DistilDP (DP teacher -> synthetic text -> distilled student) and baselines; print the results table',
  options: [
    {
      name: 'private',
      type: 'string',
      description: 'Private corpus: a file (.jsonl/.csv/.txt/...) or a folder',
    },
    {
      name: 'demo',
      type: 'boolean',
      description: `Use the public-domain demo corpus (public/${DEMO_CORPUS}) and demo settings`,
    },
    {
      name: 'teacher-init',
      type: 'string',
      description: 'Teacher: preset name, model file or HF GPT-2 folder',
      default: 'teacher',
    },
    {
      name: 'student-init',
      type: 'string',
      description: 'Student: preset name, model file or HF GPT-2 folder',
      default: 'student',
    },
    {
      name: 'epsilon',
      type: 'number',
      description: `Total epsilon of every private method (default ${DEFAULT_PIPELINE.epsilon})`,
    },
    { name: 'delta', type: 'number', description: 'Total delta (default 1/N^1.1, N = training documents)' },
    {
      name: 'methods',
      type: 'string',
      description: `Comma list of ${ALL_METHODS.join(',')} (default: distildp; all with --demo)`,
    },
    // DP recipe: every option left out keeps the rule of src/pipeline/recipe.ts (from N and epsilon).
    {
      name: 'batch',
      type: 'number',
      description: 'Expected DP batch size in documents (default: the recipe rule)',
    },
    {
      name: 'teacher-epochs',
      type: 'number',
      description: 'DP epochs of teachers (default: the recipe rule)',
    },
    {
      name: 'student-epochs',
      type: 'number',
      description: 'DP epochs of DP-SGD/DPKD students (default: the rule)',
    },
    {
      name: 'teacher-lr',
      type: 'number',
      description: 'DP learning rate of teachers (default: the recipe rule)',
    },
    {
      name: 'student-lr',
      type: 'number',
      description: 'DP learning rate of students (default: the recipe rule)',
    },
    {
      name: 'windows-per-doc',
      type: 'number',
      description: 'Compute cap: the most windows a sampled document contributes (default: the recipe rule)',
    },
    ...PARAMETER_OPTIONS,
    { name: 'synthetic-samples', type: 'number', description: 'Synthetic samples for the student' },
    { name: 'distill-epochs', type: 'number', description: 'Epochs over the synthetic corpus' },
    {
      name: 'histogram',
      type: 'string',
      description: `Control-code counts: dp (noised, accounted) or uniform (labels public) (default ${DEFAULT_PIPELINE.histogram.mode})`,
    },
    // No CLI defaults: an unset option keeps the --demo profile's value, else the library default.
    {
      name: 'lambda',
      type: 'number',
      description: `Soft-label weight (default ${DEFAULT_PIPELINE.distillation.lambda}; --demo: ${STANDARD_PROFILE.distillation.lambda})`,
    },
    {
      name: 'temperature',
      type: 'number',
      description: `Distillation temperature (default ${DEFAULT_PIPELINE.distillation.temperature})`,
    },
    {
      name: 'alpha',
      type: 'number',
      description: `Hidden-state alignment weight (default ${DEFAULT_PIPELINE.distillation.alpha}; --demo: ${STANDARD_PROFILE.distillation.alpha})`,
    },
    {
      name: 'seed',
      type: 'number',
      description: `Seed of splits, order and generation, never of DP noise (default ${DEFAULT_PIPELINE.seed})`,
    },
    {
      name: 'out',
      type: 'string',
      description: 'Folder for artifacts: student (HF GPT-2), synthetic.jsonl, privacy reports, results',
    },
    { name: 'json', type: 'boolean', description: 'Print one JSON object' },
  ],
  async run(args, io) {
    const o = args.options;
    if (!o.demo && !o.private) throw new UsageError('give --private PATH or --demo');
    const backend = await initBackend();
    const dataPath = o.private ? String(o.private) : join(PUBLIC_DIR, DEMO_CORPUS);
    const ingest = ingestPath(dataPath, io.err, 3);
    const config = pipelineConfigFromOptions(o);
    const teacher = await loadModelArg(String(o['teacher-init']), io.err);
    const student = await loadModelArg(String(o['student-init']), io.err);
    io.err(
      `backend ${backend.backend}; teacher ${teacher.name}, student ${student.name}; ${ingest.documents.length} documents from ${dataPath}`,
    );
    const printers = new Map<string, ReturnType<typeof progressPrinter>>();
    const started = performance.now();
    const result = await runPipeline({
      documents: ingest.documents,
      teacher,
      student,
      config,
      events: {
        log: (m) => io.err(m),
        stage: (e) => {
          if (e.status === 'end') return;
          if (e.status === 'skipped') {
            io.err(`[${e.method}] ${e.stage}: done before, skipped`);
            return;
          }
          printers.delete(`${e.method}/${e.stage}`); // a new stage run gets a fresh rate and ETA
          io.err(`[${e.method}] ${e.stage}${e.detail ? `: ${e.detail}` : ''}`);
        },
        progress: (e) => {
          const key = `${e.method}/${e.stage}`;
          if (!printers.has(key)) printers.set(key, progressPrinter(io.err, `  [${key}]`, e.total, 10_000));
          printers.get(key)!(e.done);
        },
        result: (r) => io.err(`  -> ${r.method} ${r.model}: test PPL ${r.test_ppl.toFixed(2)}`),
      },
    });
    const wall = (performance.now() - started) / 1000;
    if (o.out) {
      const dir = String(o.out);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'results.json'), JSON.stringify(result.results, null, 2));
      writeFileSync(join(dir, 'privacy-reports.json'), JSON.stringify(result.reports, null, 2));
      if (result.synthetic)
        writeFileSync(join(dir, 'synthetic.jsonl'), syntheticToJsonl(result.synthetic.samples));
      if (result.distildp) {
        const s = result.distildp.student;
        const files = await exportParamsToHF(s.config, s.params, s.tokenizer.huggingFaceFiles());
        mkdirSync(join(dir, 'student'), { recursive: true });
        for (const [name, bytes] of files) writeFileSync(join(dir, 'student', name), bytes);
      }
      io.err(`artifacts written to ${dir}`);
    }
    if (result.distildp) {
      disposeModel(result.distildp.student);
      disposeModel(result.distildp.teacher);
    }
    disposeModel(teacher);
    disposeModel(student);
    const summary = {
      data: o.demo ? `demo (public/${DEMO_CORPUS})` : dataPath,
      backend: backend.backend,
      tfjs: tf.version.tfjs,
      teacher: teacher.name,
      student: student.name,
      corpus: result.corpus,
      base_test_ppl: { teacher: result.base.teacher.perplexity, student: result.base.student.perplexity },
      results: result.results,
      privacy: result.reports,
      synthetic: result.synthetic
        ? {
            samples: result.synthetic.samples.length,
            generated: result.synthetic.generated,
            duplicates: result.synthetic.duplicates,
            empty: result.synthetic.empty,
          }
        : undefined,
      wall_s: wall,
    };
    if (o.json) io.out(JSON.stringify(summary));
    else {
      io.out(formatResults(result.results));
      io.out(
        `base (before fine-tuning): teacher PPL ${summary.base_test_ppl.teacher.toFixed(2)}, student PPL ${summary.base_test_ppl.student.toFixed(2)}; total ${wall.toFixed(0)} s`,
      );
    }
    return 0;
  },
};
