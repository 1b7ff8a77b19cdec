/**
 * Per-code teachers with guidance (README "Results", the scratch check before per-code teachers were
 * built). Teachers from `npx distildp train --data CODE.jsonl --label-field label --preset teacher
 * --epsilon 2 --out T-CODE.safetensors --ledger L-CODE` on each code's documents of the demo corpus, their
 * average from scripts/average-teachers.ts, then
 *   npx tsx scripts/guidance-code-teachers.ts --teachers novel=T-novel.safetensors,speech=T-speech.safetensors \
 *     --contrast T-avg.safetensors|other|teacher --guidance 0,1,2,2:16 [--per-code 100] [--plausibility 0.05]
 * generates `--per-code` samples per code with each code's own teacher, guided with weight w (`w:steps`:
 * only the first `steps` tokens) against the contrast model (`other`: the other code's teacher), with
 * `--plausibility` as the guidance's plausibility floor (GenerationConfig.guidancePlausibility), and prints
 * the pipeline's fidelity measures (control-code fidelity, byte 3-gram JS divergence).
 */
import { loadModelArg } from '../src/cli/models';
import { initBackend } from '../src/model/backend';
import { generate } from '../src/model/generate';
import { codeKey, controlCodeFidelity, distributionFidelity } from '../src/pipeline/fidelity';
import { promptTokens } from '../src/pipeline/synthetic';
import { scriptArg as arg, labelledCorpus } from './labelled-corpus';

const dataPath = arg('data', 'public/demo/demo-corpus.jsonl');
const perCode = Number(arg('per-code', '100'));
const temperature = Number(arg('temperature', '1'));
const plausibility = Number(arg('plausibility', '0'));
await initBackend();
const { split, codes } = labelledCorpus(dataPath);
const paths = Object.fromEntries(
  arg('teachers')
    .split(',')
    .map((kv) => kv.split('=')),
);
const teachers = await Promise.all(codes.map((c) => loadModelArg(paths[codeKey(c)], console.error)));
const contrastArg = arg('contrast', 'other');
const baseModel = contrastArg === 'other' ? null : await loadModelArg(contrastArg, console.error);
for (const spec of arg('guidance', '0').split(',')) {
  const [w, gs] = spec.split(':').map(Number);
  const samples: { labels: string[]; text: string }[] = [];
  for (const [ci, labels] of codes.entries()) {
    const t = teachers[ci];
    const other = baseModel ?? teachers[1 - ci];
    const prompt = promptTokens(t.tokenizer, labels);
    const outs = await generate(
      t.params,
      t.config,
      Array.from({ length: perCode }, () => prompt),
      {
        topK: 0,
        topP: 1,
        temperature,
        noRepeatNgramSize: 0,
        seed: 7 + ci,
        eotId: t.tokenizer.eotId,
        padId: t.tokenizer.padId,
        guidance: w,
        guidancePrompt: prompt,
        guidanceSteps: gs || 0,
        guidancePlausibility: plausibility,
      },
      undefined,
      undefined,
      { guidanceParams: other.params },
    );
    for (const o of outs) {
      const text = t.tokenizer.decode(o).trim();
      if (text) samples.push({ labels, text });
    }
  }
  const f = controlCodeFidelity(samples, split.train, split.test);
  const d = distributionFidelity(
    samples.map((s) => s.text),
    split.test.map((x) => x.text),
    split.train.map((x) => x.text),
  );
  console.log(
    JSON.stringify({
      contrastArg,
      w,
      gs,
      temperature,
      plausibility,
      n: samples.length,
      fidelity: f?.fidelity,
      js: d.syntheticJs,
      realJs: d.realJs,
      ex: [samples[0], samples.at(-1)].map((s) => `${s?.labels}: ${s?.text.slice(0, 120)}`),
    }),
  );
}
