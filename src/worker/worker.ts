/// <reference lib="webworker" />
/**
 * The one module worker. It owns TF.js and every tensor, the ingested documents (the private text
 * never goes back to the UI thread, only summaries) and the base models, and it runs the pipeline
 * (run-controller.ts). Commands are handled one at a time in arrival order, so an `ingest` sent
 * right after `init` sees an initialised backend; `pause` and `cancel` act at once, even while
 * another command is being handled, because a run must stop promptly.
 */
import * as tf from '@tensorflow/tfjs';
import type {
  IngestCommand,
  InitCommand,
  LoadModelsCommand,
  LogLevel,
  ModelRole,
  PlanCommand,
  WorkerCommand,
  WorkerEvent,
} from '../contract/protocol';
import { DEFAULT_RUN_SETTINGS } from '../contract/run-settings';
import { ingestFiles } from '../data/ingest';
import { splitDocuments } from '../data/split';
import { tokenizerFor } from '../data/tokenizer';
import type { IngestResult } from '../data/types';
import { type BackendName, initBackend } from '../model/backend';
import { MODEL_PRESETS } from '../model/presets';
import { tfjsWasmPaths } from '../model/wasm-paths';
import { DEFAULT_PIPELINE } from '../pipeline/config';
import { dpThreads } from '../platform/wasm-threads';
import { probeDPStepMs, probeLabel } from '../train/backend-probe';
import { startBrowserGradientHelpers } from '../train/browser-gradient-helpers';
import { type GradientPool, poolOrOneThread, setGradientPoolProvider } from '../train/gradient-pool';
import { errorMessage } from '../util/error-message';
import { AuditRunner } from './audit-runner';
import { summarizeIngest } from './ingest-summary';
import { planRun } from './plan';
import { RunController } from './run-controller';
import { estimatePlannedRun } from './run-time';
import { deviceLimits, loadSessionModel, ModelRefusedError, type SessionModel } from './session-models';
import { ModelTrial } from './try-model';

const scope = self as unknown as DedicatedWorkerGlobalScope;

/** Token counts shown at ingest use the byte tokenizer: cheap, and exact for any text. */
const INGEST_TOKENIZER = 'bytes';

/** What the worker holds between commands. */
const session: {
  documents: IngestResult['documents'];
  /** The options the documents were read with: part of the run's data choices. */
  ingestOptions: IngestCommand['options'];
  backend: BackendName | null;
  models: Partial<Record<ModelRole, SessionModel>>;
} = { documents: [], ingestOptions: {}, backend: null, models: {} };

function post(event: WorkerEvent, transfer: Transferable[] = []): void {
  scope.postMessage(event, transfer);
}

function log(level: LogLevel, message: string): void {
  post({ type: 'log', level, message, time: Date.now() });
}

const trial = new ModelTrial({
  post,
  storage: () => runs.savedRuns(),
  sessionModel: (role) => session.models[role],
});

/** What runs and audits see of the session. */
const host = {
  post,
  log,
  backend: () => session.backend,
  documents: () => session.documents,
  ingestOptions: () => session.ingestOptions,
  models: () => session.models,
};

const runs = new RunController(host);

const audits = new AuditRunner(host);

/** The gradient helpers of the current backend (started on the first DP training that uses them). */
let helperPool: Promise<GradientPool | null> | null = null;

/**
 * DP steps on wasm run on `threads` cores: this worker and threads - 1 gradient helpers
 * (src/train/gradient-pool.ts), started when a DP training first needs them.
 */
async function offerGradientHelpers(threads: number): Promise<void> {
  const old = helperPool;
  helperPool = null;
  setGradientPoolProvider(null);
  await (await old)?.close();
  if (threads <= 1) return;
  setGradientPoolProvider(() => {
    helperPool ??= poolOrOneThread(
      startBrowserGradientHelpers(threads - 1),
      (pool) => log('info', `DP steps on ${threads} threads: this worker and ${pool.description}`),
      (why) => log('warn', `DP steps on 1 thread: ${why}`),
    );
    return helperPool;
  });
}

async function init(command: InitCommand): Promise<void> {
  const probeName = command.probeModel && MODEL_PRESETS[command.probeModel] ? command.probeModel : 'teacher';
  const probeConfig = MODEL_PRESETS[probeName].config;
  // DP steps use the cores through gradient workers, each wasm module on one thread: XNNPACK's
  // own threads (which speed up only matmuls) spin beside the helpers and, measured on 2 cores,
  // cancel their gain (README, "Threads").
  const threads = dpThreads(command.wasmThreads, navigator.hardwareConcurrency || 1);
  const info = await initBackend({
    override: command.backend,
    wasmPaths: tfjsWasmPaths,
    wasmThreads: 1,
    probe: { model: probeLabel(probeName, probeConfig), stepMs: () => probeDPStepMs(probeConfig) },
  });
  if (info.backend === 'wasm') info.dpThreads = threads;
  session.backend = info.backend;
  runs.injectedFault = command.fault;
  if (command.fault)
    log('warn', `test fault injected: DP training diverges after step ${command.fault.divergeAtDPStep}`);
  for (const skipped of info.skipped) log('warn', `skipped ${skipped.backend}: ${skipped.reason}`);
  if (info.reason) log('info', `chose ${info.backend}: ${info.reason}`);
  log(
    'info',
    `TF.js ${info.tfjsVersion} on ${info.backend}${info.dpThreads ? `, DP steps on ${info.dpThreads} thread(s)` : ''}`,
  );
  await offerGradientHelpers(info.dpThreads ?? 1);
  if (info.backend === 'webgpu') {
    const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
    void device?.lost.then((lost) => {
      const reason = `${lost.reason ?? 'unknown'}${lost.message ? `: ${lost.message}` : ''}`;
      runs.deviceWasLost(reason);
      post({
        type: 'error',
        command: 'init',
        message: `The GPU device was lost (${reason}). Choose another backend to continue; checkpoints are intact.`,
      });
    });
  }
  post({ type: 'ready', backendInfo: info });
  await runs.openStorage(command.storage === 'indexeddb');
  await runs.announceSavedRuns();
}

function ingest(command: IngestCommand): void {
  const result = ingestFiles(command.files, command.options, tokenizerFor(INGEST_TOKENIZER));
  session.documents = result.documents;
  session.ingestOptions = { ...command.options };
  const summary = summarizeIngest(result, INGEST_TOKENIZER);
  const n = result.documents.length;
  // The run's split is the pipeline's default one (run settings do not change it).
  const { validationFraction, testFraction } = DEFAULT_PIPELINE.split;
  if (n >= 3) {
    const split = splitDocuments(result.documents, {
      seed: DEFAULT_RUN_SETTINGS.seed,
      validationFraction,
      testFraction,
    });
    summary.split = {
      train: split.train.length,
      validation: split.validation.length,
      test: split.test.length,
    };
  }
  const { totals } = summary;
  log(
    'info',
    `ingested ${totals.files} file(s): ${totals.documents} document(s), ${totals.tokens} ${INGEST_TOKENIZER} tokens` +
      (totals.rejected ? `, ${totals.rejected} rejected` : ''),
  );
  post({ type: 'ingested', requestId: command.requestId, summary });
}

async function loadModels(command: LoadModelsCommand): Promise<void> {
  if (runs.running || audits.running)
    throw new Error('models cannot change while a run or an audit is in progress: pause or cancel it first');
  if (!session.backend) throw new Error('the backend is not ready');
  const limits = deviceLimits(session.backend);
  for (const role of ['teacher', 'student'] as const) {
    const source = command[role];
    if (!source) continue;
    try {
      const loaded = await loadSessionModel(role, source, limits, command.batch);
      const old = session.models[role];
      session.models[role] = loaded;
      if (old) for (const v of old.model.params.values()) v.dispose();
      for (const w of loaded.info.warnings) log('warn', `${role} ${loaded.info.name}: ${w}`);
      post({ type: 'model', requestId: command.requestId, role, info: loaded.info });
    } catch (err) {
      post({
        type: 'modelError',
        requestId: command.requestId,
        role,
        message: errorMessage(err),
        refused: err instanceof ModelRefusedError,
      });
    }
  }
}

async function plan(command: PlanCommand): Promise<void> {
  const teacher = session.models.teacher?.model;
  const student = session.models.student?.model;
  if (!teacher || !student) throw new Error('load a teacher and a student model first');
  const planned = planRun({
    documents: session.documents,
    tokenizer: teacher.tokenizer,
    contextLength: Math.min(teacher.config.contextLength, student.config.contextLength),
    settings: command.settings,
    ingestOptions: session.ingestOptions,
  });
  const summary = planned.summary;
  summary.ledger = await runs.ledgerSummary(session.documents, command.settings, session.ingestOptions);
  post({ type: 'plan', requestId: command.requestId, plan: summary });
  // Then the run time (the first plan of a model pair measures the device's speed: a second or
  // two); the same plan again, with its estimate. A failed estimate leaves the plan without one.
  if (runs.running) return;
  try {
    const estimate = await estimatePlannedRun(planned, { teacher, student, tokenizer: teacher.tokenizer });
    post({ type: 'plan', requestId: command.requestId, plan: { ...summary, estimate } });
  } catch (e) {
    log('warn', `no run-time estimate: ${errorMessage(e)}`);
  }
}

async function handle(command: WorkerCommand): Promise<void> {
  try {
    switch (command.type) {
      case 'init':
        await init(command);
        return;
      case 'ingest':
        ingest(command);
        return;
      case 'loadModels':
        await loadModels(command);
        return;
      case 'plan':
        await plan(command);
        return;
      case 'start':
        await runs.start(command.settings, { confirmSpend: command.confirmSpend, ifSaved: command.ifSaved });
        return;
      case 'resume':
        await runs.resume(command.runId);
        return;
      case 'openRun':
        await runs.openRun(command.runId);
        return;
      case 'compareRun':
        await runs.compareRun(command.runId);
        return;
      case 'generateText':
        if (runs.running)
          throw new Error('a run is in progress: try the model when it has finished or is paused');
        await trial.generate(command);
        return;
      case 'stopGenerate':
        trial.stop();
        return;
      case 'export': {
        const file = await runs.exportFile(command.runId, command);
        const bytes =
          file.bytes.byteOffset === 0 && file.bytes.byteLength === file.bytes.buffer.byteLength
            ? (file.bytes.buffer as ArrayBuffer)
            : (file.bytes.slice().buffer as ArrayBuffer);
        post(
          {
            type: 'exported',
            runId: command.runId,
            what: command.what,
            fileName: file.fileName,
            mime: file.mime,
            bytes,
          },
          [bytes],
        );
        return;
      }
      case 'pause':
        runs.pause();
        return;
      case 'cancel':
        trial.release();
        await runs.cancel(command.runId);
        return;
      case 'audit':
        if (runs.running) throw new Error('a run is in progress: audit after it (or pause it first)');
        await audits.run(command);
        return;
      case 'stopAudit':
        audits.stop();
        return;
      default: {
        const unknown: never = command;
        throw new Error(`unknown command ${JSON.stringify((unknown as { type?: unknown }).type)}`);
      }
    }
  } catch (err) {
    post({
      type: 'error',
      message: errorMessage(err),
      command: command.type,
      requestId: 'requestId' in command ? command.requestId : undefined,
    });
  }
}

let queue: Promise<void> = Promise.resolve();
scope.onmessage = (event: MessageEvent<WorkerCommand>) => {
  const command = event.data;
  // Stopping a run must not wait behind a plan or a model load.
  if (
    command.type === 'pause' ||
    command.type === 'cancel' ||
    command.type === 'stopGenerate' ||
    command.type === 'stopAudit'
  ) {
    void handle(command);
    return;
  }
  queue = queue.then(() => handle(command));
};

scope.addEventListener('unhandledrejection', (event) => {
  post({ type: 'error', message: `unhandled rejection in worker: ${errorMessage(event.reason)}` });
});
