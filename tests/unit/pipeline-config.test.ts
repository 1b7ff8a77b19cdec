/**
 * resolvePipelineConfig: library defaults (stated once, in the modules that use them), then a
 * profile, then the user's options, deep-merged. Checked field by field on hand-written layers.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PIPELINE,
  deepMerge,
  type PipelineOptions,
  resolvePipelineConfig,
} from '../../src/pipeline/config';
import { DEFAULT_FINE_TUNE } from '../../src/pipeline/model-tasks';
import { STANDARD_PROFILE, TINY_PROFILE } from '../../src/pipeline/profiles';
import { AUTO_RECIPE } from '../../src/pipeline/recipe';
import { DEFAULT_SYNTHETIC } from '../../src/pipeline/synthetic';
import { DEFAULT_DISTILLATION } from '../../src/train/distill';
import { DEFAULT_DP_TRAINING } from '../../src/train/dp-plan';

describe('pipeline defaults', () => {
  it("are the library modules' own defaults, not a copy of them", () => {
    expect(DEFAULT_PIPELINE.distillation).toBe(DEFAULT_DISTILLATION);
    // DP trainings: the library's, with the recipe fields left to the rule of recipe.ts.
    const { targetEpsilon: _e, ...dp } = DEFAULT_DP_TRAINING;
    expect(DEFAULT_PIPELINE.teacherDP).toEqual({ ...dp, ...AUTO_RECIPE });
    expect(DEFAULT_PIPELINE.studentDP).toEqual({ ...dp, ...AUTO_RECIPE });
    const { seed: _s, ...synthetic } = DEFAULT_SYNTHETIC;
    expect(DEFAULT_PIPELINE.synthetic).toEqual(synthetic);
    const { seed: _f, ...fineTune } = DEFAULT_FINE_TUNE;
    expect(DEFAULT_PIPELINE.nonPrivate).toEqual(fineTune);
    expect(DEFAULT_PIPELINE.distill).toEqual({ ...fineTune, epochs: 2 });
  });
});

describe('resolvePipelineConfig', () => {
  it('lays a profile and then the user over the defaults, field by field', () => {
    const user: PipelineOptions = {
      epsilon: 4,
      methods: ['distildp', 'dpsgd'],
      teacherDP: { epochs: 7, schedule: { warmupSteps: 3 } },
      distillation: { lambda: 0.5 },
    };
    const c = resolvePipelineConfig(STANDARD_PROFILE, user);
    expect(c.epsilon).toBe(4);
    expect(c.methods).toEqual(['distildp', 'dpsgd']);
    // teacherDP: the user's epochs and warmup, the profile's micro-batch, the library's accountant;
    // batch, rate and K left to the recipe rule.
    expect(c.teacherDP.epochs).toBe(7);
    expect(c.teacherDP.microBatchSize).toBe(STANDARD_PROFILE.teacherDP.microBatchSize);
    expect(c.teacherDP.expectedBatchSize).toBe('auto');
    expect(c.teacherDP.schedule).toEqual({ ...AUTO_RECIPE.schedule, warmupSteps: 3 });
    expect(c.teacherDP.accountant).toBe(DEFAULT_DP_TRAINING.accountant);
    expect(c.teacherDP.windowsPerDocument).toBe('auto');
    expect(c.distillation).toEqual({ ...STANDARD_PROFILE.distillation, lambda: 0.5 });
    expect(c.synthetic.generation).toEqual(STANDARD_PROFILE.synthetic.generation);
    expect(c.validation).toEqual(DEFAULT_PIPELINE.validation);
    // The layers and the defaults are left as they were.
    expect(DEFAULT_PIPELINE.teacherDP.epochs).toBe('auto');
    expect(STANDARD_PROFILE.teacherDP).toEqual({ microBatchSize: 16, clipNorm: 1 });
  });

  it('skips undefined (an option left unset), replaces arrays, and is idempotent on a resolved config', () => {
    const tiny = resolvePipelineConfig(TINY_PROFILE);
    expect(resolvePipelineConfig(tiny)).toEqual(tiny);
    expect(
      resolvePipelineConfig(TINY_PROFILE, { epsilon: undefined, teacherDP: { epochs: undefined } }),
    ).toEqual(tiny);
    expect(resolvePipelineConfig({ methods: ['dpkd'] }, { methods: ['nonprivate'] }).methods).toEqual([
      'nonprivate',
    ]);
    expect(deepMerge({ a: [1, 2], b: { c: 1, d: 2 } }, { a: [3], b: { d: 5 } })).toEqual({
      a: [3],
      b: { c: 1, d: 5 },
    });
    const rowLoss = () => undefined as never;
    expect(resolvePipelineConfig({ studentDP: { rowLoss } }).studentDP.rowLoss).toBe(rowLoss);
  });
});
