/** The DP-SGD baseline: the student fine-tuned on the private data with DP-SGD at the run's epsilon. */
import type { LoadedModel } from '../models';
import { STAGES } from '../stage-registry';
import { type RunContext, reportAndEvaluateStudent } from '../stage-runner';
import { dpTrainingStage } from '../training-stages';

export async function runDPSGD(ctx: RunContext, baseStudent: LoadedModel): Promise<void> {
  const plan = ctx.plan.dpsgdStudent();
  const student = await dpTrainingStage(ctx, STAGES.dpsgdStudent, {
    base: { ...baseStudent, name: 'DP-SGD student' },
    plan,
    training: ctx.plan.training.student,
  });
  await reportAndEvaluateStudent(ctx, 'dpsgd', plan, student.model, student.seconds);
}
