/**
 * The one UI store, in slices (backend, data, run, logs). It holds no worker and no side effects:
 * the controller drives the worker and calls these actions, and worker events go through the pure
 * `reduceWorkerEvent`, so every transition can be tested without a browser.
 */
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type {
  BackendChoice,
  BackendInfo,
  IngestSummary,
  LogLevel,
  ProgressEvent,
  WorkerEvent,
} from '../worker/protocol';
import type { SelectedFile } from './file-sources';

/** Keep the log and the metric history bounded; a long run streams thousands of events. */
export const MAX_LOG_ENTRIES = 500;
export const MAX_METRIC_POINTS = 5000;

export interface BackendState {
  choice: BackendChoice;
  status: 'starting' | 'ready' | 'error';
  info: BackendInfo | null;
  error: string | null;
}

/** The ingest options the UI exposes (the rest keep ingest's defaults). */
export interface UiIngestOptions {
  splitOnBlankLines: boolean;
  folderLabels: boolean;
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

export interface MetricPoint {
  stage: string;
  step: number;
  values: Record<string, number>;
}

export interface RunState {
  progress: Omit<ProgressEvent, 'type'> | null;
  metrics: MetricPoint[];
}

export interface LogEntry {
  level: LogLevel;
  message: string;
  time: number;
  source: 'worker' | 'ui';
}

export interface AppData {
  backend: BackendState;
  data: DataState;
  run: RunState;
  logs: LogEntry[];
}

export interface AppActions {
  backendStarting(choice: BackendChoice): void;
  setSources(sources: SelectedFile[]): void;
  setIngestOption<K extends keyof UiIngestOptions>(key: K, value: UiIngestOptions[K]): void;
  /** Starts a new ingest (files being read) and returns its request id. */
  beginIngest(): number;
  /** The files of ingest `requestId` were read and sent to the worker. */
  ingestSent(requestId: number): void;
  ingestFailed(requestId: number, message: string): void;
  addLog(level: LogLevel, message: string, source?: LogEntry['source']): void;
  applyWorkerEvent(event: WorkerEvent): void;
  /** The worker script failed to load or crashed; nothing it was doing will finish. */
  workerFailed(message: string): void;
}

export type AppState = AppData & AppActions;

export const DEFAULT_UI_INGEST_OPTIONS: UiIngestOptions = { splitOnBlankLines: false, folderLabels: false };

export function initialAppData(choice: BackendChoice = 'auto'): AppData {
  return {
    backend: { choice, status: 'starting', info: null, error: null },
    data: {
      sources: [],
      options: { ...DEFAULT_UI_INGEST_OPTIONS },
      status: 'empty',
      requestId: 0,
      summary: null,
      error: null,
    },
    run: { progress: null, metrics: [] },
    logs: [],
  };
}

function appendBounded<T>(list: readonly T[], item: T, max: number): T[] {
  const next = list.length >= max ? list.slice(list.length - max + 1) : list.slice();
  next.push(item);
  return next;
}

export function appendLog(logs: readonly LogEntry[], entry: LogEntry): LogEntry[] {
  return appendBounded(logs, entry, MAX_LOG_ENTRIES);
}

/** The state change one worker event causes (pure: returns the slices it replaces). */
export function reduceWorkerEvent(state: AppData, event: WorkerEvent): Partial<AppData> {
  switch (event.type) {
    case 'ready':
      return { backend: { ...state.backend, status: 'ready', info: event.backendInfo, error: null } };
    case 'ingested':
      if (event.requestId !== state.data.requestId) return {};
      return { data: { ...state.data, status: 'ready', summary: event.summary, error: null } };
    case 'progress':
      return {
        run: { ...state.run, progress: { stage: event.stage, done: event.done, total: event.total } },
      };
    case 'metrics': {
      const point = { stage: event.stage, step: event.step, values: event.values };
      return { run: { ...state.run, metrics: appendBounded(state.run.metrics, point, MAX_METRIC_POINTS) } };
    }
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
      const logs = appendLog(state.logs, {
        level: 'error',
        message: event.command ? `${event.command}: ${event.message}` : event.message,
        time: Date.now(),
        source: 'worker',
      });
      if (event.command === 'init') {
        return { logs, backend: { ...state.backend, status: 'error', info: null, error: event.message } };
      }
      if (event.command === 'ingest') {
        if (event.requestId !== state.data.requestId) return { logs };
        return { logs, data: { ...state.data, status: 'error', error: event.message } };
      }
      return { logs };
    }
    default: {
      const unknown: never = event;
      return {
        logs: appendLog(state.logs, {
          level: 'warn',
          message: `unknown worker event ${JSON.stringify(unknown)}`,
          time: Date.now(),
          source: 'ui',
        }),
      };
    }
  }
}

export function createAppStore(initial: AppData = initialAppData()): StoreApi<AppState> {
  return createStore<AppState>()((set, get) => ({
    ...initial,
    backendStarting: (choice) =>
      set((s) => ({ backend: { ...s.backend, choice, status: 'starting', info: null, error: null } })),
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
export const appStore = createAppStore();

export function useAppStore<T>(selector: (state: AppState) => T): T {
  return useStore(appStore, selector);
}
