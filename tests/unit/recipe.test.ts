import { describe, expect, it } from 'vitest';
import { resolvePipelineConfig } from '../../src/pipeline/config';
import { planPipelinePrivacy } from '../../src/pipeline/plan';
import { dpRecipe, resolveRecipe } from '../../src/pipeline/recipe';

describe('the DP recipe rule', () => {
  it('fills every auto field from N and epsilon, and a given value wins for its field only', () => {
    const c = resolvePipelineConfig({ teacherDP: { epochs: 7 } });
    const rule = dpRecipe(1600, 2);
    const t = resolveRecipe(c.teacherDP, 1600, 2);
    expect(t.epochs).toBe(7);
    expect(t.expectedBatchSize).toBe(rule.expectedBatchSize);
    expect(t.schedule.peak).toBe(rule.learningRate);
    expect(t.parameters).toBe(rule.parameters);
    expect(t.windowsPerDocument).toBe(rule.windowsPerDocument);
    const plan = planPipelinePrivacy(c, { trainDocuments: 1600, useControlCodes: false });
    expect(plan.training.teacher).toEqual(t);
    expect(plan.distildpTeacher().q).toBeCloseTo(rule.expectedBatchSize / 1600, 12);
    expect(plan.distildpTeacher().windowsPerDocument).toBe(rule.windowsPerDocument);
  });

  it('scales the learning rate with the expected batch between 32 and 64 documents, half the peak below', () => {
    expect(dpRecipe(1600, 2)).toMatchObject({ expectedBatchSize: 64, learningRate: 1e-3 });
    expect(dpRecipe(20_000, 2)).toMatchObject({ expectedBatchSize: 800, learningRate: 1e-3 });
    expect(dpRecipe(1200, 2)).toMatchObject({ expectedBatchSize: 48 });
    expect(dpRecipe(1200, 2).learningRate).toBeCloseTo((1e-3 * 48) / 64, 12);
    const demo = dpRecipe(655, 2);
    expect(demo.expectedBatchSize).toBe(26);
    expect(demo.learningRate).toBeCloseTo(5e-4, 12);
    expect(dpRecipe(100, 2)).toMatchObject({ expectedBatchSize: 16, learningRate: 5e-4 });
  });

  it('never asks for a batch larger than N and refuses N < 1', () => {
    expect(dpRecipe(10, 2).expectedBatchSize).toBeLessThanOrEqual(10);
    expect(() => dpRecipe(0, 2)).toThrow(/N >= 1/);
  });
});
