/**
 * The one UI store, in slices (backend, data, models, budget, run, saved runs, exports, logs). It
 * holds no worker and no side effects: the controller drives the worker and calls these actions,
 * and worker events go through the pure `reduceWorkerEvent`, so every transition can be tested
 * without a browser.
 */
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type {
  BackendChoice,
  BackendInfo,
  ExportKind,
  IngestSummary,
  LogLevel,
  ModelRole,
  StorageInfo,
  WeightDtype,
  WorkerEvent,
} from '../contract/protocol';
import type { RunManifest } from '../contract/run-manifest';
import { defaultSettings, type RunProfile, type RunSettings } from '../contract/run-settings';
import type { ThreadsChoice } from './backend-choice';
import type { SelectedFile } from './file-sources';
import { clearedRun, initialRunState, type RunState, reduceRunEvent, type UiRunStatus } from './run-slice';
import {
  type BudgetState,
  initialBudget,
  initialModels,
  type ModelChoice,
  type ModelsState,
  reduceBudgetEvent,
  reduceModelsEvent,
} from './setup-slices';

export { MAX_METRIC_POINTS } from './run-slice';

/** Keep the log bounded; a long run streams thousands of events. */
export const MAX_LOG_ENTRIES = 500;

export interface BackendState {
  choice: BackendChoice;
  /** WASM threads asked for (`?threads=`); 'auto' is every logical core. */
  threads: ThreadsChoice;
  status: 'starting' | 'ready' | 'error';
  info: BackendInfo | null;
  error: string | null;
}

/** The ingest options the UI exposes (the rest keep ingest's defaults). */
export interface UiIngestOptions {
  splitOnBlankLines: boolean;
  folderLabels: boolean;
  /** Field of record files holding the text (the user's choice; default `text`). */
  textField: string;
  /** Fields used as labels (the user's choice; default none). */
  labelFields: string[];
}

export type DataStatus = 'empty' | 'reading' | 'ingesting' | 'ready' | 'error';

export interface DataState {
  /** Files chosen so far (handles only; bytes are read for each ingest). */
  sources: SelectedFile[];
  options: UiIngestOptions;
  status: DataStatus;
  /** Id of the newest ingest; answers with another id are stale and ignored. */
  requestId: number;
  summary: IngestSummary | null;
  error: string | null;
}

export interface SavedRunsState {
  runs: RunManifest[];
  storage: StorageInfo | null;
  /** Whether navigator.storage.persist() was granted (null: not asked yet). */
  persisted: boolean | null;
}

export type ExportStatus = 'idle' | 'building' | 'done' | 'error';

export interface LogEntry {
  level: LogLevel;
  message: string;
  time: number;
  source: 'worker' | 'ui';
}

/** The user's choices for downloads (precision of the weights, their description of the data). */
export interface ExportChoices {
  dtype: WeightDtype;
  dataDescription: string;
}

export interface AppData {
  profile: RunProfile;
  backend: BackendState;
  data: DataState;
  models: ModelsState;
  budget: BudgetState;
  run: RunState;
  saved: SavedRunsState;
  exports: Record<ExportKind, ExportStatus>;
  exportChoices: ExportChoices;
  logs: LogEntry[];
}

export interface AppActions {
  backendStarting(choice: BackendChoice, threads?: ThreadsChoice): void;
  setSources(sources: SelectedFile[]): void;
  setIngestOption<K extends keyof UiIngestOptions>(key: K, value: UiIngestOptions[K]): void;
  /** Starts a new ingest (files being read) and returns its request id. */
  beginIngest(): number;
  /** The files of ingest `requestId` were read and sent to the worker. */
  ingestSent(requestId: number): void;
  ingestFailed(requestId: number, message: string): void;
  /** A model load for `role` begins; returns its request id. */
  beginModelLoad(role: ModelRole, choice: ModelChoice): number;
  modelLoadFailed(role: ModelRole, requestId: number, message: string): void;
  setSettings(patch: Partial<RunSettings>): void;
  /** A plan request begins; returns its request id. */
  beginPlan(): number;
  /** The user agreed to spend this total epsilon on documents earlier runs used (null: withdrawn). */
  confirmSpend(totalEpsilon: number | null): void;
  /** Start or resume requested: charts and results are cleared for the run's own history. */
  runRequested(status: UiRunStatus, settings: RunSettings | null, runId?: string): void;
  setPersisted(persisted: boolean): void;
  setExportStatus(what: ExportKind, status: ExportStatus): void;
  setExportChoices(patch: Partial<ExportChoices>): void;
  addLog(level: LogLevel, message: string, source?: LogEntry['source']): void;
  applyWorkerEvent(event: WorkerEvent): void;
  /** The worker script failed to load or crashed; nothing it was doing will finish. */
  workerFailed(message: string): void;
}

export type AppState = AppData & AppActions;

export const DEFAULT_UI_INGEST_OPTIONS: UiIngestOptions = {
  splitOnBlankLines: false,
  folderLabels: false,
  textField: 'text',
  labelFields: [],
};

export function initialAppData(
  choice: BackendChoice = 'auto',
  profile: RunProfile = 'standard',
  presets: Record<ModelRole, string> = { teacher: 'teacher', student: 'student' },
): AppData {
  return {
    profile,
    backend: { choice, threads: 'auto', status: 'starting', info: null, error: null },
    data: {
      sources: [],
      options: { ...DEFAULT_UI_INGEST_OPTIONS },
      status: 'empty',
      requestId: 0,
      summary: null,
      error: null,
    },
    models: initialModels(presets),
    budget: initialBudget(defaultSettings(profile)),
    run: initialRunState(),
    saved: { runs: [], storage: null, persisted: null },
    exports: { student: 'idle', teacher: 'idle', synthetic: 'idle', report: 'idle', all: 'idle' },
    exportChoices: { dtype: 'F32', dataDescription: '' },
    logs: [],
  };
}

export function appendLog(logs: readonly LogEntry[], entry: LogEntry): LogEntry[] {
  const next = logs.length >= MAX_LOG_ENTRIES ? logs.slice(logs.length - MAX_LOG_ENTRIES + 1) : logs.slice();
  next.push(entry);
  return next;
}

function workerErrorLog(state: AppData, message: string, command?: string): LogEntry[] {
  return appendLog(state.logs, {
    level: 'error',
    message: command ? `${command}: ${message}` : message,
    time: Date.now(),
    source: 'worker',
  });
}

/** The state change one worker event causes (pure: returns the slices it replaces). */
export function reduceWorkerEvent(state: AppData, event: WorkerEvent): Partial<AppData> {
  const run = reduceRunEvent(state.run, event);
  if (run) return { run };
  const models = reduceModelsEvent(state.models, event);
  const budget = reduceBudgetEvent(state.budget, event);
  if (models || budget) {
    const out: Partial<AppData> = {};
    if (models) out.models = models;
    if (budget) out.budget = budget;
    if (event.type === 'error') out.logs = workerErrorLog(state, event.message, event.command);
    return out;
  }
  switch (event.type) {
    case 'ready':
      return { backend: { ...state.backend, status: 'ready', info: event.backendInfo, error: null } };
    case 'ingested':
      if (event.requestId !== state.data.requestId) return {};
      return { data: { ...state.data, status: 'ready', summary: event.summary, error: null } };
    case 'savedRuns':
      return { saved: { ...state.saved, runs: event.runs, storage: event.storage } };
    case 'exported':
      return { exports: { ...state.exports, [event.what]: 'done' } };
    case 'log':
      return {
        logs: appendLog(state.logs, {
          level: event.level,
          message: event.message,
          time: event.time,
          source: 'worker',
        }),
      };
    case 'error': {
      const logs = workerErrorLog(state, event.message, event.command);
      switch (event.command) {
        case 'init':
          return { logs, backend: { ...state.backend, status: 'error', info: null, error: event.message } };
        case 'ingest':
          if (event.requestId !== state.data.requestId) return { logs };
          return { logs, data: { ...state.data, status: 'error', error: event.message } };
        case 'start':
        case 'resume':
          // The run never started: back to idle with the reason shown.
          return {
            logs,
            run: { ...state.run, status: 'failed', failure: { kind: 'error', message: event.message } },
          };
        case 'export':
          return {
            logs,
            exports: Object.fromEntries(
              Object.entries(state.exports).map(([k, v]) => [k, v === 'building' ? 'error' : v]),
            ) as AppData['exports'],
          };
        default:
          return { logs };
      }
    }
    default:
      return {};
  }
}

export function createAppStore(initial: AppData = initialAppData()): StoreApi<AppState> {
  return createStore<AppState>()((set, get) => ({
    ...initial,
    backendStarting: (choice, threads) =>
      set((s) => ({
        backend: {
          ...s.backend,
          choice,
          threads: threads ?? s.backend.threads,
          status: 'starting',
          info: null,
          error: null,
        },
      })),
    setSources: (sources) =>
      set((s) =>
        sources.length === 0
          ? // A new request id makes the answer to any ingest still in flight stale.
            {
              data: {
                ...s.data,
                sources,
                status: 'empty',
                requestId: s.data.requestId + 1,
                summary: null,
                error: null,
              },
            }
          : { data: { ...s.data, sources } },
      ),
    setIngestOption: (key, value) =>
      set((s) => ({ data: { ...s.data, options: { ...s.data.options, [key]: value } } })),
    beginIngest: () => {
      const requestId = get().data.requestId + 1;
      set((s) => ({ data: { ...s.data, requestId, status: 'reading', error: null } }));
      return requestId;
    },
    ingestSent: (requestId) =>
      set((s) => (s.data.requestId === requestId ? { data: { ...s.data, status: 'ingesting' } } : {})),
    ingestFailed: (requestId, message) =>
      set((s) => ({
        logs: appendLog(s.logs, { level: 'error', message, time: Date.now(), source: 'ui' }),
        ...(s.data.requestId === requestId
          ? { data: { ...s.data, status: 'error' as const, error: message } }
          : {}),
      })),
    beginModelLoad: (role, choice) => {
      const requestId = Math.max(get().models.teacher.requestId, get().models.student.requestId) + 1;
      set((s) => ({
        models: {
          ...s.models,
          [role]: { choice, status: 'loading', requestId, info: null, error: null, refused: false },
        },
      }));
      return requestId;
    },
    modelLoadFailed: (role, requestId, message) =>
      set((s) =>
        s.models[role].requestId === requestId
          ? {
              models: {
                ...s.models,
                [role]: { ...s.models[role], status: 'error', error: message, refused: false },
              },
            }
          : {},
      ),
    setSettings: (patch) =>
      set((s) => ({ budget: { ...s.budget, settings: { ...s.budget.settings, ...patch } } })),
    beginPlan: () => {
      const requestId = get().budget.requestId + 1;
      set((s) => ({ budget: { ...s.budget, requestId, planStatus: 'computing', planError: null } }));
      return requestId;
    },
    confirmSpend: (totalEpsilon) =>
      set((s) => ({ budget: { ...s.budget, spendConfirmedFor: totalEpsilon } })),
    runRequested: (status, settings, runId) =>
      set(() => ({ run: clearedRun(status, settings, runId ?? null) })),
    setPersisted: (persisted) => set((s) => ({ saved: { ...s.saved, persisted } })),
    setExportStatus: (what, status) => set((s) => ({ exports: { ...s.exports, [what]: status } })),
    setExportChoices: (patch) => set((s) => ({ exportChoices: { ...s.exportChoices, ...patch } })),
    addLog: (level, message, source = 'ui') =>
      set((s) => ({ logs: appendLog(s.logs, { level, message, time: Date.now(), source }) })),
    applyWorkerEvent: (event) => set((s) => reduceWorkerEvent(s, event)),
    workerFailed: (message) =>
      set((s) => ({
        logs: appendLog(s.logs, { level: 'error', message, time: Date.now(), source: 'ui' }),
        backend: { ...s.backend, status: 'error', error: message },
        data:
          s.data.status === 'reading' || s.data.status === 'ingesting'
            ? { ...s.data, status: 'error', error: message }
            : s.data,
      })),
  }));
}

/** The application's store; actions are callable outside React (`appStore.getState().x()`). */
export let appStore = createAppStore();

/** Replaces the store before the app renders (main.tsx: the URL decides profile and presets). */
export function initAppStore(initial: AppData): void {
  appStore = createAppStore(initial);
}

export function useAppStore<T>(selector: (state: AppState) => T): T {
  return useStore(appStore, selector);
}
