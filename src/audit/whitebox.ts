/**
 * White-box audit of the DP-SGD step: trains with the real trainWithDP (same sampler, clipping,
 * noise, fused WebGPU or CPU noise path, AdamW) on the given data plus m gradient canaries
 * (canaries.ts). Each included canary is a member of the Poisson sample like a document; when
 * sampled, its gradient R C u_i (norm R C > C) goes through the same clipping, so correct code adds
 * exactly C u_i. After every update the auditor recovers the noisy gradient from AdamW's first
 * moments, g_t = (m_t - beta1 m_{t-1}) / (1 - beta1) (the update the optimizer really consumed,
 * whichever noise path made it), and scores canary i from its aligned signal
 * x_{t,i} = <g_t, u_i> qN / C: by the log-likelihood ratio of the claimed subsampled Gaussian,
 * sum_t log(1 - q + q exp((2 x - 1) / (2 sigma^2))) ('likelihood', the default), or by the plain sum
 * over steps ('aligned'). The scores give the one-run lower bound (bound.ts) with the DP-SGD claim
 * family of the run, testing the one guess count planned from the claim (guess-plan.ts).
 */

import type { DPFaults } from '../dp/faults';
import type { SparseEntries, SparseExampleGradients } from '../dp/sparse-examples';
import type { NoiseSeed } from '../random/noise';
import { secureNoiseSource } from '../random/noise';
import type { NoisyUpdateView } from '../train/dp-audit-hooks';
import { type DPTrainingInput, trainWithDP } from '../train/dp-train';
import type { NoisyUpdateMode } from '../train/noisy-update';
import { epsilonLowerBound, type LowerBound } from './bound';
import { type CanaryDesign, type CanaryKind, canaryInclusion, designCanaries } from './canaries';
import { logLikelihoodRatio, planGuesses } from './guess-plan';
import { dpsgdFamily } from './tradeoff';

export type WhiteboxScore = 'aligned' | 'likelihood';

export interface WhiteboxConfig {
  /** Canaries m (default 50000: more canaries, a tighter bound; sparse, so cheap to train with). */
  canaries: number;
  /** Default 'dirac'. */
  kind: CanaryKind;
  /** Coordinates of a 'random' canary (default 16). */
  support: number;
  /** A canary's gradient norm before clipping, in units of the clip norm C (default 10). */
  normRatio: number;
  /**
   * Default 'likelihood': the claimed mechanism's likelihood ratio of each step's aligned signal,
   * summed (the Neyman-Pearson test for one canary; with q = 1 it orders canaries as 'aligned' does).
   */
  score: WhiteboxScore;
  /** Default 0.95. */
  confidence: number;
}

export const DEFAULT_WHITEBOX: WhiteboxConfig = {
  canaries: 50000,
  kind: 'dirac',
  support: 16,
  normRatio: 10,
  score: 'likelihood',
  confidence: 0.95,
};

/**
 * What trainWithDP gets, plus the audit's settings. `params` are trained in place: pass a copy of
 * the base model, never the user's run.
 */
export interface WhiteboxInput
  extends Pick<DPTrainingInput, 'params' | 'config' | 'documentWindows' | 'padId' | 'plan' | 'training'> {
  audit?: Partial<WhiteboxConfig>;
  /** Audit randomness (default: 128 bits from crypto.getRandomValues). */
  seed?: NoiseSeed;
  /** TESTS AND BENCHMARKS ONLY (createTestFaults). */
  faults?: DPFaults;
  onStep?: (step: number, totalSteps: number) => void | Promise<void>;
  shouldStop?: () => boolean;
}

export interface WhiteboxResult {
  epsilonClaimed: number;
  delta: number;
  bound: LowerBound;
  canaries: number;
  /** Canaries in the training data. */
  members: number;
  /** Every canary's score under both rules (`bound` used the configured one). */
  scores: Record<WhiteboxScore, Float64Array>;
  /** The secret membership bits (for benchmarks that rescore; never shown in the app). */
  included: boolean[];
  steps: number;
  completed: boolean;
  /** How noise + AdamW ran: the fused WebGPU kernel or CPU noise (the path that was audited). */
  noisyUpdate?: NoisyUpdateMode;
  /** The audit seed as 32 hex digits (for this audit's record only). */
  seed: string;
}

/** The sampled canaries' unclipped gradients R C u_i, grouped by parameter. */
function canaryGradients(
  design: CanaryDesign,
  members: readonly number[],
  sampled: readonly number[],
  scale: number,
): SparseExampleGradients {
  const s = design.support;
  const lists = new Map<number, { example: number[]; index: number[]; value: number[] }>();
  sampled.forEach((member, example) => {
    const i = members[member];
    for (let j = i * s; j < (i + 1) * s; j++) {
      const t = design.tensor[j];
      let list = lists.get(t);
      if (!list) {
        list = { example: [], index: [], value: [] };
        lists.set(t, list);
      }
      list.example.push(example);
      list.index.push(design.index[j]);
      list.value.push(scale * design.weight[j]);
    }
  });
  const byParameter = new Map<string, SparseEntries>();
  for (const [t, l] of lists)
    byParameter.set(design.tensors[t].name, {
      example: Int32Array.from(l.example),
      index: Int32Array.from(l.index),
      value: Float32Array.from(l.value),
    });
  return { examples: sampled.length, byParameter };
}

/** Accumulates each canary's score from the noisy gradients recovered after every update. */
class CanaryObserver {
  /** Both scores of every canary (the chosen one gives the bound; a benchmark may compare). */
  readonly scores: Record<WhiteboxScore, Float64Array>;
  private readonly previous: Float64Array;
  private readonly names: string[];

  constructor(
    private readonly design: CanaryDesign,
    private readonly perUnit: number,
    private readonly claimed: { q: number; sigma: number },
  ) {
    this.scores = { aligned: new Float64Array(design.m), likelihood: new Float64Array(design.m) };
    this.previous = new Float64Array(design.tensor.length);
    this.names = [...new Set(Array.from(design.tensor, (t) => design.tensors[t].name))];
  }

  async observe(view: NoisyUpdateView): Promise<void> {
    const moments = await view.firstMoments(this.names);
    const d = this.design;
    const { q, sigma } = this.claimed;
    for (let i = 0; i < d.m; i++) {
      let x = 0;
      for (let j = i * d.support; j < (i + 1) * d.support; j++) {
        const m = moments.get(d.tensors[d.tensor[j]].name)![d.index[j]];
        x += d.weight[j] * ((m - view.beta1 * this.previous[j]) / (1 - view.beta1));
        this.previous[j] = m;
      }
      x *= this.perUnit;
      this.scores.aligned[i] += x;
      this.scores.likelihood[i] += logLikelihoodRatio(x, q, sigma);
    }
  }
}

/** A 128-bit audit seed as 32 hex digits (the audit's own record; it reproduces its canaries). */
export function seedHex(seed: NoiseSeed): string {
  return [...seed.key, ...seed.stream].map((w) => (w >>> 0).toString(16).padStart(8, '0')).join('');
}

export async function whiteboxAudit(input: WhiteboxInput): Promise<WhiteboxResult> {
  const cfg = { ...DEFAULT_WHITEBOX, ...input.audit };
  const { plan } = input;
  const seed = input.seed ?? secureNoiseSource().nextSeed();
  const included = canaryInclusion(seed, cfg.canaries);
  const members = included.flatMap((inc, i) => (inc ? [i] : []));
  const expectedBatch = plan.q * plan.numDocuments;
  // Canary coordinates live in whatever DP-SGD trains (all weights, a selection, or LoRA factors):
  // laid out once trainWithDP has made its trainable map.
  let design: CanaryDesign | undefined;
  let noisyUpdate: NoisyUpdateMode | undefined;
  let observer: CanaryObserver | undefined;
  const result = await trainWithDP({
    params: input.params,
    config: input.config,
    documentWindows: input.documentWindows,
    padId: input.padId,
    plan,
    training: input.training,
    hooks: {
      onStep: (r) => {
        noisyUpdate = r.noisyUpdate;
        return input.onStep?.(r.step, r.totalSteps);
      },
      shouldStop: input.shouldStop,
    },
    audit: {
      onStart: (trainable) => {
        const tensors = [...trainable].map(([name, v]) => ({ name, size: v.size }));
        design = designCanaries(tensors, cfg.canaries, cfg.kind, seed, cfg.support);
        observer = new CanaryObserver(design, expectedBatch / plan.clipNorm, plan);
      },
      canaries: {
        count: members.length,
        gradients: (sampled) => canaryGradients(design!, members, sampled, cfg.normRatio * plan.clipNorm),
      },
      afterUpdate: (view) => observer!.observe(view),
      faults: input.faults,
    },
  });
  if (!design || !observer) throw new Error('the DP training never started the audit');
  const steps = result.state.step;
  const family = dpsgdFamily({
    q: plan.q,
    steps,
    priorPhases: plan.priorPhases,
    delta: plan.delta,
    accountant: plan.accountant,
  });
  // The guesses are planned from the claim alone (no score enters), then tested once.
  const guesses = planGuesses({ q: plan.q, sigma: plan.sigma, steps }, family, design.m, cfg.score, {
    delta: plan.delta,
    confidence: cfg.confidence,
  });
  const bound = epsilonLowerBound(observer.scores[cfg.score], included, {
    delta: plan.delta,
    confidence: cfg.confidence,
    family,
    hypotheses: guesses.hypotheses,
  });
  return {
    epsilonClaimed: result.epsilon,
    delta: plan.delta,
    bound,
    canaries: design.m,
    members: members.length,
    scores: observer.scores,
    included,
    steps,
    completed: result.completed,
    noisyUpdate,
    seed: seedHex(seed),
  };
}
