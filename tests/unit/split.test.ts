import { describe, expect, it } from 'vitest';
import { splitDocuments, splitSizes } from '../../src/data/split';
import type { Document } from '../../src/data/types';
import { seededRandom } from './helpers/random';

const docs = (n: number): Document[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `f.jsonl#${i}`,
    text: `doc ${i}`,
    labels: [],
    source: 'f.jsonl',
  }));

function shuffled<T>(xs: T[], seed: number): T[] {
  const rand = seededRandom(seed);
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const ids = (d: Document[]) => d.map((x) => x.id);

describe('splitDocuments', () => {
  it('puts every document in exactly one split', () => {
    for (const n of [3, 4, 7, 10, 101]) {
      const s = splitDocuments(docs(n), { seed: 1 });
      const all = [...ids(s.train), ...ids(s.validation), ...ids(s.test)];
      expect(all.length).toBe(n);
      expect(new Set(all)).toEqual(new Set(ids(docs(n))));
    }
  });

  it('is deterministic for a seed and independent of input order', () => {
    const base = splitDocuments(docs(50), { seed: 'abc' });
    for (const seed of [1, 2, 3]) {
      const again = splitDocuments(shuffled(docs(50), seed), { seed: 'abc' });
      expect(ids(again.train)).toEqual(ids(base.train));
      expect(ids(again.validation)).toEqual(ids(base.validation));
      expect(ids(again.test)).toEqual(ids(base.test));
    }
    const other = splitDocuments(docs(50), { seed: 'abd' });
    expect(ids(other.test)).not.toEqual(ids(base.test));
    // The number 7 and the string '7' are different seeds.
    expect(ids(splitDocuments(docs(50), { seed: 7 }).test)).not.toEqual(
      ids(splitDocuments(docs(50), { seed: '7' }).test),
    );
  });

  it('gives at least one validation and one test document from 3 documents on', () => {
    for (let n = 3; n <= 12; n++) {
      for (let seed = 0; seed < 5; seed++) {
        const s = splitDocuments(docs(n), { seed });
        expect(s.validation.length).toBeGreaterThanOrEqual(1);
        expect(s.test.length).toBeGreaterThanOrEqual(1);
        expect(s.train.length).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it('matches the fractions on large inputs and varies membership with the seed', () => {
    const s = splitDocuments(docs(1000), { seed: 5, validationFraction: 0.05, testFraction: 0.2 });
    expect([s.train.length, s.validation.length, s.test.length]).toEqual([750, 50, 200]);
    // Hash order is a real shuffle: the test split is not the first 200 ids.
    const testIndices = s.test.map((d) => Number(d.id.split('#')[1]));
    expect(Math.min(...testIndices)).toBeLessThan(100);
    expect(Math.max(...testIndices)).toBeGreaterThan(900);
  });

  it('keeps at least one training document when rounding would take them all', () => {
    expect(splitSizes(4, 0.49, 0.49)).toEqual({ train: 1, validation: 1, test: 2 });
    expect(splitSizes(3, 0.1, 0.1)).toEqual({ train: 1, validation: 1, test: 1 });
    expect(splitSizes(10, 0, 0.1)).toEqual({ train: 9, validation: 0, test: 1 });
  });

  it('fails clearly on too few documents, bad fractions and duplicate ids', () => {
    expect(() => splitDocuments(docs(2), { seed: 1 })).toThrow(
      'need at least 3 documents to split into train, validation, test; got 2',
    );
    expect(() => splitDocuments(docs(10), { seed: 1, testFraction: 1 })).toThrow(
      /testFraction must be in \[0, 1\)/,
    );
    expect(() => splitDocuments(docs(10), { seed: 1, validationFraction: 0.5, testFraction: 0.5 })).toThrow(
      /must be below 1/,
    );
    expect(() => splitDocuments([...docs(3), docs(1)[0]], { seed: 1 })).toThrow(
      /duplicate document id 'f.jsonl#0'/,
    );
    expect(splitDocuments(docs(2), { seed: 1, validationFraction: 0 }).test.length).toBe(1);
  });
});
