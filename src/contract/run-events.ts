import type { ExportKind } from '../pipeline/export-bundle';
import type { PrivacyReport, ResultRow, StageName, StageOwner } from '../pipeline/results';
import type { WorkerCommand } from './commands';
import type { RunManifest } from './run-manifest';
import type { RunSettings } from './run-settings';
import type { IngestedEvent, ModelErrorEvent, ModelLoadedEvent, PlanEvent, ReadyEvent } from './setup-events';

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
