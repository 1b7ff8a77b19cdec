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
  requireNumbers,
} from './privacy-args';

export const sigmaCommand: Command = {
  name: 'sigma',
  summary: 'Noise multiplier that keeps DP-SGD (rate q, steps) within a target epsilon',
  options: [
    { name: 'epsilon', type: 'number', description: 'Target epsilon (> 0)' },
    { name: 'q', type: 'number', description: 'Sampling rate (expected batch size / documents), in (0, 1]' },
    { name: 'steps', type: 'number', description: 'Number of DP-SGD steps' },
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
    const delta = parseDelta(args, io);
    const { sigma, epsilon } = calibrateSigma({ epsilon: target, delta, q, steps, accountant });
    if (args.options.json) {
      io.out(JSON.stringify({ sigma, epsilon, target_epsilon: target, accountant, q, steps, delta }));
      return 0;
    }
    io.out(
      `sigma = ${fmtUp(sigma)} gives epsilon = ${fmtUp(epsilon)} <= ${fmt(target)} at delta = ${fmt(delta)} ` +
        `(${accountant} accountant; q = ${fmt(q)}, steps = ${steps})`,
    );
    return 0;
  },
};
