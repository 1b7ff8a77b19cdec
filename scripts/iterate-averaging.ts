/**
 * Does averaging the DP iterates help the DP teacher? (README "How the DP recipe is chosen", 4.)
 * Averages of the weights are post-processing of the released updates (no privacy cost), so the
 * question is only utility. One DP fine-tuning with the recipe rule (as `distildp train` runs it,
 * epsilon 2, secure noise), keeping beside the weights exponential moving averages of every
 * iterate (decays from `--decays`, started at the base weights) and uniform averages of the last
 * half and last quarter of the steps; then the VALIDATION perplexity of the final weights and of
 * each average, all from the same run (the same noise), so the rows compare without run-to-run noise.
 *   npx tsx scripts/iterate-averaging.ts --data runs/dev/fortunes-2000.jsonl [--preset teacher]
 *     [--decays 0.8,0.9,0.95,0.97]
 * One thread (no gradient helpers); the CLI's ingestion and train/validation split (`distildp
 * train --no-labels`). Prints one JSON line.
 */
import * as tf from '@tensorflow/tfjs';
import { ingestPath } from '../src/cli/fs-data';
import { loadModelArg } from '../src/cli/models';
import { initBackend } from '../src/model/backend';
import { prepareCorpus } from '../src/pipeline/corpus';
import { dpFineTune, evaluateModel } from '../src/pipeline/model-tasks';
import { AUTO_RECIPE, resolveRecipe } from '../src/pipeline/recipe';
import { DEFAULT_DP_TRAINING, planPrivacy } from '../src/train/dp-plan';
import { scriptArg } from './script-args';

const dataPath = scriptArg('data');
const decays = scriptArg('decays', '0.8,0.9,0.95,0.97').split(',').map(Number);
if (decays.some((d) => !(d > 0 && d < 1))) throw new Error('--decays: each in (0, 1)');
const tails = [0.5, 0.25];

await initBackend();
const model = await loadModelArg(scriptArg('preset', 'teacher'), console.error);
// The CLI's ingestion and split (documents keyed by a hash of their content), labels ignored.
const { documents } = ingestPath(dataPath, console.error, 3, { textField: 'text', labelFields: [] });
const corpus = prepareCorpus(documents, model.tokenizer, {
  seed: 1,
  contextLength: model.config.contextLength,
  useControlCodes: false,
});
const { targetEpsilon: _e, ...defaults } = DEFAULT_DP_TRAINING;
const training = {
  ...resolveRecipe({ ...defaults, ...AUTO_RECIPE }, corpus.train.length, 2),
  targetEpsilon: 2,
};
const plan = planPrivacy(corpus.train.length, training);
console.error(
  `${corpus.train.length} training, ${corpus.validation.length} validation documents; q ${plan.q.toPrecision(4)}, sigma ${plan.sigma.toPrecision(4)}, ${plan.steps} steps`,
);

const names = [...model.params.keys()];
const copy = () => new Map(names.map((n) => [n, tf.keep(tf.clone(model.params.get(n)!))]));
const emas = decays.map(copy);
const tailSums = tails.map(() => new Map<string, tf.Tensor>());
const tailCounts = tails.map(() => 0);
const result = await dpFineTune({
  model,
  documentWindows: corpus.trainDocumentWindows,
  plan,
  training,
  onStep: (r) => {
    tf.tidy(() => {
      decays.forEach((d, k) => {
        for (const n of names) {
          const old = emas[k].get(n)!;
          emas[k].set(n, tf.keep(tf.add(tf.mul(old, d), tf.mul(model.params.get(n)!, 1 - d))));
          old.dispose();
        }
      });
      tails.forEach((f, k) => {
        if (r.step <= plan.steps * (1 - f)) return;
        tailCounts[k]++;
        for (const n of names) {
          const old = tailSums[k].get(n);
          const p = model.params.get(n)!;
          tailSums[k].set(n, tf.keep(old ? tf.add(old, p) : tf.clone(p)));
          old?.dispose();
        }
      });
    });
    if (r.step % 10 === 0) console.error(`step ${r.step}/${plan.steps} epsilon ${r.epsilon.toFixed(3)}`);
  },
});
const validationPpl = async (weights: Map<string, tf.Tensor>, scale = 1) => {
  for (const n of names)
    (model.params.get(n) as tf.Variable).assign(tf.tidy(() => tf.mul(weights.get(n)!, scale)));
  return (await evaluateModel(model, corpus.validationWindows)).perplexity;
};
const rows: Record<string, number> = {
  final: (await evaluateModel(model, corpus.validationWindows)).perplexity,
};
for (const [k, d] of decays.entries()) rows[`ema_${d}`] = await validationPpl(emas[k]);
for (const [k, f] of tails.entries())
  rows[`uniform_last_${f}_of_steps`] = await validationPpl(tailSums[k], 1 / tailCounts[k]);
console.log(
  JSON.stringify({ data: dataPath, steps: plan.steps, epsilon: result.epsilon, validation_ppl: rows }),
);
