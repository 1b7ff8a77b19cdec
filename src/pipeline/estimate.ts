/**
 * How long a run will take, before it starts: the work of every stage (tokens through each model,
 * generation steps) times this device's measured speed (speed-probe.ts: a forward pass and a few
 * generation steps of the actual models on the actual backend). Training costs a fixed multiple
 * of a forward pass; the multiples were measured on the standard run (README, "Run time estimate"). During
 * the run the UI replaces each stage's estimate by its measured rate (src/ui/run-eta.ts).
 * Pure: no TF.js (type imports only).
 */
import { usesPerCodeTeachers } from './code-teacher-limit';
import type { PipelineConfig } from './config';
import type { PreparedCorpus } from './corpus';
import { resolveRecipe } from './recipe';
import type { MethodName, StageName, StageOwner } from './results';
import { distinctSelectionApplies } from './synthetic';

/** The device's speed on the run's models (speed-probe.ts). */
export interface SpeedProfile {
  /** Seconds per token of a forward pass (batches of full windows), per model. */
  forwardPerToken: { teacher: number; student: number };
  /** Seconds of one generation step of the teacher (one token for each of `generateBatch` rows). */
  generateStep: number;
  generateBatch: number;
}

/** The data a run trains on, as token counts (from the prepared corpus). */
export interface WorkShape {
  /** Per training document, the tokens DP-SGD computes on when it is sampled (its windows, capped). */
  trainDocumentTokens: number[];
  /** Tokens of all training windows (non-private fine-tuning goes over each once per epoch). */
  trainTokens: number;
  trainWindows: number;
  testTokens: number;
  /** Tokens of the validation slice evaluated during training (maxWindows of the split). */
  validationSliceTokens: number;
  contextLength: number;
  /** The prompt length of synthetic generation (control code), in tokens. */
  promptTokens: number;
  controlCodes: number;
  /** Weights of the teacher: whether one DP teacher per code fits (code-teacher-limit.ts). */
  teacherParameters: number;
}

/** Steps and sampling rate of each DP training (from the privacy plan). */
export interface DPWork {
  steps: number;
  q: number;
}

/**
 * Training a token costs this many forward passes of it: the backward pass is about twice the
 * forward, plus the optimizer; measured 3.1 for the student and 3.4 for the teacher on WASM
 * (2 cores), rounded up.
 */
export const TRAIN_OVER_FORWARD = 3.5;
/** A DP-SGD token: per-document gradient norms and clipping on top of training (measured 4.4-5.1). */
export const DP_OVER_FORWARD = 5;
/** Generated tokens are about this share of the maximum (samples end early at end-of-text). */
export const GENERATED_SHARE = 0.9;
/**
 * Measured / estimated on the standard run (demo corpus, WASM, 2 shared and heavily loaded cores;
 * scripts/calibrate-estimate.ts, README "Run time estimate"): distillation 2.6 (the KL, the hidden-state projection
 * and the teacher's logits per batch cost more than a forward pass each), evaluation 1.0-2.4.
 * The rest came within 0.8-1.6 of the estimate; the run corrects the estimate as it measures.
 */
export const DISTILL_OVERHEAD = 2.5;
export const EVALUATE_OVERHEAD = 1.5;

export interface StageEstimate {
  /** `${owner}/${stage}`, as the stage events name it. */
  key: string;
  owner: StageOwner;
  stage: StageName;
  seconds: number;
}

export interface RunEstimate {
  stages: StageEstimate[];
  totalSeconds: number;
}

function add(list: StageEstimate[], owner: StageOwner, stage: StageName, seconds: number): void {
  const key = `${owner}/${stage}`;
  const existing = list.find((s) => s.key === key);
  if (existing) existing.seconds += seconds;
  else list.push({ key, owner, stage, seconds });
}

export function estimateRun(input: {
  config: PipelineConfig;
  shape: WorkShape;
  speed: SpeedProfile;
  dp: Partial<Record<'distildpTeacher' | 'dpsgdStudent' | 'dpkdTeacher' | 'dpkdStudent', DPWork>>;
}): RunEstimate {
  const { config: c, shape, speed, dp } = input;
  const fwd = speed.forwardPerToken;
  const has = (m: MethodName) => c.methods.includes(m);
  const out: StageEstimate[] = [];
  const evaluate = (model: 'teacher' | 'student') => EVALUATE_OVERHEAD * shape.testTokens * fwd[model];
  const validation = (model: 'teacher' | 'student') =>
    c.validation.points > 0 ? (c.validation.points + 1) * shape.validationSliceTokens * fwd[model] : 0;
  const sampledTokens = shape.trainDocumentTokens.reduce((a, b) => a + b, 0);
  const dpTraining = (model: 'teacher' | 'student', work: DPWork | undefined) =>
    work ? work.steps * work.q * sampledTokens * DP_OVER_FORWARD * fwd[model] + validation(model) : 0;

  add(out, 'shared', 'evaluate', evaluate('teacher') + evaluate('student'));
  if (has('distildp') || has('synthetic')) {
    add(out, 'distildp', 'teacher-dp', dpTraining('teacher', dp.distildpTeacher));
    // 'distinct' selection: every generated sample through each other code's teacher and the base
    // model, from its own pool size.
    const perCode = usesPerCodeTeachers(c.codeTeachers, shape.controlCodes, shape.teacherParameters);
    const distinct = distinctSelectionApplies(c.synthetic.codeSelection, perCode ? shape.controlCodes : 0);
    const prompts = Math.ceil(
      c.synthetic.samples * (distinct ? c.synthetic.distinctOverGenerate : c.synthetic.overGenerate),
    );
    const maxNew = Math.max(
      1,
      Math.min(c.synthetic.generation.maxLength ?? 128, shape.contextLength) - shape.promptTokens,
    );
    const batch = c.synthetic.generation.batchSize ?? speed.generateBatch;
    // Each control code's prompts form their own batches (prompts of one length batch together).
    const batches = Math.ceil(prompts / batch) + Math.max(0, shape.controlCodes - 1);
    // Per-code teachers with guidance: every step runs the code's teacher and their average.
    const guided = perCode && c.synthetic.codeGuidance > 0 ? 2 : 1;
    const scoringPasses = distinct ? shape.controlCodes : 0;
    add(
      out,
      'shared',
      'generate',
      guided * batches * maxNew * GENERATED_SHARE * speed.generateStep * (batch / speed.generateBatch) +
        scoringPasses * prompts * (shape.promptTokens + maxNew * GENERATED_SHARE) * fwd.teacher,
    );
    // The student learns from every synthetic sample (one window each) for the distillation
    // epochs, with the teacher's forward pass for its soft labels.
    const syntheticTokens = c.synthetic.samples * (shape.promptTokens + maxNew * GENERATED_SHARE);
    const distill =
      DISTILL_OVERHEAD *
      c.distill.epochs *
      syntheticTokens *
      (TRAIN_OVER_FORWARD * fwd.student + fwd.teacher);
    for (const method of ['distildp', 'synthetic'] as const) {
      if (!has(method)) continue;
      add(out, method, 'distill', distill + validation('student'));
      add(out, method, 'evaluate', evaluate('student'));
    }
    add(out, has('distildp') ? 'distildp' : 'synthetic', 'evaluate', evaluate('teacher'));
  }
  if (has('dpsgd')) {
    add(out, 'dpsgd', 'student-dp', dpTraining('student', dp.dpsgdStudent));
    add(out, 'dpsgd', 'evaluate', evaluate('student'));
  }
  if (has('dpkd')) {
    add(out, 'dpkd', 'teacher-dp', dpTraining('teacher', dp.dpkdTeacher));
    // The KD loss adds the teacher's forward pass over the student's DP batches.
    const kd = dp.dpkdStudent ? dp.dpkdStudent.steps * dp.dpkdStudent.q * sampledTokens * fwd.teacher : 0;
    add(out, 'dpkd', 'student-dp', dpTraining('student', dp.dpkdStudent) + kd);
    add(out, 'dpkd', 'evaluate', evaluate('student'));
  }
  if (has('nonprivate')) {
    for (const model of ['teacher', 'student'] as const) {
      add(
        out,
        'nonprivate',
        'fine-tune',
        c.nonPrivate.epochs * shape.trainTokens * TRAIN_OVER_FORWARD * fwd[model] + validation(model),
      );
      add(out, 'nonprivate', 'evaluate', evaluate(model));
    }
  }
  return { stages: out, totalSeconds: out.reduce((a, s) => a + s.seconds, 0) };
}

/** The work shape of a prepared corpus under a config. */
export function workShape(
  corpus: Pick<
    PreparedCorpus,
    'trainDocumentWindows' | 'testWindows' | 'validationWindows' | 'controlCodes' | 'useControlCodes'
  >,
  c: PipelineConfig,
  contextLength: number,
  promptTokens: number,
  teacherParameters: number,
): WorkShape {
  const tokens = (ws: readonly number[][]) => ws.reduce((a, w) => a + w.length, 0);
  const perDoc = resolveRecipe(
    c.teacherDP,
    Math.max(1, corpus.trainDocumentWindows.length),
    c.epsilon,
  ).windowsPerDocument;
  return {
    trainDocumentTokens: corpus.trainDocumentWindows.map((ws) => tokens(ws.slice(0, perDoc))),
    trainTokens: corpus.trainDocumentWindows.reduce((a, ws) => a + tokens(ws), 0),
    trainWindows: corpus.trainDocumentWindows.reduce((a, ws) => a + ws.length, 0),
    testTokens: tokens(corpus.testWindows),
    validationSliceTokens: tokens(corpus.validationWindows.slice(0, c.validation.maxWindows)),
    contextLength,
    promptTokens,
    controlCodes: corpus.useControlCodes ? corpus.controlCodes.length : 1,
    teacherParameters,
  };
}
