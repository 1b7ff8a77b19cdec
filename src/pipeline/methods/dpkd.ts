/**
 * The DPKD baseline: the teacher fine-tuned with DP-SGD at epsilon / 2, then the student with
 * DP-SGD and the KD loss against that teacher on the private data, its noise calibrated so that
 * the tight composition of both phases is the run's epsilon.
 */
import type { LoadedModel } from '../models';
import { STAGES } from '../stage-registry';
import { type RunContext, reportAndEvaluateStudent } from '../stage-runner';
import { dpTrainingStage } from '../training-stages';

export async function runDPKD(
  ctx: RunContext,
  base: { teacher: LoadedModel; student: LoadedModel },
): Promise<void> {
  const { teacher: teacherPlan, student: studentPlan } = ctx.plan.dpkd();
  const teacher = await dpTrainingStage(ctx, STAGES.dpkdTeacher, {
    base: { ...base.teacher, name: 'DPKD teacher' },
    plan: teacherPlan,
    training: ctx.plan.training.teacher,
  });
  const student = await dpTrainingStage(ctx, STAGES.dpkdStudent, {
    base: { ...base.student, name: 'DPKD student' },
    plan: studentPlan,
    training: ctx.plan.training.student,
    kdTeacher: teacher.model,
  });
  await reportAndEvaluateStudent(ctx, 'dpkd', studentPlan, student.model, teacher.seconds + student.seconds);
}
