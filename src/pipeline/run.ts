/**
 * The DistilDP pipeline and its baselines at the same total (epsilon, delta), as one runner that
 * produces one table (METHOD.md):
 * - distildp:   DP teacher (DP-SGD at epsilon, composed with the DP control-code histogram) ->
 *               synthetic corpus -> student distilled on it (CE + KL + hidden MSE), no further cost;
 * - synthetic:  the same teacher and corpus, student trained with hard labels only (lambda = 0);
 * - dpsgd:      the student fine-tuned on the private data with DP-SGD at epsilon;
 * - dpkd:       teacher DP-SGD at epsilon/2, then the student DP-SGD with the KD loss on the private
 *               data, calibrated so that the tight composition of both phases is epsilon;
 * - nonprivate: teacher and student fine-tuned without DP (upper bounds; epsilon = infinity).
 * Every DP row carries a privacy report from which `distildp epsilon` reproduces its epsilon.
 */

import type { Document } from '../data/types';
import { computeEpsilon, defaultDelta, type Phase } from '../dp/accounting/index';
import { secureNoiseSource } from '../dp/random';
import type { DistillationConfig } from '../train/distill';
import { type DPStepReport, type DPTrainingConfig, type PrivacyPlan, planPrivacy } from '../train/dp-train';
import type { EvaluationResult } from '../train/evaluate';
import type { TrainStepReport } from '../train/train-loop';
import { type CorpusOptions, type PreparedCorpus, prepareCorpus } from './corpus';
import { type HistogramMode, type HistogramRelease, releaseCodeHistogram } from './histogram';
import { checkCompatible, type LoadedModel } from './models';
import {
  cloneModel,
  disposeModel,
  distillStudent,
  dpFineTune,
  evaluateModel,
  type FineTuneConfig,
  fineTune,
  syntheticWindows,
} from './stages';
import { generateSyntheticCorpus, type SyntheticConfig, type SyntheticCorpus } from './synthetic';

export const ALL_METHODS = ['distildp', 'dpsgd', 'dpkd', 'synthetic', 'nonprivate'] as const;
export type MethodName = (typeof ALL_METHODS)[number];

export interface PipelineConfig {
  /** Total epsilon of every private method (default 2). */
  epsilon: number;
  /** Total delta (default 1 / N^1.1, N = training documents). */
  delta?: number;
  methods: MethodName[];
  seed: number;
  split: Pick<CorpusOptions, 'validationFraction' | 'testFraction' | 'useControlCodes'>;
  /** DP-SGD of teachers (distildp, dpkd). */
  teacherDP: Partial<DPTrainingConfig>;
  /** DP-SGD of students (dpsgd, dpkd). */
  studentDP: Partial<DPTrainingConfig>;
  histogram: { mode: HistogramMode; sigma: number };
  synthetic: Partial<SyntheticConfig>;
  distill: Partial<FineTuneConfig>;
  distillation: Partial<DistillationConfig>;
  nonPrivate: Partial<FineTuneConfig>;
}

export const DEFAULT_PIPELINE: PipelineConfig = {
  epsilon: 2,
  methods: ['distildp'],
  seed: 1,
  split: { validationFraction: 0.1, testFraction: 0.1 },
  teacherDP: { expectedBatchSize: 64, epochs: 3, microBatchSize: 16, clipNorm: 1, schedule: { peak: 1e-3 } },
  studentDP: { expectedBatchSize: 64, epochs: 3, microBatchSize: 16, clipNorm: 1, schedule: { peak: 1e-3 } },
  histogram: { mode: 'dp', sigma: 10 },
  synthetic: { samples: 1000, overGenerate: 2 },
  distill: { epochs: 2, batchSize: 16, learningRate: 1e-3 },
  distillation: { lambda: 0.4, temperature: 1, alpha: 0.1 },
  nonPrivate: { epochs: 1, batchSize: 16, learningRate: 1e-3 },
};

export interface ResultRow {
  method: MethodName;
  model: 'student' | 'teacher';
  /** null for non-private rows (epsilon = infinity). */
  epsilon: number | null;
  delta: number | null;
  test_ppl: number;
  window_mean_ppl: number;
  bits_per_byte: number;
  /** Seconds of every stage this row needed (shared stages included). */
  wall_s: number;
}

/** Everything to reproduce a DP row's epsilon: `distildp epsilon --phases <phases> --delta <accounting_delta>`. */
export interface PrivacyReport {
  method: MethodName;
  epsilon: number;
  delta: number;
  accounting_delta: number;
  threshold_delta: number;
  accountant: string;
  phases: Phase[];
  sampling: 'poisson';
  unit: 'document';
  clip_norm: number;
  windows_per_document: number;
  num_documents: number;
  secure_randomness: boolean;
  histogram?: { mode: HistogramMode; sigma?: number; threshold?: number; codes_released: number };
  reproduce: string;
}

export type StageName =
  | 'prepare'
  | 'histogram'
  | 'teacher-dp'
  | 'generate'
  | 'distill'
  | 'student-dp'
  | 'fine-tune'
  | 'evaluate';

export interface PipelineEvents {
  stage?: (e: {
    method: MethodName | 'shared';
    stage: StageName;
    status: 'start' | 'end';
    detail?: string;
  }) => void;
  progress?: (e: { method: MethodName | 'shared'; stage: StageName; done: number; total: number }) => void;
  dpStep?: (method: MethodName, model: 'teacher' | 'student', r: DPStepReport) => void | Promise<void>;
  trainStep?: (method: MethodName, model: 'teacher' | 'student', r: TrainStepReport) => void | Promise<void>;
  sample?: (labels: string[], text: string) => void;
  result?: (row: ResultRow) => void;
  log?: (message: string) => void;
  shouldStop?: () => boolean;
}

export interface PipelineResult {
  results: ResultRow[];
  reports: PrivacyReport[];
  base: { teacher: EvaluationResult; student: EvaluationResult };
  corpus: { train: number; validation: number; test: number; test_windows: number; control_codes: number };
  synthetic?: SyntheticCorpus;
  /** The DistilDP student and DP teacher (caller disposes), when distildp ran. */
  distildp?: { student: LoadedModel; teacher: LoadedModel };
  cancelled: boolean;
}

class Cancelled extends Error {}

export async function runPipeline(input: {
  documents: Document[];
  teacher: LoadedModel;
  student: LoadedModel;
  config?: Partial<PipelineConfig>;
  events?: PipelineEvents;
}): Promise<PipelineResult> {
  const c: PipelineConfig = { ...DEFAULT_PIPELINE, ...input.config };
  const ev = input.events ?? {};
  const { teacher: baseTeacher, student: baseStudent } = input;
  checkCompatible(baseTeacher, baseStudent);
  const unknown = c.methods.filter((m) => !ALL_METHODS.includes(m));
  if (unknown.length)
    throw new Error(`unknown methods: ${unknown.join(', ')} (known: ${ALL_METHODS.join(', ')})`);
  if (!(c.epsilon > 0)) throw new Error(`epsilon must be > 0, got ${c.epsilon}`);
  const stop = () => {
    if (ev.shouldStop?.()) throw new Cancelled('cancelled');
  };
  const timed = async <T>(
    method: MethodName | 'shared',
    stage: StageName,
    f: () => Promise<T>,
    detail?: string,
  ) => {
    stop();
    ev.stage?.({ method, stage, status: 'start', detail });
    const t0 = performance.now();
    const value = await f();
    const seconds = (performance.now() - t0) / 1000;
    ev.stage?.({ method, stage, status: 'end', detail });
    return { value, seconds };
  };

  const contextLength = Math.min(baseTeacher.config.contextLength, baseStudent.config.contextLength);
  const corpus: PreparedCorpus = prepareCorpus(input.documents, baseTeacher.tokenizer, {
    contextLength,
    seed: c.seed,
    ...c.split,
  });
  const n = corpus.train.length;
  if (corpus.testWindows.length === 0) throw new Error('the test split has no evaluation windows');
  const delta = c.delta ?? defaultDelta(n);
  ev.log?.(
    `${n} training documents (${corpus.validation.length} validation, ${corpus.test.length} test), delta ${delta.toExponential(2)}, control codes ${corpus.useControlCodes ? corpus.controlCodes.length : 'off'}`,
  );
  const results: ResultRow[] = [];
  const reports: PrivacyReport[] = [];
  const evalRow = async (
    method: MethodName,
    role: 'student' | 'teacher',
    m: LoadedModel,
    privacy: { epsilon: number | null; delta: number | null },
    seconds: number,
  ) => {
    const e = await timed(method, 'evaluate', () =>
      evaluateModel(m, corpus.testWindows, (done, total) =>
        ev.progress?.({ method, stage: 'evaluate', done, total }),
      ),
    );
    const row: ResultRow = {
      method,
      model: role,
      epsilon: privacy.epsilon,
      delta: privacy.delta,
      test_ppl: e.value.perplexity,
      window_mean_ppl: e.value.windowMeanPerplexity,
      bits_per_byte: e.value.bitsPerByte,
      wall_s: seconds + e.seconds,
    };
    results.push(row);
    ev.result?.(row);
  };
  const report = (
    method: MethodName,
    plan: PrivacyPlan,
    thresholdDelta: number,
    histogram?: HistogramRelease,
  ): PrivacyReport => {
    const phases = [...plan.priorPhases, { q: plan.q, sigma: plan.sigma, steps: plan.steps }];
    const epsilon = computeEpsilon(phases, plan.delta, plan.accountant);
    const r: PrivacyReport = {
      method,
      epsilon,
      delta: plan.delta + thresholdDelta,
      accounting_delta: plan.delta,
      threshold_delta: thresholdDelta,
      accountant: plan.accountant,
      phases,
      sampling: 'poisson',
      unit: 'document',
      clip_norm: plan.clipNorm,
      windows_per_document: plan.windowsPerDocument,
      num_documents: plan.numDocuments,
      secure_randomness: plan.secureRandomness,
      histogram: histogram
        ? {
            mode: histogram.mode,
            sigma: histogram.sigma,
            threshold: histogram.threshold,
            codes_released: histogram.codes.length,
          }
        : undefined,
      reproduce: `distildp epsilon --phases '${JSON.stringify(phases)}' --delta ${plan.delta} --accountant ${plan.accountant} --json`,
    };
    reports.push(r);
    return r;
  };
  const dpHooks = (method: MethodName, role: 'teacher' | 'student', stage: StageName) => ({
    onStep: async (r: DPStepReport) => {
      ev.progress?.({ method, stage, done: r.step, total: r.totalSteps });
      await ev.dpStep?.(method, role, r);
    },
    shouldStop: ev.shouldStop,
  });
  const trainHooks =
    (method: MethodName, role: 'teacher' | 'student', stage: StageName) => async (r: TrainStepReport) => {
      ev.progress?.({ method, stage, done: r.step, total: r.totalSteps });
      await ev.trainStep?.(method, role, r);
    };

  const base = {
    teacher: await evaluateModel(baseTeacher, corpus.testWindows),
    student: await evaluateModel(baseStudent, corpus.testWindows),
  };
  ev.log?.(
    `base models: teacher PPL ${base.teacher.perplexity.toFixed(2)}, student PPL ${base.student.perplexity.toFixed(2)}`,
  );
  const live: LoadedModel[] = [];
  let distildpModels: PipelineResult['distildp'];
  let synthetic: SyntheticCorpus | undefined;
  const noise = secureNoiseSource();
  try {
    // DistilDP and synthetic-only share the DP teacher and its synthetic corpus.
    if (c.methods.includes('distildp') || c.methods.includes('synthetic')) {
      const hist = corpus.useControlCodes
        ? await timed('shared', 'histogram', async () =>
            releaseCodeHistogram(corpus.train, c.histogram.mode, noise, {
              sigma: c.histogram.sigma,
              deltaThreshold: delta / 100,
            }),
          )
        : null;
      const thresholdDelta = hist?.value.deltaThreshold ?? 0;
      if (hist && hist.value.codes.length === 0)
        ev.log?.('no control code passed the DP threshold: generating unconditionally');
      const plan = planPrivacy(
        n,
        { ...c.teacherDP, targetEpsilon: c.epsilon, delta: delta - thresholdDelta },
        hist?.value.phases ?? [],
      );
      for (const w of plan.warnings) ev.log?.(w);
      ev.log?.(`DP teacher: sigma ${plan.sigma.toFixed(3)}, q ${plan.q.toFixed(4)}, ${plan.steps} steps`);
      const teacher = await cloneModel(baseTeacher, 'DistilDP teacher');
      live.push(teacher);
      const tTeacher = await timed('shared', 'teacher-dp', () =>
        dpFineTune({
          model: teacher,
          documentWindows: corpus.trainDocumentWindows,
          plan,
          training: c.teacherDP,
          ...dpHooks('distildp', 'teacher', 'teacher-dp'),
        }),
      );
      stop();
      const codes = hist && hist.value.codes.length ? hist.value.codes : null;
      const gen = await timed('shared', 'generate', () =>
        generateSyntheticCorpus(
          teacher,
          codes,
          { seed: c.seed, ...c.synthetic },
          {
            onSample: (s) => ev.sample?.(s.labels, s.text),
            onProgress: (done, total) => ev.progress?.({ method: 'shared', stage: 'generate', done, total }),
            shouldStop: ev.shouldStop,
          },
        ),
      );
      stop();
      synthetic = gen.value;
      ev.log?.(
        `synthetic corpus: ${synthetic.samples.length} samples (${synthetic.generated} generated, ${synthetic.duplicates} duplicates, ${synthetic.empty} empty)`,
      );
      const rep = report('distildp', plan, thresholdDelta, hist?.value);
      const shared = (hist?.seconds ?? 0) + tTeacher.seconds + gen.seconds;
      const windows = syntheticWindows(baseStudent, synthetic.samples);
      if (windows.length === 0) throw new Error('the teacher generated no usable synthetic text');
      for (const method of ['distildp', 'synthetic'] as const) {
        if (!c.methods.includes(method)) continue;
        if (method === 'synthetic') reports.push({ ...rep, method });
        const student = await cloneModel(
          baseStudent,
          method === 'distildp' ? 'DistilDP student' : 'synthetic-only student',
        );
        live.push(student);
        const distillation =
          method === 'distildp' ? c.distillation : { ...c.distillation, lambda: 0, alpha: 0 };
        const d = await timed(method, 'distill', () =>
          distillStudent({
            teacher,
            student,
            windows,
            training: { seed: c.seed, ...c.distill },
            distillation,
            onStep: trainHooks(method, 'student', 'distill'),
            shouldStop: ev.shouldStop,
          }),
        );
        await evalRow(
          method,
          'student',
          student,
          { epsilon: rep.epsilon, delta: rep.delta },
          shared + d.seconds,
        );
        if (method === 'distildp') distildpModels = { student, teacher };
      }
      await evalRow(
        c.methods.includes('distildp') ? 'distildp' : 'synthetic',
        'teacher',
        teacher,
        { epsilon: rep.epsilon, delta: rep.delta },
        tTeacher.seconds + (hist?.seconds ?? 0),
      );
    }
    if (c.methods.includes('dpsgd')) {
      const plan = planPrivacy(n, { ...c.studentDP, targetEpsilon: c.epsilon, delta });
      const student = await cloneModel(baseStudent, 'DP-SGD student');
      live.push(student);
      const t = await timed('dpsgd', 'student-dp', () =>
        dpFineTune({
          model: student,
          documentWindows: corpus.trainDocumentWindows,
          plan,
          training: c.studentDP,
          ...dpHooks('dpsgd', 'student', 'student-dp'),
        }),
      );
      const rep = report('dpsgd', plan, 0);
      await evalRow('dpsgd', 'student', student, { epsilon: rep.epsilon, delta: rep.delta }, t.seconds);
    }
    if (c.methods.includes('dpkd')) {
      const teacherPlan = planPrivacy(n, { ...c.teacherDP, targetEpsilon: c.epsilon / 2, delta });
      const teacher = await cloneModel(baseTeacher, 'DPKD teacher');
      live.push(teacher);
      const tt = await timed('dpkd', 'teacher-dp', () =>
        dpFineTune({
          model: teacher,
          documentWindows: corpus.trainDocumentWindows,
          plan: teacherPlan,
          training: c.teacherDP,
          ...dpHooks('dpkd', 'teacher', 'teacher-dp'),
        }),
      );
      const studentPlan = planPrivacy(n, { ...c.studentDP, targetEpsilon: c.epsilon, delta }, [
        { q: teacherPlan.q, sigma: teacherPlan.sigma, steps: teacherPlan.steps },
      ]);
      const student = await cloneModel(baseStudent, 'DPKD student');
      live.push(student);
      const kd = { lambda: c.distillation.lambda ?? 0.4, temperature: c.distillation.temperature ?? 1 };
      const ts = await timed('dpkd', 'student-dp', () =>
        dpFineTune({
          model: student,
          documentWindows: corpus.trainDocumentWindows,
          plan: studentPlan,
          training: c.studentDP,
          kdTeacher: { model: teacher, config: kd },
          ...dpHooks('dpkd', 'student', 'student-dp'),
        }),
      );
      const rep = report('dpkd', studentPlan, 0);
      await evalRow(
        'dpkd',
        'student',
        student,
        { epsilon: rep.epsilon, delta: rep.delta },
        tt.seconds + ts.seconds,
      );
    }
    if (c.methods.includes('nonprivate')) {
      const windows = corpus.trainDocumentWindows.flat();
      for (const [role, base] of [
        ['teacher', baseTeacher],
        ['student', baseStudent],
      ] as const) {
        const m = await cloneModel(base, `non-private ${role}`);
        live.push(m);
        const t = await timed('nonprivate', 'fine-tune', () =>
          fineTune(
            m,
            windows,
            { seed: c.seed, ...c.nonPrivate },
            trainHooks('nonprivate', role, 'fine-tune'),
            ev.shouldStop,
          ),
        );
        await evalRow('nonprivate', role, m, { epsilon: null, delta: null }, t.seconds);
      }
    }
  } catch (e) {
    if (!(e instanceof Cancelled)) throw e;
    for (const m of live) disposeModel(m);
    return { results, reports, base, corpus: corpusSummary(corpus), synthetic, cancelled: true };
  }
  for (const m of live) if (m !== distildpModels?.student && m !== distildpModels?.teacher) disposeModel(m);
  return {
    results,
    reports,
    base,
    corpus: corpusSummary(corpus),
    synthetic,
    distildp: distildpModels,
    cancelled: false,
  };
}

function corpusSummary(c: PreparedCorpus): PipelineResult['corpus'] {
  return {
    train: c.train.length,
    validation: c.validation.length,
    test: c.test.length,
    test_windows: c.testWindows.length,
    control_codes: c.useControlCodes ? c.controlCodes.length : 0,
  };
}
