/**
 * Train / validation / test split over documents (the privacy units), never over windows, so that no
 * document contributes to two splits.
 *
 * Deterministic and independent of input order: documents are ordered by a hash of (seed, id), ties
 * broken by id; the first `nTest` go to test, the next `nValidation` to validation, the rest to train.
 * Each split comes back in that hashed order (a seeded shuffle).
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

/** Split sizes: round(n * fraction), but at least 1 for a non-zero fraction, and at least 1 train document. */
export function splitSizes(n: number, validationFraction: number, testFraction: number) {
  let validation = validationFraction > 0 ? Math.max(1, Math.round(n * validationFraction)) : 0;
  let test = testFraction > 0 ? Math.max(1, Math.round(n * testFraction)) : 0;
  while (validation + test > n - 1) {
    // Rounding up can leave no training document; take the surplus from the larger held-out split.
    if (validation >= test && validation > 1) validation--;
    else if (test > 1) test--;
    else break;
  }
  return { train: n - validation - test, validation, test };
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
  const heldOut = (validationFraction > 0 ? 1 : 0) + (testFraction > 0 ? 1 : 0);
  if (docs.length < heldOut + 1) {
    throw new Error(
      `need at least ${heldOut + 1} documents to split into train${validationFraction > 0 ? ', validation' : ''}` +
        `${testFraction > 0 ? ', test' : ''}; got ${docs.length}`,
    );
  }
  const ids = new Set<string>();
  for (const d of docs) {
    if (ids.has(d.id)) throw new Error(`duplicate document id '${d.id}': ids must be unique to split`);
    ids.add(d.id);
  }
  const seedText = `${typeof seed}:${String(seed)}`;
  const keyed = docs.map((doc) => ({ doc, key: hashString(`${seedText}\u0000${doc.id}`) }));
  keyed.sort((a, b) => a.key - b.key || (a.doc.id < b.doc.id ? -1 : a.doc.id > b.doc.id ? 1 : 0));
  const ordered = keyed.map((k) => k.doc);
  const sizes = splitSizes(docs.length, validationFraction, testFraction);
  return {
    test: ordered.slice(0, sizes.test),
    validation: ordered.slice(sizes.test, sizes.test + sizes.validation),
    train: ordered.slice(sizes.test + sizes.validation),
  };
}
