import { describe, expect, it } from 'vitest';
import {
  argmax,
  banIds,
  bannedNgramTokens,
  nextToken,
  processLogits,
  type SamplingOptions,
  sampleFromLogits,
  scaleByTemperature,
  topKMask,
  topPMask,
  validateSamplingOptions,
} from '../../src/model/sampling';
import { seededUniform } from '../../src/random/seeded';
import { seededRandom } from './helpers/random';

const NEG = Number.NEGATIVE_INFINITY;
const f32 = (xs: number[]) => Float32Array.from(xs);
const kept = (z: Float32Array) => [...z.keys()].filter((i) => z[i] !== NEG);

/** Softmax in float64 over the finite entries (independent of sampling.ts). */
function softmax(z: ArrayLike<number>): number[] {
  const finite = Array.from(z).filter((v) => v !== NEG);
  const m = Math.max(...finite);
  const e = Array.from(z, (v) => (v === NEG ? 0 : Math.exp(v - m)));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

function randomLogits(n: number, seed: number, distinctValues?: number): Float32Array {
  const r = seededRandom(seed);
  return Float32Array.from({ length: n }, () =>
    distinctValues ? Math.floor(r() * distinctValues) : (r() - 0.5) * 8,
  );
}

/** Ids ordered by (logit desc, id asc) by a plain full sort. */
function ranked(z: Float32Array): number[] {
  return [...z.keys()].filter((i) => z[i] !== NEG).sort((a, b) => (z[a] === z[b] ? a - b : z[b] - z[a]));
}

describe('temperature', () => {
  it('divides the logits, sharpening (T < 1) or flattening (T > 1) the distribution', () => {
    expect([...scaleByTemperature(f32([2, -4, 0]), 2)]).toEqual([1, -2, 0]);
    expect([...scaleByTemperature(f32([2, -4, 0]), 0.5)]).toEqual([4, -8, 0]);
    const z = f32([1, 0]);
    // softmax([1, 0] / T)[0] = 1 / (1 + e^(-1/T))
    expect(softmax(scaleByTemperature(z, 0.5))[0]).toBeCloseTo(1 / (1 + Math.exp(-2)), 12);
    expect(softmax(scaleByTemperature(z, 4))[0]).toBeCloseTo(1 / (1 + Math.exp(-0.25)), 7);
    expect(scaleByTemperature(f32([NEG, 1]), 3)[0]).toBe(NEG);
    expect(() => scaleByTemperature(z, 0)).toThrow(/temperature must be > 0/);
  });
});

describe('top-k', () => {
  it('keeps exactly k tokens, the highest logits, ties to the lower id', () => {
    expect(kept(topKMask(f32([1, 5, 3, 5, 2]), 2))).toEqual([1, 3]);
    expect(kept(topKMask(f32([1, 5, 3, 5, 2]), 3))).toEqual([1, 2, 3]);
    expect(kept(topKMask(f32([7, 7, 7, 7]), 2))).toEqual([0, 1]);
    expect(kept(topKMask(f32([0, 2, 2, 1, 2]), 2))).toEqual([1, 2]);
    const z = topKMask(f32([1, 5, 3]), 1);
    expect([...z]).toEqual([NEG, 5, NEG]); // kept logits are unchanged
  });

  it('matches a full sort on random rows, including many ties', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const z = randomLogits(97, seed, seed % 2 ? 6 : undefined);
      for (const k of [1, 2, 5, 50, 96]) {
        const got = kept(topKMask(z, k));
        expect(got).toHaveLength(k);
        expect(got).toEqual(
          ranked(z)
            .slice(0, k)
            .sort((a, b) => a - b),
        );
      }
    }
  });

  it('0 or k >= vocabulary keeps everything; removed tokens are never counted', () => {
    const z = f32([3, 1, 2]);
    expect([...topKMask(z, 0)]).toEqual([3, 1, 2]);
    expect([...topKMask(z, 3)]).toEqual([3, 1, 2]);
    expect([...topKMask(z, 10)]).toEqual([3, 1, 2]);
    expect(kept(topKMask(f32([NEG, 1, NEG, 0]), 3))).toEqual([1, 3]);
  });
});

describe('top-p', () => {
  it('keeps the smallest set reaching p, at the exact boundary too', () => {
    const uniform4 = f32([0, 0, 0, 0]); // probabilities exactly 1/4 each
    expect(kept(topPMask(uniform4, 0.5))).toEqual([0, 1]); // 0.25 + 0.25 = 0.5 >= 0.5
    expect(kept(topPMask(uniform4, 0.5000001))).toEqual([0, 1, 2]);
    expect(kept(topPMask(uniform4, 0.25))).toEqual([0]);
    expect(kept(topPMask(uniform4, 0.75))).toEqual([0, 1, 2]);
    expect(kept(topPMask(uniform4, 1))).toEqual([0, 1, 2, 3]);
    // probabilities 0.5 / 0.3 / 0.2 (ids in another order)
    const z = f32([Math.log(0.2), Math.log(0.5), Math.log(0.3)]);
    expect(kept(topPMask(z, 0.4))).toEqual([1]); // the top token alone exceeds p: still one token
    expect(kept(topPMask(z, 0.79))).toEqual([1, 2]);
    expect(kept(topPMask(z, 0.81))).toEqual([0, 1, 2]);
    expect(kept(topPMask(z, 0.01))).toEqual([1]);
  });

  it('renormalises over the tokens left by earlier filters (top-p within top-k)', () => {
    // After banning id 0 the rest is uniform over 3: p = 0.6 needs 2 of them.
    const z = f32([NEG, 0, 0, 0]);
    expect(kept(topPMask(z, 0.6))).toEqual([1, 2]);
    expect(kept(topPMask(z, 0.3))).toEqual([1]);
  });

  it('is the minimal probability-ordered prefix with mass >= p on random rows', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const z = randomLogits(60, 100 + seed, seed % 3 === 0 ? 5 : undefined);
      const probs = softmax(z);
      const order = ranked(z);
      for (const p of [0.1, 0.5, 0.9, 0.99]) {
        const got = kept(topPMask(z, p));
        const expected = order.slice(0, got.length).sort((a, b) => a - b);
        expect(got).toEqual(expected);
        const mass = got.reduce((s, i) => s + probs[i], 0);
        expect(mass).toBeGreaterThanOrEqual(p - 1e-12);
        const lastKept = order[got.length - 1];
        expect(mass - probs[lastKept]).toBeLessThan(p);
      }
    }
  });
});

/** Brute force: t is banned iff the n-gram ending with t at the next position already occurs. */
function bruteForceBans(seq: number[], n: number, vocab: number): number[] {
  const out: number[] = [];
  for (let t = 0; t < vocab; t++) {
    const ext = [...seq, t];
    const last = ext.slice(ext.length - n).join(',');
    let seen = false;
    for (let s = 0; s + n < ext.length; s++) if (ext.slice(s, s + n).join(',') === last) seen = true;
    if (seen && ext.length >= n) out.push(t);
  }
  return out;
}

describe('no-repeat n-gram ban (HF semantics)', () => {
  it('bans the tokens that complete an existing n-gram', () => {
    expect(bannedNgramTokens([1, 2, 3, 1], 2)).toEqual([2]);
    expect(bannedNgramTokens([1, 2, 1, 3, 1], 2)).toEqual([2, 3]);
    expect(bannedNgramTokens([1, 2, 1, 2], 3)).toEqual([1]);
    expect(bannedNgramTokens([1, 2, 3, 4], 2)).toEqual([]);
    expect(bannedNgramTokens([10, 10], 2)).toEqual([10]); // "\n\n" bans a third "\n"
    expect(bannedNgramTokens([4, 2, 4], 1)).toEqual([2, 4]);
    expect(bannedNgramTokens([1, 2, 1], 0)).toEqual([]);
    expect(bannedNgramTokens([1], 3)).toEqual([]);
    expect(bannedNgramTokens([], 2)).toEqual([]);
  });

  it('matches a brute-force check for 2-grams and 3-grams', () => {
    const r = seededRandom(7);
    for (let trial = 0; trial < 200; trial++) {
      const len = Math.floor(r() * 14);
      const seq = Array.from({ length: len }, () => Math.floor(r() * 4));
      for (const n of [1, 2, 3]) expect(bannedNgramTokens(seq, n)).toEqual(bruteForceBans(seq, n, 4));
    }
  });
});

describe('greedy and sampling', () => {
  const opts = (o: Partial<SamplingOptions>): SamplingOptions => ({
    temperature: 1,
    topK: 0,
    topP: 1,
    noRepeatNgramSize: 0,
    bannedIds: [],
    ...o,
  });
  const noUniform = () => {
    throw new Error('greedy must not draw');
  };

  it('greedy picks the argmax (lowest id on ties), after the bans, without drawing', () => {
    expect(argmax(f32([0.1, 3, -1, 3]))).toBe(1);
    expect(nextToken(f32([0.1, 3, -1, 2]), [], opts({ temperature: 0 }), noUniform)).toBe(1);
    expect(nextToken(f32([0.1, 3, -1, 2]), [], opts({ temperature: 0, bannedIds: [1] }), noUniform)).toBe(3);
    // history [3, 1, 3]: bigram (3, 1) exists, so 1 is banned after the final 3
    expect(
      nextToken(f32([0.1, 3, -1, 2]), [3, 1, 3], opts({ temperature: 0, noRepeatNgramSize: 2 }), noUniform),
    ).toBe(3);
    expect(() => argmax(f32([NEG, NEG]))).toThrow(/every token is banned/);
  });

  it('inverts the CDF in id order and never draws a removed token', () => {
    const z = f32([0, Math.log(3)]); // 1/4, 3/4
    expect(sampleFromLogits(z, 0)).toBe(0);
    expect(sampleFromLogits(z, 0.24)).toBe(0);
    expect(sampleFromLogits(z, 0.26)).toBe(1);
    expect(sampleFromLogits(z, 0.999999)).toBe(1);
    const masked = f32([NEG, 0, NEG, 0]);
    for (const u of [0, 0.3, 0.5, 0.7, 0.9999]) expect([1, 3]).toContain(sampleFromLogits(masked, u));
    expect(() => sampleFromLogits(z, 1)).toThrow(/\[0, 1\)/);
  });

  it('draws with the filtered distribution (chi-square, seeded)', () => {
    const z = f32([2, 1, 0.5, 0, -1, -3]);
    const o = opts({ temperature: 0.8, topK: 4, topP: 0.95 });
    // Independent expected distribution: temperature, keep top 4, then the nucleus by hand.
    const p4 = softmax(f32([2 / 0.8, 1 / 0.8, 0.5 / 0.8, 0 / 0.8]));
    let keep = 0;
    for (let c = 0; c < 0.95; ) c += p4[keep++];
    const expected = softmax(f32(p4.map((_, i) => (i < keep ? [2, 1, 0.5, 0][i] / 0.8 : NEG))));
    const counts = new Array(z.length).fill(0);
    const uniform = seededUniform(123);
    const draws = 20000;
    for (let i = 0; i < draws; i++) counts[nextToken(z, [], o, uniform)]++;
    let chi2 = 0;
    expected.forEach((p, i) => {
      if (p > 0) chi2 += (counts[i] - draws * p) ** 2 / (draws * p);
    });
    expect(counts.slice(keep).every((c) => c === 0)).toBe(true);
    expect(keep).toBeGreaterThan(1);
    expect(chi2).toBeLessThan(16.3); // chi-square, <= 3 degrees of freedom, p = 0.001
  });

  it('applies the bans before temperature / top-k / top-p, and temperature before top-p', () => {
    // Ban the top token: top-2 then picks ids 1 and 2.
    expect(kept(processLogits(f32([5, 4, 3, 2]), [], opts({ topK: 2, bannedIds: [0] })))).toEqual([1, 2]);
    // [2, 1, 0]: at T = 1 the top token has 0.665 >= 0.6; at T = 10 two are needed.
    expect(kept(processLogits(f32([2, 1, 0]), [], opts({ topP: 0.6 })))).toEqual([0]);
    expect(kept(processLogits(f32([2, 1, 0]), [], opts({ topP: 0.6, temperature: 10 })))).toEqual([0, 1]);
    expect(kept(processLogits(f32([0, 9, 1]), [1, 2, 1], opts({ noRepeatNgramSize: 2 })))).toEqual([0, 1]);
  });

  it('rejects NaN logits, out-of-range bans and bad options with clear messages', () => {
    expect(() => topKMask(f32([0, Number.NaN]), 1)).toThrow(/token 1 is NaN/);
    expect(() => argmax(f32([Number.POSITIVE_INFINITY]))).toThrow(/Infinity/);
    expect(() => banIds(f32([0, 1]), [2])).toThrow(/cannot ban token 2/);
    expect(() => validateSamplingOptions(opts({ topP: 0 }))).toThrow(/topP must be in \(0, 1\]/);
    expect(() => validateSamplingOptions(opts({ topK: 1.5 }))).toThrow(/topK/);
    expect(() => validateSamplingOptions(opts({ temperature: -1 }))).toThrow(/temperature/);
    expect(() => validateSamplingOptions(opts({ noRepeatNgramSize: -2 }))).toThrow(/noRepeatNgramSize/);
  });
});
