import { calibrateSigma } from '../../dp/accounting/index';
import { validateEpsilon, validateSampleRate, validateSteps } from '../../dp/accounting/types';
import type { Command } from '../command';
import {
  accountantOption,
  asUsage,
  deltaOptions,
  fmt,
  fmtUp,
  jsonOption,
  parseAccountant,
  parseDelta,
  parsePhases,
  requireNumbers,
} from './privacy-args';

export const sigmaCommand: Command = {
  name: 'sigma',
  summary: 'Noise multiplier that keeps DP-SGD (rate q, steps) within a target epsilon',
  options: [
    { name: 'epsilon', type: 'number', description: 'Target epsilon (> 0)' },
    { name: 'q', type: 'number', description: 'Sampling rate (expected batch size / documents), in (0, 1]' },
    { name: 'steps', type: 'number', description: 'Number of DP-SGD steps' },
    {
      name: 'prior-phases',
      type: 'string',
      description:
        'Earlier releases on the same data composed before these steps, as JSON [{"q":..,"sigma":..,"steps":..}] (e.g. a report\'s histogram phase)',
    },
    ...deltaOptions,
    accountantOption,
    jsonOption,
  ],
  async run(args, io) {
    const accountant = parseAccountant(args);
    const [target, q, steps] = requireNumbers(args, ['epsilon', 'q', 'steps']);
    asUsage(() => {
      validateEpsilon(target, 'target epsilon');
      validateSampleRate(q);
      validateSteps(steps);
    });
    const prior = args.options['prior-phases'];
    const priorPhases = prior === undefined ? [] : parsePhases(String(prior), 'prior-phases');
    const delta = parseDelta(args, io);
    // Out of reach is not a usage error: it exits 1 with the accountant's message.
    const { sigma, epsilon } = calibrateSigma({ epsilon: target, delta, q, steps, accountant, priorPhases });
    if (args.options.json) {
      io.out(
        JSON.stringify({
          sigma,
          epsilon,
          target_epsilon: target,
          accountant,
          q,
          steps,
          delta,
          ...(priorPhases.length ? { prior_phases: priorPhases } : {}),
        }),
      );
      return 0;
    }
    io.out(
      `sigma = ${fmtUp(sigma)} gives epsilon = ${fmtUp(epsilon)} <= ${fmt(target)} at delta = ${fmt(delta)} ` +
        `(${accountant} accountant; q = ${fmt(q)}, steps = ${steps}` +
        `${priorPhases.length ? `, after ${priorPhases.length} prior phase(s)` : ''})`,
    );
    return 0;
  },
};
