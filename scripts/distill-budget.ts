/**
 * How much synthetic text and how many distillation passes the student needs, measured on the
 * VALIDATION split from one saved DP teacher (README "Results": the sweep behind the standard run's
 * 4,000 synthetic samples). The DP teacher comes from the CLI, e.g.
 *   npx distildp train --data runs/dev/fortunes-2000.jsonl --no-labels --preset teacher --epsilon 2 --out T.safetensors
 * then
 *   npx tsx scripts/distill-budget.ts --teacher T.safetensors --data runs/dev/fortunes-2000.jsonl \
 *     --configs 2000x2,4000x2,2000x4,4000x4 [--hard-labels]
 * generates the largest corpus once (the standard profile's sampling, seed 1) and, per SAMPLESxEPOCHS,
 * distils a fresh shipped student on its first SAMPLES samples (the standard profile's distillation;
 * `--hard-labels`: lambda = alpha = 0, the synthetic-only baseline). Prints one JSON line each.
 * The documents' split is by index here (not the pipeline's content hash): compare rows of one run.
 */
import { readFileSync } from 'node:fs';
import { loadModelArg } from '../src/cli/models';
import type { Document } from '../src/data/types';
import { initBackend } from '../src/model/backend';
import { prepareCorpus } from '../src/pipeline/corpus';
import { distillStudent, evaluateModel, syntheticWindows } from '../src/pipeline/model-tasks';
import { STANDARD_PROFILE } from '../src/pipeline/profiles';
import { generateSyntheticCorpus } from '../src/pipeline/synthetic';
import { scriptArg } from './script-args';

const teacherPath = scriptArg('teacher');
const dataPath = scriptArg('data');
const configs = scriptArg('configs', '2000x2,4000x2')
  .split(',')
  .map((c) => {
    const [samples, epochs] = c.split('x').map(Number);
    if (!(samples >= 1 && epochs > 0)) throw new Error(`--configs: "${c}" is not SAMPLESxEPOCHS`);
    return { samples, epochs };
  });
const distillation = process.argv.includes('--hard-labels')
  ? { ...STANDARD_PROFILE.distillation, lambda: 0, alpha: 0 }
  : STANDARD_PROFILE.distillation;

await initBackend();
const teacher = await loadModelArg(teacherPath, console.error);
const docs: Document[] = readFileSync(dataPath, 'utf8')
  .trim()
  .split('\n')
  .map((line, i) => ({ id: String(i), text: JSON.parse(line).text, labels: [], source: dataPath }));
const corpus = prepareCorpus(docs, teacher.tokenizer, {
  seed: 1,
  contextLength: Math.min(teacher.config.contextLength, 128),
  useControlCodes: false,
});
console.error(`${corpus.train.length} training, ${corpus.validation.length} validation documents`);
const teacherPpl = (await evaluateModel(teacher, corpus.validationWindows)).perplexity;
console.log(JSON.stringify({ teacher_validation_ppl: teacherPpl }));
const started = performance.now();
const synthetic = await generateSyntheticCorpus(teacher, null, {
  ...STANDARD_PROFILE.synthetic,
  samples: Math.max(...configs.map((c) => c.samples)),
  seed: 1,
});
console.error(
  `generated ${synthetic.samples.length} samples in ${((performance.now() - started) / 1000).toFixed(0)} s`,
);
for (const { samples, epochs } of configs) {
  const student = await loadModelArg('student', console.error);
  const windows = syntheticWindows(student, synthetic.samples.slice(0, samples));
  const t = performance.now();
  await distillStudent({
    teacher,
    student,
    windows,
    training: { ...STANDARD_PROFILE.distill, epochs, seed: 1 },
    distillation,
  });
  const ppl = (await evaluateModel(student, corpus.validationWindows)).perplexity;
  console.log(
    JSON.stringify({
      samples,
      epochs,
      windows: windows.length,
      validation_ppl: ppl,
      seconds: (performance.now() - t) / 1000,
    }),
  );
}
