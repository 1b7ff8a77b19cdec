/**
 * Runs the DistilDP pipeline in the worker exactly as the CLI does (runPipeline), with its
 * checkpoints in the browser's private storage: start, pause (stop at a step boundary, saving),
 * resume (the same worker, or a fresh one after a reload, a crash or a backend change: documents,
 * base models and checkpoints come back from storage), cancel (stop and delete), and exports.
 * Failures stop the run with a message; the last checkpoint stays intact.
 */
import type { Document } from '../data/types';
import { type Checkpoint, parseCheckpoint, serializeCheckpoint } from '../pipeline/checkpoint';
import type { PipelineEvents } from '../pipeline/events';
import type { LoadedModel } from '../pipeline/models';
import { type PipelineResult, runPipeline } from '../pipeline/run';
import { checkpointOf, dpStageOfKey, STAGES } from '../pipeline/stage-registry';
import { disposeModel } from '../pipeline/stages';
import { type ByteStore, openByteStore } from './byte-store';
import { EventBatcher } from './event-batcher';
import { buildExport, type ExportFile } from './exports';
import { classifyFailure } from './failure';
import { runCorpus } from './plan';
import type {
  BackendName,
  ExportRequest,
  InjectedFault,
  LogLevel,
  ModelRole,
  PrivacyReport,
  RunStatus,
  WorkerEvent,
} from './protocol';
import { pipelineConfigFor } from './run-config';
import { type LiveRun, pipelineEvents } from './run-events';
import { loadRunHistory, syntheticCorpusOf } from './run-history';
import { isResumable, mergeEpsilon, newManifest, type RunManifest, runIdFor } from './run-manifest';
import type { RunSettings } from './run-settings';
import { RunCheckpoints, RunStorage, runPaths } from './run-storage';
import { estimateRunOf } from './run-time';
import { seriesName } from './series';
import { baseModelRecord, restoreBaseModel, type SessionModel } from './session-models';
import { checkRunQuota } from './storage-quota';

export interface RunHost {
  post(event: WorkerEvent, transfer?: Transferable[]): void;
  log(level: LogLevel, message: string): void;
  backend(): BackendName | null;
  documents(): Document[];
  models(): Partial<Record<ModelRole, SessionModel>>;
}

interface RunInputs {
  documents: Document[];
  teacher: LoadedModel;
  student: LoadedModel;
}

export class RunController {
  private live: LiveRun | null = null;
  private deviceLost: string | undefined;
  /** Test aid: fail as diverged right after this DP step (see InitCommand.fault). */
  injectedFault: InjectedFault | undefined;
  private storage: RunStorage | null = null;
  private writes: Promise<void> = Promise.resolve();

  constructor(private readonly host: RunHost) {}

  get running(): boolean {
    return this.live !== null;
  }

  async openStorage(skipOpfs = false): Promise<void> {
    const { store, problems } = await openByteStore(skipOpfs);
    for (const p of problems) this.host.log('warn', p);
    if (store.kind === 'memory')
      this.host.log('warn', 'no browser storage available: checkpoints will not survive a reload');
    this.storage = new RunStorage(store);
  }

  /** The runs' storage (for reads outside the run: the model trial). */
  savedRuns(): RunStorage {
    return this.runs;
  }

  private get runs(): RunStorage {
    if (!this.storage) throw new Error('storage is not open yet');
    return this.storage;
  }

  /** Tells the UI which runs are saved, and how much storage there is. */
  async announceSavedRuns(): Promise<void> {
    const listed = await this.runs.listManifests();
    for (const p of listed.problems) this.host.log('warn', p);
    // A run cancelled while the tab closed (or crashed) before its files were deleted: delete them now.
    for (const m of listed.manifests.filter(
      (x) => x.status === 'cancelled' && x.runId !== this.live?.manifest.runId,
    ))
      await this.runs.removeRun(m.runId).catch(() => undefined);
    const manifests = listed.manifests.filter((m) => m.status !== 'cancelled');
    const estimate = await navigator.storage?.estimate?.().catch(() => undefined);
    this.host.post({
      type: 'savedRuns',
      runs: manifests,
      storage: {
        kind: (this.runs.bytes as ByteStore).kind,
        quotaBytes: estimate?.quota,
        usageBytes: estimate?.usage,
      },
    });
  }

  /** Called when the WebGPU device is lost: the live run stops and writes nothing more. */
  deviceWasLost(reason: string): void {
    this.deviceLost = reason;
    this.live?.checkpoints.freeze(`the GPU device was lost (${reason})`);
    this.host.log('error', `the GPU device was lost: ${reason}`);
  }

  async start(settings: RunSettings, ifSaved: 'ask' | 'continue' | 'new' = 'continue'): Promise<void> {
    if (this.live) throw new Error('a run is already in progress: pause or cancel it first');
    if (this.deviceLost)
      throw new Error(`the GPU device was lost (${this.deviceLost}): choose another backend`);
    const documents = this.host.documents();
    if (documents.length < 3)
      throw new Error(`add data first: a run needs at least 3 documents, found ${documents.length}`);
    const { teacher, student } = this.host.models();
    if (!teacher || !student) throw new Error('load a teacher and a student model first');
    const models = { teacher: teacher.ref, student: student.ref };
    const { corpus } = runCorpus({
      documents,
      tokenizer: teacher.model.tokenizer,
      contextLength: Math.min(teacher.info.config.contextLength, student.info.config.contextLength),
      settings,
    });
    let runId = await runIdFor(documents, settings, models);
    let saved = await this.runs.readManifest(runId).catch(() => null);
    if (saved && ifSaved === 'ask') {
      this.host.post({ type: 'runExists', runId, manifest: saved });
      return;
    }
    if (saved && ifSaved === 'new') {
      // A separate run of the same inputs: its own id, checkpoints and DP noise.
      runId = await runIdFor(documents, settings, models, `${Date.now()}-${crypto.randomUUID()}`);
      saved = null;
    }
    await checkRunQuota((level, m) => this.host.log(level, m), settings, documents, teacher, student);
    requestPersistenceNote(this.host);
    await this.runs.writeDocuments(runId, documents);
    for (const [role, m] of [
      ['teacher', teacher],
      ['student', student],
    ] as const) {
      if (m.ref.kind === 'stored') {
        await this.runs.bytes.write(
          runPaths.model(runId, role),
          serializeCheckpoint(await baseModelRecord(m.model)),
        );
      }
    }
    const manifest: RunManifest = saved
      ? {
          ...saved,
          status: 'running',
          failure: null,
          backend: this.host.backend(),
          trainDocuments: saved.trainDocuments ?? corpus.train.length,
        }
      : newManifest({
          runId,
          settings,
          models,
          documents: documents.length,
          trainDocuments: corpus.train.length,
          backend: this.host.backend(),
          now: Date.now(),
        });
    if (saved) this.host.log('info', `found saved run ${runId}: continuing from its checkpoints`);
    if (saved) await this.postHistory(saved);
    this.launch(manifest, { documents, teacher: teacher.model, student: student.model }, []);
  }

  pause(): void {
    if (!this.live) throw new Error('no run is in progress');
    if (this.live.stop) return;
    this.live.stop = 'pause';
    this.status(this.live.manifest, 'pausing');
  }

  async resume(runId: string): Promise<void> {
    if (this.live) throw new Error('a run is already in progress');
    if (this.deviceLost)
      throw new Error(`the GPU device was lost (${this.deviceLost}): choose another backend`);
    const manifest = await this.runs.readManifest(runId);
    if (!manifest) throw new Error(`no saved run ${runId} in this browser's storage`);
    if (!isResumable(manifest)) throw new Error(`run ${runId} is ${manifest.status}: nothing to resume`);
    const documents = await this.runs.readDocuments(runId);
    const restored: LoadedModel[] = [];
    try {
      for (const role of ['teacher', 'student'] as const) {
        const bytes = await this.runs.bytes.read(runPaths.model(runId, role));
        restored.push(await restoreBaseModel(manifest.models[role], bytes ? parseCheckpoint(bytes) : null));
      }
    } catch (e) {
      for (const m of restored) disposeModel(m);
      throw e;
    }
    await this.postHistory(manifest);
    this.host.log('info', `resuming run ${runId} (${documents.length} documents restored from storage)`);
    this.launch(
      { ...manifest, status: 'running', failure: null, backend: this.host.backend() },
      { documents, teacher: restored[0], student: restored[1] },
      restored,
    );
  }

  /** Stops the live run and deletes it; or deletes a saved run. */
  async cancel(runId?: string): Promise<void> {
    if (this.live && (runId === undefined || runId === this.live.manifest.runId)) {
      const live = this.live;
      live.stop = 'cancel';
      // No checkpoint is written from now on, and the manifest says 'cancelled' at once: a reload
      // before the pipeline notices the stop never offers the run again (the listing deletes it).
      live.checkpoints.freeze('the run was cancelled');
      void this.writeManifest(live.manifest);
      this.status(live.manifest, 'cancelling');
      return;
    }
    if (!runId) throw new Error('no run is in progress');
    await this.runs.removeRun(runId);
    this.host.post({ type: 'runStatus', runId, status: 'cancelled' });
    await this.announceSavedRuns();
  }

  /** Shows a saved run (finished or not) again: charts, samples, results, reports. */
  async openRun(runId: string): Promise<void> {
    const manifest = await this.runs.readManifest(runId);
    if (!manifest) throw new Error(`no saved run ${runId}`);
    await this.postHistory(manifest);
    const reports = await this.runs.readJson<PrivacyReport[]>(runPaths.json(runId, 'reports'));
    if (reports) this.host.post({ type: 'reports', runId, reports });
    this.host.post({ type: 'runStatus', runId, status: manifestRunStatus(manifest), manifest });
  }

  /** A saved run's history beside the one shown, for comparison. */
  async compareRun(runId: string): Promise<void> {
    const manifest = await this.runs.readManifest(runId);
    if (!manifest) throw new Error(`no saved run ${runId}`);
    const history = await loadRunHistory(this.runs, manifest);
    this.host.post({ ...history, type: 'compareHistory', manifest });
  }

  exportFile(runId: string, request: ExportRequest): Promise<ExportFile> {
    return buildExport(this.runs, runId, request);
  }

  // ---- internals ----

  private status(manifest: RunManifest, status: RunStatus, failure?: RunStatusFailure): void {
    this.host.post({ type: 'runStatus', runId: manifest.runId, status, manifest, failure });
  }

  /** Small JSON writes (manifest, results, plans) one at a time, in order: none lands before an earlier one. */
  private queueWrite(what: string, write: () => Promise<void>): Promise<void> {
    const next = this.writes.then(write);
    this.writes = next.catch((e) => this.host.log('warn', `${what} not written: ${(e as Error).message}`));
    return next;
  }

  private writeManifest(m: RunManifest): Promise<void> {
    // A cancelled live run stays cancelled whatever part of the run writes its manifest.
    const cancelled = this.live?.manifest.runId === m.runId && this.live.stop === 'cancel';
    const manifest: RunManifest = { ...m, status: cancelled ? 'cancelled' : m.status, updatedAt: Date.now() };
    return this.queueWrite('run manifest', () => this.runs.writeManifest(manifest));
  }

  /** The end of a cancelled run: its files are deleted once the writes already queued are done. */
  private async finishCancel(runId: string): Promise<void> {
    await this.writes;
    await this.runs.removeRun(runId);
    this.host.log('info', `run ${runId} cancelled; its checkpoints and stored documents were deleted`);
    this.host.post({ type: 'runStatus', runId, status: 'cancelled' });
  }

  /** The run's time estimate (for the whole-run ETA), before it starts; none if it cannot be made. */
  private async postEstimate(live: LiveRun, inputs: RunInputs): Promise<void> {
    try {
      const estimate = await estimateRunOf(inputs, live.manifest.settings);
      this.host.post({ type: 'runEstimate', runId: live.manifest.runId, estimate });
    } catch (e) {
      this.host.log('warn', `no run-time estimate: ${(e as Error).message}`);
    }
  }

  /** The synthetic corpus the students train on, once generation is done (from its record). */
  private async postSyntheticCorpus(live: LiveRun): Promise<void> {
    const corpus = syntheticCorpusOf(await live.checkpoints.load(STAGES.generate.key).catch(() => undefined));
    if (corpus) this.host.post({ type: 'syntheticCorpus', corpus });
  }

  private async postHistory(manifest: RunManifest): Promise<void> {
    this.host.post(await loadRunHistory(this.runs, manifest));
  }

  private launch(manifest: RunManifest, inputs: RunInputs, restored: LoadedModel[]): void {
    const runId = manifest.runId;
    const live: LiveRun = {
      manifest,
      checkpoints: new RunCheckpoints(this.runs, runId, (key, record) =>
        this.onCheckpoint(live, key, record),
      ),
      stop: null,
      pendingMetrics: [],
      results: [],
      plans: [],
      restored,
    };
    this.live = live;
    void this.writeManifest(manifest);
    this.status(manifest, 'running');
    void this.execute(live, inputs);
  }

  private async onCheckpoint(live: LiveRun, key: string, checkpoint: Checkpoint): Promise<void> {
    const stage = dpStageOfKey(key);
    const series = stage ? seriesName(stage.owner, stage.role) : null;
    const last = stage ? checkpointOf(stage, checkpoint)?.value.epsilonHistory.at(-1)?.epsilon : undefined;
    live.manifest = {
      ...live.manifest,
      checkpoint: { step: key, at: Date.now() },
      epsilonSpent:
        series && last !== undefined
          ? mergeEpsilon(live.manifest.epsilonSpent, { [series]: last })
          : live.manifest.epsilonSpent,
    };
    const points = live.pendingMetrics;
    live.pendingMetrics = [];
    await this.runs.appendMetrics(live.manifest.runId, points);
    await this.writeManifest(live.manifest);
    this.status(
      live.manifest,
      live.stop === 'pause' ? 'pausing' : live.stop === 'cancel' ? 'cancelling' : 'running',
    );
  }

  private events(live: LiveRun, batcher: EventBatcher): PipelineEvents {
    return pipelineEvents(
      {
        live,
        runs: this.runs,
        post: (e) => this.host.post(e),
        log: (m) => this.host.log('info', m),
        writeManifest: (m) => this.writeManifest(m),
        queueWrite: (what, write) => this.queueWrite(what, write),
        generated: () => void this.postSyntheticCorpus(live),
        injectedFaultAt: (step) => {
          if (this.injectedFault?.divergeAtDPStep !== step) return false;
          this.injectedFault = undefined;
          return true;
        },
        stopped: () => live.stop !== null || this.deviceLost !== undefined,
      },
      batcher,
    );
  }

  private async execute(live: LiveRun, inputs: RunInputs): Promise<void> {
    const runId = live.manifest.runId;
    const batcher = new EventBatcher((e) => this.host.post(e));
    let result: PipelineResult | undefined;
    try {
      await this.postEstimate(live, inputs);
      result = await runPipeline({
        ...inputs,
        config: pipelineConfigFor(live.manifest.settings),
        events: this.events(live, batcher),
        checkpoints: live.checkpoints,
      });
      batcher.flush();
      if (result.stopped && this.deviceLost !== undefined) throw new Error(`device lost: ${this.deviceLost}`);
      if (live.stop === 'cancel') {
        // Cancelled, even if the pipeline had just finished: Cancel deletes the run.
        await this.finishCancel(runId);
      } else if (result.stopped) {
        await this.runs.appendMetrics(runId, live.pendingMetrics);
        live.pendingMetrics = [];
        live.manifest = { ...live.manifest, status: 'paused' };
        await this.writeManifest(live.manifest);
        this.status(live.manifest, 'paused');
      } else {
        await this.runs.appendMetrics(runId, live.pendingMetrics);
        await this.runs.writeJson(runPaths.json(runId, 'reports'), result.reports);
        this.host.post({ type: 'reports', runId, reports: result.reports });
        live.manifest = { ...live.manifest, status: 'completed', stage: null };
        await this.writeManifest(live.manifest);
        this.status(live.manifest, 'completed');
      }
    } catch (err) {
      batcher.flush();
      if (live.stop === 'cancel') {
        // Stopping may surface as an error (a frozen checkpoint store refusing a write): the user
        // asked for the run to go, so it goes.
        await this.finishCancel(runId).catch((e) => this.host.log('warn', `cancel: ${(e as Error).message}`));
        return;
      }
      live.checkpoints.freeze('the run failed');
      const failure = classifyFailure(err, this.host.backend(), this.deviceLost);
      this.host.log('error', failure.message);
      live.manifest = { ...live.manifest, status: 'failed', failure };
      await this.writeManifest(live.manifest).catch(() => undefined);
      this.status(live.manifest, 'failed', failure);
    } finally {
      if (result?.distildp) {
        disposeModel(result.distildp.student);
        disposeModel(result.distildp.teacher);
      }
      for (const m of live.restored) disposeModel(m);
      this.live = null;
      await this.announceSavedRuns().catch(() => undefined);
    }
  }
}

type RunStatusFailure = NonNullable<Extract<WorkerEvent, { type: 'runStatus' }>['failure']>;

function manifestRunStatus(m: RunManifest): RunStatus {
  // A 'running' manifest with no live run was interrupted: it can be resumed like a paused one.
  return m.status === 'running' ? 'paused' : m.status;
}

/** Persistence (navigator.storage.persist) exists only on the page: the UI requests it at start. */
function requestPersistenceNote(host: RunHost): void {
  if (typeof navigator.storage?.persisted === 'function') {
    void navigator.storage.persisted().then((p) => {
      if (!p)
        host.log(
          'warn',
          'browser storage is not persistent: the browser may evict checkpoints under storage pressure',
        );
    });
  }
}
