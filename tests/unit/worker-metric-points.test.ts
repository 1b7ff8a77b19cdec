import { describe, expect, it } from 'vitest';
import type { DPStepReport } from '../../src/train/dp-train';
import { MetricPointMaker } from '../../src/worker/metric-points';

const dp = (step: number, elapsedMs: number, tokens: number, loss = 2): DPStepReport => ({
  step,
  totalSteps: 10,
  loss,
  sampledDocuments: 3,
  clippedFraction: 0.5,
  nonFiniteDocuments: 0,
  learningRate: 1e-3,
  epsilon: step / 10,
  tokens,
  elapsedMs,
  noisyUpdate: 'cpu-noise',
});

describe('MetricPointMaker', () => {
  it('tokens/s from the time since the previous step of the same series; the first step of a loop from its start', () => {
    const m = new MetricPointMaker();
    expect(m.dp('distildp', 'teacher', dp(7, 500, 100)).values.tokensPerSecond).toBe(200);
    expect(m.dp('distildp', 'teacher', dp(8, 1500, 300)).values.tokensPerSecond).toBe(300);
    // Another series has its own clock.
    const s = m.train('distildp', 'student', {
      step: 1,
      totalSteps: 5,
      loss: 3,
      learningRate: 1e-3,
      tokens: 50,
      elapsedMs: 250,
    });
    expect(s).toEqual({
      series: 'distildp/student',
      stage: 'distill',
      step: 1,
      values: { loss: 3, tokensPerSecond: 200, learningRate: 1e-3 },
    });
    expect(
      m.train('nonprivate', 'teacher', {
        step: 1,
        totalSteps: 5,
        loss: 3,
        learningRate: 1e-3,
        tokens: 5,
        elapsedMs: 5,
      }).stage,
    ).toBe('fine-tune');
  });

  it('drops non-finite values (the loss of a step that sampled no document)', () => {
    const p = new MetricPointMaker().dp('dpsgd', 'student', dp(1, 0, 0, Number.NaN));
    expect(p.series).toBe('dpsgd/student');
    expect(p.stage).toBe('student-dp');
    expect(Object.keys(p.values).sort()).toEqual([
      'clippedFraction',
      'epsilon',
      'learningRate',
      'nonFiniteDocuments',
    ]);
  });
});

describe('validation points', () => {
  it('carry only the validation perplexity, on the series and stage of the training', () => {
    const m = new MetricPointMaker();
    expect(m.validation('dpsgd', 'student', { stage: 'student-dp', step: 4, perplexity: 5.5 })).toEqual({
      series: 'dpsgd/student',
      stage: 'student-dp',
      step: 4,
      values: { validationPpl: 5.5 },
    });
    expect(
      m.validation('dpsgd', 'student', { stage: 'student-dp', step: 5, perplexity: Number.NaN }).values,
    ).toEqual({});
  });
});
