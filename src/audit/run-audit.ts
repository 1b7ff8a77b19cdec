/**
 * `distildp audit` and the app's Audit action: one request -> one report, on the same settings as
 * a run (the profile's DP-SGD and fine-tuning settings, the same corpus split). Canaries live only
 * in the audit's own training run, on fresh copies of the base models, which are disposed after.
 */

import { trainableNames } from '../dp/clipping';
import { loraShapes } from '../model/lora';
import { prepareCorpus } from '../pipeline/corpus';
import type { LoadedModel } from '../pipeline/models';
import { cloneModel, disposeModel } from '../pipeline/models';
import { planPipelinePrivacy } from '../pipeline/plan';
import type { RunDPTrainingConfig } from '../pipeline/recipe';
import { type NoiseSeed, secureNoiseSource } from '../random/noise';
import { planPrivacy } from '../train/dp-plan';
import { type AuditInputs, type AuditOutcome, type AuditRequest, corpusOptions } from './audit-types';
import { runBlackbox } from './blackbox-audit';
import { DEFAULT_WHITEBOX, seedHex, whiteboxAudit } from './whitebox';

export * from './audit-types';

/** White-box canaries: at most a quarter of the trainable parameters (Dirac canaries need room). */
function whiteboxCanaries(request: AuditRequest, model: LoadedModel, dp: RunDPTrainingConfig): number {
  if (request.canaries !== undefined) return request.canaries;
  let size = 0;
  if (dp.parameters === 'lora')
    for (const shape of loraShapes(model.config, dp.lora).values()) size += shape.reduce((a, b) => a * b, 1);
  else
    for (const name of trainableNames(model.params, model.config, dp.embeddings, dp.parameters))
      size += model.params.get(name)!.size;
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
  return { ...outcome, seed: seedHex(seed) };
}

async function runWhitebox(
  request: AuditRequest,
  inputs: AuditInputs,
  base: LoadedModel,
  seed: NoiseSeed,
  confidence: number,
): Promise<Omit<AuditOutcome, 'seed'>> {
  if (request.method === 'nonprivate')
    throw new Error(
      'the white-box audit checks the DP-SGD step; the non-private method has none (use blackbox)',
    );
  const { config } = inputs;
  const corpus = prepareCorpus(inputs.documents, base.tokenizer, corpusOptions(config, base));
  // The run's own noise: the run's plan (DistilDP's teacher shares the budget with the control-code
  // histogram), audited as the DP-SGD phase it is, claiming that phase's epsilon alone.
  const runPlan = planPipelinePrivacy(config, {
    trainDocuments: corpus.train.length,
    useControlCodes: corpus.useControlCodes,
  });
  // The run's DP recipe with the rule's values filled in (what the run itself trains with).
  const dp = request.method === 'distildp' ? runPlan.training.teacher : runPlan.training.student;
  const own = request.method === 'distildp' ? runPlan.distildpTeacher() : runPlan.dpsgdStudent();
  const plan = planPrivacy(corpus.train.length, {
    ...dp,
    noiseMultiplier: own.sigma,
    delta: own.delta,
    accountant: own.accountant,
  });
  const training = { ...dp, delta: own.delta };
  const model = await cloneModel(base, `${base.name} (audit)`);
  try {
    const canaries = whiteboxCanaries(request, base, dp);
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
