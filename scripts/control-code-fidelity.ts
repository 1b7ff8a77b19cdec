/**
 * Control-code fidelity of a DP teacher's samples on a labelled corpus, and whether the teacher's
 * own view of the codes can raise it by post-processing (README "Results", what was tried for the
 * demo). The teacher comes from the CLI, e.g.
 *   npx distildp train --data public/demo/demo-corpus.jsonl --label-field label --preset teacher --epsilon 2 --out T.safetensors
 * then
 *   npx tsx scripts/control-code-fidelity.ts --teacher T.safetensors [--data public/demo/demo-corpus.jsonl] \
 *     [--label-field label] [--per-code 100]
 * writes `--per-code` samples per code (the standard profile's sampling), scores each sample's text
 * after every code's prompt with the teacher (sequence log-likelihood), and prints the pipeline's
 * fidelity measure (controlCodeFidelity) for: the samples as generated; relabelled with the code the
 * teacher finds more likely; and the samples the teacher finds most typical of their own code (top
 * 83% and 50% by log-likelihood margin). Also how often the teacher's choice agrees with the prompt.
 */
import { sequenceLogLikelihoods } from '../src/audit/likelihood';
import { loadModelArg } from '../src/cli/models';
import { initBackend } from '../src/model/backend';
import { codeKey, controlCodeFidelity } from '../src/pipeline/fidelity';
import { STANDARD_PROFILE } from '../src/pipeline/profiles';
import { generateSyntheticCorpus, promptTokens, type SyntheticSample } from '../src/pipeline/synthetic';
import { scriptArg as arg, labelledCorpus } from './labelled-corpus';

const labelField = arg('label-field', 'label');
const dataPath = arg('data', 'public/demo/demo-corpus.jsonl');
const perCode = Number(arg('per-code', '100'));
await initBackend();
const teacher = await loadModelArg(arg('teacher'), console.error);
const { split, codes } = labelledCorpus(dataPath, labelField);
if (codes.length < 2) throw new Error(`--label-field ${labelField}: fewer than two codes in ${dataPath}`);
const corpus = await generateSyntheticCorpus(
  teacher,
  codes.map((labels) => ({ labels, weight: 1 })),
  { ...STANDARD_PROFILE.synthetic, samples: perCode * codes.length, overGenerate: 1, seed: 1 },
);
const samples = corpus.samples;
// scores[c][i]: log-likelihood of sample i's text after code c's prompt.
const scores: Float64Array[] = [];
for (const labels of codes) {
  const prompt = promptTokens(teacher.tokenizer, labels);
  const sequences = samples.map((s) =>
    [...prompt, ...teacher.tokenizer.encode(s.text)].slice(0, teacher.config.contextLength + 1),
  );
  scores.push(
    await sequenceLogLikelihoods(
      teacher.params,
      teacher.config,
      sequences,
      teacher.tokenizer.padId,
      32,
      sequences.map(() => prompt.length),
    ),
  );
}
const own = samples.map((s) => codes.findIndex((c) => codeKey(c) === codeKey(s.labels)));
const best = samples.map((_, i) => scores.reduce((b, sc, c) => (sc[i] > scores[b][i] ? c : b), 0));
const margin = samples.map(
  (_, i) => scores[own[i]][i] - Math.max(...scores.filter((_, c) => c !== own[i]).map((sc) => sc[i])),
);
const fidelity = (xs: SyntheticSample[]) => controlCodeFidelity(xs, split.train, split.test)?.fidelity;
const mostTypical = (fraction: number) =>
  codes.flatMap((_, c) => {
    const mine = samples.map((_, i) => i).filter((i) => own[i] === c);
    mine.sort((a, b) => margin[b] - margin[a]);
    return mine.slice(0, Math.round(mine.length * fraction)).map((i) => samples[i]);
  });
console.log(
  JSON.stringify(
    {
      samples: samples.length,
      classifier_accuracy: controlCodeFidelity(samples, split.train, split.test)?.classifierAccuracy,
      fidelity: fidelity(samples),
      teacher_agrees_with_prompt: best.filter((b, i) => b === own[i]).length / samples.length,
      fidelity_relabelled_by_teacher: fidelity(samples.map((s, i) => ({ ...s, labels: codes[best[i]] }))),
      fidelity_most_typical_83: fidelity(mostTypical(1 / 1.2)),
      fidelity_most_typical_50: fidelity(mostTypical(0.5)),
    },
    null,
    1,
  ),
);
