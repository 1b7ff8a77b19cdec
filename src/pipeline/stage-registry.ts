/**
 * The stages of a pipeline run, typed: each stage key (the name its checkpoint is saved under, e.g.
 * `shared/teacher-dp`) with the type of its finished value and of its partial (resume) value. The
 * pipeline, the worker (charts, history, exports) and the CLI import the keys and read checkpoint
 * values through `checkpointOf`, the one place where a stored value is given its type.
 *
 * Keys are persisted (a saved run resumes by them): never rename one.
 */
import type { DPTrainingState } from '../train/dp-train';
import type { EvaluationResult } from '../train/evaluate';
import type { Checkpoint } from './checkpoint';
import type { HistogramRelease } from './histogram';
import type { MethodName, ResultRow, StageName, StageOwner } from './results';
import type { SyntheticCorpus, SyntheticProgress } from './synthetic';

/** Every value a stage saves carries the seconds the stage has run so far (resumed runs add to it). */
export interface StageClock {
  seconds?: number;
}

/** A kind of checkpoint: the key it is saved under and (as types) its done and partial values. */
export interface CheckpointKind<Done, Progress = Done> {
  readonly key: string;
  /** Carries the value types only; never set. */
  readonly valueTypes?: { done: Done; progress: Progress };
}

/** A stage of a pipeline run: its checkpoint, whose it is, and the kind of work. */
export interface StageSpec<Done, Progress = Done> extends CheckpointKind<Done, Progress> {
  readonly owner: StageOwner;
  readonly stage: StageName;
}

/** A stage whose checkpoint holds `Done` when finished and `Progress` while partial. */
export function resumableStage<Done, Progress = Done>(
  key: string,
  owner: StageOwner,
  stage: StageName,
): StageSpec<Done, Progress> {
  return { key, owner, stage };
}

/** A stage's checkpoint with its values typed (both carry the stage clock). */
export type StageCheckpoint<Done, Progress = Done> = Checkpoint<Done & StageClock, Progress & StageClock>;

/** The checkpoint loaded for `kind`, typed by the registry (the one cast of a stored value). */
export function checkpointOf<Done, Progress>(
  _kind: CheckpointKind<Done, Progress>,
  checkpoint: Checkpoint | undefined,
): StageCheckpoint<Done, Progress> | undefined {
  return checkpoint as StageCheckpoint<Done, Progress> | undefined;
}

/** A DP training's value, done or partial: DP steps done, epsilon so far, and the plan it follows. */
export interface DPTrainingValue {
  step: number;
  epsilonHistory: DPTrainingState['epsilonHistory'];
  plan: { q: number; sigma: number; steps: number };
}

/** An ordinary training's value (distillation, non-private fine-tuning): training steps done. */
export interface TrainingValue {
  step: number;
}

/** A stage of one method (not shared): its owner is the method. */
export interface MethodStageSpec<Done, Progress = Done> extends StageSpec<Done, Progress> {
  readonly owner: MethodName;
}

export interface DPStageSpec extends MethodStageSpec<DPTrainingValue> {
  readonly role: 'teacher' | 'student';
}

const CODE_TEACHER_PREFIX = 'shared/teacher-dp/code-';

function dpStage(key: string, method: MethodName, role: 'teacher' | 'student'): DPStageSpec {
  return { key, owner: method, role, stage: role === 'teacher' ? 'teacher-dp' : 'student-dp' };
}

function trainingStage(key: string, owner: MethodName, stage: StageName): MethodStageSpec<TrainingValue> {
  return { key, owner, stage };
}

/** The base models' test-set numbers, before any training (the rows every method is read against). */
export interface BaseEvaluation {
  teacher: EvaluationResult;
  student: EvaluationResult;
}

export const STAGES = {
  /** Both base models on the test split, before training (saved, so a resume does not redo it). */
  baseModels: resumableStage<BaseEvaluation>('shared/evaluate-base', 'shared', 'evaluate'),
  /** DistilDP's DP control-code histogram (shared with synthetic-only). */
  histogram: resumableStage<HistogramRelease>('shared/histogram', 'shared', 'histogram'),
  /**
   * DistilDP's DP teacher (shared with synthetic-only; charted and reported as DistilDP's). With
   * per-code teachers, their weighted average (the parts are the codeTeacher stages).
   */
  distildpTeacher: dpStage('shared/teacher-dp', 'distildp', 'teacher'),
  /** The DP teacher of the `index`-th released control code (canonical order), per-code teachers only. */
  codeTeacher: (index: number): DPStageSpec =>
    dpStage(`${CODE_TEACHER_PREFIX}${index}`, 'distildp', 'teacher'),
  /** The synthetic corpus the DP teacher writes. */
  generate: resumableStage<SyntheticCorpus, SyntheticProgress>('shared/generate', 'shared', 'generate'),
  distill: {
    distildp: trainingStage('distildp/distill', 'distildp', 'distill'),
    synthetic: trainingStage('synthetic/distill', 'synthetic', 'distill'),
    opd: trainingStage('opd/distill', 'opd', 'distill'),
  },
  dpsgdStudent: dpStage('dpsgd/student-dp', 'dpsgd', 'student'),
  dpkdTeacher: dpStage('dpkd/teacher-dp', 'dpkd', 'teacher'),
  dpkdStudent: dpStage('dpkd/student-dp', 'dpkd', 'student'),
  fineTune: {
    teacher: trainingStage('nonprivate/fine-tune-teacher', 'nonprivate', 'fine-tune'),
    student: trainingStage('nonprivate/fine-tune-student', 'nonprivate', 'fine-tune'),
  },
  /** The test-set evaluation of one model of a method (its result row). */
  evaluate: (method: MethodName, role: 'teacher' | 'student'): MethodStageSpec<ResultRow> => ({
    key: `${method}/evaluate-${role}`,
    owner: method,
    stage: 'evaluate',
  }),
} as const;

export const DP_STAGES: readonly DPStageSpec[] = [
  STAGES.distildpTeacher,
  STAGES.dpsgdStudent,
  STAGES.dpkdTeacher,
  STAGES.dpkdStudent,
];

/** The DP training a checkpoint key belongs to, or undefined for other stages. */
export function dpStageOfKey(key: string): DPStageSpec | undefined {
  const code = key.startsWith(CODE_TEACHER_PREFIX)
    ? Number(key.slice(CODE_TEACHER_PREFIX.length))
    : Number.NaN;
  return Number.isInteger(code) && code >= 0
    ? STAGES.codeTeacher(code)
    : DP_STAGES.find((s) => s.key === key);
}

/** `distildp pretrain --checkpoint FILE`: an ordinary training outside any pipeline run. */
export const PRETRAIN_CHECKPOINT: CheckpointKind<TrainingValue> = { key: 'pretrain' };

/** The stages whose finished checkpoint holds each model the app exports. */
export const EXPORTED_MODEL_STAGES = {
  student: STAGES.distill.distildp,
  teacher: STAGES.distildpTeacher,
} as const;
