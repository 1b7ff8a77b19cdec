/**
 * The equal-weight average of two teachers (as the pipeline averages per-code teachers), and the demo
 * corpus's test split (seed 1) per label for `distildp eval`:
 *   npx tsx scripts/average-teachers.ts T-novel.safetensors T-speech.safetensors T-avg.safetensors OUT_DIR
 * writes T-avg.safetensors and OUT_DIR/test-{novel,speech,all}.jsonl.
 */
import { writeFileSync } from 'node:fs';
import { dataChoicesFromOptions, ingestWithChoices } from '../src/cli/data-args';
import { loadModelArg } from '../src/cli/models';
import { serializeModelFile } from '../src/io/model-file';
import { initBackend } from '../src/model/backend';
import { paramsToArrays } from '../src/model/params';
import { prepareCorpus } from '../src/pipeline/corpus';

await initBackend();
const [a, b, out, outDir] = process.argv.slice(2);
if (!outDir) throw new Error('usage: average-teachers.ts A B OUT OUT_DIR');
const ma = await loadModelArg(a, console.error);
const mb = await loadModelArg(b, console.error);
const xa = await paramsToArrays(ma.params);
const xb = await paramsToArrays(mb.params);
const avg = new Map([...xa].map(([k, v]) => [k, v.map((x, i) => (x + (xb.get(k) as Float32Array)[i]) / 2)]));
writeFileSync(
  out,
  serializeModelFile({ config: ma.config, tokenizer: ma.tokenizer.kind, arrays: avg, metadata: {} }),
);
const o = { 'label-field': ['label'] } as never;
const ingest = ingestWithChoices(
  'public/demo/demo-corpus.jsonl',
  dataChoicesFromOptions(o),
  o,
  console.error,
  3,
);
const corpus = prepareCorpus(ingest.documents, ma.tokenizer, {
  contextLength: 128,
  seed: 1,
  useControlCodes: true,
});
for (const label of ['novel', 'speech', 'all']) {
  const ds = corpus.test.filter((d) => label === 'all' || d.labels[0] === label);
  writeFileSync(
    `${outDir}/test-${label}.jsonl`,
    ds.map((d) => JSON.stringify({ text: d.text })).join('\n') + '\n',
  );
}
console.log('ok', corpus.test.length, corpus.train.length);
