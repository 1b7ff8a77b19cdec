/** Small statistics helpers for the noise checks (two-sided tests at a fixed level). */

/** Standard normal CDF via erfc (Numerical Recipes erfcc, |relative error| < 1.2e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t *
                      (0.27886807 +
                        t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const erfc = t * Math.exp(-z * z + poly);
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** Kolmogorov-Smirnov statistic sqrt(n) sup |F_n - Phi| of a sample against N(0, 1). */
export function ksScaledStatistic(sample: ArrayLike<number>): number {
  const sorted = Float64Array.from(sample).sort();
  const n = sorted.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = normalCdf(sorted[i]);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  }
  return d * Math.sqrt(n);
}

/** Asymptotic critical value of sqrt(n) D at level alpha: sqrt(-ln(alpha / 2) / 2). */
export function ksCritical(alpha: number): number {
  return Math.sqrt(-Math.log(alpha / 2) / 2);
}

/** Two-sided standard normal quantile for alpha = 1e-3. */
export const Z_CRITICAL_1E3 = 3.2905;

export function meanAndVariance(x: ArrayLike<number>): { mean: number; variance: number } {
  let mean = 0;
  for (let i = 0; i < x.length; i++) mean += x[i];
  mean /= x.length;
  let ss = 0;
  for (let i = 0; i < x.length; i++) ss += (x[i] - mean) ** 2;
  return { mean, variance: ss / (x.length - 1) };
}

/** Pearson correlation of x[i] and y[i] over the common length. */
export function correlation(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = Math.min(x.length, y.length);
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** Correlation of neighbours at distance `lag` within one sample. */
export function lagCorrelation(x: ArrayLike<number>, lag: number): number {
  const view = Float64Array.from(x);
  return correlation(view.subarray(0, view.length - lag), view.subarray(lag));
}
