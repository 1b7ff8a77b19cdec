import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args';
import { pipelineCommand, pipelineConfigFromOptions } from '../../src/cli/commands/pipeline';
import {
  applyOverrides,
  effectiveValues,
  LIBRARY_DEFAULTS,
  OVERRIDE_FIELDS,
  validateOverrides,
} from '../../src/pipeline/overrides';
import { STANDARD_PROFILE } from '../../src/pipeline/profiles';
import { DEFAULT_PIPELINE } from '../../src/pipeline/run';
import { DEFAULT_SYNTHETIC } from '../../src/pipeline/synthetic';
import { DEFAULT_DISTILLATION } from '../../src/train/distill';
import {
  advancedPatch,
  DEFAULT_RUN_SETTINGS,
  pipelineConfigFor,
  validateSettings,
} from '../../src/worker/run-settings';

describe('pipeline overrides (the CLI options and the app Advanced settings)', () => {
  it('library defaults are the pipeline defaults', () => {
    expect(effectiveValues(DEFAULT_PIPELINE)).toEqual({
      ...LIBRARY_DEFAULTS,
      // DEFAULT_PIPELINE leaves generation to DEFAULT_SYNTHETIC
      topK: DEFAULT_SYNTHETIC.generation.topK,
      topP: DEFAULT_SYNTHETIC.generation.topP,
      samplingTemperature: DEFAULT_SYNTHETIC.generation.temperature,
    });
    expect(LIBRARY_DEFAULTS.lambda).toBe(DEFAULT_DISTILLATION.lambda);
    expect(LIBRARY_DEFAULTS.alpha).toBe(DEFAULT_DISTILLATION.alpha);
    expect(LIBRARY_DEFAULTS.temperature).toBe(DEFAULT_DISTILLATION.temperature);
    expect(LIBRARY_DEFAULTS.syntheticSamples).toBe(DEFAULT_SYNTHETIC.samples);
  });

  it('sets exactly the fields given and keeps the rest of each section', () => {
    const c = applyOverrides(STANDARD_PROFILE, { lambda: 0.5, teacherLearningRate: 2e-3, topK: 40 });
    expect(c.distillation).toEqual({ ...STANDARD_PROFILE.distillation, lambda: 0.5 });
    expect(c.teacherDP).toEqual({ ...STANDARD_PROFILE.teacherDP, schedule: { peak: 2e-3 } });
    expect(c.studentDP).toEqual(STANDARD_PROFILE.studentDP);
    expect(c.synthetic).toEqual({ ...STANDARD_PROFILE.synthetic, generation: { topK: 40, topP: 1 } });
    expect(applyOverrides(STANDARD_PROFILE, {})).toBe(STANDARD_PROFILE);
    // A section the base lacks starts from the fallback's, not from nothing.
    expect(applyOverrides({}, { distillLearningRate: 5e-4 }, DEFAULT_PIPELINE).distill).toEqual({
      ...DEFAULT_PIPELINE.distill,
      learningRate: 5e-4,
    });
    expect(applyOverrides({}, { distillLearningRate: 5e-4 }, DEFAULT_PIPELINE).distillation).toBeUndefined();
  });

  it('checks ranges with the field named', () => {
    expect(validateOverrides({ lambda: 1.5, topP: 0, syntheticSamples: 2.5, alpha: 0 })).toEqual({
      lambda: 'Distillation λ must be between 0 and 1.',
      topP: 'Sampling top-p must be above 0 and at most 1.',
      syntheticSamples: 'Synthetic samples must be a whole number from 1 to 1,000,000.',
    });
  });

  it('the CLI and the app build the same config from the same knobs', () => {
    const knobs = {
      lambda: 0.7,
      temperature: 2,
      alpha: 0,
      distillLearningRate: 1e-4,
      syntheticSamples: 300,
      topP: 0.95,
    };
    const argv = ['--demo', '--epsilon', '2'];
    for (const f of OVERRIDE_FIELDS) {
      const v = knobs[f.key as keyof typeof knobs];
      if (v !== undefined) argv.push(`--${f.cli}`, String(v));
    }
    const cli = pipelineConfigFromOptions(parseArgs(argv, pipelineCommand.options).options);
    const app = pipelineConfigFor({ ...DEFAULT_RUN_SETTINGS, advanced: knobs });
    for (const key of ['distill', 'distillation', 'synthetic', 'teacherDP', 'studentDP'] as const)
      expect(app[key], key).toEqual(cli[key]);
  });

  it('the CLI refuses an out-of-range knob; the app reports it per field', () => {
    expect(() =>
      pipelineConfigFromOptions(parseArgs(['--demo', '--top-p', '2'], pipelineCommand.options).options),
    ).toThrow(/Sampling top-p must be above 0 and at most 1/);
    expect(validateSettings({ ...DEFAULT_RUN_SETTINGS, advanced: { topP: 2 } }).advanced).toMatch(/top-p/);
  });

  it('empty Advanced settings leave no trace in the settings (the run id stays the same)', () => {
    const set = { ...DEFAULT_RUN_SETTINGS, ...advancedPatch(DEFAULT_RUN_SETTINGS, 'lambda', 0.5) };
    expect(set.advanced).toEqual({ lambda: 0.5 });
    const cleared = { ...set, ...advancedPatch(set, 'lambda', null) };
    expect(JSON.stringify(cleared)).toBe(JSON.stringify(DEFAULT_RUN_SETTINGS));
  });
});
