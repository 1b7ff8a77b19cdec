/**
 * How well the control-code classifier (src/pipeline/fidelity.ts) can tell codes apart from text as
 * short as the synthetic samples: its accuracy on real test documents cut to N bytes, from the start
 * and from the middle of each document (the pipeline's classifier, trained on the training part of
 * splitDocuments(seed 1) as scripts/guidance-*.ts split the file: 69 test documents of the demo).
 *   npx tsx scripts/classifier-ceiling.ts [--data public/demo/demo-corpus.jsonl] [--label-field label]
 * Prints one JSON line per length. The fidelity target is read against these numbers.
 */
import { controlCodeFidelity } from '../src/pipeline/fidelity';
import { scriptArg as arg, labelledCorpus } from './labelled-corpus';

const dataPath = arg('data', 'public/demo/demo-corpus.jsonl');
const field = arg('label-field', 'label');
const { split } = labelledCorpus(dataPath, field);
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const cut = (text: string, from: number, bytes: number) =>
  decoder.decode(encoder.encode(text).slice(from, from + bytes)).trim();
for (const bytes of [64, 96, 128, 256, Number.POSITIVE_INFINITY]) {
  const pieces = (start: (length: number) => number) =>
    split.test
      .map((d) => {
        const length = encoder.encode(d.text).length;
        return { labels: d.labels, text: cut(d.text, start(length), bytes) };
      })
      .filter((d) => d.text);
  const prefix = controlCodeFidelity(
    pieces(() => 0),
    split.train,
    split.test,
  );
  const middle = controlCodeFidelity(
    pieces((length) => Math.max(0, Math.floor((length - Math.min(bytes, length)) / 2))),
    split.train,
    split.test,
  );
  console.log(
    JSON.stringify({
      bytes: Number.isFinite(bytes) ? bytes : 'whole',
      prefix: prefix?.fidelity,
      middle: middle?.fidelity,
      documents: split.test.length,
    }),
  );
}
