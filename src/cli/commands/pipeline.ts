/**
 * `distildp pipeline`: DistilDP and its baselines on a private corpus, one table. `--demo` runs it on
 * the public-domain demo corpus shipped in public/demo with settings sized for 2 CPU cores.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { nonPrivateGainShares } from '../../contract/gain-share';
import { splitDocuments } from '../../data/split';
import { initBackend } from '../../model/backend';
import { DEFAULT_PIPELINE } from '../../pipeline/config';
import { runExportTree } from '../../pipeline/export-bundle';
import { plannedReleases, releasesOfReports } from '../../pipeline/ledger';
import { disposeModel } from '../../pipeline/models';
import { ALL_METHODS } from '../../pipeline/results';
import { type PipelineResult, runPipeline } from '../../pipeline/run';
import { newRunId } from '../../pipeline/run-id';
import { outputsOfResult } from '../../pipeline/run-outputs';
import { UsageError } from '../args';
import type { Command } from '../command';
import { dataOptions, ingestWithChoices } from '../data-args';
import { threadsOption } from '../gradient-workers';
import { LedgerSession, ledgerOptions } from '../ledger-file';
import { loadModelArg, PUBLIC_DIR } from '../models';
import { progressPrinter } from '../progress';
import { writeFiles } from '../write-files';
import { PARAMETER_OPTIONS } from './parameter-args';
import {
  CI_DEMO_METHODS,
  CI_SETTINGS,
  DEMO_CORPUS,
  formatGainShares,
  formatResults,
  knobOptions,
  pipelineConfigFromOptions,
} from './pipeline-options';

/** Subfolder of --out for numbers computed on private data outside the DP guarantee. */
export const LOCAL_ONLY = 'local-only';
const LOCAL_ONLY_NOTE = `These files hold numbers computed on your private documents OUTSIDE the differential-privacy
guarantee: test perplexities (on the held-out documents) and the rows of non-private models.
Keep them on this machine; share only the files one level up (privacy reports, synthetic text,
the DP student), which the guarantee covers.
`;

function baseTestPpl(result: PipelineResult) {
  // The CLI never stops a run early, so the base models were always evaluated.
  if (!result.base) throw new Error('the run ended before the base models were evaluated');
  return { teacher: result.base.teacher.perplexity, student: result.base.student.perplexity };
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
      name: 'windows-per-doc',
      type: 'number',
      description: 'Compute cap: the most windows a sampled document contributes (default: the recipe rule)',
    },
    ...PARAMETER_OPTIONS,
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
    // No CLI defaults: an unset option keeps the standard run's value (the app's).
    // The same knobs as the app's Advanced settings (one definition: src/contract/overrides.ts).
    ...knobOptions(),
    {
      name: 'code-teachers',
      type: 'string',
      description:
        "With control codes: 'per-code' (default) trains one DP teacher per released code (disjoint parts, the epsilon of one), 'joint' one teacher for all",
    },
    {
      name: 'code-selection',
      type: 'string',
      description:
        "With per-code teachers: 'distinct' (default) keeps, of each code's over-generated samples, those the other codes' teachers find least likely (against the public base model); 'random' chooses at random (the paper's)",
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
    threadsOption,
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
    const basePpl = baseTestPpl(result);
    // Local numbers (test perplexities): the JSON summary and local-only/results.json, never the release.
    const gainShares = nonPrivateGainShares(result.results, basePpl);
    if (o.out) {
      const dir = String(o.out);
      // Numbers computed on private documents outside any DP mechanism (test perplexities, the
      // non-private rows) stay out of the shareable folder.
      mkdirSync(join(dir, LOCAL_ONLY), { recursive: true });
      writeFileSync(join(dir, LOCAL_ONLY, 'README.txt'), LOCAL_ONLY_NOTE);
      writeFileSync(
        join(dir, LOCAL_ONLY, 'results.json'),
        JSON.stringify(
          {
            base_test_ppl: basePpl,
            results: result.results,
            share_of_nonprivate_gain: gainShares,
          },
          null,
          2,
        ),
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
      base_test_ppl: basePpl,
      results: result.results,
      // With --methods ...,nonprivate: each private model's share of the non-private model's gain
      // over its base (README's "recovery"); {} without non-private rows.
      share_of_nonprivate_gain: gainShares,
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
      const shares = formatGainShares(summary.share_of_nonprivate_gain);
      if (shares) io.out(shares);
    }
    return 0;
  },
};
