/**
 * Strict option parsing (privacy issue, item 10): a mistyped option must never fall back silently
 * to a default. Every case below ran a command with defaults (or took the next option as a value)
 * before the parser became strict.
 */
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args';
import { runCli } from './helpers/cli';

const run = runCli;

describe('distildp option parsing is strict', () => {
  it('a single-dash long option exits 2, naming it and the option meant', async () => {
    const r = await run(['train', '--data', 'no-such-corpus.jsonl', '-epsilon', '1']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/-epsilon/);
    expect(r.err).toMatch(/did you mean --epsilon\?/);
    expect(r.out).toBe('');
  });

  it('an unknown option exits 2 with the closest known option', async () => {
    const r = await run(['epsilon', '--q', '0.01', '--sigma', '1', '--steps', '10', '--detla', '1e-5']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown option --detla; did you mean --delta\?/);
  });

  it('an option that needs a value does not take the next option as its value', async () => {
    const r = await run(['pipeline', '--private', 'no-such-corpus.jsonl', '--out', '--json']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--out needs a value/);
  });

  it('a stray positional argument exits 2 for commands that take none', async () => {
    const r = await run(['epsilon', '--q', '0.01', '--sigma', '1', '--steps', '10', '--delta', '1e-5', '2']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unexpected argument "2"/);
  });

  it('a boolean flag takes no value', async () => {
    const r = await run([
      'epsilon',
      '--q',
      '0.01',
      '--sigma',
      '1',
      '--steps',
      '10',
      '--delta',
      '1e-5',
      '--json=no',
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--json/);
  });

  it('"--" ends the options: what follows is positional', () => {
    const specs = [{ name: 'json', type: 'boolean' as const, description: '' }];
    const parsed = parseArgs(['--json', '--', '--not-an-option'], specs, { positionals: true });
    expect(parsed.options.json).toBe(true);
    expect(parsed.positionals).toEqual(['--not-an-option']);
  });

  it('negative numbers are values, and repeated options collect when declared repeatable', () => {
    const specs = [
      { name: 'sigma', type: 'number' as const, description: '' },
      { name: 'label-field', type: 'string' as const, description: '', multiple: true },
    ];
    const parsed = parseArgs(['--sigma', '-1', '--label-field', 'a', '--label-field=b,c'], specs);
    expect(parsed.options.sigma).toBe(-1);
    expect(parsed.options['label-field']).toEqual(['a', 'b', 'c']);
  });
});
