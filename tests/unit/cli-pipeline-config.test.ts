import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args';
import { pipelineCommand, pipelineConfigFromOptions } from '../../src/cli/commands/pipeline';
import { STANDARD_PROFILE } from '../../src/pipeline/profiles';

const configOf = (argv: string[]) =>
  pipelineConfigFromOptions(parseArgs(argv, pipelineCommand.options).options);

describe('distildp pipeline options -> config', () => {
  it('--demo runs the standard profile: options left unset do not override it', () => {
    const c = configOf(['--demo']);
    expect(c.distillation).toEqual(STANDARD_PROFILE.distillation);
    expect(c.synthetic).toEqual(STANDARD_PROFILE.synthetic);
    expect(c.distill).toEqual(STANDARD_PROFILE.distill);
    expect(c.teacherDP).toEqual(STANDARD_PROFILE.teacherDP);
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
    ]);
    expect(c.distillation).toEqual({ ...STANDARD_PROFILE.distillation, lambda: 0.4, alpha: 0.1 });
    expect(c.teacherDP).toEqual({ ...STANDARD_PROFILE.teacherDP, expectedBatchSize: 64 });
    expect(c.histogram).toEqual({ ...STANDARD_PROFILE.histogram, mode: 'uniform' });
  });

  it('without --demo, unset distillation options fall through to the library defaults', () => {
    expect(configOf(['--private', 'x.jsonl']).distillation).toBeUndefined();
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
