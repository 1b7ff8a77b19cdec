/** Option parsing shared by `distildp epsilon` and `distildp sigma`. */

import {
  type AccountantName,
  AccountingInputError,
  defaultDelta,
  deltaWarning,
  type Phase,
} from '../../dp/accounting/index';
import { validateAccountant, validateDelta, validatePhases } from '../../dp/accounting/types';
import { errorMessage } from '../../util/error-message';
import type { OptionSpec, ParsedArgs } from '../args';
import { UsageError } from '../args';
import type { CommandIO } from '../command';

export const deltaOptions: OptionSpec[] = [
  { name: 'delta', type: 'number', description: 'Target delta (or give --documents for 1/N^1.1)' },
  {
    name: 'documents',
    type: 'number',
    description: 'Number of documents N (privacy units): default delta 1/N^1.1, warns if delta >= 1/N',
  },
];

export const accountantOption: OptionSpec = {
  name: 'accountant',
  type: 'string',
  description: 'prv (tight, Opacus-style upper bound) or rdp',
  default: 'prv',
};

export const jsonOption: OptionSpec = { name: 'json', type: 'boolean', description: 'Print one JSON object' };

/** Runs a validation, turning the accountant's input errors into usage errors (exit code 2). */
export function asUsage<T>(check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof AccountingInputError) throw new UsageError(e.message);
    throw e;
  }
}

export function numberOption(args: ParsedArgs, name: string): number | undefined {
  const v = args.options[name];
  return typeof v === 'number' ? v : undefined;
}

export function requireNumbers(args: ParsedArgs, names: string[]): number[] {
  const missing = names.filter((n) => numberOption(args, n) === undefined);
  if (missing.length > 0) throw new UsageError(`missing ${missing.map((n) => `--${n}`).join(', ')}`);
  return names.map((n) => numberOption(args, n) as number);
}

export function parseAccountant(args: ParsedArgs): AccountantName {
  const name = String(args.options.accountant ?? 'prv');
  asUsage(() => validateAccountant(name));
  return name as AccountantName;
}

/** delta from --delta, else from --documents; warns on stderr when delta >= 1/N. */
export function parseDelta(args: ParsedArgs, io: CommandIO): number {
  const documents = numberOption(args, 'documents');
  let delta = numberOption(args, 'delta');
  if (delta === undefined) {
    if (documents === undefined)
      throw new UsageError('missing --delta (or --documents N for delta = 1/N^1.1)');
    delta = asUsage(() => defaultDelta(documents));
  }
  const d = delta;
  asUsage(() => validateDelta(d));
  if (documents !== undefined) {
    const warning = asUsage(() => deltaWarning(d, documents));
    if (warning) io.err(`warning: ${warning}`);
  }
  return delta;
}

/** --phases '[{"q":..,"sigma":..,"steps":..},...]' (or another option's) as validated phases. */
export function parsePhases(text: string, option = 'phases'): Phase[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--${option} is not valid JSON (${errorMessage(e)})`);
  }
  if (!Array.isArray(value))
    throw new UsageError(`--${option} must be a JSON array of {"q", "sigma", "steps"}`);
  const phases = value.map((p, i) => {
    if (p === null || typeof p !== 'object' || Array.isArray(p))
      throw new UsageError(`--${option} entry ${i} must be an object {"q", "sigma", "steps"}`);
    const unknown = Object.keys(p).filter((k) => !['q', 'sigma', 'steps'].includes(k));
    if (unknown.length > 0)
      throw new UsageError(`--${option} entry ${i} has unknown keys: ${unknown.join(', ')}`);
    return p as Phase;
  });
  asUsage(() => validatePhases(phases));
  return phases;
}

/** Numbers for the readable output: enough digits, no float noise. */
export function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6)));
}

/**
 * Rounded up at 6 significant digits, for the readable output of an epsilon (never understated)
 * and of a calibrated sigma (copying it back never spends more than the target).
 */
export function fmtUp(x: number): string {
  if (!Number.isFinite(x) || x === 0) return String(x);
  const scale = 10 ** (5 - Math.floor(Math.log10(Math.abs(x))));
  return String(Number((Math.ceil(x * scale) / scale).toPrecision(6)));
}
