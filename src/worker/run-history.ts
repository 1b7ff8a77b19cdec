/**
 * What a saved run had produced, read back from storage for the UI (after a reload, on resume, or
 * to reopen a finished run): chart points, synthetic samples, results, reports, expected curves.
 */

import type {
  DPPlanEvent,
  HistoryEvent,
  MetricPoint,
  PrivacyReport,
  SyntheticSampleOut,
} from '../contract/protocol';
import type { RunManifest } from '../contract/run-manifest';
import { seriesName } from '../contract/series';
import type { Checkpoint } from '../pipeline/checkpoint';
import type { ResultRow } from '../pipeline/results';
import { checkpointOf, dpStageOfKey, STAGES } from '../pipeline/stage-registry';
import { type RunStorage, runPaths } from './run-storage';

/** The chart series of the DP training a checkpoint key belongs to, or null for other stages. */
export function dpSeriesOfKey(stageKey: string): string | null {
  const stage = dpStageOfKey(stageKey);
  return stage ? seriesName(stage.owner, stage.role) : null;
}

/** Synthetic samples of a finished or partial generate stage. */
export function generatedSamples(checkpoint: Checkpoint | undefined): SyntheticSampleOut[] {
  const c = checkpointOf(STAGES.generate, checkpoint);
  if (!c) return [];
  if (c.status === 'done') return c.value.samples;
  return (c.value?.kept ?? []).flat();
}

/**
 * The run's history. Chart points come from the metric chunks written with each checkpoint; a DP
 * training without any (e.g. its chunk was never written) gets its epsilon history from its
 * checkpoint, the authoritative one.
 */
export async function loadRunHistory(runs: RunStorage, manifest: RunManifest): Promise<HistoryEvent> {
  const runId = manifest.runId;
  const points = await runs.readMetrics<MetricPoint>(runId);
  const keys = await runs.listStages(runId);
  for (const key of keys) {
    const stage = dpStageOfKey(key);
    if (!stage) continue;
    const series = seriesName(stage.owner, stage.role);
    if (points.some((p) => p.series === series)) continue;
    const checkpoint = checkpointOf(stage, await runs.readStage(runId, key));
    for (const h of checkpoint?.value.epsilonHistory ?? [])
      points.push({ series, stage: stage.stage, step: h.step, values: { epsilon: h.epsilon } });
  }
  const generate = keys.includes(STAGES.generate.key)
    ? await runs.readStage(runId, STAGES.generate.key)
    : undefined;
  return {
    type: 'history',
    runId,
    points,
    samples: generatedSamples(generate),
    results: (await runs.readJson<ResultRow[]>(runPaths.json(runId, 'results'))) ?? [],
    reports: (await runs.readJson<PrivacyReport[]>(runPaths.json(runId, 'reports'))) ?? [],
    dpPlans: (await runs.readJson<Omit<DPPlanEvent, 'type'>[]>(runPaths.json(runId, 'plans'))) ?? [],
    settings: manifest.settings,
  };
}
