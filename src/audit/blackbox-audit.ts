/**
 * The black-box audit of one method's released models (runAudit's blackbox mode): train as a run
 * would (runPipeline for DistilDP; dpFineTune / fineTune for the DP-SGD and non-private students)
 * with the canary documents in the training split, then score them (blackbox.ts).
 */
import { prepareCorpus } from '../pipeline/corpus';
import { dpFineTune, fineTune } from '../pipeline/model-tasks';
import type { LoadedModel } from '../pipeline/models';
import { cloneModel, disposeModel } from '../pipeline/models';
import { planPipelinePrivacy } from '../pipeline/plan';
import type { StageName } from '../pipeline/results';
import { runPipeline } from '../pipeline/run';
import type { NoiseSeed } from '../random/noise';
import {
  type AuditInputs,
  type AuditOutcome,
  type AuditProgress,
  type AuditRequest,
  corpusOptions,
} from './audit-types';
import { auditReleasedModels, blackboxCanaries, DEFAULT_BLACKBOX } from './blackbox';
import type { ClaimFamily } from './fdp';
import { dpsgdFamily, gaussianFamily } from './tradeoff';

const PIPELINE_PHASES: Partial<Record<StageName, AuditProgress['phase']>> = {
  'teacher-dp': 'train',
  generate: 'generate',
  distill: 'distill',
};

export async function runBlackbox(
  request: AuditRequest,
  inputs: AuditInputs,
  seed: NoiseSeed,
  confidence: number,
): Promise<Omit<AuditOutcome, 'seed'>> {
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
          // The pipeline's own evaluations are not the audit's progress: only its training stages.
          progress: (e) => {
            const phase = PIPELINE_PHASES[e.stage];
            if (phase) progress(phase)(e.done, e.total);
          },
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
      // The run's own planner: the DP-SGD student's recipe, delta and calibrated noise, as the run has them.
      const runPlan = planPipelinePrivacy(inputs.config, {
        trainDocuments: corpus.train.length,
        useControlCodes: false,
      });
      const delta = runPlan.delta;
      if (request.method === 'dpsgd') {
        const training = { ...runPlan.training.student, targetEpsilon: inputs.config.epsilon, delta };
        const plan = runPlan.dpsgdStudent();
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
