/**
 * `distildp pipeline`: DistilDP and its baselines on a private corpus, one table. `--demo` runs it on
 * the public-domain demo corpus shipped in public/demo with settings sized for 2 CPU cores.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { splitDocuments } from '../../data/split';
import { initBackend } from '../../model/backend';
import {
  type DataChoices,
  DEFAULT_PIPELINE,
  type PipelineConfig,
  type PipelineOptions,
  resolvePipelineConfig,
} from '../../pipeline/config';
import { runExportTree } from '../../pipeline/export-bundle';
import { plannedReleases, releasesOfReports } from '../../pipeline/ledger';
import { disposeModel } from '../../pipeline/models';
import { STANDARD_PROFILE } from '../../pipeline/profiles';
import { ALL_METHODS, type MethodName, type ResultRow } from '../../pipeline/results';
import { type PipelineResult, runPipeline } from '../../pipeline/run';
import { newRunId } from '../../pipeline/run-id';
import { outputsOfResult } from '../../pipeline/run-outputs';
import { type ParsedArgs, UsageError } from '../args';
import type { Command } from '../command';
import { dataChoicesFromOptions, dataOptions, ingestWithChoices } from '../data-args';
import { LedgerSession, ledgerOptions } from '../ledger-file';
import { loadModelArg, PUBLIC_DIR } from '../models';
import { progressPrinter } from '../progress';
import { writeFiles } from '../write-files';
import { PARAMETER_OPTIONS, parameterSelectionArgs } from './parameter-args';

export const DEMO_CORPUS = 'demo/demo-corpus.jsonl';

/** The demo corpus's data choices (it is public): text in `text`, its genre in `label` as control codes. */
export const DEMO_DATA_CHOICES: DataChoices = {
  textField: 'text',
  labelFields: ['label'],
  folderLabels: false,
  useControlCodes: true,
};

/** Settings of `--demo`: the app's standard run sizes, every method. */
export const DEMO_SETTINGS: PipelineOptions = { ...STANDARD_PROFILE, methods: [...ALL_METHODS] };

/**
 * `--ci`: a run sized for the CI suite's minutes (tests/demo): the same DP recipe, half the
 * synthetic text, and with --demo only the methods the acceptance test compares.
 */
export const CI_SETTINGS: PipelineOptions = {
  ...STANDARD_PROFILE,
  synthetic: { ...STANDARD_PROFILE.synthetic, samples: 1000 },
};
export const CI_DEMO_METHODS: MethodName[] = ['distildp', 'synthetic', 'dpsgd'];

/** Subfolder of --out for numbers computed on private data outside the DP guarantee. */
export const LOCAL_ONLY = 'local-only';
const LOCAL_ONLY_NOTE = `These files hold numbers computed on your private documents OUTSIDE the differential-privacy
guarantee: test perplexities (on the held-out documents) and the rows of non-private models.
Keep them on this machine; share only the files one level up (privacy reports, synthetic text,
the DP student), which the guarantee covers.
`;

function baseTestPpl(result: PipelineResult) {
  return { teacher: result.base.teacher.perplexity, student: result.base.student.perplexity };
}

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

/** --codes: a comma list of single-label codes, or a JSON array of label tuples. */
function codesArg(v: string): string[][] {
  if (v.trim().startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch (e) {
      throw new UsageError(`--codes is not valid JSON (${(e as Error).message})`);
    }
    const ok =
      Array.isArray(parsed) &&
      parsed.length > 0 &&
      parsed.every((c) => Array.isArray(c) && c.every((l) => typeof l === 'string'));
    if (!ok) throw new UsageError('--codes as JSON must be a non-empty array of arrays of strings');
    return parsed as string[][];
  }
  const list = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.length === 0) throw new UsageError('--codes needs at least one code');
  return list.map((l) => [l]);
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
  const codes = o.codes === undefined ? undefined : codesArg(String(o.codes));
  if (histogram === 'uniform' && !codes)
    throw new UsageError(
      '--histogram uniform needs the list of codes, declared by you (public): --codes a,b or --codes \'[["a","x"],["b","y"]]\' (it is never taken from the data)',
    );
  if (codes && histogram !== 'uniform') throw new UsageError('--codes is for --histogram uniform');
  // Options shared by every DP training (teachers and students).
  const dp = {
    expectedBatchSize: numberOr(o.batch),
    windowsPerDocument: numberOr(o['windows-per-doc']),
    ...parameterSelectionArgs(o),
  };
  // The app's standard run is also the CLI's: --demo only adds the demo corpus and every method.
  const base = o.ci
    ? { ...CI_SETTINGS, methods: o.demo ? CI_DEMO_METHODS : undefined }
    : o.demo
      ? DEMO_SETTINGS
      : STANDARD_PROFILE;
  return resolvePipelineConfig(base, {
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
    histogram: { mode: histogram, codes },
    data: dataChoicesFromOptions(o, o.demo ? DEMO_DATA_CHOICES : undefined),
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
    ...dataOptions,
    {
      name: 'ci',
      type: 'boolean',
      description: `CI-sized run: ${CI_SETTINGS.synthetic?.samples} synthetic samples; with --demo only ${CI_DEMO_METHODS.join(', ')}`,
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
      description: `Control-code counts: dp (noised, accounted) or uniform over the codes you declare with --codes (default ${DEFAULT_PIPELINE.histogram.mode})`,
    },
    {
      name: 'codes',
      type: 'string',
      description:
        'With --histogram uniform: the control codes, declared public by you (a,b or a JSON array of label lists)',
    },
    // No CLI defaults: an unset option keeps the standard profile's value (the app's).
    {
      name: 'lambda',
      type: 'number',
      description: `Soft-label weight (default ${STANDARD_PROFILE.distillation.lambda})`,
    },
    {
      name: 'temperature',
      type: 'number',
      description: `Distillation temperature (default ${STANDARD_PROFILE.distillation.temperature})`,
    },
    {
      name: 'alpha',
      type: 'number',
      description: `Hidden-state alignment weight (default ${STANDARD_PROFILE.distillation.alpha})`,
    },
    {
      name: 'seed',
      type: 'number',
      description: `Seed of splits, order and generation, never of DP noise (default ${DEFAULT_PIPELINE.seed})`,
    },
    {
      name: 'out',
      type: 'string',
      description:
        'Folder for the release: student/ and teacher/ (HF GPT-2), synthetic.jsonl, privacy-report.json, README.md (how to continue on a cluster); test results go to its local-only/ subfolder',
    },
    { name: 'fp16', type: 'boolean', description: 'With --out: store weights as float16' },
    {
      name: 'description',
      type: 'string',
      description: 'With --out: your description of the training data, published in the model cards',
    },
    ...ledgerOptions,
    { name: 'json', type: 'boolean', description: 'Print one JSON object' },
  ],
  async run(args, io) {
    const o = args.options;
    if (!o.demo && !o.private) throw new UsageError('give --private PATH or --demo');
    const backend = await initBackend();
    const dataPath = o.private ? String(o.private) : join(PUBLIC_DIR, DEMO_CORPUS);
    const config = pipelineConfigFromOptions(o);
    const ingest = ingestWithChoices(dataPath, config.data, o, io.err, 3);
    // A random run id (never a hash of the documents) names this run in its reports and the ledger.
    const runId = newRunId();
    // Earlier runs on these documents (the ledger) are composed with this run's plan; spending more
    // needs --confirm-spend. The training split is each document's own (a keyed hash), as the run's.
    const trainDocuments = splitDocuments(ingest.documents, { seed: config.seed, ...config.split }).train;
    // The demo corpus is public: it has no budget to keep unless a ledger is asked for.
    const ledger =
      o.demo && o.ledger === undefined
        ? null
        : LedgerSession.open(
            o,
            { id: runId, trainDocuments, ...plannedReleases(config, trainDocuments.length) },
            io.err,
          );
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
    if (!result.stopped) ledger?.save(releasesOfReports(result.reports), 'spent');
    if (o.out) {
      const dir = String(o.out);
      // Numbers computed on private documents outside any DP mechanism (test perplexities, the
      // non-private rows) stay out of the shareable folder.
      mkdirSync(join(dir, LOCAL_ONLY), { recursive: true });
      writeFileSync(join(dir, LOCAL_ONLY, 'README.txt'), LOCAL_ONLY_NOTE);
      writeFileSync(
        join(dir, LOCAL_ONLY, 'results.json'),
        JSON.stringify({ base_test_ppl: baseTestPpl(result), results: result.results }, null, 2),
      );
      // The same files as the app's "export all", named by a random run id (never by the data).
      const tree = await runExportTree(await outputsOfResult(result, teacher.tokenizer.kind), {
        runId,
        created: new Date(),
        dtype: o.fp16 ? 'F16' : 'F32',
        dataDescription: o.description === undefined ? undefined : String(o.description),
      });
      writeFiles(dir, tree);
      const entries = new Set([...tree.keys()].map((n) => n.replace(/\/.*/, '/')));
      io.err(
        `artifacts written to ${dir}: ${[...entries].join(', ')}; numbers on private data in ${join(dir, LOCAL_ONLY)} (do not share)`,
      );
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
      run_id: runId,
      corpus: result.corpus,
      base_test_ppl: baseTestPpl(result),
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
