/**
 * Does one joint DP teacher know the control codes? (README "Results", control-code fidelity.) For a
 * teacher from `npx distildp train --data public/demo/demo-corpus.jsonl --label-field label --preset
 * teacher --epsilon 2 --out T.safetensors --ledger L`:
 *   npx tsx scripts/guidance-joint-teacher.ts --teacher T.safetensors [--guidance 0,1,3] [--per-code 100]
 * prints, per guidance weight w (against the prompt without a code, end-of-text alone), the pipeline's
 * fidelity measures of `--per-code` samples per code, then how often the teacher's own likelihood (text
 * after each code's prompt) picks the right code of the real test documents (split seed 1).
 */
import { loadModelArg } from '../src/cli/models';
import { initBackend } from '../src/model/backend';
import { codeKey, controlCodeFidelity, distributionFidelity } from '../src/pipeline/fidelity';
import { STANDARD_PROFILE } from '../src/pipeline/profiles';
import { generateSyntheticCorpus } from '../src/pipeline/synthetic';
import { scriptArg as arg, labelledCorpus } from './labelled-corpus';

const dataPath = arg('data', 'public/demo/demo-corpus.jsonl');
const perCode = Number(arg('per-code', '100'));
await initBackend();
const teacher = await loadModelArg(arg('teacher'), console.error);
const { split, codes } = labelledCorpus(dataPath, arg('label-field', 'label'));
for (const w of arg('guidance', '0,1,2,4').split(',').map(Number)) {
  const t0 = Date.now();
  const corpus = await generateSyntheticCorpus(
    teacher,
    codes.map((labels) => ({ labels, weight: 1 })),
    {
      ...STANDARD_PROFILE.synthetic,
      samples: perCode * codes.length,
      overGenerate: 1,
      seed: 1,
      generation: { ...STANDARD_PROFILE.synthetic.generation, guidance: w },
    },
  );
  const f = controlCodeFidelity(corpus.samples, split.train, split.test);
  const d = distributionFidelity(
    corpus.samples.map((s) => s.text),
    split.test.map((x) => x.text),
    split.train.map((x) => x.text),
  );
  console.log(
    JSON.stringify({
      w,
      fidelity: f?.fidelity,
      acc: f?.classifierAccuracy,
      js: d.syntheticJs,
      realJs: d.realJs,
      s: (Date.now() - t0) / 1000,
      ex: corpus.samples.slice(0, 2).map((s) => `${s.labels}: ${s.text.slice(0, 150)}`),
    }),
  );
}

// How well the teacher's code prompts tell real held-out documents apart (is its code signal the style?).
import { sequenceLogLikelihoods } from '../src/audit/likelihood';
import { promptTokens } from '../src/pipeline/synthetic';

const tests = split.test;
const sc: Float64Array[] = [];
for (const labels of codes) {
  const prompt = promptTokens(teacher.tokenizer, labels);
  const seqs = tests.map((d) =>
    [...prompt, ...teacher.tokenizer.encode(d.text)].slice(0, teacher.config.contextLength + 1),
  );
  sc.push(
    await sequenceLogLikelihoods(
      teacher.params,
      teacher.config,
      seqs,
      teacher.tokenizer.padId,
      32,
      seqs.map(() => prompt.length),
    ),
  );
}
const right = tests.filter((d, i) => {
  const own = codes.findIndex((c) => codeKey(c) === codeKey(d.labels));
  return sc.every((s, c) => c === own || s[i] < sc[own][i]);
}).length;
console.log(JSON.stringify({ teacher_classifies_real_test_docs: right / tests.length, n: tests.length }));
