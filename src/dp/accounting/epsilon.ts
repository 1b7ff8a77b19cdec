/** Epsilon of a phase sequence, and its growth over the steps, by either accountant. */
import { PrvEvaluator, prvEpsilon } from './prv';
import { RDP_ORDERS, rdpOfPhases, rdpToEpsilon } from './rdp';
import {
  type AccountantName,
  AccountingInputError,
  type Phase,
  stepsPerPhaseAt,
  totalSteps,
  validateAccountant,
  validateDelta,
  validatePhases,
} from './types';

/**
 * Epsilon spent by running `phases` in order, at the given delta. 'prv' (default): the tight
 * accountant's upper bound (see prv.ts); 'rdp': Renyi DP with Opacus' orders and conversion.
 */
export function computeEpsilon(phases: Phase[], delta: number, accountant: AccountantName = 'prv'): number {
  validatePhases(phases);
  validateDelta(delta);
  validateAccountant(accountant);
  if (accountant === 'rdp') return rdpToEpsilon(rdpOfPhases(phases), delta).epsilon;
  return prvEpsilon(phases, delta);
}

/**
 * Epsilon spent after each of `atSteps` steps (counted from the start of the first phase; 0 gives 0),
 * for a live chart. The PRV accountant builds the per-step distributions and their spectra once and
 * then needs one inverse FFT per point; RDP needs one conversion per point. Points at the end of the
 * run equal computeEpsilon; earlier points skip its Opacus-parity rule (below epsilon 0.25, see
 * prvEpsilon), so there they may differ from computeEpsilon by a few 1e-4; they never exceed the
 * end point (epsilon only grows with the steps, so the end point bounds them all).
 */
export function epsilonCurve(
  phases: Phase[],
  delta: number,
  atSteps: number[],
  accountant: AccountantName = 'prv',
): number[] {
  validatePhases(phases);
  validateDelta(delta);
  validateAccountant(accountant);
  const total = totalSteps(phases);
  if (!Array.isArray(atSteps)) throw new AccountingInputError('atSteps must be an array of step counts');
  for (const t of atSteps) {
    if (!Number.isInteger(t) || t < 0 || t > total)
      throw new AccountingInputError(
        `atSteps entries must be integers in [0, ${total}] (the run's steps), got ${t}`,
      );
  }
  const countsList = atSteps.map((t) => stepsPerPhaseAt(phases, t));
  if (accountant === 'rdp') {
    const perStep = phases.map((p) => rdpOfPhases([{ ...p, steps: 1 }]));
    return countsList.map((counts) => {
      if (counts.every((c) => c === 0)) return 0;
      const rdp = RDP_ORDERS.map((_, j) => counts.reduce((s, c, k) => s + c * perStep[k][j], 0));
      return rdpToEpsilon(rdp, delta).epsilon;
    });
  }
  const queried = countsList.filter((c) => c.some((x) => x > 0));
  if (queried.length === 0) return atSteps.map(() => 0);
  const curve = new PrvEvaluator(phases, delta, queried).epsilons(countsList);
  if (atSteps.includes(total)) {
    const end = prvEpsilon(phases, delta);
    atSteps.forEach((t, i) => {
      curve[i] = t === total ? end : Math.min(curve[i], end);
    });
  }
  return curve;
}
