/** Shared types and input validation of the privacy accountants. */

export type AccountantName = 'prv' | 'rdp';

/**
 * A run of `steps` DP-SGD steps, each a Poisson-subsampled Gaussian mechanism: every record is in the
 * batch with probability `q`, the clipped gradient sum gets N(0, (sigma C)^2) noise (sensitivity C).
 */
export interface Phase {
  q: number;
  sigma: number;
  steps: number;
}

export const ACCOUNTANTS: readonly AccountantName[] = ['prv', 'rdp'];

/** Thrown for inputs no accountant can take (the message names the parameter and the value). */
export class AccountingInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AccountingInputError';
  }
}

export function validateEpsilon(epsilon: number, name = 'epsilon'): void {
  if (typeof epsilon !== 'number' || !Number.isFinite(epsilon) || epsilon <= 0)
    throw new AccountingInputError(`${name} must be a finite number > 0, got ${epsilon}`);
}

export function validateDelta(delta: number): void {
  if (typeof delta !== 'number' || !Number.isFinite(delta) || delta <= 0 || delta >= 1)
    throw new AccountingInputError(`delta must be in (0, 1), got ${delta}`);
}

export function validateSampleRate(q: number, where = ''): void {
  if (typeof q !== 'number' || !Number.isFinite(q) || q <= 0 || q > 1)
    throw new AccountingInputError(`sample rate q must be in (0, 1]${where}, got ${q}`);
}

export function validateSigma(sigma: number, where = ''): void {
  if (typeof sigma !== 'number' || !Number.isFinite(sigma) || sigma <= 0)
    throw new AccountingInputError(
      `noise multiplier sigma must be a finite number > 0${where}, got ${sigma}`,
    );
}

export function validateSteps(steps: number, where = ''): void {
  if (typeof steps !== 'number' || !Number.isInteger(steps) || steps < 1)
    throw new AccountingInputError(`steps must be an integer >= 1${where}, got ${steps}`);
}

export function validateAccountant(accountant: string): asserts accountant is AccountantName {
  if (!ACCOUNTANTS.includes(accountant as AccountantName))
    throw new AccountingInputError(
      `accountant must be one of ${ACCOUNTANTS.join(', ')}, got "${accountant}"`,
    );
}

export function validatePhases(phases: readonly Phase[]): void {
  if (!Array.isArray(phases) || phases.length === 0)
    throw new AccountingInputError('phases must be a non-empty array of {q, sigma, steps}');
  phases.forEach((p, i) => {
    const where = phases.length > 1 ? ` (phase ${i})` : '';
    if (p === null || typeof p !== 'object')
      throw new AccountingInputError(`phase ${i} must be an object {q, sigma, steps}`);
    validateSampleRate(p.q, where);
    validateSigma(p.sigma, where);
    validateSteps(p.steps, where);
  });
}

export function totalSteps(phases: readonly Phase[]): number {
  return phases.reduce((s, p) => s + p.steps, 0);
}

/**
 * The first `t` steps of a phase sequence, as per-phase step counts (phases run in order).
 * Phases that have not started yet get 0 steps.
 */
export function stepsPerPhaseAt(phases: readonly Phase[], t: number): number[] {
  let left = t;
  return phases.map((p) => {
    const n = Math.min(p.steps, Math.max(0, left));
    left -= n;
    return n;
  });
}
