/**
 * On-policy distillation (GKD; cf. DP-OPD): the student writes continuations of prompts taken from
 * the DP teacher's synthetic corpus (its control-code prompt and a short prefix of its text), the
 * same DP teacher scores every token, and the student minimises the divergence on its own samples,
 * mixed with off-policy steps on the synthetic windows. Post-processing of the DP teacher and its
 * synthetic text: the privacy cost is DistilDP's.
 */
import type { Tokenizer } from '../../data/tokenizer';
import { onPolicyDistill } from '../../train/on-policy';
import type { LoadedModel } from '../models';
import type { PrivacyReport, SyntheticFidelity } from '../results';
import { STAGES } from '../stage-registry';
import { evaluationStage, type RunContext } from '../stage-runner';
import { promptTokens, type SyntheticSample } from '../synthetic';
import { trainingStage } from '../training-stages';

/** Prompts: each sample's control-code prompt and up to `keep` tokens of its text (seeded lengths). */
export function onPolicyPrompts(samples: SyntheticSample[], tokenizer: Tokenizer, keep: number): number[][] {
  return samples.map((s, i) => {
    const text = tokenizer.encode(s.text);
    // A spread of prefix lengths 0..keep, fixed by the sample's index (no randomness needed).
    const length = Math.min(text.length, Math.round((keep * ((i * 7919) % 101)) / 100));
    return [...promptTokens(tokenizer, s.labels.length ? s.labels : null), ...text.slice(0, length)];
  });
}

export async function runOnPolicy(
  ctx: RunContext,
  input: {
    baseStudent: LoadedModel;
    teacher: LoadedModel;
    samples: SyntheticSample[];
    windows: number[][];
    report: PrivacyReport;
    sharedSeconds: number;
    fidelity?: SyntheticFidelity;
  },
): Promise<void> {
  const c = ctx.config;
  const { epochs, promptTokens: keep, learningRate, warmupSteps, ...onPolicy } = c.onPolicy;
  const steps = Math.max(1, Math.ceil((epochs * input.windows.length) / onPolicy.batchSize));
  const schedule = {
    peak: learningRate,
    warmupSteps: Math.min(warmupSteps, steps - 1),
    decay: 'cosine' as const,
    floor: learningRate / 10,
    totalSteps: steps,
  };
  ctx.reports.push({ ...input.report, method: 'opd' });
  const tokenizer = input.baseStudent.tokenizer;
  const student = await trainingStage(
    ctx,
    STAGES.distill.opd,
    'student',
    { ...input.baseStudent, name: 'on-policy student' },
    ({ model, resume, save, hooks }) =>
      onPolicyDistill({
        teacher: input.teacher,
        student: model,
        prompts: onPolicyPrompts(input.samples, tokenizer, keep),
        offPolicyWindows: input.windows,
        eotId: tokenizer.eotId,
        padId: tokenizer.padId,
        config: { ...onPolicy, schedule, steps, seed: c.seed },
        ...hooks,
        resume: resume?.state,
        checkpoint: { every: c.checkpointEvery.train, save: (s) => save(s) },
      }),
  );
  await evaluationStage(
    ctx,
    'opd',
    'student',
    student.model,
    { epsilon: input.report.epsilon, delta: input.report.delta },
    input.sharedSeconds + student.seconds,
    input.fidelity,
  );
}
