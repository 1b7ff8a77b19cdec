import { describe, expect, it } from 'vitest';
import { learningRateAt } from '../../src/train/schedule';

describe('learning-rate schedules', () => {
  it('constant: the peak at every step', () => {
    for (const step of [0, 1, 10, 100_000]) expect(learningRateAt(step, { peak: 1e-4 })).toBe(1e-4);
  });

  it('linear warmup: update s of W uses peak (s + 1) / W, then the peak', () => {
    const s = { peak: 1e-3, warmupSteps: 4 };
    expect([0, 1, 2, 3, 4, 50].map((t) => learningRateAt(t, s))).toEqual([
      2.5e-4, 5e-4, 7.5e-4, 1e-3, 1e-3, 1e-3,
    ]);
  });

  it('cosine decay to a floor at known points', () => {
    const s = { peak: 1, decay: 'cosine' as const, totalSteps: 12, floor: 0.1 };
    expect(learningRateAt(0, s)).toBeCloseTo(1, 12);
    expect(learningRateAt(4, s)).toBeCloseTo(0.1 + 0.9 * 0.75, 12); // cos(pi / 3) = 1/2
    expect(learningRateAt(6, s)).toBeCloseTo(0.55, 12); // halfway
    expect(learningRateAt(8, s)).toBeCloseTo(0.1 + 0.9 * 0.25, 12); // cos(2 pi / 3) = -1/2
    expect(learningRateAt(12, s)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(1000, s)).toBeCloseTo(0.1, 12);
  });

  it('warmup then cosine: the cosine starts at the peak when warmup ends', () => {
    const s = { peak: 2, warmupSteps: 2, decay: 'cosine' as const, totalSteps: 6 };
    const expected = [1, 2, 2, 1 + Math.SQRT1_2 * 1, 1, 1 - Math.SQRT1_2 * 1, 0];
    expected.forEach((lr, t) => {
      expect(learningRateAt(t, s)).toBeCloseTo(lr, 12);
    });
  });

  it('rejects invalid schedules and steps with specific messages', () => {
    expect(() => learningRateAt(-1, { peak: 1 })).toThrow(/step must be an integer >= 0/);
    expect(() => learningRateAt(1.5, { peak: 1 })).toThrow(/step/);
    expect(() => learningRateAt(0, { peak: -1 })).toThrow(/peak/);
    expect(() => learningRateAt(0, { peak: 1, warmupSteps: -2 })).toThrow(/warmupSteps/);
    expect(() => learningRateAt(0, { peak: 1, decay: 'cosine' })).toThrow(/totalSteps > warmupSteps/);
    expect(() => learningRateAt(0, { peak: 1, decay: 'cosine', totalSteps: 5, floor: 2 })).toThrow(/floor/);
    expect(() => learningRateAt(0, { peak: 1, decay: 'linear' as 'cosine' })).toThrow(/decay/);
  });
});
