/** The DP-SGD baseline: the student fine-tuned on the private data with DP-SGD at the run's epsilon. */
import type { LoadedModel } from '../models';
import { privacyReport, publicChoices } from '../results';
import { STAGES } from '../stage-registry';
import { evaluationStage, type RunContext } from '../stage-runner';
import { dpTrainingStage } from '../training-stages';

export async function runDPSGD(ctx: RunContext, baseStudent: LoadedModel): Promise<void> {
  const plan = ctx.plan.dpsgdStudent();
  const student = await dpTrainingStage(ctx, STAGES.dpsgdStudent, {
    base: { ...baseStudent, name: 'DP-SGD student' },
    plan,
    training: ctx.plan.training.student,
  });
  const report = privacyReport('dpsgd', plan, 0, publicChoices(ctx.config));
  ctx.reports.push(report);
  await evaluationStage(
    ctx,
    'dpsgd',
    'student',
    student.model,
    { epsilon: report.epsilon, delta: report.delta },
    student.seconds,
  );
}
