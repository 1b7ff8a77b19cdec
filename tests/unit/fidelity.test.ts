import { describe, expect, it } from 'vitest';
import {
  ByteNgramClassifier,
  byteNgramCounts,
  controlCodeFidelity,
  distributionFidelity,
  jensenShannon,
  takeBytes,
} from '../../src/pipeline/fidelity';

const counts = (o: Record<string, number>) => new Map(Object.entries(o));

describe('Jensen-Shannon divergence', () => {
  it('equals hand-computed values (bits)', () => {
    expect(jensenShannon(counts({ a: 3 }), counts({ a: 1 }))).toBe(0);
    expect(jensenShannon(counts({ a: 1 }), counts({ b: 5 }))).toBeCloseTo(1, 12);
    // p = (1/2, 1/2), q = (1, 0), m = (3/4, 1/4):
    // KL(p||m) = 1/2 log2(2/3) + 1/2 log2(2); KL(q||m) = log2(4/3).
    const expected = 0.5 * (0.5 * Math.log2(2 / 3) + 0.5) + 0.5 * Math.log2(4 / 3);
    expect(jensenShannon(counts({ a: 1, b: 1 }), counts({ a: 2 }))).toBeCloseTo(expected, 12);
    expect(() => jensenShannon(counts({}), counts({ a: 1 }))).toThrow(/empty/);
  });

  it('counts byte 3-grams of UTF-8 text', () => {
    expect([...byteNgramCounts(['abcab', 'ab'], 3)]).toEqual([
      ['abc', 1],
      ['bca', 1],
      ['cab', 1],
    ]);
    expect(byteNgramCounts(['é'], 1).size).toBe(2); // two UTF-8 bytes
  });

  it('is smaller for text like the held-out text than for unlike text; the floor uses equal bytes', () => {
    const held = ['the cat sat on the mat', 'the dog sat on the log'];
    const train = ['the rat sat on the hat', 'a cat ran', 'the end of the story is here and long'];
    const like = distributionFidelity(['the bat sat on the cat'], held, train);
    const unlike = distributionFidelity(['zzqx vvvw kkk yyy'], held, train);
    expect(like.syntheticJs).toBeLessThan(unlike.syntheticJs);
    expect(like.realJs).toBe(unlike.realJs);
    expect(takeBytes(train, 25)).toEqual(train.slice(0, 2));
  });
});

describe('control-code classifier', () => {
  const train = [
    { labels: ['sea'], text: 'waves and salt and the tide on the shore' },
    { labels: ['sea'], text: 'the ship sailed the salt sea with waves' },
    { labels: ['sky'], text: 'clouds drift in blue air over hills' },
    { labels: ['sky'], text: 'birds fly through clouds in the blue' },
  ];
  it('classifies by byte n-grams, and fidelity is the share of samples matching their code', () => {
    const c = new ByteNgramClassifier(train.map((d) => ({ label: d.labels[0], text: d.text })));
    expect(c.labels.sort()).toEqual(['sea', 'sky']);
    expect(c.classify('salt waves on the sea shore')).toBe('sea');
    expect(c.classify('blue clouds and birds')).toBe('sky');
    const r = controlCodeFidelity(
      [
        { labels: ['sea'], text: 'salty waves' },
        { labels: ['sky'], text: 'blue clouds' },
        { labels: ['sky'], text: 'the tide and the salt sea' },
        { labels: ['sea'], text: 'the ship on the waves' },
      ],
      train,
      [{ labels: ['sky'], text: 'birds in clouds' }],
    );
    expect(r).toEqual({ fidelity: 0.75, classifierAccuracy: 1, samples: 4 });
  });

  it('is not defined with fewer than two codes or no samples', () => {
    expect(controlCodeFidelity([{ labels: ['sea'], text: 'x' }], train.slice(0, 2), [])).toBeNull();
    expect(controlCodeFidelity([], train, [])).toBeNull();
  });
});
