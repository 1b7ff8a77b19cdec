/**
 * What a saved run had produced, read back from storage for the UI (after a reload, on resume, or
 * to reopen a finished run): chart points, synthetic samples, results, reports, expected curves.
 */
import type { ResultRow } from '../pipeline/run';
import type { StepRecord } from '../pipeline/store';
import type { SyntheticCorpus, SyntheticProgress } from '../pipeline/synthetic';
import type {
  DPPlanEvent,
  HistoryEvent,
  MetricPoint,
  PrivacyReport,
  SyntheticCorpusSummary,
  SyntheticSampleOut,
} from './protocol';
import type { RunManifest } from './run-manifest';
import { type RunStorage, runPaths } from './run-storage';
import { dpSeriesOfStepKey } from './series';

/** Synthetic samples of a finished or partial generate step. */
export function generatedSamples(record: StepRecord | undefined): SyntheticSampleOut[] {
  if (!record) return [];
  if (record.status === 'done') return (record.value as SyntheticCorpus).samples;
  return ((record.value as SyntheticProgress | undefined)?.kept ?? []).flat();
}

/** The finished synthetic corpus of a generate step record (null while it is partial). */
export function syntheticCorpusOf(record: StepRecord | undefined): SyntheticCorpusSummary | null {
  if (record?.status !== 'done') return null;
  const c = record.value as SyntheticCorpus;
  return {
    samples: c.samples.map((s) => ({ labels: s.labels, text: s.text })),
    generated: c.generated,
    duplicates: c.duplicates,
    empty: c.empty,
  };
}

/**
 * The run's history. Chart points come from the metric chunks written with each checkpoint; a DP
 * training without any (e.g. its chunk was never written) gets its epsilon history from its step
 * record, the authoritative one.
 */
export async function loadRunHistory(runs: RunStorage, manifest: RunManifest): Promise<HistoryEvent> {
  const runId = manifest.runId;
  const points = await runs.readMetrics<MetricPoint>(runId);
  const steps = await runs.listSteps(runId);
  for (const key of steps) {
    const series = dpSeriesOfStepKey(key);
    if (!series || points.some((p) => p.series === series)) continue;
    const record = await runs.readStep(runId, key);
    const history = (record?.value as { epsilonHistory?: { step: number; epsilon: number }[] })
      ?.epsilonHistory;
    const stage = key.endsWith('teacher-dp') ? 'teacher-dp' : 'student-dp';
    for (const h of history ?? [])
      points.push({ series, stage, step: h.step, values: { epsilon: h.epsilon } });
  }
  const generate = steps.includes('shared/generate')
    ? await runs.readStep(runId, 'shared/generate')
    : undefined;
  return {
    type: 'history',
    runId,
    points,
    samples: generatedSamples(generate),
    synthetic: syntheticCorpusOf(generate),
    results: (await runs.readJson<ResultRow[]>(runPaths.json(runId, 'results'))) ?? [],
    reports: (await runs.readJson<PrivacyReport[]>(runPaths.json(runId, 'reports'))) ?? [],
    dpPlans: (await runs.readJson<Omit<DPPlanEvent, 'type'>[]>(runPaths.json(runId, 'plans'))) ?? [],
    settings: manifest.settings,
  };
}
