/**
 * Everything the UI does that has a side effect: starting (and restarting) the worker, reading
 * the chosen files and sending them for ingest. Components call these; the store only holds state.
 */
import type { BackendChoice } from '../worker/protocol';
import { urlWithBackendChoice } from './backend-choice';
import { mergeSelections, readSelectedFiles, type SelectedFile } from './file-sources';
import { appStore, type UiIngestOptions } from './store';
import { createWorkerClient, type WorkerClient } from './worker-client';

let client: WorkerClient | null = null;

/**
 * (Re)starts the worker on a backend. A fresh worker is the only clean way to change backend:
 * TF.js keeps tensors and kernels of the old one, and a lost WebGPU device cannot be revived.
 * The new worker gets the current files again so the data panel stays valid.
 */
export function startWorker(choice: BackendChoice): void {
  client?.terminate();
  const store = appStore.getState();
  store.backendStarting(choice);
  const worker = createWorkerClient({
    onEvent: (event) => appStore.getState().applyWorkerEvent(event),
    onFailure: (message) => appStore.getState().workerFailed(message),
  });
  client = worker;
  worker.send({ type: 'init', backend: choice === 'auto' ? undefined : choice });
  if (store.data.sources.length > 0) void ingestSources();
}

/** Backend override from the select: remembered in the URL, then a fresh worker. */
export function chooseBackend(choice: BackendChoice): void {
  if (typeof window !== 'undefined') {
    window.history.replaceState(null, '', urlWithBackendChoice(window.location.href, choice));
  }
  startWorker(choice);
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
    if (!client) throw new Error('the worker is not running');
    client.send(
      { type: 'ingest', requestId, files, options: { ...options } },
      files.map((f) => f.bytes.buffer as ArrayBuffer),
    );
    appStore.getState().ingestSent(requestId);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
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
  appStore.getState().setIngestOption(key, value);
  void ingestSources();
}
