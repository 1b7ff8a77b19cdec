/**
 * How much a model gains from the context it already has: the mean loss (nats per token) at each
 * position of the evaluation windows, bucketed by how many tokens precede the prediction. Behind
 * README's note on longer-context presets (utility issue, lever 5): if the loss still falls steeply
 * at the end of the 128-token window, a longer context could help; if it is flat by then, it cannot
 * help much at this model size. VALIDATION split only (the pipeline's content-hash split, seed 1),
 * the paper's evaluation windows (texts joined by "\n\n", tokenized once, windows of T tokens).
 *
 *   npx tsx scripts/context-position-loss.ts --data runs/dev/brown-2000.jsonl --models teacher,student
 *
 * `--models` takes presets or .safetensors files (e.g. a DP teacher saved by `distildp train --out`).
 * Prints one JSON line per model: the mean loss per bucket of preceding tokens, and the loss of every
 * bucket relative to the last one (positions T/2 .. T-1 tell whether the curve has flattened).
 */
import { loadModelArg } from '../src/cli/models';
import { initBackend } from '../src/model/backend';
import { prepareCorpus } from '../src/pipeline/corpus';
import { evaluatePerplexity } from '../src/train/evaluate';
import { labelledCorpus, scriptArg } from './labelled-corpus';

/** Buckets of preceding-token counts [from, to], inclusive: doubling widths, then quarters of T. */
function buckets(t: number): [number, number][] {
  const edges = [1, 2, 4, 8, 16, 32, 64, 96, t - 1].filter((e) => e <= t - 1);
  return edges.map((to, i) => [i === 0 ? 1 : edges[i - 1] + 1, to]);
}

await initBackend();
const dataPath = scriptArg('data');
const { docs } = labelledCorpus(dataPath, scriptArg('label-field', 'label'));
for (const spec of scriptArg('models', 'teacher,student').split(',')) {
  const model = await loadModelArg(spec, console.error);
  const t = model.config.contextLength;
  const corpus = prepareCorpus(docs, model.tokenizer, { seed: 1, contextLength: t, useControlCodes: false });
  // sum[p] / count[p]: loss of predicting token p + 1 from the p + 1 tokens 0..p.
  const positionLoss = { sum: new Float64Array(t), count: new Float64Array(t) };
  const result = await evaluatePerplexity(model.params, model.config, corpus.validationWindows, {
    batchSize: 16,
    padId: model.tokenizer.padId,
    positionLoss,
  });
  const { sum, count } = positionLoss;
  const rowsOut = buckets(t).map(([from, to]) => {
    let s = 0;
    let c = 0;
    for (let k = from; k <= to; k++) {
      s += sum[k - 1];
      c += count[k - 1];
    }
    return { preceding: `${from}-${to}`, loss: s / c, predictions: c };
  });
  const last = rowsOut[rowsOut.length - 1].loss;
  console.log(
    JSON.stringify({
      model: spec,
      context: t,
      windows: corpus.validationWindows.length,
      mean_loss: result.lossPerToken,
      last_bucket_loss: last,
      buckets: rowsOut.map((b) => ({ ...b, vs_last: b.loss / last })),
    }),
  );
}
