import { computeEpsilon, type Phase } from '../../dp/accounting/index';
import { validatePhases } from '../../dp/accounting/types';
import { UsageError } from '../args';
import type { Command } from '../command';
import {
  accountantOption,
  asUsage,
  deltaOptions,
  fmt,
  fmtUp,
  jsonOption,
  numberOption,
  parseAccountant,
  parseDelta,
  parsePhases,
  requireNumbers,
} from './privacy-args';

export const epsilonCommand: Command = {
  name: 'epsilon',
  summary: 'Privacy spent (epsilon) by DP-SGD with Poisson sampling rate q, noise multiplier sigma, steps',
  options: [
    { name: 'q', type: 'number', description: 'Sampling rate (expected batch size / documents), in (0, 1]' },
    { name: 'sigma', type: 'number', description: 'Noise multiplier (noise std / clip norm)' },
    { name: 'steps', type: 'number', description: 'Number of DP-SGD steps' },
    {
      name: 'phases',
      type: 'string',
      description: 'Instead of --q/--sigma/--steps: JSON [{"q":..,"sigma":..,"steps":..},...] run in order',
    },
    ...deltaOptions,
    accountantOption,
    jsonOption,
  ],
  async run(args, io) {
    const accountant = parseAccountant(args);
    const phasesText = args.options.phases;
    let phases: Phase[];
    if (typeof phasesText === 'string') {
      const clash = ['q', 'sigma', 'steps'].filter((n) => numberOption(args, n) !== undefined);
      if (clash.length > 0)
        throw new UsageError(
          `--phases replaces ${clash.map((n) => `--${n}`).join(', ')}: give one or the other`,
        );
      phases = parsePhases(phasesText);
    } else {
      const [q, sigma, steps] = requireNumbers(args, ['q', 'sigma', 'steps']);
      phases = [{ q, sigma, steps }];
      asUsage(() => validatePhases(phases));
    }
    const delta = parseDelta(args, io);
    const epsilon = computeEpsilon(phases, delta, accountant);
    const single = typeof phasesText !== 'string';
    const totalSteps = phases.reduce((s, p) => s + p.steps, 0);
    if (args.options.json) {
      const result = single
        ? { epsilon, accountant, ...phases[0], delta }
        : { epsilon, accountant, delta, steps: totalSteps, phases };
      io.out(JSON.stringify(result));
      return 0;
    }
    const what = single
      ? `q = ${fmt(phases[0].q)}, sigma = ${fmt(phases[0].sigma)}, steps = ${phases[0].steps}`
      : `${phases.length} phases, ${totalSteps} steps: ${phases.map((p) => `${p.steps} x (q ${fmt(p.q)}, sigma ${fmt(p.sigma)})`).join(' + ')}`;
    io.out(`epsilon = ${fmtUp(epsilon)} at delta = ${fmt(delta)} (${accountant} accountant; ${what})`);
    return 0;
  },
};
