import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args';
import { pipelineCommand } from '../../src/cli/commands/pipeline';
import { DEMO_DATA_CHOICES, pipelineConfigFromOptions } from '../../src/cli/commands/pipeline-options';
import { resolvePipelineConfig } from '../../src/pipeline/config';
import { STANDARD_PROFILE } from '../../src/pipeline/profiles';
import { ALL_METHODS } from '../../src/pipeline/results';

const configOf = (argv: string[]) =>
  pipelineConfigFromOptions(parseArgs(argv, pipelineCommand.options).options);

describe('distildp pipeline options -> config', () => {
  it('--demo runs the standard profile: options left unset do not override it', () => {
    const c = configOf(['--demo']);
    expect(c).toEqual(
      resolvePipelineConfig(STANDARD_PROFILE, { methods: [...ALL_METHODS], data: DEMO_DATA_CHOICES }),
    );
    // The demo corpus is public: its text field and genre labels (control codes) are known choices.
    expect(c.data).toEqual({
      textField: 'text',
      labelFields: ['label'],
      folderLabels: false,
      useControlCodes: true,
    });
    expect(configOf(['--demo', '--no-labels']).data.useControlCodes).toBe(false);
    expect(c.distillation).toEqual(STANDARD_PROFILE.distillation);
    expect(c.synthetic).toMatchObject(STANDARD_PROFILE.synthetic);
    expect(c.distill).toMatchObject(STANDARD_PROFILE.distill);
    expect(c.teacherDP).toMatchObject(STANDARD_PROFILE.teacherDP);
    expect(c.histogram).toEqual(STANDARD_PROFILE.histogram);
    expect(c.epsilon).toBe(2);
  });

  it('options the user gives override single fields and keep the rest of the profile', () => {
    const c = configOf([
      '--demo',
      '--lambda',
      '0.4',
      '--alpha',
      '0.1',
      '--batch',
      '64',
      '--histogram',
      'uniform',
      '--codes',
      'novel,speech',
    ]);
    expect(c.distillation).toEqual({ ...STANDARD_PROFILE.distillation, lambda: 0.4, alpha: 0.1 });
    expect(c.teacherDP).toMatchObject({ ...STANDARD_PROFILE.teacherDP, expectedBatchSize: 64 });
    expect(c.studentDP).toMatchObject({ ...STANDARD_PROFILE.studentDP, expectedBatchSize: 64 });
    expect(c.histogram).toEqual({
      ...STANDARD_PROFILE.histogram,
      mode: 'uniform',
      codes: [['novel'], ['speech']],
    });
  });

  it('without --demo, unset options fall through to the same standard profile as the app', () => {
    const c = configOf(['--private', 'x.jsonl', '--no-labels']);
    expect(c).toEqual(resolvePipelineConfig(STANDARD_PROFILE, { data: c.data }));
    expect(c.distillation).toEqual(STANDARD_PROFILE.distillation);
  });

  it('DP recipe options override the rule for every DP training; left out, the rule decides (auto)', () => {
    const auto = configOf(['--private', 'x.jsonl']);
    expect(auto.teacherDP).toMatchObject({ parameters: 'auto', windowsPerDocument: 'auto', epochs: 'auto' });
    const c = configOf([
      '--private',
      'x.jsonl',
      '--parameters',
      'lora',
      '--lora-rank',
      '4',
      '--lora-targets',
      'attn.c_attn,mlp.c_fc',
      '--windows-per-doc',
      '3',
      '--teacher-lr',
      '0.002',
    ]);
    const lora = { rank: 4, alpha: 16, targets: ['attn.c_attn', 'mlp.c_fc'] };
    expect(c.teacherDP).toMatchObject({ parameters: 'lora', lora, windowsPerDocument: 3 });
    expect(c.teacherDP.schedule.peak).toBe(0.002);
    expect(c.studentDP).toMatchObject({ parameters: 'lora', lora, windowsPerDocument: 3 });
    expect(c.studentDP.schedule.peak).toBe('auto');
    expect(configOf(['--private', 'x', '--parameters', 'bias-layernorm']).teacherDP.parameters).toBe(
      'biasLayerNorm',
    );
    expect(() => configOf(['--private', 'x', '--parameters', 'some'])).toThrow(/--parameters is one of/);
    expect(() => configOf(['--private', 'x', '--parameters', 'lora', '--lora-targets', 'wte'])).toThrow(
      /--lora-targets/,
    );
  });

  it('--ci keeps the DP recipe, writes 1,000 synthetic samples (fewer than the standard run) and, with --demo, runs the compared methods only', () => {
    const c = configOf(['--demo', '--ci']);
    expect(c.methods).toEqual(['distildp', 'synthetic', 'dpsgd']);
    expect(c.synthetic.samples).toBe(1000);
    expect(c.synthetic.samples).toBeLessThan(STANDARD_PROFILE.synthetic.samples);
    expect(c.teacherDP).toEqual(configOf(['--demo']).teacherDP);
    expect(configOf(['--private', 'x', '--no-labels', '--ci']).methods).toEqual(['distildp']);
  });

  it('--code-teachers: per-code by default, joint when asked, anything else refused', () => {
    expect(configOf(['--demo']).codeTeachers).toBe('per-code');
    expect(configOf(['--demo', '--code-teachers', 'joint']).codeTeachers).toBe('joint');
    expect(() => configOf(['--demo', '--code-teachers', 'each'])).toThrow(
      /--code-teachers is per-code or joint/,
    );
    expect(configOf(['--demo', '--code-guidance', '2.5']).synthetic.codeGuidance).toBe(2.5);
    expect(
      configOf(['--demo', '--code-guidance-plausibility', '0.1']).synthetic.codeGuidancePlausibility,
    ).toBe(0.1);
  });

  it('--code-selection: distinct by default, random when asked, anything else refused', () => {
    expect(configOf(['--demo']).synthetic.codeSelection).toBe('distinct');
    expect(configOf(['--demo', '--code-selection', 'random']).synthetic.codeSelection).toBe('random');
    expect(() => configOf(['--demo', '--code-selection', 'best'])).toThrow(
      /--code-selection is distinct or random/,
    );
  });

  it('rejects an unknown histogram mode', () => {
    expect(() => configOf(['--demo', '--histogram', 'exact'])).toThrow(/--histogram is dp or uniform/);
  });
});

describe('distildp generate options', () => {
  it('leave the no-repeat n-gram size unset unless given (the tokenizer decides)', async () => {
    const { generateCommand } = await import('../../src/cli/commands/generate');
    expect(parseArgs([], generateCommand.options).options['no-repeat-ngram']).toBeUndefined();
    expect(parseArgs(['--no-repeat-ngram', '3'], generateCommand.options).options['no-repeat-ngram']).toBe(3);
  });
});
