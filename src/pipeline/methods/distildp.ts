/**
 * DistilDP and the synthetic-only baseline, which share their first three stages:
 * 1. the DP control-code histogram (when documents carry labels): one accounted phase;
 * 2. the DP teacher: DP-SGD at the run's epsilon, composed with the histogram phase; with two or
 *    more released codes, one teacher per code and their average (code-teachers.ts);
 * 3. the synthetic corpus the DP teacher writes (post-processing, no privacy cost), with per-code
 *    teachers each code's text by its own teacher, guided against the average;
 * then, per method, the student trained on the synthetic text: DistilDP with hard + soft labels
 * and hidden-state alignment, synthetic-only with hard labels alone (lambda = alpha = 0).
 */
import { countParameters } from '../../model/config';
import { secureNoiseSource } from '../../random/noise';
import { PER_CODE_TEACHERS_MAX_BYTES, perCodeTeacherBytes, usesPerCodeTeachers } from '../code-teacher-limit';
import { trainCodeTeachers } from '../code-teachers';
import { syntheticFidelity } from '../fidelity';
import { releaseCodeHistogram } from '../histogram';
import { distillStudent, syntheticWindows } from '../model-tasks';
import type { LoadedModel } from '../models';
import { type PrivacyReport, privacyReport, publicChoices, type SyntheticFidelity } from '../results';
import { STAGES } from '../stage-registry';
import { evaluationStage, type RunContext, runStage, Stopped } from '../stage-runner';
import { distinctSelectionApplies, generateSyntheticCorpus, type SyntheticCorpus } from '../synthetic';
import { dpTrainingStage, trainingStage } from '../training-stages';

export interface DistilDPOutput {
  synthetic: SyntheticCorpus;
  /** The DistilDP student and its DP teacher, when DistilDP itself ran (not only synthetic-only). */
  models?: { student: LoadedModel; teacher: LoadedModel };
  /** What on-policy distillation builds on: the DP teacher, the student's windows, the report. */
  shared: {
    teacher: LoadedModel;
    windows: number[][];
    report: PrivacyReport;
    seconds: number;
    fidelity: SyntheticFidelity;
  };
}

export async function runDistilDP(
  ctx: RunContext,
  base: { teacher: LoadedModel; student: LoadedModel },
): Promise<DistilDPOutput> {
  const c = ctx.config;
  const ev = ctx.events;
  const planned = ctx.plan.histogram;
  const hist = planned
    ? (
        await runStage(ctx, STAGES.histogram, async () => ({
          status: 'done',
          value: releaseCodeHistogram(ctx.corpus.train, planned.mode, secureNoiseSource(), {
            sigma: c.histogram.sigma,
            deltaThreshold: planned.deltaThreshold,
            declaredCodes: c.histogram.codes,
          }),
        }))
      ).value
    : null;
  if (
    hist &&
    planned &&
    (hist.deltaThreshold !== planned.deltaThreshold ||
      JSON.stringify(hist.phases) !== JSON.stringify(planned.phases))
  ) {
    // The teacher's noise is calibrated for the planned histogram phase: a release saved under other
    // settings would leave it unaccounted.
    throw new Error(
      `${STAGES.histogram.key}: the histogram settings changed since this run was saved; start a new run`,
    );
  }
  const thresholdDelta = hist?.deltaThreshold ?? 0;
  if (hist && hist.codes.length === 0)
    ev.log?.('no control code passed the DP threshold: generating unconditionally');
  const plan = ctx.plan.distildpTeacher();
  for (const w of plan.warnings) ev.log?.(w);
  ev.log?.(`DP teacher: sigma ${plan.sigma.toFixed(3)}, q ${plan.q.toFixed(4)}, ${plan.steps} steps`);
  const codes = hist?.codes.length ? hist.codes : null;
  const teacherParameters = countParameters(base.teacher.config);
  const split = codes !== null && usesPerCodeTeachers(c.codeTeachers, codes.length, teacherParameters);
  if (codes !== null && codes.length >= 2 && c.codeTeachers === 'per-code' && !split) {
    const bytes = perCodeTeacherBytes(teacherParameters, codes.length);
    ev.log?.(
      `one DP teacher for all ${codes.length} control codes, not one per code: ${codes.length} teachers and their average would hold ${(bytes / 2 ** 30).toFixed(1)} GiB of weights (limit ${PER_CODE_TEACHERS_MAX_BYTES / 2 ** 30} GiB)`,
    );
  }
  if (split)
    ev.log?.(
      `DP teachers: one per control code (${codes.length}), each on its code's documents with this plan; disjoint parts, so together they cost the epsilon of one`,
    );
  const { teacher, parts } = split
    ? await trainCodeTeachers(ctx, base.teacher, plan, codes)
    : {
        teacher: await dpTrainingStage(ctx, STAGES.distildpTeacher, {
          base: { ...base.teacher, name: 'DistilDP teacher' },
          plan,
          training: ctx.plan.training.teacher,
        }),
        parts: undefined,
      };
  // 'distinct' would apply with a teacher per code, but one writes every code (joint, or the limit above).
  if (!parts && distinctSelectionApplies(c.synthetic.codeSelection, codes?.length ?? 0))
    ev.log?.(
      "synthetic samples chosen at random: 'distinct' selection needs one DP teacher per control code",
    );
  const generated = await runStage(ctx, STAGES.generate, async (partial) => {
    let lastProgress = partial?.value;
    const out = await generateSyntheticCorpus(
      teacher.model,
      codes,
      { ...c.synthetic, seed: c.seed },
      {
        onSample: (s) => ev.sample?.(s.labels, s.text),
        onProgress: (done, total) => ev.progress?.({ method: 'shared', stage: 'generate', done, total }),
        shouldStop: ev.shouldStop,
        checkpoint: async (p) => {
          lastProgress = p;
          await ctx.checkpoints.save(STAGES.generate.key, { status: 'partial', value: p });
        },
      },
      partial?.value,
      parts && { teachers: parts, reference: base.teacher },
    );
    if (!out.completed) {
      // Stopped before its first chunk: nothing to save.
      if (!lastProgress) throw new Stopped('stopped');
      return { status: 'partial', value: lastProgress };
    }
    const { completed: _done, ...corpus } = out;
    return { status: 'done', value: corpus };
  });
  const synthetic = generated.value;
  ev.log?.(
    `synthetic corpus: ${synthetic.samples.length} samples (${synthetic.generated} generated, ${synthetic.duplicates} duplicates, ${synthetic.empty} empty)`,
  );
  const report = privacyReport(
    'distildp',
    plan,
    thresholdDelta,
    publicChoices(c),
    hist ?? undefined,
    parts?.size,
  );
  const privacy = { epsilon: report.epsilon, delta: report.delta };
  const sharedSeconds = teacher.seconds + generated.seconds;
  const windows = syntheticWindows(base.student, synthetic.samples);
  if (windows.length === 0) throw new Error('the teacher generated no usable synthetic text');
  const fidelity = syntheticFidelity(synthetic.samples, ctx.corpus);
  ev.log?.(
    `synthetic fidelity (local, test split): JS divergence ${fidelity.js_divergence.toFixed(4)} (real text ${fidelity.js_divergence_real.toFixed(4)})${fidelity.control_code_fidelity === undefined ? '' : `, control codes matched ${(100 * fidelity.control_code_fidelity).toFixed(1)}% (classifier accuracy ${(100 * (fidelity.classifier_accuracy ?? 0)).toFixed(1)}%)`}`,
  );
  let models: DistilDPOutput['models'];
  for (const method of ['distildp', 'synthetic'] as const) {
    if (!c.methods.includes(method)) continue;
    ctx.reports.push({ ...report, method });
    const distillation = method === 'distildp' ? c.distillation : { ...c.distillation, lambda: 0, alpha: 0 };
    const student = await trainingStage(
      ctx,
      STAGES.distill[method],
      'student',
      { ...base.student, name: method === 'distildp' ? 'DistilDP student' : 'synthetic-only student' },
      ({ model, resume, save, hooks }) =>
        distillStudent({
          teacher: teacher.model,
          student: model,
          windows,
          training: { ...c.distill, seed: c.seed },
          distillation,
          ...hooks,
          resume,
          checkpoint: { every: c.checkpointEvery.train, save },
        }),
    );
    await evaluationStage(
      ctx,
      method,
      'student',
      student.model,
      privacy,
      sharedSeconds + student.seconds,
      fidelity,
    );
    if (method === 'distildp') models = { student: student.model, teacher: teacher.model };
  }
  const teacherOwner = (['distildp', 'synthetic', 'opd'] as const).find((m) => c.methods.includes(m))!;
  await evaluationStage(ctx, teacherOwner, 'teacher', teacher.model, privacy, teacher.seconds);
  return {
    synthetic,
    models,
    shared: { teacher: teacher.model, windows, report, seconds: sharedSeconds, fidelity },
  };
}
