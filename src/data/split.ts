/**
 * Train / validation / test split over documents (the privacy units), never over windows, so that no
 * document contributes to two splits.
 *
 * Each document is assigned BY ITSELF: u = keyedHash(seed, id) / 2^53 is uniform in [0, 1), and the
 * document goes to test when u < testFraction, to validation when u < testFraction +
 * validationFraction, else to train. Adding or removing one document therefore moves no other
 * document between splits (a rank cut such as "the first round(n * 0.1) by hash" would: it shifts
 * the boundary), which is what lets the guarantee be stated per document: a document's presence
 * changes the training split by at most that document. Ids are content ids (ingest.ts), so
 * inserting a record renumbers nothing. The split sizes are therefore random around n * fraction;
 * a small corpus can have an empty held-out split (the caller says so).
 *
 * Each split comes back ordered by the keyed hash (a seeded shuffle, independent of input order).
 */
import { hashString } from './hash';
import type { Document } from './types';

export interface SplitOptions {
  seed: number | string;
  /** Share of documents for validation (default 0.1). 0 = no validation split. */
  validationFraction?: number;
  /** Share of documents for test (default 0.1). 0 = no test split. */
  testFraction?: number;
}

export interface DocumentSplits {
  train: Document[];
  validation: Document[];
  test: Document[];
}

/** 2^53: cyrb53 hashes are integers in [0, 2^53). */
const HASH_RANGE = 2 ** 53;

/** The keyed hash of a document id as a uniform number in [0, 1). */
export function splitUniform(seed: number | string, id: string): number {
  return hashString(`${typeof seed}:${String(seed)}\u0000${id}`) / HASH_RANGE;
}

export function splitDocuments(docs: Document[], options: SplitOptions): DocumentSplits {
  const { seed, validationFraction = 0.1, testFraction = 0.1 } = options;
  for (const [name, f] of [
    ['validationFraction', validationFraction],
    ['testFraction', testFraction],
  ] as const) {
    if (!(f >= 0 && f < 1)) throw new Error(`${name} must be in [0, 1), got ${f}`);
  }
  if (validationFraction + testFraction >= 1) {
    throw new Error(
      `validationFraction + testFraction must be below 1 to leave training data, got ${validationFraction + testFraction}`,
    );
  }
  const ids = new Set<string>();
  for (const d of docs) {
    if (ids.has(d.id)) throw new Error(`duplicate document id '${d.id}': ids must be unique to split`);
    ids.add(d.id);
  }
  const keyed = docs.map((doc) => ({ doc, u: splitUniform(seed, doc.id) }));
  keyed.sort((a, b) => a.u - b.u || (a.doc.id < b.doc.id ? -1 : a.doc.id > b.doc.id ? 1 : 0));
  const out: DocumentSplits = { train: [], validation: [], test: [] };
  for (const { doc, u } of keyed) {
    if (u < testFraction) out.test.push(doc);
    else if (u < testFraction + validationFraction) out.validation.push(doc);
    else out.train.push(doc);
  }
  return out;
}
