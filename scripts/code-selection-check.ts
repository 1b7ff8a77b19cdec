/**
 * Random vs 'distinct' choice of each code's synthetic samples (SyntheticConfig.codeSelection), on ONE
 * set of DP teachers, so DP noise does not differ between the rows (README "Results", control codes).
 *
 *   npx tsx scripts/code-selection-check.ts --train DIR -- --demo --ci
 *     runs the pipeline (the options after `--` are `distildp pipeline`'s) until generation starts and
 *     saves its DP histogram, per-code teachers and their average to DIR;
 *   npx tsx scripts/code-selection-check.ts --compare DIR --guidance 1,1.5 [--pool 2] [--students] -- --demo --ci
 *     for each guidance weight generates the over-generated samples once (`--pool` per kept sample,
 *     default synthetic.distinctOverGenerate; scored as 'distinct' scores them; kept in DIR), chooses each
 *     code's samples both ways (`--selections distinct` for one way only), prints control-code
 *     fidelity and JS divergence, and with --students trains the DistilDP and synthetic-only students
 *     on each corpus through the pipeline itself (the saved stages loaded as checkpoints) and prints
 *     their test PPL.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from '../src/cli/args';
import { pipelineCommand } from '../src/cli/commands/pipeline';
import { pipelineConfigFromOptions } from '../src/cli/commands/pipeline-options';
import { ingestWithChoices } from '../src/cli/data-args';
import { loadModelArg, PUBLIC_DIR } from '../src/cli/models';
import { splitDocuments } from '../src/data/split';
import { initBackend } from '../src/model/backend';
import { paramsFromArrays } from '../src/model/params';
import {
  type Checkpoint,
  MemoryCheckpoints,
  parseCheckpoint,
  serializeCheckpoint,
} from '../src/pipeline/checkpoint';
import { syntheticFidelity } from '../src/pipeline/fidelity';
import { type CodeCount, codeKey, compareCodes } from '../src/pipeline/histogram';
import { runPipeline } from '../src/pipeline/run';
import { STAGES } from '../src/pipeline/stage-registry';
import { generateSyntheticCorpus, type SyntheticProgress } from '../src/pipeline/synthetic';
import { scriptArg } from './labelled-corpus';

const cut = process.argv.indexOf('--');
if (cut < 0) throw new Error('give the pipeline options after --');
const dir = process.argv.includes('--train') ? scriptArg('train') : scriptArg('compare');
await initBackend();
const o = parseArgs(process.argv.slice(cut + 1), pipelineCommand.options).options;
const config = pipelineConfigFromOptions(o);
const dataPath = o.private ? String(o.private) : join(PUBLIC_DIR, 'demo/demo-corpus.jsonl');
const ingest = ingestWithChoices(dataPath, config.data, o, console.error, 3);
const teacher = await loadModelArg(String(o['teacher-init']), console.error);
const student = await loadModelArg(String(o['student-init']), console.error);
const file = (key: string) => join(dir, `${key.replace(/\//g, '__')}.ckpt`);

if (process.argv.includes('--train')) {
  const checkpoints = new MemoryCheckpoints();
  let stop = false;
  await runPipeline({
    documents: ingest.documents,
    teacher,
    student,
    config: { ...config, methods: ['synthetic'] },
    checkpoints,
    events: {
      log: (m) => console.error(m),
      stage: (e) => {
        if (e.stage === 'generate') stop = true;
      },
      shouldStop: () => stop,
    },
  });
  mkdirSync(dir, { recursive: true });
  for (const [key, ck] of checkpoints.records)
    if (ck.status === 'done') writeFileSync(file(key), serializeCheckpoint(ck));
  console.error(`saved ${[...checkpoints.records.keys()].join(', ')} to ${dir}`);
  process.exit(0);
}

const load = (key: string): Checkpoint => parseCheckpoint(readFileSync(file(key)));
const hist = load(STAGES.histogram.key).value as { codes: CodeCount[] };
const codes = [...hist.codes].sort((a, b) => compareCodes(a.labels, b.labels));
if (codes.length < 2) throw new Error('needs two or more released control codes');
const stageKeys = [
  STAGES.histogram.key,
  STAGES.distildpTeacher.key,
  ...codes.map((_, i) => STAGES.codeTeacher(i).key),
];
const model = (key: string) => ({ params: paramsFromArrays(teacher.config, load(key).models!.model.arrays) });
const average = {
  ...model(STAGES.distildpTeacher.key),
  config: teacher.config,
  tokenizer: teacher.tokenizer,
};
const writers = {
  teachers: new Map(codes.map((c, i) => [codeKey(c.labels), model(STAGES.codeTeacher(i).key)])),
  reference: teacher,
};
const split = splitDocuments(ingest.documents, { seed: config.seed, ...config.split });
for (const w of scriptArg('guidance', '1,1.5').split(',').map(Number)) {
  const synthetic = {
    ...config.synthetic,
    seed: config.seed,
    codeGuidance: w,
    distinctOverGenerate: Number(scriptArg('pool', String(config.synthetic.distinctOverGenerate))),
  };
  // Generated and scored once per w; both choices below are made from these samples.
  const cache = join(dir, `generated-w${w}-x${synthetic.distinctOverGenerate}.json`);
  let progress: SyntheticProgress | undefined = existsSync(cache)
    ? JSON.parse(readFileSync(cache, 'utf8'))
    : undefined;
  if (!progress) {
    const t0 = performance.now();
    await generateSyntheticCorpus(
      average,
      codes,
      { ...synthetic, codeSelection: 'distinct' },
      {
        checkpoint: async (p) => {
          progress = p;
        },
      },
      undefined,
      writers,
    );
    console.error(`w ${w}: generated and scored in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    writeFileSync(cache, JSON.stringify(progress));
  }
  const selections = scriptArg('selections', 'random,distinct').split(',') as ('random' | 'distinct')[];
  for (const codeSelection of selections) {
    const corpus = await generateSyntheticCorpus(
      average,
      codes,
      { ...synthetic, codeSelection },
      {},
      progress,
      writers,
    );
    const fidelity = syntheticFidelity(corpus.samples, {
      train: split.train,
      test: split.test,
      useControlCodes: true,
    });
    const row: Record<string, unknown> = {
      guidance: w,
      codeSelection,
      samples: corpus.samples.length,
      control_code_fidelity: fidelity.control_code_fidelity,
      js_divergence: fidelity.js_divergence,
      js_divergence_real: fidelity.js_divergence_real,
    };
    if (process.argv.includes('--students')) {
      const checkpoints = new MemoryCheckpoints();
      for (const key of stageKeys) await checkpoints.save(key, load(key));
      const { completed: _, ...value } = corpus;
      await checkpoints.save(STAGES.generate.key, { status: 'done', value });
      const run = await runPipeline({
        documents: ingest.documents,
        teacher,
        student,
        config: { ...config, methods: ['distildp', 'synthetic'] },
        checkpoints,
        events: { log: (m) => console.error(m) },
      });
      for (const r of run.results) row[`${r.method}_${r.model}_test_ppl`] = r.test_ppl;
    }
    console.log(JSON.stringify(row));
  }
}
