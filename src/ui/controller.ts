/**
 * Everything the UI does that has a side effect: starting (and restarting) the worker, reading
 * the chosen files and sending them, loading models, asking for the privacy plan, driving the run,
 * and saving exports. Components call these; the store only holds state.
 */
import type { BackendChoice, InjectedFault, ModelRole, ModelSource, WorkerEvent } from '../contract/protocol';
import { microBatchSize, type RunSettings, validateSettings } from '../contract/run-settings';
import { errorMessage } from '../util/error-message';
import { type ThreadsChoice, urlWithBackendChoice, urlWithThreadsChoice } from './backend-choice';
import { downloadBytes } from './downloads';
import { mergeSelections, readSelectedFiles, type SelectedFile } from './file-sources';
import { onRunExists, pauseRun, resumeRun } from './run-commands';
import type { ModelChoice } from './setup-slices';
import { appStore, type UiIngestOptions } from './store';
import { reduceTryEvent, tryStore } from './try-model';
import { keepScreenOn } from './wake-lock';
import { createWorkerClient, send, setCurrentWorker, workerRunning } from './worker-client';

/** Files of imported model folders, per role (handles only; read at each load). */
const folderFiles: Partial<Record<ModelRole, SelectedFile[]>> = {};
/** A run to resume as soon as the (new) worker has listed the saved runs. */
let pendingResume: string | null = null;
/** Test aids passed to every (re)started worker (`?fault=...`, `?storage=...`). */
let testAids: { fault?: InjectedFault; storage?: 'indexeddb' } = {};

export function setTestAids(aids: { fault?: InjectedFault; storage?: 'indexeddb' }): void {
  testAids = aids;
}

/** The public demo corpus, served by the app itself (public/demo). */
export const DEMO_CORPUS_URL = `${import.meta.env.BASE_URL}demo/demo-corpus.jsonl`;

function onWorkerEvent(event: WorkerEvent): void {
  appStore.getState().applyWorkerEvent(event);
  if (event.type === 'exported') downloadBytes(event.bytes, event.fileName, event.mime);
  if (event.type === 'runStatus') keepScreenOn(event.status === 'running' || event.status === 'pausing');
  if (event.type === 'auditResult') keepScreenOn(false);
  if (event.type === 'savedRuns' && pendingResume) {
    const runId = pendingResume;
    pendingResume = null;
    resumeRun(runId);
  }
  if (event.type === 'ingested' || event.type === 'model' || event.type === 'history') schedulePlan();
  // A run that ended changed the privacy ledger (and frees the worker for the run-time estimate).
  if (
    event.type === 'runStatus' &&
    (event.status === 'completed' || event.status === 'cancelled' || event.status === 'failed')
  )
    schedulePlan();
  if (event.type === 'runExists') void onRunExists(event);
  if (event.type === 'generatedText' || event.type === 'error') {
    const patch = reduceTryEvent(tryStore.getState(), event);
    if (patch) tryStore.setState(patch);
  }
}

/**
 * (Re)starts the worker on a backend. A fresh worker is the only clean way to change backend:
 * TF.js keeps tensors and kernels of the old one, and a lost WebGPU device cannot be revived.
 * The new worker gets the current files and models again so the panels stay valid.
 */
export function startWorker(choice: BackendChoice, threads?: ThreadsChoice): void {
  const store = appStore.getState();
  store.backendStarting(choice, threads);
  const wasmThreads = appStore.getState().backend.threads;
  setCurrentWorker(
    createWorkerClient({
      onEvent: onWorkerEvent,
      onFailure: (message) => appStore.getState().workerFailed(message),
    }),
  );
  // The automatic choice times a DP step of the teacher the user picked (a preset; an imported
  // folder is not loaded yet, so the shipped teacher's shape stands in for it).
  const teacher = appStore.getState().models.teacher.choice;
  send({
    type: 'init',
    backend: choice === 'auto' ? undefined : choice,
    ...(wasmThreads === 'auto' ? {} : { wasmThreads }),
    probeModel: teacher.kind === 'preset' ? teacher.name : 'teacher',
    ...testAids,
  });
  if (store.data.sources.length > 0) void ingestSources();
  void loadModels(['teacher', 'student']);
}

/** Backend override from the select: remembered in the URL, then a fresh worker. */
export function chooseBackend(choice: BackendChoice): void {
  if (typeof window !== 'undefined') {
    window.history.replaceState(null, '', urlWithBackendChoice(window.location.href, choice));
  }
  restartWorker(choice, appStore.getState().backend.threads);
}

/** WASM thread count from the select: remembered in the URL, then a fresh worker (threads are fixed at start). */
export function chooseThreads(threads: ThreadsChoice): void {
  if (typeof window !== 'undefined') {
    window.history.replaceState(null, '', urlWithThreadsChoice(window.location.href, threads));
  }
  restartWorker(appStore.getState().backend.choice, threads);
}

function restartWorker(choice: BackendChoice, threads: ThreadsChoice): void {
  const run = appStore.getState().run;
  if (run.runId && (run.status === 'running' || run.status === 'pausing')) {
    // Stop at a step boundary (a checkpoint is written), then continue on the new backend.
    pendingResume = run.runId;
    pauseRun();
    const unsubscribe = appStore.subscribe((s) => {
      if (s.run.status === 'paused' || s.run.status === 'failed') {
        unsubscribe();
        startWorker(choice, threads);
      }
    });
    return;
  }
  startWorker(choice, threads);
}

/** After a failure: restart on another backend and resume the run from its last checkpoint. */
export function continueOnBackend(choice: BackendChoice, runId: string): void {
  pendingResume = runId;
  chooseBackend(choice);
}

/** Reads the current selection and sends it to the worker; a newer call supersedes an older one. */
export async function ingestSources(): Promise<void> {
  const store = appStore.getState();
  const { sources, options } = store.data;
  if (sources.length === 0) return;
  const requestId = store.beginIngest();
  try {
    const files = await readSelectedFiles(sources);
    if (appStore.getState().data.requestId !== requestId) return;
    send(
      { type: 'ingest', requestId, files, options: { ...options } },
      files.map((f) => f.bytes.buffer as ArrayBuffer),
    );
    appStore.getState().ingestSent(requestId);
  } catch (err) {
    const message = errorMessage(err);
    appStore.getState().ingestFailed(requestId, `could not read the chosen files: ${message}`);
  }
}

export function addFiles(added: SelectedFile[]): void {
  if (added.length === 0) {
    appStore.getState().addLog('warn', 'nothing to add: the drop or selection held no files');
    return;
  }
  const store = appStore.getState();
  store.setSources(mergeSelections(store.data.sources, added));
  void ingestSources();
}

export function clearFiles(): void {
  appStore.getState().setSources([]);
}

export function setIngestOption<K extends keyof UiIngestOptions>(key: K, value: UiIngestOptions[K]): void {
  setDataChoices({ [key]: value });
}

/**
 * The user's data choices (text field, label fields, folder labels): the files are read again with
 * them. Without any source of labels left, control codes are switched off (there is nothing to
 * prompt with).
 */
export function setDataChoices(patch: Partial<UiIngestOptions>): void {
  const store = appStore.getState();
  for (const [key, value] of Object.entries(patch))
    store.setIngestOption(key as keyof UiIngestOptions, value as never);
  const options = appStore.getState().data.options;
  if (options.labelFields.length === 0 && !options.folderLabels && store.budget.settings.useControlCodes)
    updateSettings({ useControlCodes: false });
  void ingestSources();
}

/** Whether labels become DistilDP control codes (the user's choice, never read from the data). */
export function setUseControlCodes(on: boolean): void {
  updateSettings({ useControlCodes: on });
}

/** Adds the public-domain demo corpus (fetched from this app's own origin). */
export async function loadDemoCorpus(): Promise<void> {
  try {
    const res = await fetch(DEMO_CORPUS_URL);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const file = new File([await res.blob()], 'demo-corpus.jsonl', { type: 'application/x-ndjson' });
    // The demo corpus is public: its text and genre fields are known, and its genres are control codes.
    const store = appStore.getState();
    store.setIngestOption('textField', 'text');
    store.setIngestOption('labelFields', ['label']);
    setUseControlCodes(true);
    addFiles([{ path: 'demo-corpus.jsonl', file }]);
  } catch (err) {
    appStore.getState().addLog('error', `could not load the demo corpus: ${(err as Error).message}`);
  }
}

// ---- models ----

/** The folder a set of dropped files came from (their common first path segment). */
export function folderNameOf(files: readonly SelectedFile[]): string {
  const first = files[0]?.path.split('/');
  if (first && first.length > 1 && files.every((f) => f.path.split('/')[0] === first[0])) return first[0];
  return 'imported model';
}

async function sourceFor(role: ModelRole, choice: ModelChoice): Promise<ModelSource> {
  if (choice.kind === 'preset') return choice;
  const files = folderFiles[role];
  if (!files?.length) throw new Error('the imported folder is no longer available: drop it again');
  return { kind: 'hf-folder', name: choice.name, files: await readSelectedFiles(files) };
}

async function loadModels(roles: ModelRole[]): Promise<void> {
  const store = appStore.getState();
  const batch = microBatchSize(store.profile);
  for (const role of roles) {
    const choice = appStore.getState().models[role].choice;
    const requestId = appStore.getState().beginModelLoad(role, choice);
    try {
      const source = await sourceFor(role, choice);
      const transfer =
        source.kind === 'hf-folder' ? source.files.map((f) => f.bytes.buffer as ArrayBuffer) : [];
      send({ type: 'loadModels', requestId, [role]: source, batch }, transfer);
    } catch (err) {
      appStore.getState().modelLoadFailed(role, requestId, (err as Error).message);
    }
  }
}

export function chooseModelPreset(role: ModelRole, name: string): void {
  appStore.getState().beginModelLoad(role, { kind: 'preset', name });
  void loadModels([role]);
}

export function importModelFolder(role: ModelRole, files: SelectedFile[]): void {
  if (files.length === 0) {
    appStore.getState().addLog('warn', 'nothing to import: the drop or selection held no files');
    return;
  }
  folderFiles[role] = files;
  appStore.getState().beginModelLoad(role, { kind: 'hf-folder', name: folderNameOf(files) });
  void loadModels([role]);
}

// ---- privacy plan ----

let planTimer: ReturnType<typeof setTimeout> | undefined;

/** Asks for the plan shortly after the last change (typing in the budget fields). */
export function schedulePlan(delayMs = 250): void {
  clearTimeout(planTimer);
  planTimer = setTimeout(requestPlan, delayMs);
}

function requestPlan(): void {
  const s = appStore.getState();
  const ready =
    s.data.status === 'ready' &&
    (s.data.summary?.totals.documents ?? 0) >= 3 &&
    s.models.teacher.status === 'ready' &&
    s.models.student.status === 'ready' &&
    Object.keys(validateSettings(s.budget.settings)).length === 0;
  if (!ready || !workerRunning()) return;
  const requestId = s.beginPlan();
  send({ type: 'plan', requestId, settings: s.budget.settings });
}

/** Loads a saved run beside the one shown (overlaid curves, results side by side). */
export function compareRun(runId: string): void {
  send({ type: 'compareRun', runId });
}

export function updateSettings(patch: Partial<RunSettings>): void {
  appStore.getState().setSettings(patch);
  schedulePlan();
}
