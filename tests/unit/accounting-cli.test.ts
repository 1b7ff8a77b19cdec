import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli';

/** Epsilons computed by Opacus and Google dp_accounting (fixtures/accounting-reference.json). */
const ref = JSON.parse(
  readFileSync(new URL('./fixtures/accounting-reference.json', import.meta.url), 'utf8'),
) as {
  cases: { id: string; eps_prv_opacus: number; eps_rdp_opacus: number; eps_pld_google: number }[];
};
const q001 = ref.cases.find((c) => c.id === 'q0.01-s1.0-T1000')!;

const run = runCli;

/** --json must print exactly one JSON object and nothing else on stdout. */
function oneJson(out: string): Record<string, unknown> {
  const lines = out.trim().split('\n');
  expect(lines).toHaveLength(1);
  const value = JSON.parse(lines[0]);
  expect(typeof value).toBe('object');
  return value;
}

const base = ['--q', '0.01', '--sigma', '1.0', '--steps', '1000', '--delta', '1e-5'];

describe('distildp epsilon', () => {
  it('prints one JSON object with the PRV epsilon and the parameters', async () => {
    const r = await run(['epsilon', ...base, '--json']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const j = oneJson(r.out);
    expect(Object.keys(j)).toEqual(['epsilon', 'accountant', 'q', 'sigma', 'steps', 'delta']);
    expect(j).toMatchObject({ accountant: 'prv', q: 0.01, sigma: 1, steps: 1000, delta: 1e-5 });
    expect(Math.abs((j.epsilon as number) / q001.eps_prv_opacus - 1)).toBeLessThan(0.01);
  });

  it('--accountant rdp gives the RDP epsilon', async () => {
    const j = oneJson((await run(['epsilon', ...base, '--accountant', 'rdp', '--json'])).out);
    expect(j.accountant).toBe('rdp');
    expect(Math.abs((j.epsilon as number) / q001.eps_rdp_opacus - 1)).toBeLessThan(1e-3);
  });

  it('--phases reproduces a multi-phase run', async () => {
    const phases = '[{"q":0.01,"sigma":1,"steps":500},{"q":0.01,"sigma":1,"steps":500}]';
    const split = oneJson((await run(['epsilon', '--phases', phases, '--delta', '1e-5', '--json'])).out);
    const whole = oneJson((await run(['epsilon', ...base, '--json'])).out);
    expect(split.steps).toBe(1000);
    expect(split.phases).toEqual(JSON.parse(phases));
    expect(Math.abs((split.epsilon as number) / (whole.epsilon as number) - 1)).toBeLessThan(1e-9);
  });

  it('prints a readable line without --json', async () => {
    const r = await run(['epsilon', ...base]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^epsilon = 1\.83\d* at delta = 0\.00001 \(prv accountant; q = 0\.01, sigma = 1, steps = 1000\)\n$/,
    );
  });

  it('takes delta from --documents (1/N^1.1) and warns on stderr when delta >= 1/N', async () => {
    const j = oneJson(
      (
        await run([
          'epsilon',
          '--q',
          '0.01',
          '--sigma',
          '1',
          '--steps',
          '10',
          '--documents',
          '1000',
          '--json',
        ])
      ).out,
    );
    expect(j.delta).toBeCloseTo(1000 ** -1.1, 18);
    const r = await run([
      'epsilon',
      '--q',
      '0.01',
      '--sigma',
      '1',
      '--steps',
      '10',
      '--delta',
      '0.01',
      '--documents',
      '100',
      '--json',
    ]);
    expect(r.code).toBe(0);
    oneJson(r.out);
    expect(r.err).toMatch(/warning: delta = 0.01 is not below 1\/n/);
  });

  const usage: [string, string[], RegExp][] = [
    ['missing options', ['epsilon', '--q', '0.01', '--delta', '1e-5'], /missing --sigma, --steps/],
    ['missing delta', ['epsilon', '--q', '0.01', '--sigma', '1', '--steps', '5'], /missing --delta/],
    ['q out of range', ['epsilon', ...base, '--q', '0'], /sample rate q must be in \(0, 1\], got 0/],
    [
      'delta out of range',
      ['epsilon', '--q', '0.1', '--sigma', '1', '--steps', '5', '--delta', '1'],
      /delta must be in \(0, 1\)/,
    ],
    [
      'sigma <= 0',
      ['epsilon', '--q', '0.1', '--sigma', '-1', '--steps', '5', '--delta', '1e-5'],
      /sigma must be/,
    ],
    [
      'fractional steps',
      ['epsilon', '--q', '0.1', '--sigma', '1', '--steps', '2.5', '--delta', '1e-5'],
      /steps must be an integer/,
    ],
    ['unknown accountant', ['epsilon', ...base, '--accountant', 'gdp'], /accountant must be one of prv, rdp/],
    ['phases and q', ['epsilon', '--phases', '[]', '--q', '0.1', '--delta', '1e-5'], /--phases replaces --q/],
    ['bad phases JSON', ['epsilon', '--phases', '[{q:1}]', '--delta', '1e-5'], /--phases is not valid JSON/],
    [
      'bad phase',
      ['epsilon', '--phases', '[{"q":0.1,"sigma":1,"steps":0}]', '--delta', '1e-5'],
      /steps must be an integer >= 1/,
    ],
    [
      'phase key typo',
      ['epsilon', '--phases', '[{"q":0.1,"sigma":1,"step":3}]', '--delta', '1e-5'],
      /unknown keys: step/,
    ],
    ['not a number', ['epsilon', ...base, '--sigma', 'abc'], /--sigma must be a number/],
  ];
  for (const [name, argv, message] of usage) {
    it(`exits 2 on bad usage: ${name}`, async () => {
      const r = await run(argv);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toMatch(message);
    });
  }
});

describe('distildp sigma', () => {
  it('prints one JSON object with the calibrated sigma and the epsilon it reaches', async () => {
    const r = await run([
      'sigma',
      '--epsilon',
      '2',
      '--delta',
      '1e-5',
      '--q',
      '0.01',
      '--steps',
      '1000',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const j = oneJson(r.out);
    expect(j).toMatchObject({ target_epsilon: 2, accountant: 'prv', q: 0.01, steps: 1000, delta: 1e-5 });
    expect(j.epsilon as number).toBeLessThanOrEqual(2);
    expect(j.epsilon as number).toBeGreaterThan(1.998);
    // Feeding the sigma back to `epsilon` gives the same epsilon.
    const back = oneJson(
      (
        await run([
          'epsilon',
          '--q',
          '0.01',
          '--sigma',
          String(j.sigma),
          '--steps',
          '1000',
          '--delta',
          '1e-5',
          '--json',
        ])
      ).out,
    );
    expect(back.epsilon).toBe(j.epsilon);
  });

  it('supports --accountant rdp and a readable line', async () => {
    const r = await run([
      'sigma',
      '--epsilon',
      '2',
      '--delta',
      '1e-5',
      '--q',
      '0.01',
      '--steps',
      '1000',
      '--accountant',
      'rdp',
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^sigma = 1\.02\d* gives epsilon = (1\.99\d*|2) <= 2 at delta = 0\.00001 \(rdp accountant; q = 0\.01, steps = 1000\)\n$/,
    );
  });

  it('exits 2 on bad usage and 1 when the target is out of reach', async () => {
    const bad = await run(['sigma', '--epsilon', '0', '--delta', '1e-5', '--q', '0.01', '--steps', '1000']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/target epsilon must be a finite number > 0, got 0/);
    const missing = await run(['sigma', '--epsilon', '1', '--q', '0.01']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/missing --steps/);
    const unreachable = await run([
      'sigma',
      '--epsilon',
      '0.05',
      '--delta',
      '1e-5',
      '--q',
      '0.01',
      '--steps',
      '1000',
      '--accountant',
      'rdp',
      '--json',
    ]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.out).toBe('');
    expect(unreachable.err).toMatch(/out of reach: even sigma = 1000/);
  });
});
