import type { FileInput, IngestOptions } from '../data/types';
import type { BackendName } from '../model/backend';
import type { ExportKind, WeightDtype } from '../pipeline/export-bundle';
import type { RunSettings } from './run-settings';

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
  /** The user confirmed spending more on documents earlier runs used (the privacy ledger). */
  confirmSpend?: boolean;
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

export const EXPORT_KINDS: readonly ExportKind[] = ['student', 'teacher', 'synthetic', 'report', 'all'];

/** What the user chose for a download: weight precision and the data description for model cards. */
export interface ExportRequest {
  what: ExportKind;
  /** model.safetensors precision (default F32; F16 halves the download). */
  dtype?: WeightDtype;
  /** The user's own words about the data, published in the model cards (never derived from the data). */
  dataDescription?: string;
}

export interface ExportCommand extends ExportRequest {
  type: 'export';
  runId: string;
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
