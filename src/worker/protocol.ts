/**
 * Messages between the UI thread and the one module worker that owns every tensor. Both
 * directions are discriminated unions on `type`, so a `switch` over them is checked for
 * exhaustiveness. Only `import type` here: the UI imports this module and must never pull TF.js.
 *
 * The private text goes one way only: files in, summaries out. The worker keeps the documents
 * (in memory and in the origin's private storage for resume); nothing sent back contains them,
 * except synthetic samples, which are post-processing of a DP model.
 */

import type { TokenizerKind } from '../data/tokenizer';
import type { FileInput, FileReport, IngestOptions } from '../data/types';
import type { ParameterSelection } from '../dp/clipping';
import type { BackendInfo, BackendName } from '../model/backend';
import type { GPTConfig } from '../model/config';
import type { LoraConfig } from '../model/lora';
import type { MethodName, PrivacyReport, ResultRow, StageName, StageOwner } from '../pipeline/results';
import type { RunManifest } from './run-manifest';
import type { RunSettings } from './run-settings';

export type { BackendInfo, BackendName, MethodName, PrivacyReport, ResultRow, StageName, StageOwner };

/** What the user asked for: a named backend, or the automatic order webgpu -> wasm -> cpu. */
export type BackendChoice = 'auto' | BackendName;
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'webgpu', 'wasm', 'cpu'];

export type ModelRole = 'teacher' | 'student';
export const MODEL_ROLES: readonly ModelRole[] = ['teacher', 'student'];

/** Where a base model comes from: a shipped preset, or a Hugging Face GPT-2 folder the user dropped. */
export type ModelSource =
  | { kind: 'preset'; name: string }
  | { kind: 'hf-folder'; name: string; files: FileInput[] };

// ---- commands (UI -> worker) ----

/** Initialise TF.js; `backend` forces one (no silent fallback), absent means automatic. */
export interface InitCommand {
  type: 'init';
  backend?: BackendName;
  /** WASM threads (`?threads=N`); absent means every logical core where the page allows threads. */
  wasmThreads?: number;
  /** Test aid (`?fault=diverge@N`): the first DP training fails as diverged right after step N. */
  fault?: InjectedFault;
  /** Test aid (`?storage=indexeddb`): keep runs in IndexedDB even where OPFS exists. */
  storage?: 'indexeddb';
}

export interface InjectedFault {
  divergeAtDPStep: number;
}

/**
 * Ingest a set of files (their bytes are transferred, not copied). The worker keeps the resulting
 * documents for later stages and answers with a summary only: the text stays in the worker.
 * `requestId` lets the UI ignore the answer to an ingest it has since superseded.
 */
export interface IngestCommand {
  type: 'ingest';
  requestId: number;
  files: FileInput[];
  options: Partial<IngestOptions>;
}

/** Load the base teacher and/or student (absent roles keep their current model). */
export interface LoadModelsCommand {
  type: 'loadModels';
  requestId: number;
  teacher?: ModelSource;
  student?: ModelSource;
  /** Micro-batch the memory estimate assumes (the run profile's DP micro-batch). */
  batch: number;
}

/** The privacy plan (sigma, q, steps, delta, expected epsilon curve) for the current data and settings. */
export interface PlanCommand {
  type: 'plan';
  requestId: number;
  settings: RunSettings;
}

/** Start the pipeline on the current data and models (resumes it if the same run was saved before). */
export interface StartCommand {
  type: 'start';
  settings: RunSettings;
}

/** Stop at the next step boundary, saving a checkpoint. */
export interface PauseCommand {
  type: 'pause';
}

/** Continue a paused run, or restore a saved one (after a reload, a crash or a backend change). */
export interface ResumeCommand {
  type: 'resume';
  runId: string;
}

/** Stop the live run (if any) and delete its checkpoints and stored documents. */
export interface CancelCommand {
  type: 'cancel';
  runId?: string;
}

/** Show a finished run's results, samples and charts again (e.g. after a reload). */
export interface OpenRunCommand {
  type: 'openRun';
  runId: string;
}

export type ExportKind = 'student' | 'teacher' | 'synthetic' | 'report';
export const EXPORT_KINDS: readonly ExportKind[] = ['student', 'teacher', 'synthetic', 'report'];

export interface ExportCommand {
  type: 'export';
  runId: string;
  what: ExportKind;
}

export type WorkerCommand =
  | InitCommand
  | IngestCommand
  | LoadModelsCommand
  | PlanCommand
  | StartCommand
  | PauseCommand
  | ResumeCommand
  | CancelCommand
  | OpenRunCommand
  | ExportCommand;

// ---- events (worker -> UI) ----

export interface ReadyEvent {
  type: 'ready';
  backendInfo: BackendInfo;
}

/** Totals over all files of one ingest. */
export interface IngestTotals {
  files: number;
  ok: number;
  partial: number;
  rejected: number;
  documents: number;
  /** Tokens under the tokenizer the worker used (bytes: UTF-8 bytes of each document). */
  tokens: number;
  /** Distinct labels over all documents, sorted. */
  labels: string[];
}

/** Documents per split (seeded, over documents: the privacy units). */
export interface SplitSizes {
  train: number;
  validation: number;
  test: number;
}

export interface IngestSummary {
  files: FileReport[];
  totals: IngestTotals;
  /** Name of the tokenizer that produced the token counts. */
  tokenizer: string;
  /** How the documents will be split for training (absent with no documents). */
  split?: SplitSizes;
}

export interface IngestedEvent {
  type: 'ingested';
  requestId: number;
  summary: IngestSummary;
}

/** Bytes of the memory estimate of a model, and the batch it assumes. */
export interface ModelMemory {
  /** DP training of one micro-batch (parameters, optimizer, activations, per-example scratch). */
  trainingBytes: number;
  inferenceBytes: number;
  batch: number;
  seqLen: number;
  /** The largest single buffer a step allocates (logits of a micro-batch or an embedding). */
  largestBufferBytes: number;
}

/** The device limits a model is checked against (whichever are known). */
export interface DeviceLimits {
  backend: BackendName;
  /** navigator.deviceMemory: approximate RAM in GiB (Chrome reports at most 8). */
  deviceMemoryGiB?: number;
  /** WebGPU adapter limits. */
  maxBufferSize?: number;
  maxStorageBufferBindingSize?: number;
}

export interface ModelInfo {
  role: ModelRole;
  name: string;
  origin: 'pretrained' | 'random-init' | 'imported';
  config: GPTConfig;
  parameters: number;
  tokenizer: TokenizerKind;
  memory: ModelMemory;
  limits: DeviceLimits;
  warnings: string[];
}

export interface ModelLoadedEvent {
  type: 'model';
  requestId: number;
  role: ModelRole;
  info: ModelInfo;
}

/** A model could not be loaded: invalid folder (the importer's precise message) or too big (`refused`). */
export interface ModelErrorEvent {
  type: 'modelError';
  requestId: number;
  role: ModelRole;
  message: string;
  refused: boolean;
}

export interface PlanSummary {
  documents: { total: number; train: number; validation: number; test: number };
  /** Training documents with at least one window (shorter ones are left out of training). */
  trainUsable: number;
  useControlCodes: boolean;
  controlCodes: number;
  targetEpsilon: number;
  sigma: number;
  q: number;
  steps: number;
  /** Total delta of the run, and how it was chosen. */
  delta: number;
  deltaRule: 'default' | 'user';
  /** 1 / N^1.1 for this N. */
  defaultDelta: number;
  deltaWarning: string | null;
  /** The DP control-code histogram composed before DP-SGD (null without control codes). */
  histogram: { sigma: number; deltaThreshold: number } | null;
  accountant: string;
  clipNorm: number;
  /** The DP teacher's expected batch and epochs (the user's, or the recipe rule's). */
  expectedBatchSize: number;
  epochs: number;
  /** How the DP teacher trains (src/pipeline/recipe.ts): public choices, shown before the run. */
  recipe: {
    /** 'rule' when batch and epochs both come from the recipe rule. */
    batchAndEpochs: 'rule' | 'user';
    parameters: ParameterSelection;
    lora?: LoraConfig;
    learningRate: number;
    /** The compute cap: the most windows (of contextLength tokens) of a sampled document per step. */
    windowsPerDocument: number;
    contextLength: number;
  };
  /** Epsilon after all steps (<= target). */
  epsilon: number;
  /** Expected epsilon spent vs DP-SGD step (prior phases included). */
  curve: { step: number; epsilon: number }[];
  warnings: string[];
}

export interface PlanEvent {
  type: 'plan';
  requestId: number;
  plan: PlanSummary;
}

export type RunStatus =
  | 'running'
  | 'pausing'
  | 'paused'
  | 'cancelling'
  | 'completed'
  | 'failed'
  | 'cancelled';

export type FailureKind = 'device-lost' | 'non-finite' | 'out-of-memory' | 'storage' | 'error';

export interface RunFailure {
  kind: FailureKind;
  message: string;
}

export interface RunStatusEvent {
  type: 'runStatus';
  runId: string;
  status: RunStatus;
  manifest?: RunManifest;
  failure?: RunFailure;
}

export interface StageEvent {
  type: 'stage';
  method: StageOwner;
  stage: StageName;
  status: 'start' | 'end' | 'skipped';
  detail?: string;
  time: number;
}

/** Progress of a long stage (training steps, generated samples, evaluation windows). */
export interface ProgressEvent {
  type: 'progress';
  method: StageOwner;
  stage: StageName;
  done: number;
  total: number;
  /** Worker time (ms since the epoch): the UI estimates the ETA from these. */
  time: number;
}

/** Chart series: `${method}/${role}`, e.g. `distildp/teacher` (the DP teacher). */
export interface MetricPoint {
  series: string;
  stage: StageName;
  step: number;
  /** loss (nats/token), epsilon, tokensPerSecond, clippedFraction, learningRate. */
  values: Record<string, number>;
}

/** Throttled (about 10 per second): every point since the last event. */
export interface MetricsEvent {
  type: 'metrics';
  points: MetricPoint[];
}

export interface SyntheticSampleOut {
  labels: string[];
  text: string;
}

export interface SamplesEvent {
  type: 'samples';
  samples: SyntheticSampleOut[];
}

/** The expected epsilon curve of one DP training, sent when it starts. */
export interface DPPlanEvent {
  type: 'dpPlan';
  series: string;
  target: number;
  steps: number;
  curve: { step: number; epsilon: number }[];
}

export interface ResultEvent {
  type: 'result';
  row: ResultRow;
}

export interface ReportsEvent {
  type: 'reports';
  runId: string;
  reports: PrivacyReport[];
}

/** Runs found in storage (newest first): unfinished ones can be resumed, finished ones opened. */
export interface SavedRunsEvent {
  type: 'savedRuns';
  runs: RunManifest[];
  storage: StorageInfo;
}

export interface StorageInfo {
  kind: 'opfs' | 'indexeddb' | 'memory';
  quotaBytes?: number;
  usageBytes?: number;
}

/** What a restored run had already produced: the charts, samples and results continue from here. */
export interface HistoryEvent {
  type: 'history';
  runId: string;
  points: MetricPoint[];
  samples: SyntheticSampleOut[];
  results: ResultRow[];
  reports: PrivacyReport[];
  dpPlans: Omit<DPPlanEvent, 'type'>[];
  settings: RunSettings;
}

export interface ExportedEvent {
  type: 'exported';
  runId: string;
  what: ExportKind;
  fileName: string;
  mime: string;
  /** Transferred, not copied. */
  bytes: ArrayBuffer;
}

export type LogLevel = 'info' | 'warn' | 'error';

export interface LogEvent {
  type: 'log';
  level: LogLevel;
  message: string;
  /** Milliseconds since the epoch, stamped by the worker. */
  time: number;
}

/** A command failed. `command` and `requestId` say which, when known. */
export interface ErrorEvent {
  type: 'error';
  message: string;
  command?: WorkerCommand['type'];
  requestId?: number;
}

export type WorkerEvent =
  | ReadyEvent
  | IngestedEvent
  | ModelLoadedEvent
  | ModelErrorEvent
  | PlanEvent
  | RunStatusEvent
  | StageEvent
  | ProgressEvent
  | MetricsEvent
  | SamplesEvent
  | DPPlanEvent
  | ResultEvent
  | ReportsEvent
  | SavedRunsEvent
  | HistoryEvent
  | ExportedEvent
  | LogEvent
  | ErrorEvent;
