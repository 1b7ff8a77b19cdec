/**
 * The worker's run commands: start (or continue the same run from its checkpoints), pause, resume
 * (the same worker, or a fresh one after a reload, a crash or a backend change: documents, base
 * models and checkpoints come back from storage), cancel (stop and delete), open a saved run, and
 * exports. The run itself executes as a LiveRun (live-run.ts), through runPipeline exactly as the
 * CLI's. Failures stop the run with a message; the last checkpoint stays intact.
 */
import type {
  BackendName,
  ExportRequest,
  InjectedFault,
  LogLevel,
  ModelRole,
  PrivacyReport,
  RunStatus,
  WorkerEvent,
} from '../contract/protocol';
import { contentKeyFor, isResumable, newManifest, type RunManifest } from '../contract/run-manifest';
import type { RunSettings } from '../contract/run-settings';
import type { Document, IngestOptions } from '../data/types';
import { parseCheckpoint, serializeCheckpoint } from '../pipeline/checkpoint';
import { describeComposition, type LedgerComposition } from '../pipeline/ledger';
import { disposeModel, type LoadedModel } from '../pipeline/models';
import { newRunId } from '../pipeline/run-id';
import { checkLedger, markInLedger, recordInLedger } from './browser-ledger';
import { type ByteStorage, openByteStorage } from './byte-storage';
import { buildExport, type ExportFile } from './exports';
import { LiveRun, type RunInputs } from './live-run';
import { dataChoicesOf, pipelineConfigFor } from './run-config';
import { loadRunHistory } from './run-history';
import { RunStorage, runPaths } from './run-storage';
import { baseModelRecord, restoreBaseModel, type SessionModel } from './session-models';
import { checkStorageQuota, warnIfStorageNotPersistent } from './storage-quota';

export interface RunHost {
  post(event: WorkerEvent, transfer?: Transferable[]): void;
  log(level: LogLevel, message: string): void;
  backend(): BackendName | null;
  documents(): Document[];
  /** The options the documents were read with (text field, label fields, folder labels). */
  ingestOptions(): Partial<IngestOptions>;
  models(): Partial<Record<ModelRole, SessionModel>>;
}

export class RunController {
  private live: LiveRun | null = null;
  private deviceLost: string | undefined;
  /** Test aid: fail as diverged right after this DP step (see InitCommand.fault). */
  injectedFault: InjectedFault | undefined;
  private storage: RunStorage | null = null;

  constructor(private readonly host: RunHost) {}

  get running(): boolean {
    return this.live !== null;
  }

  async openStorage(skipOpfs = false): Promise<void> {
    const { storage, problems } = await openByteStorage(skipOpfs);
    for (const p of problems) this.host.log('warn', p);
    if (storage.kind === 'memory')
      this.host.log('warn', 'no browser storage available: checkpoints will not survive a reload');
    this.storage = new RunStorage(storage);
  }

  private get runs(): RunStorage {
    if (!this.storage) throw new Error('storage is not open yet');
    return this.storage;
  }

  /** Tells the UI which runs are saved, and how much storage there is. */
  async announceSavedRuns(): Promise<void> {
    const { manifests, problems } = await this.runs.listManifests();
    for (const p of problems) this.host.log('warn', p);
    const estimate = await navigator.storage?.estimate?.().catch(() => undefined);
    this.host.post({
      type: 'savedRuns',
      runs: manifests,
      storage: {
        kind: (this.runs.bytes as ByteStorage).kind,
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

  /** What earlier runs in this browser spent on these documents, composed with this run's plan. */
  async ledgerSummary(
    documents: Document[],
    settings: RunSettings,
    ingest: Partial<IngestOptions>,
  ): Promise<LedgerComposition> {
    return (await checkLedger(this.runs, documents, pipelineConfigFor(settings, ingest))).composition;
  }

  /**
   * Starts a run. When earlier runs in this browser used these documents (the privacy ledger), it
   * starts only with `confirmSpend`: the user saw the composed spend in the budget panel.
   */
  async start(settings: RunSettings, options: { confirmSpend?: boolean } = {}): Promise<void> {
    if (this.live) throw new Error('a run is already in progress: pause or cancel it first');
    if (this.deviceLost)
      throw new Error(`the GPU device was lost (${this.deviceLost}): choose another backend`);
    const documents = this.host.documents();
    if (documents.length < 3)
      throw new Error(`add data first: a run needs at least 3 documents, found ${documents.length}`);
    const { teacher, student } = this.host.models();
    if (!teacher || !student) throw new Error('load a teacher and a student model first');
    const models = { teacher: teacher.ref, student: student.ref };
    // The same run started again (same documents, settings and models) continues an interrupted
    // run from its checkpoints; otherwise it is a new run with a new random id.
    const data = dataChoicesOf(this.host.ingestOptions(), settings.useControlCodes ?? false);
    const contentKey = await contentKeyFor(documents, settings, models, data);
    const { manifests } = await this.runs.listManifests();
    const saved = manifests.find((m) => m.contentKey === contentKey && isResumable(m)) ?? null;
    const runId = saved?.runId ?? newRunId();
    const ledger = await checkLedger(this.runs, documents, pipelineConfigFor(settings, data), runId);
    if (ledger.composition.priorRuns > 0 && !options.confirmSpend)
      throw new Error(
        `${describeComposition(ledger.composition)}. Confirm in the privacy budget panel to spend more on these documents.`,
      );
    const log = (level: LogLevel, message: string) => this.host.log(level, message);
    await checkStorageQuota(log, settings, data, documents, teacher, student);
    warnIfStorageNotPersistent(log);
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
      ? { ...saved, status: 'running', failure: null, backend: this.host.backend() }
      : newManifest({
          runId,
          contentKey,
          settings,
          data,
          models,
          documents: documents.length,
          backend: this.host.backend(),
          now: Date.now(),
        });
    // Recorded before anything is spent; a resumed run keeps its entry (it is not spent twice).
    await recordInLedger(this.runs, {
      id: runId,
      documents: ledger.documents,
      releases: ledger.releases,
      status: 'planned',
    });
    this.host.log('info', `privacy ledger: ${describeComposition(ledger.composition)}`);
    if (saved) this.host.log('info', `found saved run ${runId}: continuing from its checkpoints`);
    if (saved) await this.postHistory(saved);
    this.launch(manifest, { documents, teacher: teacher.model, student: student.model }, []);
  }

  pause(): void {
    if (!this.live) throw new Error('no run is in progress');
    this.live.requestStop('pause');
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
    if (this.live && (runId === undefined || runId === this.live.runId)) {
      this.live.requestStop('cancel');
      return;
    }
    if (!runId) throw new Error('no run is in progress');
    await this.runs.removeRun(runId);
    await markInLedger(this.runs, runId, 'cancelled'); // it still counts: its outputs may have been seen
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

  exportFile(runId: string, request: ExportRequest): Promise<ExportFile> {
    return buildExport(this.runs, runId, request);
  }

  // ---- internals ----

  private async postHistory(manifest: RunManifest): Promise<void> {
    this.host.post(await loadRunHistory(this.runs, manifest));
  }

  private launch(manifest: RunManifest, inputs: RunInputs, restored: LoadedModel[]): void {
    const live = new LiveRun(
      {
        post: (event, transfer) => this.host.post(event, transfer),
        log: (level, message) => this.host.log(level, message),
        backend: () => this.host.backend(),
        deviceLost: () => this.deviceLost,
        takeInjectedFault: (step) => {
          if (this.injectedFault?.divergeAtDPStep !== step) return false;
          this.injectedFault = undefined;
          return true;
        },
      },
      this.runs,
      manifest,
      restored,
    );
    this.live = live;
    void live.execute(inputs).finally(async () => {
      this.live = null;
      await this.announceSavedRuns().catch(() => undefined);
    });
  }
}

function manifestRunStatus(m: RunManifest): RunStatus {
  // A 'running' manifest with no live run was interrupted: it can be resumed like a paused one.
  return m.status === 'running' ? 'paused' : m.status;
}
