/**
 * The tight accountant (the default, 'prv'): the privacy loss random variable of every step is
 * discretised pessimistically (connect-the-dots, `discretize.ts`) on grids chosen in
 * `prv-grid.ts`, composed exactly by FFT (`compose.ts`), and epsilon is read off the composed
 * distribution, for both orders of the add/remove pair (`mechanism.ts`); the larger is reported.
 *
 * Reported value, as Opacus' PRV accountant (Gopi et al. 2021) reports its upper bound:
 *   eps_upper = eps(delta - deltaError) + epsError,   deltaError = delta / 1000, epsError = 0.01.
 * Our discretisation is already pessimistic, so eps(delta) alone is an upper bound (up to
 * floating point); the error terms are kept so that the number means the same as the reference
 * stack's (dp-transformers calibrates with Opacus' PRV upper bound). `{ epsError: 0, deltaError: 0 }`
 * gives the tight value itself, which agrees with Google dp_accounting's PLD. Below epsilon 0.25,
 * where Opacus' mesh can be coarser than the loss, prvEpsilon reports Opacus' own bound (opacus.ts)
 * when it is at least our tight one. Full batch (q = 1 everywhere) is solved in closed form.
 */
import type { EpsilonAnswer, PldComposer } from './compose';
import { type Direction, gaussianEpsilon, stepLossStd } from './mechanism';
import { opacusPrvEpsilon } from './opacus';
import { composerFor, gridSpacing } from './prv-grid';
import { rdpOfPhases, rdpToEpsilon } from './rdp';
import type { Phase } from './types';

export interface PrvOptions {
  /** Added to epsilon, as Opacus' eps_error (default 0.01). */
  epsError?: number;
  /** Subtracted from delta before solving for epsilon (default delta / 1000, as Opacus). */
  deltaError?: number;
  /** Grid points per standard deviation of one step's loss (default 16; adds ~1/(6 r^2) to the variance). */
  resolution?: number;
  /** Largest FFT length (default 2^22); beyond it the grid is coarsened (still an upper bound). */
  maxFftSize?: number;
  /** Solve all-q=1 sequences in closed form (default true; false runs the numerical path, for tests). */
  exactFullBatch?: boolean;
  /**
   * Below OPACUS_PARITY_BELOW, report Opacus' own bound (opacus.ts) when it is at least our tight
   * bound (default: on with Opacus' error terms, off otherwise).
   */
  opacusParity?: boolean;
}

/** Epsilons under which Opacus' mesh can move its bound more than 0.1% away from ours. */
export const OPACUS_PARITY_BELOW = 0.25;

export const PRV_DEFAULTS = { epsError: 0.01, deltaErrorFraction: 1e-3, resolution: 16, maxFftSize: 2 ** 22 };

/**
 * Largest round-off bound (epsilonForDelta's `noise`, a deliberately loose bound) relative to delta
 * for an answer to count as resolved. In the supported range (delta >= 1e-8, up to 1e5 steps) the
 * bound stays below 0.012; answers that float64 cannot resolve (delta ~1e-12 and below) exceed 2.
 */
const NOISE_LIMIT = 0.25;
/** Tail mass allowed outside the composed window, relative to delta (it is added to delta). */
const TAIL_FRACTION = 1e-6;
/** Queries that share a grid: one composer per order ('add' first on a 4x coarser grid). */
interface Group {
  countsList: number[][];
  /** Phases some member runs (the others were built as point masses). */
  used: boolean[];
  remove: PldComposer;
  addCoarse: PldComposer;
  addFine: PldComposer | null;
  addSpacing: number;
}

/**
 * Tight epsilons of one phase sequence at several step-count vectors (counts[k] steps of phase k).
 * Builds the one-step PLDs and their spectra once, then needs one inverse FFT per query. Queries
 * whose grid spacings differ by more than 2x (a chart over phases of very different noise) get
 * separate grids, so that early points are not computed on a grid made for later ones.
 *
 * The 'add' order is first bounded on a 4x coarser grid. That bound is itself a valid (pessimistic)
 * bound on the 'add' epsilon, so when it is below the 'remove' epsilon, as it was for every positive
 * epsilon in our sweeps (q 0.001..1, sigma 0.5..10, 1..1e5 steps), the maximum is the 'remove' value
 * and the fine 'add' grid is never built; otherwise the fine one decides.
 */
export class PrvEvaluator {
  /** Set when every phase has q = 1: the composition is a Gaussian mechanism, solved exactly. */
  private readonly fullBatch: boolean;
  private readonly groups: Group[] = [];
  /** The group each announced step-count vector was built in, by `counts.join(',')`. */
  private readonly owner = new Map<string, Group>();
  private readonly stds: Record<Direction, number[]>;
  private readonly epsError: number;
  private readonly deltaError: number;
  private readonly resolution: number;
  private readonly maxFftSize: number;
  private readonly tail: number;

  constructor(
    private readonly phases: readonly Phase[],
    private readonly delta: number,
    countsList: number[][],
    options: PrvOptions = {},
  ) {
    this.epsError = options.epsError ?? PRV_DEFAULTS.epsError;
    this.deltaError = options.deltaError ?? delta * PRV_DEFAULTS.deltaErrorFraction;
    if (!(this.deltaError >= 0 && this.deltaError < delta))
      throw new Error(`deltaError must be in [0, delta), got ${this.deltaError}`);
    this.resolution = options.resolution ?? PRV_DEFAULTS.resolution;
    this.maxFftSize = options.maxFftSize ?? PRV_DEFAULTS.maxFftSize;
    this.tail = TAIL_FRACTION * (delta - this.deltaError);
    this.fullBatch = (options.exactFullBatch ?? true) && phases.every((p) => p.q === 1);
    this.stds = { remove: [], add: [] };
    const live = countsList.filter((c) => c.some((x) => x > 0));
    if (this.fullBatch || live.length === 0) return;
    for (const dir of ['remove', 'add'] as const)
      this.stds[dir] = phases.map((p) => stepLossStd(p.q, p.sigma, dir));
    // Group the queries by grid spacing (within a factor 2), finest first.
    const spacing = (c: number[], dir: Direction) => gridSpacing(this.stds[dir], c, this.resolution);
    const sorted = [...live].sort((a, b) => spacing(a, 'remove') - spacing(b, 'remove'));
    let members: number[][] = [];
    const close = () => {
      const group = this.buildGroup(members);
      this.groups.push(group);
      for (const c of members) this.owner.set(c.join(','), group);
      members = [];
    };
    for (const counts of sorted) {
      if (members.length > 0 && spacing(counts, 'remove') > 2 * spacing(members[0], 'remove')) close();
      members.push(counts);
    }
    close();
  }

  private buildGroup(countsList: number[][]): Group {
    const finest = (dir: Direction) =>
      Math.min(...countsList.map((c) => gridSpacing(this.stds[dir], c, this.resolution)));
    const addSpacing = finest('add');
    const build = (dir: Direction, d: number) =>
      composerFor(this.phases, dir, this.stds[dir], countsList, this.tail, d, this.maxFftSize);
    return {
      countsList,
      used: this.phases.map((_, k) => countsList.some((c) => c[k] > 0)),
      remove: build('remove', finest('remove')),
      addCoarse: build('add', 4 * addSpacing),
      addFine: null,
      addSpacing,
    };
  }

  /** The group built for these counts: it runs their phases and its windows hold them, or null. */
  private groupFor(counts: number[]): Group | null {
    const fits = (g: Group) =>
      counts.every((c, k) => c === 0 || g.used[k]) && g.remove.covers(counts) && g.addCoarse.covers(counts);
    const own = this.owner.get(counts.join(','));
    if (own && fits(own)) return own;
    return this.groups.find(fits) ?? null;
  }

  /** Whether `counts` can be asked for (the windows were sized for the constructor's list). */
  covers(counts: number[]): boolean {
    return this.fullBatch || counts.every((c) => c === 0) || this.groupFor(counts) !== null;
  }

  /**
   * Tight epsilon of each order (no error terms) for live (non-zero) step-count vectors, and whether
   * floating point could resolve it (see epsilonForDelta and NOISE_LIMIT).
   */
  private tightByDirection(countsList: number[][]): { remove: number[]; add: number[]; resolved: boolean[] } {
    const target = this.delta - this.deltaError;
    if (this.fullBatch) {
      // Both orders are the same Gaussian mechanism with mu^2 = sum_k c_k / sigma_k^2.
      const exact = countsList.map((counts) =>
        gaussianEpsilon(Math.sqrt(counts.reduce((s, c, k) => s + c / this.phases[k].sigma ** 2, 0)), target),
      );
      return { remove: exact, add: exact, resolved: exact.map(() => true) };
    }
    const remove = new Array<number>(countsList.length);
    const add = new Array<number>(countsList.length);
    const resolved = new Array<boolean>(countsList.length);
    const clean = (answer: EpsilonAnswer) => answer.noise <= NOISE_LIMIT * target;
    const byGroup = new Map<Group, number[]>();
    countsList.forEach((counts, i) => {
      const g = this.groupFor(counts);
      if (!g) throw new Error(`step counts [${counts}] were not announced to the PRV evaluator`);
      byGroup.set(g, [...(byGroup.get(g) ?? []), i]);
    });
    for (const [g, indices] of byGroup) {
      const queries = indices.map((i) => countsList[i]);
      const rAnswers = g.remove.epsilons(queries, target);
      const aAnswers = g.addCoarse.epsilons(queries, target);
      const r = rAnswers.map((x) => x.epsilon);
      const a = aAnswers.map((x) => x.epsilon);
      const ok = queries.map((_, j) => clean(rAnswers[j]) && clean(aAnswers[j]));
      // Refine 'add' where its coarse bound might reach the 'remove' value.
      const unsure = queries.map((_, j) => j).filter((j) => a[j] + 1e-6 * (1 + Math.abs(a[j])) > r[j]);
      if (unsure.length > 0) {
        const needed = unsure.map((j) => queries[j]);
        if (!g.addFine || !needed.every((c) => g.addFine?.covers(c)))
          g.addFine = composerFor(
            this.phases,
            'add',
            this.stds.add,
            [...g.countsList, ...needed],
            this.tail,
            g.addSpacing,
            this.maxFftSize,
          );
        const fine = g.addFine.epsilons(needed, target);
        unsure.forEach((j, m) => {
          a[j] = fine[m].epsilon;
          ok[j] = clean(rAnswers[j]) && clean(fine[m]);
        });
      }
      indices.forEach((i, j) => {
        remove[i] = r[j];
        add[i] = a[j];
        resolved[i] = ok[j];
      });
    }
    return { remove, add, resolved };
  }

  /**
   * Upper bounds on epsilon for each step-count vector (all zeros gives 0). Where double precision
   * cannot resolve delta (FFT round-off comparable to it: deltas around 1e-12 and below), the RDP
   * bound is returned instead, which is looser but still an upper bound.
   */
  epsilons(countsList: number[][]): number[] {
    const live = countsList.filter((c) => c.some((x) => x > 0));
    const { remove, add, resolved } = this.tightByDirection(live);
    let j = 0;
    return countsList.map((counts) => {
      if (!counts.some((x) => x > 0)) return 0;
      const eps = resolved[j]
        ? Math.max(remove[j], add[j]) + this.epsError
        : rdpToEpsilon(rdpOfPhases(this.phases.map((p, k) => ({ ...p, steps: counts[k] }))), this.delta)
            .epsilon;
      j++;
      return eps;
    });
  }

  /** Upper bound on epsilon after counts[k] steps of each phase k. */
  epsilon(counts: number[]): number {
    return this.epsilons([counts])[0];
  }

  /** Tight epsilon of each order of the pair, without the error terms (for diagnostics). */
  epsilonByDirection(counts: number[]): { remove: number; add: number } {
    const { remove, add } = this.tightByDirection([counts]);
    return { remove: remove[0], add: add[0] };
  }

  /** Grid spacing and FFT length of each group's 'remove' composition (for benchmarks). */
  get grids(): { spacing: number; fftSize: number }[] {
    return this.groups.map((g) => ({ spacing: g.remove.d, fftSize: g.remove.size }));
  }
}

/**
 * Epsilon of a (validated) phase sequence by the tight accountant. With Opacus' error terms and an
 * epsilon below OPACUS_PARITY_BELOW, Opacus' own bound (opacus.ts) is reported instead, provided it
 * is at least our tight bound (so it is an upper bound too): small budgets then read exactly as in
 * Opacus, whose mesh can be coarser than the loss there (its bound differs from ours by up to a few
 * 1e-4, more than 1% of such an epsilon). Above, the two agree to ~0.1%.
 */
export function prvEpsilon(phases: readonly Phase[], delta: number, options: PrvOptions = {}): number {
  const counts = phases.map((p) => p.steps);
  const eps = new PrvEvaluator(phases, delta, [counts], options).epsilon(counts);
  const opacusDefaults =
    (options.epsError ?? PRV_DEFAULTS.epsError) === PRV_DEFAULTS.epsError && options.deltaError === undefined;
  // Full batch is solved exactly (closed form): nothing to reconcile.
  const fullBatch = (options.exactFullBatch ?? true) && phases.every((p) => p.q === 1);
  if (fullBatch || !(options.opacusParity ?? opacusDefaults) || !(eps < OPACUS_PARITY_BELOW)) return eps;
  const opacus = opacusPrvEpsilon(phases, counts, delta);
  // Opacus' number is a proven bound whenever it is at least our tight eps(delta - delta/1000),
  // which our (pessimistic) value without the 0.01 is.
  if (opacus === null || opacus < eps - (options.epsError ?? PRV_DEFAULTS.epsError)) return eps;
  return opacus;
}
