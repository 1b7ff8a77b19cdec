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
 *
 * The run is a sequence of named steps whose results (and, for long steps, periodic partial
 * states) go to a PipelineStore (store.ts), so a stopped or crashed run resumes where it was.
 */

import type { Document } from '../data/types';
import { computeEpsilon, defaultDelta, type Phase } from '../dp/accounting/index';
import { secureNoiseSource } from '../dp/random';
import { paramsFromArrays, paramsToArrays } from '../model/params';
import type { DistillationConfig } from '../train/distill';
import {
  type DPStepReport,
  type DPTrainingConfig,
  type DPTrainingState,
  type PrivacyPlan,
  planPrivacy,
} from '../train/dp-train';
import type { EvaluationResult } from '../train/evaluate';
import type { TrainState, TrainStepReport } from '../train/train-loop';
import { type CorpusOptions, type PreparedCorpus, prepareCorpus } from './corpus';
import { type HistogramMode, type HistogramRelease, releaseCodeHistogram } from './histogram';
import { checkCompatible, type LoadedModel } from './models';
import {
  disposeModel,
  distillStudent,
  dpFineTune,
  evaluateModel,
  type FineTuneConfig,
  fineTune,
  type ProjectionArrays,
  syntheticWindows,
} from './stages';
import { MemoryPipelineStore, type ModelArrays, type PipelineStore, type StepRecord } from './store';
import {
  generateSyntheticCorpus,
  type SyntheticConfig,
  type SyntheticCorpus,
  type SyntheticProgress,
} from './synthetic';

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
  /** Save a partial checkpoint every this many training steps (default 10 DP steps / 50 ordinary steps). */
  checkpointEvery: { dp: number; train: number };
  /**
   * Validation perplexity during training, for the live charts: about `points` evaluations per
   * training (and one at its end), each on at most `maxWindows` validation windows. Local only:
   * it is computed on private data and never exported. points = 0 turns it off.
   */
  validation: { points: number; maxWindows: number };
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
  checkpointEvery: { dp: 10, train: 50 },
  validation: { points: 10, maxWindows: 32 },
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
  | 'histogram'
  | 'teacher-dp'
  | 'generate'
  | 'distill'
  | 'student-dp'
  | 'fine-tune'
  | 'evaluate';
export type StageOwner = MethodName | 'shared';

export interface PipelineEvents {
  stage?: (e: {
    method: StageOwner;
    stage: StageName;
    status: 'start' | 'end' | 'skipped';
    detail?: string;
  }) => void;
  progress?: (e: { method: StageOwner; stage: StageName; done: number; total: number }) => void;
  dpStep?: (method: MethodName, model: 'teacher' | 'student', r: DPStepReport) => void | Promise<void>;
  trainStep?: (method: MethodName, model: 'teacher' | 'student', r: TrainStepReport) => void | Promise<void>;
  /** Validation perplexity of a model during its training (see PipelineConfig.validation). */
  validation?: (
    method: MethodName,
    model: 'teacher' | 'student',
    e: { stage: StageName; step: number; perplexity: number },
  ) => void;
  /** The privacy plan of a DP training, before it starts (for the expected-epsilon chart). */
  plan?: (method: MethodName, model: 'teacher' | 'student', plan: PrivacyPlan) => void;
  sample?: (labels: string[], text: string) => void;
  result?: (row: ResultRow) => void;
  log?: (message: string) => void;
  /** Checked between steps and inside every loop: true stops the run (its progress is saved). */
  shouldStop?: () => boolean;
}

export interface PipelineResult {
  results: ResultRow[];
  reports: PrivacyReport[];
  base: { teacher: EvaluationResult; student: EvaluationResult };
  corpus: { train: number; validation: number; test: number; test_windows: number; control_codes: number };
  synthetic?: SyntheticCorpus;
  /** The DistilDP student and DP teacher (the caller disposes them), when distildp finished. */
  distildp?: { student: LoadedModel; teacher: LoadedModel };
  /** True when shouldStop ended the run early; resume with the same store. */
  stopped: boolean;
}

class Stopped extends Error {}

function withParams(base: LoadedModel, name: string, arrays: Map<string, Float32Array>): LoadedModel {
  return { ...base, name, params: paramsFromArrays(base.config, arrays), warnings: [] };
}

async function snapshot(m: LoadedModel): Promise<ModelArrays> {
  return { config: m.config, arrays: await paramsToArrays(m.params) };
}

export async function runPipeline(input: {
  documents: Document[];
  teacher: LoadedModel;
  student: LoadedModel;
  config?: Partial<PipelineConfig>;
  events?: PipelineEvents;
  store?: PipelineStore;
}): Promise<PipelineResult> {
  const c: PipelineConfig = { ...DEFAULT_PIPELINE, ...input.config };
  const ev = input.events ?? {};
  const store = input.store ?? new MemoryPipelineStore();
  const { teacher: baseTeacher, student: baseStudent } = input;
  checkCompatible(baseTeacher, baseStudent);
  const unknown = c.methods.filter((m) => !ALL_METHODS.includes(m));
  if (unknown.length)
    throw new Error(`unknown methods: ${unknown.join(', ')} (known: ${ALL_METHODS.join(', ')})`);
  if (!(c.epsilon > 0)) throw new Error(`epsilon must be > 0, got ${c.epsilon}`);
  const stop = () => {
    if (ev.shouldStop?.()) throw new Stopped('stopped');
  };

  const contextLength = Math.min(baseTeacher.config.contextLength, baseStudent.config.contextLength);
  const corpus: PreparedCorpus = prepareCorpus(input.documents, baseTeacher.tokenizer, {
    contextLength,
    seed: c.seed,
    ...c.split,
  });
  const n = corpus.train.length;
  if (corpus.testWindows.length === 0)
    throw new Error(
      `the test split has no evaluation windows (${corpus.test.length} test documents of ${input.documents.length}: each document goes to test by itself, with probability ${c.split.testFraction ?? 0.1}); add documents`,
    );
  const delta = c.delta ?? defaultDelta(n);
  ev.log?.(
    `${n} training documents (${corpus.validation.length} validation, ${corpus.test.length} test), delta ${delta.toExponential(2)}, control codes ${corpus.useControlCodes ? corpus.controlCodes.length : 'off'}`,
  );
  const results: ResultRow[] = [];
  const reports: PrivacyReport[] = [];
  const live: LoadedModel[] = [];
  const track = (m: LoadedModel) => {
    live.push(m);
    return m;
  };

  /** Evaluates on a slice of the validation split every ~total/points steps and at the last step. */
  const validator = (
    method: MethodName,
    role: 'teacher' | 'student',
    stage: StageName,
    model: () => LoadedModel | undefined,
  ) => {
    const windows = corpus.validationWindows.slice(0, c.validation.maxWindows);
    return async (step: number, total: number) => {
      const m = model();
      if (!ev.validation || c.validation.points <= 0 || windows.length === 0 || !m) return;
      const every = Math.max(1, Math.round(total / c.validation.points));
      if (step % every !== 0 && step !== total) return;
      const r = await evaluateModel(m, windows);
      ev.validation(method, role, { stage, step, perplexity: r.perplexity });
    };
  };

  /** Runs a step unless the store has it done; `run` gets the partial record, if any. */
  const step = async <T>(
    key: string,
    owner: StageOwner,
    stage: StageName,
    run: (partial: StepRecord | undefined) => Promise<StepRecord<T>>,
  ): Promise<{ record: StepRecord<T>; seconds: number }> => {
    const existing = await store.load(key);
    if (existing?.status === 'done') {
      ev.stage?.({ method: owner, stage, status: 'skipped', detail: 'done before' });
      return {
        record: existing as StepRecord<T>,
        seconds: (existing.value as { seconds?: number })?.seconds ?? 0,
      };
    }
    stop();
    ev.stage?.({ method: owner, stage, status: 'start', detail: existing ? 'resuming' : undefined });
    const t0 = performance.now();
    const record = await run(existing);
    const seconds =
      (performance.now() - t0) / 1000 + ((existing?.value as { seconds?: number } | undefined)?.seconds ?? 0);
    if (record.status === 'partial') {
      await store.save(key, { ...record, value: { ...(record.value as object), seconds } });
      throw new Stopped('stopped');
    }
    const done = { ...record, value: { ...(record.value as object), seconds } as T };
    await store.save(key, done);
    ev.stage?.({ method: owner, stage, status: 'end' });
    return { record: done, seconds };
  };

  const evalStep = async (
    method: MethodName,
    role: 'student' | 'teacher',
    m: LoadedModel,
    privacy: { epsilon: number | null; delta: number | null },
    seconds: number,
  ) => {
    const { record } = await step<ResultRow>(`${method}/evaluate-${role}`, method, 'evaluate', async () => {
      const e = await evaluateModel(m, corpus.testWindows, (done, total) =>
        ev.progress?.({ method, stage: 'evaluate', done, total }),
      );
      return {
        status: 'done',
        value: {
          method,
          model: role,
          epsilon: privacy.epsilon,
          delta: privacy.delta,
          test_ppl: e.perplexity,
          window_mean_ppl: e.windowMeanPerplexity,
          bits_per_byte: e.bitsPerByte,
          wall_s: 0,
        },
      };
    });
    const v = record.value as ResultRow & { seconds: number };
    const row: ResultRow = {
      method: v.method,
      model: v.model,
      epsilon: v.epsilon,
      delta: v.delta,
      test_ppl: v.test_ppl,
      window_mean_ppl: v.window_mean_ppl,
      bits_per_byte: v.bits_per_byte,
      wall_s: seconds + v.seconds,
    };
    results.push(row);
    ev.result?.(row);
  };

  const makeReport = (
    method: MethodName,
    plan: PrivacyPlan,
    thresholdDelta: number,
    histogram?: HistogramRelease,
  ): PrivacyReport => {
    const phases = [...plan.priorPhases, { q: plan.q, sigma: plan.sigma, steps: plan.steps }];
    return {
      method,
      epsilon: computeEpsilon(phases, plan.delta, plan.accountant),
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
  };

  /** A DP training step (resumable): returns the trained model. */
  const dpStep = async (
    key: string,
    method: MethodName,
    role: 'teacher' | 'student',
    stage: StageName,
    base: LoadedModel,
    plan: PrivacyPlan,
    training: Partial<DPTrainingConfig>,
    kdTeacher?: LoadedModel,
  ) => {
    ev.plan?.(method, role, plan);
    let model: LoadedModel | undefined;
    const validate = validator(method, role, stage, () => model);
    const { record, seconds } = await step<{ epsilonHistory: DPTrainingState['epsilonHistory'] }>(
      key,
      method,
      stage,
      async (partial) => {
        const was = (partial?.value as { plan?: { q: number; sigma: number; steps: number } } | undefined)
          ?.plan;
        if (was && (was.q !== plan.q || was.sigma !== plan.sigma || was.steps !== plan.steps)) {
          throw new Error(
            `${key}: the privacy settings changed since this run was saved (q, sigma, steps); start a new run`,
          );
        }
        const arrays = partial?.models?.model?.arrays;
        model = track(
          arrays
            ? withParams(base, base.name, arrays)
            : withParams(base, base.name, await paramsToArrays(base.params)),
        );
        const resume = partial
          ? {
              step: (partial.value as { step: number }).step,
              optimizer: partial.optimizer!,
              epsilonHistory: (partial.value as { epsilonHistory: DPTrainingState['epsilonHistory'] })
                .epsilonHistory,
            }
          : undefined;
        const m = model;
        const save = async (state: DPTrainingState): Promise<StepRecord> => ({
          status: state.step >= plan.steps ? 'done' : 'partial',
          value: {
            step: state.step,
            epsilonHistory: state.epsilonHistory,
            plan: { q: plan.q, sigma: plan.sigma, steps: plan.steps },
          },
          models: { model: await snapshot(m) },
          optimizer: state.step >= plan.steps ? undefined : state.optimizer,
        });
        const result = await dpFineTune({
          model: m,
          documentWindows: corpus.trainDocumentWindows,
          plan,
          training,
          kdTeacher: kdTeacher
            ? {
                model: kdTeacher,
                config: {
                  lambda: c.distillation.lambda ?? 0.4,
                  temperature: c.distillation.temperature ?? 1,
                },
              }
            : undefined,
          onStep: async (r) => {
            ev.progress?.({ method, stage, done: r.step, total: r.totalSteps });
            await ev.dpStep?.(method, role, r);
            await validate(r.step, r.totalSteps);
          },
          shouldStop: ev.shouldStop,
          resume,
          checkpoint: {
            every: c.checkpointEvery.dp,
            save: async (state) => store.save(key, await save(state)),
          },
        });
        return (await save(result.state)) as StepRecord<{
          epsilonHistory: DPTrainingState['epsilonHistory'];
        }>;
      },
    );
    model ??= track(withParams(base, base.name, record.models!.model.arrays));
    return { model, seconds };
  };

  /** An ordinary training step (resumable): distillation or non-private fine-tuning. */
  const trainStep = async (
    key: string,
    method: MethodName,
    stage: StageName,
    base: LoadedModel,
    train: (
      m: LoadedModel,
      resume: { state: TrainState; projection?: ProjectionArrays } | undefined,
      save: (s: TrainState, p?: ProjectionArrays) => Promise<void>,
    ) => Promise<{ state: TrainState; completed: boolean; projection?: ProjectionArrays }>,
  ) => {
    let model: LoadedModel | undefined;
    const { record, seconds } = await step(key, method, stage, async (partial) => {
      const arrays = partial?.models?.model?.arrays;
      model = track(withParams(base, base.name, arrays ?? (await paramsToArrays(base.params))));
      const m = model;
      const toRecord = async (
        state: TrainState,
        done: boolean,
        projection?: ProjectionArrays,
      ): Promise<StepRecord> => ({
        status: done ? 'done' : 'partial',
        value: { step: state.step },
        models: { model: await snapshot(m) },
        optimizer: done ? undefined : state.optimizer,
        extras:
          projection && !done
            ? {
                'projection.weight': { shape: [projection.weight.length], data: projection.weight },
                'projection.bias': { shape: [projection.bias.length], data: projection.bias },
              }
            : undefined,
      });
      const resume = partial
        ? {
            state: { step: (partial.value as { step: number }).step, optimizer: partial.optimizer! },
            projection: partial.extras?.['projection.weight']
              ? {
                  weight: partial.extras['projection.weight'].data,
                  bias: partial.extras['projection.bias'].data,
                }
              : undefined,
          }
        : undefined;
      const result = await train(m, resume, async (s, p) => store.save(key, await toRecord(s, false, p)));
      return toRecord(result.state, result.completed, result.projection);
    });
    model ??= track(withParams(base, base.name, record.models!.model.arrays));
    return { model, seconds };
  };

  const base = {
    teacher: await evaluateModel(baseTeacher, corpus.testWindows),
    student: await evaluateModel(baseStudent, corpus.testWindows),
  };
  ev.log?.(
    `base models: teacher PPL ${base.teacher.perplexity.toFixed(2)}, student PPL ${base.student.perplexity.toFixed(2)}`,
  );
  let distildpModels: PipelineResult['distildp'];
  let synthetic: SyntheticCorpus | undefined;
  const noise = secureNoiseSource();
  const trainHooks = (
    method: MethodName,
    role: 'teacher' | 'student',
    stage: StageName,
    model: LoadedModel,
  ) => {
    const validate = validator(method, role, stage, () => model);
    return {
      onStep: async (r: TrainStepReport) => {
        ev.progress?.({ method, stage, done: r.step, total: r.totalSteps });
        await ev.trainStep?.(method, role, r);
        await validate(r.step, r.totalSteps);
      },
      shouldStop: ev.shouldStop,
    };
  };
  try {
    // DistilDP and synthetic-only share the DP teacher and its synthetic corpus.
    if (c.methods.includes('distildp') || c.methods.includes('synthetic')) {
      const hist = corpus.useControlCodes
        ? (
            await step<HistogramRelease>('shared/histogram', 'shared', 'histogram', async () => ({
              status: 'done',
              value: releaseCodeHistogram(corpus.train, c.histogram.mode, noise, {
                sigma: c.histogram.sigma,
                deltaThreshold: delta / 100,
              }),
            }))
          ).record.value
        : null;
      const thresholdDelta = hist?.deltaThreshold ?? 0;
      if (hist && hist.codes.length === 0)
        ev.log?.('no control code passed the DP threshold: generating unconditionally');
      const plan = planPrivacy(
        n,
        { ...c.teacherDP, targetEpsilon: c.epsilon, delta: delta - thresholdDelta },
        hist?.phases ?? [],
      );
      for (const w of plan.warnings) ev.log?.(w);
      ev.log?.(`DP teacher: sigma ${plan.sigma.toFixed(3)}, q ${plan.q.toFixed(4)}, ${plan.steps} steps`);
      const teacher = await dpStep(
        'shared/teacher-dp',
        'distildp',
        'teacher',
        'teacher-dp',
        { ...baseTeacher, name: 'DistilDP teacher' },
        plan,
        c.teacherDP,
      );
      const codes = hist?.codes.length ? hist.codes : null;
      const gen = await step<SyntheticCorpus>('shared/generate', 'shared', 'generate', async (partial) => {
        const corpusOut = await generateSyntheticCorpus(
          teacher.model,
          codes,
          { seed: c.seed, ...c.synthetic },
          {
            onSample: (s) => ev.sample?.(s.labels, s.text),
            onProgress: (done, total) => ev.progress?.({ method: 'shared', stage: 'generate', done, total }),
            shouldStop: ev.shouldStop,
            checkpoint: async (p) => store.save('shared/generate', { status: 'partial', value: p }),
          },
          partial?.value as SyntheticProgress | undefined,
        );
        if (!corpusOut.completed)
          return {
            status: 'partial',
            value: (await store.load('shared/generate'))?.value as SyntheticCorpus,
          };
        const { completed: _done, ...rest } = corpusOut;
        return { status: 'done', value: rest };
      });
      synthetic = gen.record.value;
      ev.log?.(
        `synthetic corpus: ${synthetic.samples.length} samples (${synthetic.generated} generated, ${synthetic.duplicates} duplicates, ${synthetic.empty} empty)`,
      );
      const rep = makeReport('distildp', plan, thresholdDelta, hist ?? undefined);
      const shared = teacher.seconds + gen.seconds;
      const windows = syntheticWindows(baseStudent, synthetic.samples);
      if (windows.length === 0) throw new Error('the teacher generated no usable synthetic text');
      for (const method of ['distildp', 'synthetic'] as const) {
        if (!c.methods.includes(method)) continue;
        reports.push({ ...rep, method });
        const distillation =
          method === 'distildp' ? c.distillation : { ...c.distillation, lambda: 0, alpha: 0 };
        const student = await trainStep(
          `${method}/distill`,
          method,
          'distill',
          { ...baseStudent, name: method === 'distildp' ? 'DistilDP student' : 'synthetic-only student' },
          (m, resume, save) =>
            distillStudent({
              teacher: teacher.model,
              student: m,
              windows,
              training: { seed: c.seed, ...c.distill },
              distillation,
              ...trainHooks(method, 'student', 'distill', m),
              resume,
              checkpoint: { every: c.checkpointEvery.train, save },
            }),
        );
        await evalStep(
          method,
          'student',
          student.model,
          { epsilon: rep.epsilon, delta: rep.delta },
          shared + student.seconds,
        );
        if (method === 'distildp') distildpModels = { student: student.model, teacher: teacher.model };
      }
      await evalStep(
        c.methods.includes('distildp') ? 'distildp' : 'synthetic',
        'teacher',
        teacher.model,
        { epsilon: rep.epsilon, delta: rep.delta },
        teacher.seconds,
      );
    }
    if (c.methods.includes('dpsgd')) {
      const plan = planPrivacy(n, { ...c.studentDP, targetEpsilon: c.epsilon, delta });
      const student = await dpStep(
        'dpsgd/student-dp',
        'dpsgd',
        'student',
        'student-dp',
        { ...baseStudent, name: 'DP-SGD student' },
        plan,
        c.studentDP,
      );
      const rep = makeReport('dpsgd', plan, 0);
      reports.push(rep);
      await evalStep(
        'dpsgd',
        'student',
        student.model,
        { epsilon: rep.epsilon, delta: rep.delta },
        student.seconds,
      );
    }
    if (c.methods.includes('dpkd')) {
      const teacherPlan = planPrivacy(n, { ...c.teacherDP, targetEpsilon: c.epsilon / 2, delta });
      const teacher = await dpStep(
        'dpkd/teacher-dp',
        'dpkd',
        'teacher',
        'teacher-dp',
        { ...baseTeacher, name: 'DPKD teacher' },
        teacherPlan,
        c.teacherDP,
      );
      const studentPlan = planPrivacy(n, { ...c.studentDP, targetEpsilon: c.epsilon, delta }, [
        { q: teacherPlan.q, sigma: teacherPlan.sigma, steps: teacherPlan.steps },
      ]);
      const student = await dpStep(
        'dpkd/student-dp',
        'dpkd',
        'student',
        'student-dp',
        { ...baseStudent, name: 'DPKD student' },
        studentPlan,
        c.studentDP,
        teacher.model,
      );
      const rep = makeReport('dpkd', studentPlan, 0);
      reports.push(rep);
      await evalStep(
        'dpkd',
        'student',
        student.model,
        { epsilon: rep.epsilon, delta: rep.delta },
        teacher.seconds + student.seconds,
      );
    }
    if (c.methods.includes('nonprivate')) {
      const windows = corpus.trainDocumentWindows.flat();
      for (const [role, baseModel] of [
        ['teacher', baseTeacher],
        ['student', baseStudent],
      ] as const) {
        const m = await trainStep(
          `nonprivate/fine-tune-${role}`,
          'nonprivate',
          'fine-tune',
          { ...baseModel, name: `non-private ${role}` },
          (model, resume, save) =>
            fineTune(
              model,
              windows,
              { seed: c.seed, ...c.nonPrivate },
              {
                ...trainHooks('nonprivate', role, 'fine-tune', model),
                resume: resume?.state,
                checkpoint: { every: c.checkpointEvery.train, save: (s) => save(s) },
              },
            ),
        );
        await evalStep('nonprivate', role, m.model, { epsilon: null, delta: null }, m.seconds);
      }
    }
  } catch (e) {
    for (const m of live) disposeModel(m);
    if (!(e instanceof Stopped)) throw e;
    return { results, reports, base, corpus: corpusSummary(corpus), synthetic, stopped: true };
  }
  for (const m of live) if (m !== distildpModels?.student && m !== distildpModels?.teacher) disposeModel(m);
  return {
    results,
    reports,
    base,
    corpus: corpusSummary(corpus),
    synthetic,
    distildp: distildpModels,
    stopped: false,
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
