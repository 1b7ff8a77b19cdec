/**
 * Calibration of the run-time estimate (src/pipeline/estimate.ts): the standard profile on the demo
 * corpus, estimated before the run (speed probe + estimate) and measured stage by stage.
 *   npx tsx scripts/calibrate-estimate.ts [methods, default distildp,dpsgd,nonprivate]
 * Prints each stage's estimated and actual seconds and their ratio (README, "Run time estimate").
 */
import { join } from 'node:path';
import { DEMO_DATA_CHOICES } from '../src/cli/commands/pipeline-options';
import { ingestPath } from '../src/cli/fs-data';
import { loadModelArg, PUBLIC_DIR } from '../src/cli/models';
import { initBackend } from '../src/model/backend';
import { countParameters } from '../src/model/config';
import { resolvePipelineConfig } from '../src/pipeline/config';
import { prepareCorpus } from '../src/pipeline/corpus';
import { estimateForCorpus } from '../src/pipeline/estimate-run';
import { planPipelinePrivacy } from '../src/pipeline/plan';
import { STANDARD_PROFILE } from '../src/pipeline/profiles';
import { runPipeline } from '../src/pipeline/run';
import { probeSpeed } from '../src/pipeline/speed-probe';

const methods = (process.argv[2] ?? 'distildp,dpsgd,nonprivate').split(',') as never[];
await initBackend();
const docs = ingestPath(join(PUBLIC_DIR, 'demo/demo-corpus.jsonl'), console.error, 3, {
  textField: DEMO_DATA_CHOICES.textField,
  labelFields: DEMO_DATA_CHOICES.labelFields,
}).documents;
const teacher = await loadModelArg('teacher', console.error);
const student = await loadModelArg('student', console.error);
const config = resolvePipelineConfig(STANDARD_PROFILE, { methods, data: DEMO_DATA_CHOICES });
const contextLength = Math.min(teacher.config.contextLength, student.config.contextLength);
const corpus = prepareCorpus(docs, teacher.tokenizer, {
  contextLength,
  seed: config.seed,
  ...config.split,
  useControlCodes: config.data.useControlCodes,
});
const planned = planPipelinePrivacy(config, {
  trainDocuments: corpus.train.length,
  useControlCodes: corpus.useControlCodes,
});
const t0 = performance.now();
const speed = await probeSpeed(teacher, student, config.synthetic.generation.batchSize ?? 32);
console.log('probe seconds', ((performance.now() - t0) / 1000).toFixed(2), JSON.stringify(speed));
const est = estimateForCorpus({
  config,
  corpus,
  planned,
  tokenizer: teacher.tokenizer,
  contextLength,
  teacherParameters: countParameters(teacher.config),
  speed,
});
const started = new Map<string, number>();
const actual = new Map<string, number>();
const runStart = performance.now();
await runPipeline({
  documents: docs,
  teacher,
  student,
  config,
  events: {
    stage: (e) => {
      const key = `${e.method}/${e.stage}`;
      if (e.status === 'start') started.set(key, performance.now());
      if (e.status === 'end')
        actual.set(key, (actual.get(key) ?? 0) + (performance.now() - started.get(key)!) / 1000);
    },
  },
});
const total = (performance.now() - runStart) / 1000;
console.log('stage, estimated s, actual s, actual/estimated');
for (const s of est.stages) {
  const a = actual.get(s.key) ?? 0;
  console.log(`${s.key}, ${s.seconds.toFixed(1)}, ${a.toFixed(1)}, ${(a / s.seconds).toFixed(2)}`);
}
console.log(
  `total, ${est.totalSeconds.toFixed(1)}, ${total.toFixed(1)}, ${(total / est.totalSeconds).toFixed(2)}`,
);
