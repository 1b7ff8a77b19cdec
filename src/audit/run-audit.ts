/**
 * `distildp audit` and the app's Audit action: one request -> one report, on the same settings as
 * a run (the profile's DP-SGD and fine-tuning settings, the same corpus split). Canaries live only
 * in the audit's own training run, on fresh copies of the base models, which are disposed after.
 */

import type { Document } from '../data/types';
import { defaultDelta } from '../dp/accounting/index';
import type { DPFaults } from '../dp/faults';
import { type NoiseSeed, secureNoiseSource } from '../dp/random';
import type { PipelineConfig } from '../pipeline/config';
import { prepareCorpus } from '../pipeline/corpus';
import type { LoadedModel } from '../pipeline/models';
import { runPipeline } from '../pipeline/run';
import { cloneModel, disposeModel, dpFineTune, fineTune } from '../pipeline/stages';
import { planPrivacy } from '../train/dp-train';
import { auditReleasedModels, blackboxCanaries, DEFAULT_BLACKBOX, type ReleasedModelAudit } from './blackbox';
import type { ClaimFamily } from './fdp';
import { dpsgdFamily, gaussianFamily } from './tradeoff';
import { DEFAULT_WHITEBOX, type WhiteboxConfig, whiteboxAudit } from './whitebox';

export const AUDIT_MODES = ['whitebox', 'blackbox'] as const;
export const AUDIT_METHODS = ['dpsgd', 'distildp', 'nonprivate'] as const;
export type AuditMode = (typeof AUDIT_MODES)[number];
export type AuditMethod = (typeof AUDIT_METHODS)[number];

export interface AuditRequest {
  mode: AuditMode;
  method: AuditMethod;
  /** Canaries m (default: white-box 2000 or fewer for small models, black-box 128). */
  canaries?: number;
  /** Default 0.95. */
  confidence?: number;
  /** White-box canary kind and score. */
  whitebox?: Partial<Pick<WhiteboxConfig, 'kind' | 'score' | 'normRatio'>>;
}

export interface AuditProgress {
  phase: 'train' | 'generate' | 'distill' | 'score';
  done: number;
  total: number;
}

export interface AuditInputs {
  documents: Document[];
  /** Base models (left unchanged). */
  teacher: LoadedModel;
  student: LoadedModel;
  /**
   * The run's resolved config: its epsilon (the claim), delta, seed (the split), data choices and
   * every stage's settings, exactly as runPipeline would use them.
   */
  config: PipelineConfig;
  /** Audit randomness (default: crypto). */
  auditSeed?: NoiseSeed;
  /** TESTS AND BENCHMARKS ONLY (createTestFaults); white-box. */
  faults?: DPFaults;
  onProgress?: (p: AuditProgress) => void;
  shouldStop?: () => boolean;
  log?: (message: string) => void;
}

/** The JSON `distildp audit --json` prints (exactly these keys). */
export interface AuditReport {
  mode: AuditMode;
  method: AuditMethod;
  /** null for the non-private method (no claim: epsilon = infinity). */
  epsilon_claimed: number | null;
  delta: number;
  epsilon_lower_bound: number;
  confidence: number;
  canaries: number;
  guesses: number;
  correct: number;
  exposure_bits?: number;
  wall_s: number;
}

export interface AuditOutcome {
  report: AuditReport;
  /** Black-box: one row per released model. */
  released?: ReleasedModelAudit[];
  /** Which analysis gave the bound ('steinke' or 'fdp') and each one's best. */
  analysis: string;
  byAnalysis: Record<string, number>;
  completed: boolean;
  /** White-box: the noise path that was audited ('fused-webgpu' or 'cpu-noise'). */
  noisyUpdate?: string;
}

/** The corpus exactly as runPipeline prepares it for this config. */
function corpusOptions(config: PipelineConfig, model: LoadedModel) {
  return {
    contextLength: model.config.contextLength,
    seed: config.seed,
    useControlCodes: config.data.useControlCodes,
    ...config.split,
  };
}

/** White-box canaries: at most a quarter of the trainable parameters (Dirac canaries need room). */
function whiteboxCanaries(request: AuditRequest, model: LoadedModel): number {
  if (request.canaries !== undefined) return request.canaries;
  let size = 0;
  for (const p of model.params.values()) size += p.size;
  return Math.max(16, Math.min(DEFAULT_WHITEBOX.canaries, Math.floor(size / 4)));
}

export async function runAudit(request: AuditRequest, inputs: AuditInputs): Promise<AuditOutcome> {
  const started = performance.now();
  if (!(inputs.config.epsilon > 0)) throw new Error(`epsilon must be > 0, got ${inputs.config.epsilon}`);
  const seed = inputs.auditSeed ?? secureNoiseSource().nextSeed();
  const confidence = request.confidence ?? 0.95;
  const base = request.method === 'distildp' ? inputs.teacher : inputs.student;
  const outcome =
    request.mode === 'whitebox'
      ? await runWhitebox(request, inputs, base, seed, confidence)
      : await runBlackbox(request, inputs, seed, confidence);
  outcome.report.wall_s = (performance.now() - started) / 1000;
  return outcome;
}

async function runWhitebox(
  request: AuditRequest,
  inputs: AuditInputs,
  base: LoadedModel,
  seed: NoiseSeed,
  confidence: number,
): Promise<AuditOutcome> {
  if (request.method === 'nonprivate')
    throw new Error(
      'the white-box audit checks the DP-SGD step; the non-private method has none (use blackbox)',
    );
  const { config } = inputs;
  const dp = request.method === 'distildp' ? config.teacherDP : config.studentDP;
  const corpus = prepareCorpus(inputs.documents, base.tokenizer, corpusOptions(config, base));
  const training = { ...dp, targetEpsilon: config.epsilon, delta: config.delta };
  const plan = planPrivacy(corpus.train.length, training);
  const model = await cloneModel(base, `${base.name} (audit)`);
  try {
    const canaries = whiteboxCanaries(request, base);
    inputs.log?.(
      `white-box audit of ${request.method}'s DP-SGD step: ${canaries} canaries, q ${plan.q.toFixed(4)}, sigma ${plan.sigma.toFixed(3)}, ${plan.steps} steps`,
    );
    const r = await whiteboxAudit({
      params: model.params,
      config: model.config,
      documentWindows: corpus.trainDocumentWindows,
      padId: model.tokenizer.padId,
      plan,
      training,
      audit: { ...request.whitebox, canaries, confidence },
      seed,
      faults: inputs.faults,
      onStep: (done, total) => inputs.onProgress?.({ phase: 'train', done, total }),
      shouldStop: inputs.shouldStop,
    });
    return {
      report: {
        mode: 'whitebox',
        method: request.method,
        epsilon_claimed: r.epsilonClaimed,
        delta: r.delta,
        epsilon_lower_bound: r.bound.epsilon,
        confidence: r.bound.confidence,
        canaries: r.canaries,
        guesses: r.bound.guesses,
        correct: r.bound.correct,
        wall_s: 0,
      },
      analysis: r.bound.analysis,
      byAnalysis: r.bound.byAnalysis,
      completed: r.completed,
      noisyUpdate: r.noisyUpdate,
    };
  } finally {
    disposeModel(model);
  }
}

async function runBlackbox(
  request: AuditRequest,
  inputs: AuditInputs,
  seed: NoiseSeed,
  confidence: number,
): Promise<AuditOutcome> {
  const useControlCodes = inputs.config.data.useControlCodes;
  // With control codes, canaries carry a label the data has (they must look like its records).
  const labels = useControlCodes ? (inputs.documents.find((d) => d.labels.length)?.labels ?? []) : [];
  const config = { ...DEFAULT_BLACKBOX, confidence, canaries: request.canaries ?? DEFAULT_BLACKBOX.canaries };
  const canaries = blackboxCanaries(config, seed, labels);
  const progress = (phase: AuditProgress['phase']) => (done: number, total: number) =>
    inputs.onProgress?.({ phase, done, total });
  let released: { model: LoadedModel; base: LoadedModel }[] = [];
  let claim: { epsilon: number | null; delta: number; family: ClaimFamily };
  let completed = true;
  try {
    if (request.method === 'distildp') {
      const result = await runPipeline({
        documents: inputs.documents,
        teacher: inputs.teacher,
        student: inputs.student,
        config: { ...inputs.config, methods: ['distildp'] },
        events: {
          progress: (e) =>
            progress(e.stage === 'generate' ? 'generate' : e.stage === 'distill' ? 'distill' : 'train')(
              e.done,
              e.total,
            ),
          shouldStop: inputs.shouldStop,
          log: inputs.log,
        },
        extraTrainingDocuments: canaries.documents,
      });
      completed = !result.stopped;
      const rep = result.reports.find((r) => r.method === 'distildp');
      if (!result.distildp || !rep) throw new Error('the audit run of DistilDP did not finish');
      released = [
        { model: result.distildp.teacher, base: inputs.teacher },
        { model: result.distildp.student, base: inputs.student },
      ];
      const last = rep.phases[rep.phases.length - 1];
      claim = {
        epsilon: rep.epsilon,
        delta: rep.delta,
        family: dpsgdFamily({
          q: last.q,
          steps: last.steps,
          priorPhases: rep.phases.slice(0, -1),
          delta: rep.accounting_delta,
        }),
      };
    } else {
      const base = inputs.student;
      const corpus = prepareCorpus(inputs.documents, base.tokenizer, {
        ...corpusOptions(inputs.config, base),
        extraTraining: canaries.documents,
      });
      const model = await cloneModel(base, `${base.name} (audit, ${request.method})`);
      released = [{ model, base }];
      const delta = inputs.config.delta ?? defaultDelta(corpus.train.length);
      if (request.method === 'dpsgd') {
        const training = { ...inputs.config.studentDP, targetEpsilon: inputs.config.epsilon, delta };
        const plan = planPrivacy(corpus.train.length, training);
        const r = await dpFineTune({
          model,
          documentWindows: corpus.trainDocumentWindows,
          plan,
          training,
          onStep: (s) => progress('train')(s.step, s.totalSteps),
          shouldStop: inputs.shouldStop,
        });
        completed = r.completed;
        claim = {
          epsilon: r.epsilon,
          delta,
          family: dpsgdFamily({ q: plan.q, steps: r.state.step, delta, accountant: plan.accountant }),
        };
      } else {
        const r = await fineTune(
          model,
          corpus.trainDocumentWindows.flat(),
          { seed: inputs.config.seed, ...inputs.config.nonPrivate },
          {
            onStep: (s) => progress('train')(s.step, s.totalSteps),
            shouldStop: inputs.shouldStop,
          },
        );
        completed = r.completed;
        claim = { epsilon: null, delta, family: gaussianFamily(delta) };
      }
    }
    inputs.onProgress?.({ phase: 'score', done: 0, total: released.length });
    const rows = await auditReleasedModels(canaries, released, useControlCodes, {
      delta: claim.delta,
      confidence,
      family: claim.family,
    });
    const best = rows.reduce((a, b) => (b.bound.epsilon > a.bound.epsilon ? b : a));
    return {
      report: {
        mode: 'blackbox',
        method: request.method,
        epsilon_claimed: claim.epsilon,
        delta: claim.delta,
        epsilon_lower_bound: best.bound.epsilon,
        confidence,
        canaries: config.canaries,
        guesses: best.bound.guesses,
        correct: best.bound.correct,
        exposure_bits: Math.max(...rows.map((r) => r.exposureIncluded)),
        wall_s: 0,
      },
      released: rows,
      analysis: best.bound.analysis,
      byAnalysis: best.bound.byAnalysis,
      completed,
    };
  } finally {
    for (const r of released) disposeModel(r.model);
  }
}
