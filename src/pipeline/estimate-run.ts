/**
 * The run-time estimate of a prepared run: its work shape and DP plans (planPipelinePrivacy) with
 * the device's measured speed (speed-probe.ts), through estimate.ts. The worker's plan and the
 * calibration script use it.
 */
import type { Tokenizer } from '../data/tokenizer';
import type { PipelineConfig } from './config';
import type { PreparedCorpus } from './corpus';
import { type DPWork, estimateRun, type RunEstimate, type SpeedProfile, workShape } from './estimate';
import type { PipelinePrivacyPlan } from './plan';
import { promptTokens } from './synthetic';

export function estimateForCorpus(input: {
  config: PipelineConfig;
  corpus: PreparedCorpus;
  planned: PipelinePrivacyPlan;
  tokenizer: Tokenizer;
  contextLength: number;
  /** The teacher's weights (countParameters of its config): whether per-code teachers fit. */
  teacherParameters: number;
  speed: SpeedProfile;
}): RunEstimate {
  const { config: c, corpus, planned } = input;
  const code = corpus.useControlCodes ? (corpus.controlCodes[0] ?? null) : null;
  const shape = workShape(
    corpus,
    c,
    input.contextLength,
    promptTokens(input.tokenizer, code).length,
    input.teacherParameters,
  );
  const work = (p: { steps: number; q: number }): DPWork => ({ steps: p.steps, q: p.q });
  const has = (m: PipelineConfig['methods'][number]) => c.methods.includes(m);
  const dp: Parameters<typeof estimateRun>[0]['dp'] = {};
  if (has('distildp') || has('synthetic')) dp.distildpTeacher = work(planned.distildpTeacher());
  if (has('dpsgd')) dp.dpsgdStudent = work(planned.dpsgdStudent());
  if (has('dpkd')) {
    const { teacher, student } = planned.dpkd();
    dp.dpkdTeacher = work(teacher);
    dp.dpkdStudent = work(student);
  }
  return estimateRun({ config: c, shape, speed: input.speed, dp });
}
