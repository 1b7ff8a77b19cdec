/**
 * The run slice of the UI store: status, stages with progress, chart points, expected epsilon
 * curves, synthetic samples, results and privacy reports. `reduceRunEvent` is pure (state, event)
 * -> state, so every transition is testable without a browser.
 */

import type {
  DPPlanEvent,
  MetricPoint,
  PrivacyReport,
  ResultRow,
  RunFailure,
  RunStatus,
  StageName,
  StageOwner,
  SyntheticSampleOut,
  WorkerEvent,
} from '../contract/protocol';
import type { RunManifest } from '../contract/run-manifest';
import type { RunSettings } from '../contract/run-settings';
import type { ProgressMark } from './eta';

/** Chart points kept (the charts decimate to ~1000 per line). */
export const MAX_METRIC_POINTS = 200_000;
/** Synthetic samples kept for the samples view. */
export const MAX_SAMPLES = 2_000;

export type UiRunStatus = 'idle' | 'starting' | RunStatus;

export interface StageState {
  method: StageOwner;
  stage: StageName;
  status: 'active' | 'done' | 'skipped';
  detail?: string;
  done: number;
  total: number;
  /** First and newest progress seen since the stage (re)started: the ETA comes from them. */
  first?: ProgressMark;
  last?: ProgressMark;
}

export interface RunState {
  runId: string | null;
  status: UiRunStatus;
  settings: RunSettings | null;
  manifest: RunManifest | null;
  failure: RunFailure | null;
  /** Key `${method}/${stage}`, in the order stages started. */
  stages: Record<string, StageState>;
  stageOrder: string[];
  points: MetricPoint[];
  /** Newest step per series: a point at or before it means the run went back to a checkpoint. */
  lastStep: Record<string, number>;
  dpPlans: Record<string, Omit<DPPlanEvent, 'type' | 'series'>>;
  samples: SyntheticSampleOut[];
  results: ResultRow[];
  reports: PrivacyReport[];
}

export function initialRunState(): RunState {
  return {
    runId: null,
    status: 'idle',
    settings: null,
    manifest: null,
    failure: null,
    stages: {},
    stageOrder: [],
    points: [],
    lastStep: {},
    dpPlans: {},
    samples: [],
    results: [],
    reports: [],
  };
}

/** A fresh run (or a resumed one, before its history arrives): everything but the status cleared. */
export function clearedRun(
  status: UiRunStatus,
  settings: RunSettings | null,
  runId: string | null = null,
): RunState {
  return { ...initialRunState(), status, settings, runId };
}

/**
 * Appends points; when a series restarts at or before a step it already has (a resumed run redoing
 * the steps after its last checkpoint), that series' points from there on are replaced.
 */
export function appendPoints(
  points: readonly MetricPoint[],
  lastStep: Readonly<Record<string, number>>,
  added: readonly MetricPoint[],
  max = MAX_METRIC_POINTS,
): { points: MetricPoint[]; lastStep: Record<string, number> } {
  const cut = new Map<string, number>();
  const last = { ...lastStep };
  for (const p of added) {
    const prev = last[p.series];
    if (prev !== undefined && p.step <= prev && !cut.has(p.series)) cut.set(p.series, p.step);
    last[p.series] = p.step;
  }
  let kept = cut.size
    ? points.filter((p) => {
        const from = cut.get(p.series);
        return from === undefined || p.step < from;
      })
    : points.slice();
  kept.push(...added);
  if (kept.length > max) kept = kept.slice(kept.length - max);
  return { points: kept, lastStep: last };
}

function upsertResult(rows: readonly ResultRow[], row: ResultRow): ResultRow[] {
  const i = rows.findIndex((r) => r.method === row.method && r.model === row.model);
  if (i < 0) return [...rows, row];
  const next = rows.slice();
  next[i] = row;
  return next;
}

function withStage(state: RunState, key: string, stage: StageState): Partial<RunState> {
  return {
    stages: { ...state.stages, [key]: stage },
    stageOrder: state.stageOrder.includes(key) ? state.stageOrder : [...state.stageOrder, key],
  };
}

/** The run slice after one worker event, or null when the event is not the run's. */
export function reduceRunEvent(state: RunState, event: WorkerEvent): RunState | null {
  switch (event.type) {
    case 'runStatus':
      return {
        ...state,
        runId: event.runId,
        status: event.status,
        manifest: event.manifest ?? state.manifest,
        settings: event.manifest?.settings ?? state.settings,
        failure: event.status === 'failed' ? (event.failure ?? event.manifest?.failure ?? null) : null,
      };
    case 'history': {
      const lastStep: Record<string, number> = {};
      for (const p of event.points) lastStep[p.series] = Math.max(lastStep[p.series] ?? -1, p.step);
      return {
        ...state,
        runId: event.runId,
        settings: event.settings,
        stages: {},
        stageOrder: [],
        points: event.points.slice(-MAX_METRIC_POINTS),
        lastStep,
        dpPlans: Object.fromEntries(event.dpPlans.map(({ series, ...rest }) => [series, rest])),
        samples: event.samples.slice(-MAX_SAMPLES),
        results: event.results,
        reports: event.reports,
      };
    }
    case 'stage': {
      const key = `${event.method}/${event.stage}`;
      const prev = state.stages[key];
      const status = event.status === 'start' ? 'active' : event.status === 'end' ? 'done' : 'skipped';
      const base: StageState = prev ?? {
        method: event.method,
        stage: event.stage,
        status,
        done: 0,
        total: 0,
      };
      const next: StageState =
        event.status === 'start'
          ? { ...base, status, detail: event.detail, first: undefined, last: undefined }
          : {
              ...base,
              status,
              detail: event.detail ?? base.detail,
              done: status === 'done' ? base.total : base.done,
            };
      return { ...state, ...withStage(state, key, next) };
    }
    case 'progress': {
      const key = `${event.method}/${event.stage}`;
      const prev = state.stages[key] ?? {
        method: event.method,
        stage: event.stage,
        status: 'active' as const,
        done: 0,
        total: 0,
      };
      const mark = { time: event.time, done: event.done };
      const next: StageState = {
        ...prev,
        done: event.done,
        total: event.total,
        first: prev.first ?? mark,
        last: mark,
      };
      return { ...state, ...withStage(state, key, next) };
    }
    case 'metrics': {
      const { points, lastStep } = appendPoints(state.points, state.lastStep, event.points);
      return { ...state, points, lastStep };
    }
    case 'samples': {
      const samples = [...state.samples, ...event.samples];
      return { ...state, samples: samples.length > MAX_SAMPLES ? samples.slice(-MAX_SAMPLES) : samples };
    }
    case 'dpPlan': {
      const { type: _t, series, ...rest } = event;
      return { ...state, dpPlans: { ...state.dpPlans, [series]: rest } };
    }
    case 'result':
      return { ...state, results: upsertResult(state.results, event.row) };
    case 'reports':
      return { ...state, reports: event.reports };
    default:
      return null;
  }
}
