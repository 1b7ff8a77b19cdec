/**
 * Messages between the UI thread and the one module worker that owns every tensor. Both
 * directions are discriminated unions on `type`, so a `switch` over them is checked for
 * exhaustiveness. Only `import type` here: the UI imports this module and must never pull TF.js.
 *
 * Commands for training (`start | pause | resume | cancel`) join the union with the training step;
 * the events they will need (`progress`, `metrics`, `log`) are already defined and handled.
 */
import type { FileInput, FileReport, IngestOptions } from '../data/types';
import type { BackendInfo, BackendName } from '../model/backend';

export type { BackendInfo, BackendName };

/** What the user asked for: a named backend, or the automatic order webgpu -> wasm -> cpu. */
export type BackendChoice = 'auto' | BackendName;
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'webgpu', 'wasm', 'cpu'];

// ---- commands (UI -> worker) ----

/** Initialise TF.js; `backend` forces one (no silent fallback), absent means automatic. */
export interface InitCommand {
  type: 'init';
  backend?: BackendName;
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

export type WorkerCommand = InitCommand | IngestCommand;

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

export interface IngestSummary {
  files: FileReport[];
  totals: IngestTotals;
  /** Name of the tokenizer that produced the token counts. */
  tokenizer: string;
}

export interface IngestedEvent {
  type: 'ingested';
  requestId: number;
  summary: IngestSummary;
}

/** Progress of a long stage (training steps, generated samples, ...). */
export interface ProgressEvent {
  type: 'progress';
  stage: string;
  done: number;
  total: number;
}

/** One throttled sample of training metrics (loss, epsilon spent, tokens/s, ...). */
export interface MetricsEvent {
  type: 'metrics';
  stage: string;
  step: number;
  values: Record<string, number>;
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

export type WorkerEvent = ReadyEvent | IngestedEvent | ProgressEvent | MetricsEvent | LogEvent | ErrorEvent;
