/**
 * What the worker does with each pipeline event of a live run: chart points and samples through
 * the batcher, stages, plans, base results and result rows to the UI and to the run's storage,
 * the manifest kept current. RunController builds these for every launch.
 */
import type { Checkpoints } from '../pipeline/checkpoint';
import type { PipelineEvents } from '../pipeline/events';
import type { LoadedModel } from '../pipeline/models';
import type { ResultRow } from '../pipeline/results';
import { plannedEpsilonCurve } from '../train/dp-train';
import type { EventBatcher } from './event-batcher';
import { MetricPointMaker } from './metric-points';
import type { BaseResult, DPPlanEvent, MetricPoint, WorkerEvent } from './protocol';
import type { RunManifest } from './run-manifest';
import { type RunStorage, runPaths } from './run-storage';
import { seriesName } from './series';

/** A run in progress in this worker. */
export interface LiveRun {
  manifest: RunManifest;
  checkpoints: Checkpoints & { freeze(reason: string): void };
  stop: 'pause' | 'cancel' | null;
  /** Chart points not yet written to storage (written with the next checkpoint). */
  pendingMetrics: MetricPoint[];
  results: ResultRow[];
  plans: Omit<DPPlanEvent, 'type'>[];
  /** Base models restored for this run (disposed when it ends); session models are not. */
  restored: LoadedModel[];
}

/** What the events need from the controller. */
export interface RunEventsTarget {
  live: LiveRun;
  runs: RunStorage;
  post(event: WorkerEvent): void;
  log(message: string): void;
  writeManifest(m: RunManifest): Promise<void>;
  queueWrite(what: string, write: () => Promise<void>): Promise<void>;
  /** The synthetic text is generated (or was, before a resume). */
  generated(): void;
  /** Test aid: true (once) when the injected divergence is due at this DP step. */
  injectedFaultAt(step: number): boolean;
  stopped(): boolean;
}

export function pipelineEvents(t: RunEventsTarget, batcher: EventBatcher): PipelineEvents {
  const live = t.live;
  const runId = live.manifest.runId;
  const maker = new MetricPointMaker();
  const point = (p: MetricPoint) => {
    batcher.metric(p);
    live.pendingMetrics.push(p);
  };
  return {
    stage: (e) => {
      batcher.flush();
      t.post({ type: 'stage', ...e, time: Date.now() });
      if (e.status === 'start') {
        live.manifest = { ...live.manifest, stage: { method: e.method, stage: e.stage } };
        void t.writeManifest(live.manifest);
      }
      if (e.stage === 'generate' && e.status !== 'start') t.generated();
    },
    progress: (e) => batcher.setProgress({ type: 'progress', ...e, time: Date.now() }),
    dpStep: (method, role, r) => {
      if (t.injectedFaultAt(r.step)) {
        throw new Error(
          `training diverged: loss is NaN at DP step ${r.step} (fault injected by ?fault=diverge@${r.step})`,
        );
      }
      point(maker.dp(method, role, r));
    },
    trainStep: (method, role, r) => point(maker.train(method, role, r)),
    validation: (method, role, e) => point(maker.validation(method, role, e)),
    plan: (method, role, plan) => {
      const event: Omit<DPPlanEvent, 'type'> = {
        series: seriesName(method, role),
        target: plan.epsilon,
        steps: plan.steps,
        curve: plannedEpsilonCurve(plan, 60),
      };
      live.plans = [...live.plans.filter((p) => p.series !== event.series), event];
      t.post({ type: 'dpPlan', ...event });
      const plans = live.plans;
      void t.queueWrite('expected epsilon curves', () =>
        t.runs.writeJson(runPaths.json(runId, 'plans'), plans),
      );
    },
    sample: (labels, text) => batcher.sample({ labels, text }),
    baseEvaluation: (e) => {
      const results: BaseResult[] = (['teacher', 'student'] as const).map((model) => ({
        model,
        test_ppl: e[model].perplexity,
        bits_per_byte: e[model].bitsPerByte,
      }));
      t.post({ type: 'baseResults', results });
      void t.queueWrite('base results', () => t.runs.writeJson(runPaths.json(runId, 'base'), results));
    },
    result: (row) => {
      batcher.flush();
      live.results = [
        ...live.results.filter((r) => !(r.method === row.method && r.model === row.model)),
        row,
      ];
      t.post({ type: 'result', row });
      const results = live.results;
      void t.queueWrite('results', () => t.runs.writeJson(runPaths.json(runId, 'results'), results));
      // The manifest keeps a copy, for the list of runs (no extra reads per run).
      live.manifest = { ...live.manifest, results };
      void t.writeManifest(live.manifest);
    },
    log: (message) => t.log(message),
    shouldStop: t.stopped,
  };
}
