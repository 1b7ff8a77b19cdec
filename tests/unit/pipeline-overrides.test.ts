import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args';
import { pipelineCommand } from '../../src/cli/commands/pipeline';
import { pipelineConfigFromOptions } from '../../src/cli/commands/pipeline-options';
import {
  effectiveValues,
  LIBRARY_DEFAULTS,
  OVERRIDE_FIELDS,
  overridesLayer,
  validateOverrides,
} from '../../src/contract/overrides';
import { advancedPatch, DEFAULT_RUN_SETTINGS, validateSettings } from '../../src/contract/run-settings';
import { DEFAULT_GENERATION } from '../../src/model/generation-config';
import { DEFAULT_PIPELINE, resolvePipelineConfig } from '../../src/pipeline/config';
import { STANDARD_PROFILE } from '../../src/pipeline/profiles';
import { DEFAULT_SYNTHETIC } from '../../src/pipeline/synthetic';
import { DEFAULT_DISTILLATION } from '../../src/train/distill';
import { pipelineConfigFor } from '../../src/worker/run-config';

describe('pipeline overrides (the CLI options and the app Advanced settings)', () => {
  it('library defaults are the pipeline defaults', () => {
    expect(effectiveValues(DEFAULT_PIPELINE)).toEqual(LIBRARY_DEFAULTS);
    expect(LIBRARY_DEFAULTS.lambda).toBe(DEFAULT_DISTILLATION.lambda);
    // Generation defaults live in the generator itself.
    expect(LIBRARY_DEFAULTS.topK).toBe(DEFAULT_GENERATION.topK);
    expect(LIBRARY_DEFAULTS.topP).toBe(DEFAULT_GENERATION.topP);
    expect(LIBRARY_DEFAULTS.samplingTemperature).toBe(DEFAULT_GENERATION.temperature);
    expect(LIBRARY_DEFAULTS.syntheticSamples).toBe(DEFAULT_SYNTHETIC.samples);
    expect(LIBRARY_DEFAULTS.codeGuidance).toBe(DEFAULT_SYNTHETIC.codeGuidance);
    expect(LIBRARY_DEFAULTS.codeGuidancePlausibility).toBe(DEFAULT_SYNTHETIC.codeGuidancePlausibility);
  });

  it('as a config layer: sets exactly the fields given, the layers below keep the rest', () => {
    const base = resolvePipelineConfig(STANDARD_PROFILE);
    const c = resolvePipelineConfig(
      STANDARD_PROFILE,
      overridesLayer({ lambda: 0.5, teacherLearningRate: 2e-3, topK: 40 }),
    );
    expect(c.distillation).toEqual({ ...base.distillation, lambda: 0.5 });
    expect(c.teacherDP).toEqual({ ...base.teacherDP, schedule: { ...base.teacherDP.schedule, peak: 2e-3 } });
    expect(c.studentDP).toEqual(base.studentDP);
    expect(c.synthetic).toEqual({
      ...base.synthetic,
      generation: { ...base.synthetic.generation, topK: 40 },
    });
    expect(resolvePipelineConfig(STANDARD_PROFILE, overridesLayer({}))).toEqual(base);
    expect(effectiveValues(c)).toEqual({
      ...effectiveValues(base),
      lambda: 0.5,
      teacherLearningRate: 2e-3,
      topK: 40,
    });
  });

  it('checks ranges with the field named', () => {
    expect(
      validateOverrides({
        lambda: 1.5,
        topP: 0,
        syntheticSamples: 2.5,
        alpha: 0,
        codeGuidance: -1,
        codeGuidancePlausibility: 1,
      }),
    ).toEqual({
      lambda: 'Distillation λ must be between 0 and 1.',
      codeGuidance: 'Control-code guidance must be a number from 0 to 10.',
      codeGuidancePlausibility:
        'Control-code guidance plausibility must be a number from 0 up to (not including) 1.',
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
