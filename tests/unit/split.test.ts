import { describe, expect, it } from 'vitest';
import { splitDocuments } from '../../src/data/split';
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

describe('splitDocuments: each document by itself', () => {
  it('adding or removing one document moves no other document between splits', () => {
    const all = docs(400);
    const where = (s: ReturnType<typeof splitDocuments>) =>
      new Map([
        ...s.train.map((d) => [d.id, 'train'] as const),
        ...s.validation.map((d) => [d.id, 'validation'] as const),
        ...s.test.map((d) => [d.id, 'test'] as const),
      ]);
    const full = where(splitDocuments(all, { seed: 1 }));
    for (let removed = 0; removed < 40; removed++) {
      const without = where(
        splitDocuments([...all.slice(0, removed), ...all.slice(removed + 1)], { seed: 1 }),
      );
      for (const [id, split] of without)
        expect(full.get(id), `${id} without document ${removed}`).toBe(split);
    }
  });

  it('assigns by a threshold on a keyed hash: the fractions hold in expectation', () => {
    const s = splitDocuments(docs(4000), { seed: 9, validationFraction: 0.1, testFraction: 0.2 });
    // Binomial(4000, p): allow 5 standard deviations.
    const within = (k: number, p: number) => Math.abs(k - 4000 * p) < 5 * Math.sqrt(4000 * p * (1 - p));
    expect(within(s.validation.length, 0.1)).toBe(true);
    expect(within(s.test.length, 0.2)).toBe(true);
  });
});

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

  it('matches the fractions on large inputs and varies membership with the seed', () => {
    const s = splitDocuments(docs(1000), { seed: 5, validationFraction: 0.05, testFraction: 0.2 });
    expect(s.train.length + s.validation.length + s.test.length).toBe(1000);
    expect(Math.abs(s.test.length - 200)).toBeLessThan(5 * Math.sqrt(1000 * 0.2 * 0.8));
    // Hash order is a real shuffle: the test split is not the first 200 ids.
    const testIndices = s.test.map((d) => Number(d.id.split('#')[1]));
    expect(Math.min(...testIndices)).toBeLessThan(100);
    expect(Math.max(...testIndices)).toBeGreaterThan(900);
  });

  it('a zero fraction gives an empty split', () => {
    const s = splitDocuments(docs(200), { seed: 1, validationFraction: 0, testFraction: 0.1 });
    expect(s.validation).toEqual([]);
    expect(s.test.length).toBeGreaterThan(0);
  });

  it('fails clearly on bad fractions and duplicate ids', () => {
    expect(() => splitDocuments(docs(10), { seed: 1, testFraction: 1 })).toThrow(
      /testFraction must be in \[0, 1\)/,
    );
    expect(() => splitDocuments(docs(10), { seed: 1, validationFraction: 0.5, testFraction: 0.5 })).toThrow(
      /must be below 1/,
    );
    expect(() => splitDocuments([...docs(3), docs(1)[0]], { seed: 1 })).toThrow(
      /duplicate document id 'f.jsonl#0'/,
    );
  });
});
