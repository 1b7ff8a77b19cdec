/**
 * One run executing in the worker: runPipeline with its checkpoints in the run's storage, its
 * events forwarded to the UI (batched) and recorded for a reload (chart points with each
 * checkpoint, results, expected-epsilon curves, the manifest), and its end: paused, cancelled
 * (deleted), completed or failed. RunController (run-controller.ts) starts and stops it.
 */
import type {
  BackendName,
  BaseResult,
  DPPlanEvent,
  LogLevel,
  MetricPoint,
  RunStatus,
  WorkerEvent,
} from '../contract/protocol';
import { mergeEpsilon, type RunManifest } from '../contract/run-manifest';
import { seriesName } from '../contract/series';
import type { Document } from '../data/types';
import type { Checkpoint } from '../pipeline/checkpoint';
import type { PipelineEvents } from '../pipeline/events';
import { releasesOfReports } from '../pipeline/ledger';
import { disposeModel, type LoadedModel } from '../pipeline/models';
import type { ResultRow } from '../pipeline/results';
import { type PipelineResult, runPipeline } from '../pipeline/run';
import { checkpointOf, dpStageOfKey, STAGES } from '../pipeline/stage-registry';
import { plannedEpsilonCurve } from '../train/dp-plan';
import { markInLedger } from './browser-ledger';
import { EventBatcher } from './event-batcher';
import { classifyFailure } from './failure';
import { MetricPointMaker } from './metric-points';
import { pipelineConfigFor } from './run-config';
import { syntheticCorpusOf } from './run-history';
import { RunCheckpoints, type RunStorage, runPaths } from './run-storage';
import { estimateRunOf } from './run-time';

export interface LiveRunHost {
  post(event: WorkerEvent, transfer?: Transferable[]): void;
  log(level: LogLevel, message: string): void;
  backend(): BackendName | null;
  /** Why the WebGPU device was lost, if it was: the run stops and writes nothing more. */
  deviceLost(): string | undefined;
  /** Test aid (InitCommand.fault): true, once, at the DP step the injected fault names. */
  takeInjectedFault(step: number): boolean;
}

export interface RunInputs {
  documents: Document[];
  teacher: LoadedModel;
  student: LoadedModel;
}

type RunStatusFailure = NonNullable<Extract<WorkerEvent, { type: 'runStatus' }>['failure']>;

export class LiveRun {
  readonly checkpoints: RunCheckpoints;
  private stop: 'pause' | 'cancel' | null = null;
  /** Chart points not yet written to storage (written with the next checkpoint). */
  private pendingMetrics: MetricPoint[] = [];
  private results: ResultRow[] = [];
  private plans: Omit<DPPlanEvent, 'type'>[] = [];
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly host: LiveRunHost,
    private readonly runs: RunStorage,
    public manifest: RunManifest,
    /** Base models restored for this run (disposed when it ends); session models are not. */
    private readonly restored: LoadedModel[],
  ) {
    this.checkpoints = new RunCheckpoints(runs, manifest.runId, (key, checkpoint) =>
      this.onCheckpoint(key, checkpoint),
    );
  }

  get runId(): string {
    return this.manifest.runId;
  }

  /** Stops at the next stage boundary or training step: pause keeps the run, cancel deletes it. */
  requestStop(kind: 'pause' | 'cancel'): void {
    if (kind === 'pause' && this.stop) return;
    this.stop = kind;
    if (kind === 'cancel') {
      // No checkpoint is written from now on, and the manifest says 'cancelled' at once: a reload
      // before the pipeline notices the stop never offers the run again (the listing deletes it).
      this.checkpoints.freeze('the run was cancelled');
      void this.writeManifest(this.manifest);
    }
    this.status(kind === 'pause' ? 'pausing' : 'cancelling');
  }

  /** Runs the pipeline to its end (never throws: a failure is recorded and posted). */
  async execute(inputs: RunInputs): Promise<void> {
    void this.writeManifest(this.manifest);
    this.status('running');
    const runId = this.runId;
    const batcher = new EventBatcher((e) => this.host.post(e));
    let result: PipelineResult | undefined;
    try {
      await this.postEstimate(inputs);
      result = await runPipeline({
        ...inputs,
        config: pipelineConfigFor(this.manifest.settings, this.manifest.data),
        events: this.events(batcher),
        checkpoints: this.checkpoints,
      });
      batcher.flush();
      const lost = this.host.deviceLost();
      if (result.stopped && lost !== undefined) throw new Error(`device lost: ${lost}`);
      if (this.stop === 'cancel') {
        // Cancelled, even if the pipeline had just finished: Cancel deletes the run.
        await this.finishCancel();
      } else if (result.stopped) {
        await this.runs.appendMetrics(runId, this.pendingMetrics);
        this.pendingMetrics = [];
        this.manifest = { ...this.manifest, status: 'paused' };
        await this.writeManifest(this.manifest);
        this.status('paused');
      } else {
        await this.runs.appendMetrics(runId, this.pendingMetrics);
        await this.runs.writeJson(runPaths.json(runId, 'reports'), result.reports);
        this.host.post({ type: 'reports', runId, reports: result.reports });
        await markInLedger(this.runs, runId, 'spent', releasesOfReports(result.reports));
        this.manifest = { ...this.manifest, status: 'completed', stage: null };
        await this.writeManifest(this.manifest);
        this.status('completed');
      }
    } catch (err) {
      batcher.flush();
      if (this.stop === 'cancel') {
        // Stopping may surface as an error (the frozen checkpoints refusing a write): the user
        // asked for the run to go, so it goes.
        await this.finishCancel().catch((e) => this.host.log('warn', `cancel: ${(e as Error).message}`));
        return;
      }
      this.checkpoints.freeze('the run failed');
      const failure = classifyFailure(err, this.host.backend(), this.host.deviceLost());
      this.host.log('error', failure.message);
      this.manifest = { ...this.manifest, status: 'failed', failure };
      await this.writeManifest(this.manifest).catch(() => undefined);
      this.status('failed', failure);
    } finally {
      if (result?.distildp) {
        disposeModel(result.distildp.student);
        disposeModel(result.distildp.teacher);
      }
      for (const m of this.restored) disposeModel(m);
    }
  }

  private status(status: RunStatus, failure?: RunStatusFailure): void {
    this.host.post({ type: 'runStatus', runId: this.runId, status, manifest: this.manifest, failure });
  }

  /** Small JSON writes (manifest, results, plans) one at a time, in order: none lands before an earlier one. */
  private queueWrite(what: string, write: () => Promise<void>): Promise<void> {
    const next = this.writes.then(write);
    this.writes = next.catch((e) => this.host.log('warn', `${what} not written: ${(e as Error).message}`));
    return next;
  }

  private writeManifest(m: RunManifest): Promise<void> {
    // A cancelled run stays cancelled whatever part of the run writes its manifest.
    const manifest: RunManifest = {
      ...m,
      status: this.stop === 'cancel' ? 'cancelled' : m.status,
      updatedAt: Date.now(),
    };
    return this.queueWrite('run manifest', () => this.runs.writeManifest(manifest));
  }

  /** The end of a cancelled run: its files are deleted once the writes already queued are done. */
  private async finishCancel(): Promise<void> {
    const runId = this.runId;
    await this.writes;
    await this.runs.removeRun(runId);
    await markInLedger(this.runs, runId, 'cancelled'); // still counted in the privacy ledger
    this.host.log(
      'info',
      `run ${runId} cancelled; its checkpoints and stored documents were deleted (the privacy ledger still counts it)`,
    );
    this.host.post({ type: 'runStatus', runId, status: 'cancelled' });
  }

  /** The run's time estimate (for the whole-run ETA), before it starts; none if it cannot be made. */
  private async postEstimate(inputs: RunInputs): Promise<void> {
    try {
      const estimate = await estimateRunOf(inputs, this.manifest.settings, this.manifest.data);
      this.host.post({ type: 'runEstimate', runId: this.runId, estimate });
    } catch (e) {
      this.host.log('warn', `no run-time estimate: ${(e as Error).message}`);
    }
  }

  /** The synthetic corpus the students train on, once generation is done (from its checkpoint). */
  private async postSyntheticCorpus(): Promise<void> {
    const corpus = syntheticCorpusOf(await this.checkpoints.load(STAGES.generate.key).catch(() => undefined));
    if (corpus) this.host.post({ type: 'syntheticCorpus', corpus });
  }

  private async onCheckpoint(key: string, checkpoint: Checkpoint): Promise<void> {
    const stage = dpStageOfKey(key);
    const series = stage ? seriesName(stage.owner, stage.role) : null;
    const last = stage ? checkpointOf(stage, checkpoint)?.value.epsilonHistory.at(-1)?.epsilon : undefined;
    this.manifest = {
      ...this.manifest,
      checkpoint: { stage: key, at: Date.now() },
      epsilonSpent:
        series && last !== undefined
          ? mergeEpsilon(this.manifest.epsilonSpent, { [series]: last })
          : this.manifest.epsilonSpent,
    };
    const points = this.pendingMetrics;
    this.pendingMetrics = [];
    await this.runs.appendMetrics(this.runId, points);
    await this.writeManifest(this.manifest);
    this.status(this.stop === 'pause' ? 'pausing' : this.stop === 'cancel' ? 'cancelling' : 'running');
  }

  private events(batcher: EventBatcher): PipelineEvents {
    const runId = this.runId;
    const maker = new MetricPointMaker();
    const point = (p: MetricPoint) => {
      batcher.metric(p);
      this.pendingMetrics.push(p);
    };
    return {
      stage: (e) => {
        batcher.flush();
        this.host.post({ type: 'stage', ...e, time: Date.now() });
        if (e.status === 'start') {
          this.manifest = { ...this.manifest, stage: { method: e.method, stage: e.stage } };
          void this.writeManifest(this.manifest);
        }
        if (e.stage === 'generate' && e.status !== 'start') void this.postSyntheticCorpus();
      },
      progress: (e) => batcher.setProgress({ type: 'progress', ...e, time: Date.now() }),
      dpStep: (method, role, r) => {
        if (this.host.takeInjectedFault(r.step)) {
          throw new Error(
            `training diverged: loss is NaN at DP step ${r.step} (fault injected by ?fault=diverge@${r.step})`,
          );
        }
        point(maker.dp(method, role, r));
      },
      trainStep: (method, role, r) => point(maker.train(method, role, r)),
      validation: (method, role, e) => point(maker.validation(method, role, e)),
      plan: (method, role, plan, parts) => {
        // Parts (per-code teachers) run one after another: epsilon rises over the first and stays.
        const curve = plannedEpsilonCurve(plan, 60);
        const steps = plan.steps * parts;
        if (parts > 1) curve.push({ step: steps, epsilon: curve[curve.length - 1].epsilon });
        const event: Omit<DPPlanEvent, 'type'> = {
          series: seriesName(method, role),
          target: plan.epsilon,
          steps,
          curve,
        };
        this.plans = [...this.plans.filter((p) => p.series !== event.series), event];
        this.host.post({ type: 'dpPlan', ...event });
        const plans = this.plans;
        void this.queueWrite('expected epsilon curves', () =>
          this.runs.writeJson(runPaths.json(runId, 'plans'), plans),
        );
      },
      sample: (labels, text) => batcher.sample({ labels, text }),
      baseEvaluation: (e) => {
        const results: BaseResult[] = (['teacher', 'student'] as const).map((model) => ({
          model,
          test_ppl: e[model].perplexity,
          bits_per_byte: e[model].bitsPerByte,
        }));
        this.host.post({ type: 'baseResults', results });
        void this.queueWrite('base results', () =>
          this.runs.writeJson(runPaths.json(runId, 'base'), results),
        );
      },
      result: (row) => {
        batcher.flush();
        this.results = [
          ...this.results.filter((r) => !(r.method === row.method && r.model === row.model)),
          row,
        ];
        this.host.post({ type: 'result', row });
        const results = this.results;
        void this.queueWrite('results', () => this.runs.writeJson(runPaths.json(runId, 'results'), results));
        // The manifest keeps a copy, for the list of runs (no extra reads per run).
        this.manifest = { ...this.manifest, results };
        void this.writeManifest(this.manifest);
      },
      log: (message) => this.host.log('info', message),
      shouldStop: () => this.stop !== null || this.host.deviceLost() !== undefined,
    };
  }
}
