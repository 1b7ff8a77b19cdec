/**
 * Special functions for the accountants, accurate to ~1e-15 relative in the far tails, where the
 * privacy curves live (JavaScript has no erfc). Two regimes:
 * - |x| < 2: erf by its all-positive series `erf(x) = 2/sqrt(pi) e^{-x^2} sum (2x^2)^n x / (2n+1)!!`
 *   (no cancellation), erfc = 1 - erf (absolute error ~1e-16);
 * - x >= 2: the scaled complement `erfcx(x) = e^{x^2} erfc(x)` by its continued fraction, so that
 *   log-tails such as log Phi(-40) never underflow.
 */

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const ONE_OVER_SQRT_PI = 1 / Math.sqrt(Math.PI);
const SQRT1_2 = Math.SQRT1_2;
const SERIES_LIMIT = 2;

/** erf(x) for 0 <= x < ~3 by the positive series (relative error ~1e-16). */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 500; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
}

/**
 * e^{x^2} erfc(x) for x >= ~2 by the continued fraction
 * erfc(x) = e^{-x^2}/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated by modified Lentz.
 */
function erfcxContinuedFraction(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 5000; k++) {
    const a = k / 2;
    d = x + a * d;
    if (d === 0) d = tiny;
    c = x + a / c;
    if (c === 0) c = tiny;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return ONE_OVER_SQRT_PI / f;
}

export function erf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x < 0) return -erf(-x);
  if (x < SERIES_LIMIT) return erfSeries(x);
  return 1 - erfc(x);
}

/** Complementary error function, relative accuracy ~1e-15 for x > 0 (down to 1e-308). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < SERIES_LIMIT) return 1 - erfSeries(x);
  if (x > 27) return 0; // erfc(27) ~ 5e-319: below the smallest double
  return Math.exp(-x * x) * erfcxContinuedFraction(x);
}

/** log(erfc(x)) without underflow for large x. */
export function logErfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x < SERIES_LIMIT) return Math.log(erfc(x));
  return -x * x + Math.log(erfcxContinuedFraction(x));
}

/** Standard normal survival function Phi-bar(x) = P(Z > x). */
export function normSf(x: number): number {
  return 0.5 * erfc(x * SQRT1_2);
}

/** Standard normal CDF Phi(x) = P(Z <= x). */
export function normCdf(x: number): number {
  return 0.5 * erfc(-x * SQRT1_2);
}

/** log Phi-bar(x), accurate for large positive x (far upper tail). */
export function logNormSf(x: number): number {
  const y = x * SQRT1_2;
  if (y < SERIES_LIMIT) return Math.log(0.5 * erfc(y));
  return Math.log(0.5) + logErfc(y);
}

/** log Phi(x) (scipy's log_ndtr), accurate for large negative x. */
export function logNormCdf(x: number): number {
  if (x > 0) return Math.log1p(-normSf(x));
  return logNormSf(-x);
}
