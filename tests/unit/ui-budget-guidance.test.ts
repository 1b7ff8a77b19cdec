import { describe, expect, it } from 'vitest';
import type { PlanSummary } from '../../src/contract/protocol';
import { DEFAULT_RUN_SETTINGS } from '../../src/contract/run-settings';
import { budgetWarnings, noisePerStep } from '../../src/ui/budget-guidance';

function plan(p: Partial<PlanSummary>): PlanSummary {
  return {
    documents: { total: 800, train: 640, validation: 80, test: 80 },
    trainUsable: 640,
    useControlCodes: true,
    controlCodes: 2,
    targetEpsilon: 2,
    sigma: 1.655,
    q: 0.4,
    steps: 5,
    delta: 8.19e-4,
    deltaRule: 'default',
    defaultDelta: 8.19e-4,
    deltaWarning: null,
    histogram: { sigma: 10, deltaThreshold: 8.19e-6, epsilon: 0.5 },
    accountant: 'prv',
    clipNorm: 1,
    expectedBatchSize: 256,
    epochs: 2,
    recipe: {
      batchAndEpochs: 'user',
      parameters: 'all',
      learningRate: 1e-3,
      windowsPerDocument: 4,
      contextLength: 128,
    },
    epsilon: 1.999,
    curve: [],
    warnings: [],
    ...p,
  };
}

const ids = (settings = DEFAULT_RUN_SETTINGS, p: PlanSummary | null = plan({})) =>
  budgetWarnings(settings, p).map((g) => g.id);

describe('budget warnings', () => {
  it('the standard demo run (640 documents, batch 256, sigma 1.655) gets none', () => {
    expect(ids()).toEqual([]);
  });

  it('epsilon above 10, even before a plan exists', () => {
    expect(ids({ ...DEFAULT_RUN_SETTINGS, targetEpsilon: 12 }, null)).toEqual(['epsilon-weak']);
    expect(ids({ ...DEFAULT_RUN_SETTINGS, targetEpsilon: 10 }, null)).toEqual([]);
  });

  it('few documents, a weak delta, and noise that swamps the signal (the tiny run: 45 documents, batch 4)', () => {
    const tiny = plan({ trainUsable: 45, delta: 45 ** -1.1, sigma: 3.1, expectedBatchSize: 4 });
    expect(ids(DEFAULT_RUN_SETTINGS, tiny)).toEqual(['few-documents', 'delta-weak', 'noise-swamps']);
    const noise = budgetWarnings(DEFAULT_RUN_SETTINGS, tiny).find((g) => g.id === 'noise-swamps')!;
    // sigma * C / B = 3.1 / 4 = 0.775, i.e. 78 % of C.
    expect(noise.text).toContain('σ·C/B = 0.775');
    expect(noise.text).toContain('78 % of the clip norm');
  });

  it('noise per step is sigma * C / B', () => {
    expect(noisePerStep({ sigma: 2, clipNorm: 0.5, expectedBatchSize: 10 })).toBe(0.1);
  });
});
