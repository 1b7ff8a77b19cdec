/**
 * How worker events change the app state: a pure (state, event) -> changed slices, composed of the
 * slice reducers (run, compare, models, budget) and the small cases of the other slices.
 */
import type { WorkerEvent } from '../contract/protocol';
import { reduceCompareEvent } from './compare-slice';
import { reduceRunEvent } from './run-slice';
import { reduceBudgetEvent, reduceModelsEvent } from './setup-slices';
import type { AppData, LogEntry } from './store';

/** Keep the log bounded; a long run streams thousands of events. */
export const MAX_LOG_ENTRIES = 500;

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
  const compare = reduceCompareEvent(state.compare, event);
  if (event.type === 'compareHistory') return { compare };
  const out = reduceRunAndSetup(state, event);
  return compare === undefined ? out : { ...out, compare };
}

function reduceRunAndSetup(state: AppData, event: WorkerEvent): Partial<AppData> {
  const run = reduceRunEvent(state.run, event);
  // A resumed or reopened run: the budget form shows the settings that run used.
  if (run && event.type === 'history')
    return { run, budget: { ...state.budget, settings: event.settings, plan: null, planStatus: 'idle' } };
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
