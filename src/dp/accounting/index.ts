/**
 * Privacy accounting for DP-SGD (Poisson-subsampled Gaussian mechanism), pure TypeScript so that
 * the UI thread, the worker and Node share it:
 * - 'prv' (default): tight accountant, pessimistic discretisation + FFT composition (prv.ts),
 *   reporting Opacus' PRV upper bound eps(delta - delta/1000) + 0.01;
 * - 'rdp': Renyi DP with Opacus' orders and the Balle et al. 2020 conversion (rdp.ts).
 */
export { calibrateSigma, MAX_STEPS, maxSteps, SIGMA_MAX, SIGMA_MIN } from './calibrate';
export { defaultDelta, deltaWarning } from './delta';
export { computeEpsilon, epsilonCurve } from './epsilon';
export { PRV_DEFAULTS, type PrvOptions, prvEpsilon } from './prv';
export { RDP_ORDERS, rdpEpsilon } from './rdp';
export { ACCOUNTANTS, type AccountantName, AccountingInputError, type Phase } from './types';
