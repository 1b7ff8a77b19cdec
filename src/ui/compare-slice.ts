/**
 * A second saved run shown beside the current one: its curves overlaid on the charts (dotted) and
 * its results side by side. Loaded with the worker's compareRun; pure reducer like the other slices.
 */
import type { DPPlanEvent, MetricPoint, ResultRow, WorkerEvent } from '../contract/protocol';
import type { RunManifest } from '../contract/run-manifest';

export interface CompareState {
  runId: string;
  manifest: RunManifest;
  points: MetricPoint[];
  dpPlans: Record<string, Omit<DPPlanEvent, 'type' | 'series'>>;
  results: ResultRow[];
}

/** The compare slice after an event (undefined: unchanged). */
export function reduceCompareEvent(
  compare: CompareState | null,
  event: WorkerEvent,
): CompareState | null | undefined {
  switch (event.type) {
    case 'compareHistory':
      return {
        runId: event.runId,
        manifest: event.manifest,
        points: event.points,
        dpPlans: Object.fromEntries(event.dpPlans.map(({ series, ...rest }) => [series, rest])),
        results: event.results,
      };
    case 'runStatus':
      // The compared run was deleted, or it is now the run shown (its status events are the shown run's).
      return compare && event.runId === compare.runId ? null : undefined;
    case 'history':
      return compare && event.runId === compare.runId ? null : undefined;
    default:
      return undefined;
  }
}

export interface ComparedResult {
  key: string;
  method: ResultRow['method'];
  model: ResultRow['model'];
  shown: ResultRow | undefined;
  other: ResultRow | undefined;
}

/** The two runs' results, paired by method and model (rows of either run, in first-seen order). */
export function pairResults(shown: readonly ResultRow[], other: readonly ResultRow[]): ComparedResult[] {
  const keys: string[] = [];
  for (const r of [...shown, ...other]) {
    const key = `${r.method}/${r.model}`;
    if (!keys.includes(key)) keys.push(key);
  }
  return keys.map((key) => {
    const [method, model] = key.split('/') as [ResultRow['method'], ResultRow['model']];
    const find = (rows: readonly ResultRow[]) => rows.find((r) => r.method === method && r.model === model);
    return { key, method, model, shown: find(shown), other: find(other) };
  });
}
