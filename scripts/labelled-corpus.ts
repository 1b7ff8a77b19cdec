/**
 * What the control-code check scripts share: their `--name value` options, and a labelled JSONL corpus
 * read as documents with one label each, split as the checks split it (splitDocuments, seed 1), with
 * its codes in canonical order.
 */
import { readFileSync } from 'node:fs';
import { splitDocuments } from '../src/data/split';
import type { Document } from '../src/data/types';
import { codeKey } from '../src/pipeline/fidelity';

// Every development script reads its options with scriptArg (scripts/script-args.ts); re-exported
// for the control-code scripts that import it from here.
export { scriptArg } from './script-args';

/** A JSONL file of `{text, [labelField]}` records: documents, their seed-1 split, and the sorted codes. */
export function labelledCorpus(path: string, labelField = 'label') {
  const docs: Document[] = readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line, i) => {
      const r = JSON.parse(line);
      return { id: String(i), text: r.text, labels: [String(r[labelField])], source: path };
    });
  const split = splitDocuments(docs, { seed: 1 });
  const codes = [...new Set(docs.map((d) => codeKey(d.labels)))].sort().map((k) => k.split('\t'));
  return { docs, split, codes };
}
