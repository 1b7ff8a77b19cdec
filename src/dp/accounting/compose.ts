/**
 * Composition of discrete privacy loss distributions by FFT, for one direction of the pair.
 * Each phase's one-step PLD lives on the same grid (spacing d); the composed PLD of a phase sequence
 * is the convolution of c_k copies of phase k, computed as the inverse FFT of prod_k X_k^{c_k}
 * (the characteristic functions raised to the step counts). The FFT is circular, so its length N
 * must hold the composed distribution: the window [a, b] comes from Chernoff bounds on the discrete
 * PLDs themselves, P(S > b) <= exp(sum_k c_k K_k(lambda) - lambda b) with K_k the log-MGF of phase k,
 * at a target tail mass `tail`. Mass outside the window is handled pessimistically: the mass above b
 * is counted at +infinity (added to delta) and the mass below a wraps into the window, where it can
 * only raise delta.
 */

import type { StepPmf } from './discretize';
import { RealFft } from './fft';

/** lambdas for the Chernoff window: 2^(j/2), j = -24..50 (about 2e-4 .. 3e7). */
const LAMBDAS: readonly number[] = Array.from({ length: 75 }, (_, j) => 2 ** ((j - 24) / 2));

/**
 * log E[e^{lambda L}; L finite] of a discrete PLD at each lambda. The sum runs from the end where
 * e^{lambda y} is largest with a running factor (no exp per point) and stops once the factor
 * underflows: the end point carries mass (see `trimZeros`), so what is skipped is negligible.
 */
export function logMgf(pmf: StepPmf, lambdas: readonly number[]): Float64Array {
  const probs = pmf.probs;
  const n = probs.length;
  const out = new Float64Array(lambdas.length);
  lambdas.forEach((lambda, j) => {
    const ratio = Math.exp(-Math.abs(lambda) * pmf.d);
    let sum = 0;
    let factor = 1;
    if (lambda > 0) {
      for (let i = n - 1; i >= 0 && factor > 1e-300; i--, factor *= ratio) sum += probs[i] * factor;
      out[j] = Math.log(sum) + lambda * (pmf.lo + n - 1) * pmf.d;
    } else {
      for (let i = 0; i < n && factor > 1e-300; i++, factor *= ratio) sum += probs[i] * factor;
      out[j] = Math.log(sum) + lambda * pmf.lo * pmf.d;
    }
  });
  return out;
}

/** An epsilon and the FFT round-off seen while reading it off (see epsilonForDelta). */
export interface EpsilonAnswer {
  epsilon: number;
  noise: number;
}

/** The phases' one-step PLDs, ready to be composed for any step counts in a known set. */
export class PldComposer {
  readonly d: number;
  readonly size: number;
  /** Global grid index of the first loss of the window. */
  readonly start: number;
  private readonly fft: RealFft;
  private readonly logMag: Float64Array[];
  private readonly phase: Float64Array[];
  private readonly log1mInf: number[];
  private readonly cgfUp: Float64Array[];
  private readonly cgfDown: Float64Array[];
  private readonly tail: number;
  private readonly support: [number, number][];
  private readonly spec: { re: Float64Array; im: Float64Array };
  private readonly out: Float64Array;

  /**
   * @param pmfs one-step PLD of each phase (same spacing d)
   * @param countsList every step-count vector that `epsilon` will be asked for (sizes the window)
   * @param tail tail mass allowed outside the window (added to delta as mass at +infinity)
   * @param maxSize the largest FFT length allowed; throws `WindowTooLargeError` beyond it
   */
  constructor(pmfs: StepPmf[], countsList: number[][], tail: number, maxSize: number) {
    this.d = pmfs[0].d;
    this.tail = tail;
    this.log1mInf = pmfs.map((p) => Math.log1p(-p.infMass));
    this.cgfUp = pmfs.map((p) => logMgf(p, LAMBDAS));
    this.cgfDown = pmfs.map((p) =>
      logMgf(
        p,
        LAMBDAS.map((l) => -l),
      ),
    );
    this.support = pmfs.map((p) => [p.lo, p.lo + p.probs.length - 1]);
    let lowest = Number.POSITIVE_INFINITY;
    let highest = Number.NEGATIVE_INFINITY;
    for (const counts of countsList) {
      const [a, b] = this.windowFor(counts);
      lowest = Math.min(lowest, a);
      highest = Math.max(highest, b);
    }
    const span = highest - lowest + 1;
    let size = 4;
    while (size < span) size *= 2;
    if (size > maxSize) throw new WindowTooLargeError(span);
    this.size = size;
    this.start = lowest;
    this.fft = new RealFft(size);
    this.logMag = [];
    this.phase = [];
    const folded = new Float64Array(size);
    for (const pmf of pmfs) {
      folded.fill(0);
      for (let i = 0; i < pmf.probs.length; i++) {
        const g = pmf.lo + i;
        folded[((g % size) + size) % size] += pmf.probs[i];
      }
      const { re, im } = this.fft.forward(folded);
      const lm = new Float64Array(re.length);
      const ph = new Float64Array(re.length);
      for (let k = 0; k < re.length; k++) {
        lm[k] = 0.5 * Math.log(re[k] * re[k] + im[k] * im[k]);
        ph[k] = Math.atan2(im[k], re[k]);
      }
      this.logMag.push(lm);
      this.phase.push(ph);
    }
    this.spec = { re: new Float64Array(size / 2 + 1), im: new Float64Array(size / 2 + 1) };
    this.out = new Float64Array(size);
  }

  /**
   * Grid indices [a, b] holding all but `tail` of the composed mass on each side (Chernoff bounds
   * over the lambda grid), within the hard support of the composition.
   */
  windowFor(counts: number[]): [number, number] {
    const logTail = Math.log(this.tail);
    let supLo = 0;
    let supHi = 0;
    counts.forEach((c, k) => {
      supLo += c * this.support[k][0];
      supHi += c * this.support[k][1];
    });
    let a = Number.NEGATIVE_INFINITY;
    let b = Number.POSITIVE_INFINITY;
    LAMBDAS.forEach((lambda, j) => {
      let up = 0;
      let down = 0;
      counts.forEach((c, k) => {
        if (c > 0) {
          up += c * this.cgfUp[k][j];
          down += c * this.cgfDown[k][j];
        }
      });
      b = Math.min(b, (up - logTail) / lambda);
      a = Math.max(a, (logTail - down) / lambda);
    });
    return [Math.max(supLo, Math.floor(a / this.d) - 2), Math.min(supHi, Math.ceil(b / this.d) + 2)];
  }

  /** Whether the window was sized for these counts (every query must be covered). */
  covers(counts: number[]): boolean {
    const [a, b] = this.windowFor(counts);
    return a >= this.start && b < this.start + this.size;
  }

  /** prod_k X_k^{counts_k} into (re, im), by exp/cos/sin of the stored log-magnitudes and phases. */
  private powerSpectrum(counts: number[], re: Float64Array, im: Float64Array): void {
    const bins = re.length;
    for (let k = 0; k < bins; k++) {
      let lm = 0;
      let ph = 0;
      for (let p = 0; p < counts.length; p++) {
        const c = counts[p];
        if (c > 0) {
          lm += c * this.logMag[p][k];
          ph += c * this.phase[p][k];
        }
      }
      if (lm < -745) {
        re[k] = 0;
        im[k] = 0;
      } else {
        const mag = Math.exp(lm);
        re[k] = mag * Math.cos(ph);
        im[k] = mag * Math.sin(ph);
      }
    }
  }

  private infMass(counts: number[]): number {
    let log1mInf = 0;
    counts.forEach((c, p) => {
      log1mInf += c * this.log1mInf[p];
    });
    return -Math.expm1(log1mInf) + this.tail;
  }

  /** Smallest epsilon with delta(epsilon) <= delta for the composition of counts[k] steps of phase k. */
  epsilon(counts: number[], delta: number): number {
    return this.epsilons([counts], delta)[0].epsilon;
  }

  /**
   * Epsilons for many step-count vectors (each must be within the window given to the constructor).
   * Sorted by total steps, each spectrum is the previous one times the spectrum of the increment
   * when the counts only grow (a chart's points): one complex product per bin instead of
   * exp/cos/sin, and the increment's spectrum is reused while the spacing repeats.
   */
  epsilons(countsList: number[][], delta: number): EpsilonAnswer[] {
    const order = countsList.map((_, i) => i);
    const totals = countsList.map((c) => c.reduce((s, x) => s + x, 0));
    order.sort((a, b) => totals[a] - totals[b]);
    const { re, im } = this.spec;
    const bins = re.length;
    const incRe = new Float64Array(bins);
    const incIm = new Float64Array(bins);
    let lastInc = '';
    let last: number[] | null = null;
    const result = new Array<EpsilonAnswer>(countsList.length);
    for (const i of order) {
      const counts = countsList[i];
      if (!this.covers(counts)) throw new Error(`step counts [${counts}] lie outside the composition window`);
      const prev = last;
      const inc = prev ? counts.map((c, k) => c - prev[k]) : null;
      if (inc?.every((x) => x >= 0)) {
        const key = inc.join(',');
        if (key !== lastInc) {
          this.powerSpectrum(inc, incRe, incIm);
          lastInc = key;
        }
        for (let k = 0; k < bins; k++) {
          const r = re[k] * incRe[k] - im[k] * incIm[k];
          im[k] = re[k] * incIm[k] + im[k] * incRe[k];
          re[k] = r;
        }
      } else this.powerSpectrum(counts, re, im);
      last = counts;
      this.fft.inverse(re, im, this.out);
      result[i] = epsilonForDelta(this.out, this.start, this.d, this.infMass(counts), delta);
    }
    return result;
  }
  /**
   * Privacy profile delta(eps) of the composition of counts[k] steps of phase k at each of `epsilons`
   * (any order): one inverse FFT and one downward scan, the same pessimistic reading as
   * epsilonForDelta (negative round-off masses dropped, mass beyond the window counted at +infinity).
   */
  deltas(counts: number[], epsilons: readonly number[]): Float64Array {
    if (!this.covers(counts)) throw new Error(`step counts [${counts}] lie outside the composition window`);
    const { re, im } = this.spec;
    this.powerSpectrum(counts, re, im);
    this.fft.inverse(re, im, this.out);
    return deltasOfPmf(this.out, this.start, this.d, this.infMass(counts), epsilons);
  }
}

/**
 * The sums over the losses above a point y of a composed discrete PLD: U = infMass + sum p and
 * L = sum p e^{-y'} (kept as lowerScaled = sum p e^{-(y' - ref)}, rescaled so nothing overflows),
 * so that delta(eps) = U - e^{eps - ref} lowerScaled for any eps below those losses.
 */
interface TailSums {
  upper: number;
  lowerScaled: number;
  ref: number;
  /** e^{-(y - ref)} at the current loss. */
  factor: number;
}

/**
 * Walks the losses of a composed PLD (circular array from global index `start`, loss = index * d)
 * from the largest down. `visit(g, sums)` sees the sums of the losses above index g (before g's
 * mass is added); returning true stops the walk. Negative masses (FFT round-off) are dropped.
 */
function scanTail(
  pmf: Float64Array,
  start: number,
  d: number,
  infMass: number,
  visit: (g: number, sums: TailSums) => boolean,
): TailSums {
  const n = pmf.length;
  const sums: TailSums = { upper: infMass, lowerScaled: 0, ref: (start + n - 1) * d, factor: 1 };
  const ed = Math.exp(d);
  let pos = (((start + n - 1) % n) + n) % n; // array position of global index g
  for (let g = start + n - 1; g >= start; g--) {
    if (visit(g, sums)) return sums;
    const p = pmf[pos];
    pos = pos === 0 ? n - 1 : pos - 1;
    if (p > 0) {
      sums.upper += p;
      sums.lowerScaled += p * sums.factor;
    }
    sums.factor *= ed;
    if (sums.factor > 1e150) {
      sums.factor *= 1e-150;
      sums.lowerScaled *= 1e-150;
      sums.ref -= 150 * Math.LN10;
    }
  }
  return sums;
}

/** delta(eps) = sum_{y > eps} p_y (1 - e^{eps - y}) + infMass for each eps, in one downward walk. */
export function deltasOfPmf(
  pmf: Float64Array,
  start: number,
  d: number,
  infMass: number,
  epsilons: readonly number[],
): Float64Array {
  const order = epsilons.map((_, i) => i).sort((a, b) => epsilons[b] - epsilons[a]);
  const out = new Float64Array(epsilons.length);
  let next = 0;
  const record = (s: TailSums) => {
    const eps = epsilons[order[next]];
    out[order[next++]] = Math.max(0, s.upper - Math.exp(eps - s.ref) * s.lowerScaled);
  };
  const sums = scanTail(pmf, start, d, infMass, (g, s) => {
    while (next < order.length && epsilons[order[next]] >= g * d) record(s);
    return next === order.length;
  });
  while (next < order.length) record(sums);
  return out;
}

export class WindowTooLargeError extends Error {
  constructor(readonly span: number) {
    super(`composed privacy loss window of ${span} grid points is too large`);
    this.name = 'WindowTooLargeError';
  }
}

/**
 * Epsilon from a composed discrete PLD (circular array of length N starting at global index
 * `start`, loss = index * d): scan losses downwards keeping U = sum of p and L = sum of p e^{-y}
 * over losses above eps, where delta(eps) = U - e^eps L; as Google's `_get_epsilon_for_delta`.
 * Negative masses (FFT round-off) are dropped. `noise` bounds the round-off in delta: the largest
 * negative mass anywhere (the round-off level, which is smooth, so it can be one-signed over a whole
 * region) times the number of masses summed. May return a negative epsilon when delta(0) < delta.
 */
export function epsilonForDelta(
  pmf: Float64Array,
  start: number,
  d: number,
  infMass: number,
  delta: number,
): EpsilonAnswer {
  if (infMass >= delta) return { epsilon: Number.POSITIVE_INFINITY, noise: 0 };
  const n = pmf.length;
  let floor = 0;
  for (let i = 0; i < n; i++) if (-pmf[i] > floor) floor = -pmf[i];
  let found: EpsilonAnswer | null = null;
  const sums = scanTail(pmf, start, d, infMass, (g, s) => {
    // eps = log((U - delta) / L) lies at or above y iff (U - delta) e^{-(y - ref)} >= L e^{-ref}.
    if (s.upper > delta && s.lowerScaled > 0 && (s.upper - delta) * s.factor >= s.lowerScaled) {
      found = {
        epsilon: Math.log((s.upper - delta) / s.lowerScaled) + s.ref,
        noise: floor * (start + n - 1 - g),
      };
      return true;
    }
    return false;
  });
  return found ?? { epsilon: Math.log((sums.upper - delta) / sums.lowerScaled) + sums.ref, noise: floor * n };
}
