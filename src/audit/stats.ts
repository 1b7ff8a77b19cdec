/**
 * Small float64 special functions the audit bounds need (JavaScript has no lgamma or probit):
 * log-gamma (Lanczos, g = 7, n = 9: ~1e-15 relative), the binomial log-pmf, and the standard
 * normal quantile (Acklam's rational approximation polished by two Halley steps on the accountants'
 * erfc, so it is accurate to ~1e-15 in the far tails where the f-DP curves are evaluated).
 */
import { normCdf, normSf } from '../dp/accounting/special';

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** log Gamma(x) for x > 0. */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new Error(`logGamma needs x > 0, got ${x}`);
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** log P[Binomial(n, p) = k]; -Infinity outside the support. */
export function logBinomialPmf(k: number, n: number, p: number): number {
  if (k < 0 || k > n) return Number.NEGATIVE_INFINITY;
  if (p === 0) return k === 0 ? 0 : Number.NEGATIVE_INFINITY;
  if (p === 1) return k === n ? 0 : Number.NEGATIVE_INFINITY;
  const logChoose = logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
  return logChoose + k * Math.log(p) + (n - k) * Math.log1p(-p);
}

/**
 * P[Binomial(n, p) = k] for k = 0..n as one array: log-pmfs by the ratio recurrence
 * log f(k+1) = log f(k) + log((n-k)/(k+1)) + log(p/(1-p)) from log f(0) = n log(1-p)
 * (relative error ~n * 1e-16), anchored again every 256 terms on logBinomialPmf.
 */
export function binomialPmfs(n: number, p: number): Float64Array {
  const out = new Float64Array(n + 1);
  if (p === 0 || p === 1) {
    out[p === 0 ? 0 : n] = 1;
    return out;
  }
  const logOdds = Math.log(p) - Math.log1p(-p);
  let logF = 0;
  for (let k = 0; k <= n; k++) {
    logF = k % 256 === 0 ? logBinomialPmf(k, n, p) : logF + Math.log((n - k + 1) / k) + logOdds;
    out[k] = Math.exp(logF);
  }
  return out;
}

const A = [
  -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
  2.506628277459239,
];
const B = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
const C = [
  -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
];
const D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];

/** Acklam's approximation to the standard normal quantile (relative error ~1e-9). */
function probitApprox(p: number): number {
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) /
      ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1)
    );
  }
  if (p > 1 - low) return -probitApprox(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q) /
    (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1)
  );
}

/** Phi^{-1}(p): -Infinity at 0, +Infinity at 1. */
export function normPpf(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return Number.NaN;
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  let x = probitApprox(p);
  for (let i = 0; i < 2; i++) {
    // Halley on Phi(x) - p, using the tail that is small (no cancellation).
    const e = x < 0 ? normCdf(x) - p : p > 0.5 ? 1 - p - normSf(x) : normCdf(x) - p;
    const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
    x -= u / (1 + (x * u) / 2);
  }
  return x;
}
