/**
 * Creates the module worker and gives it a typed `send`. Vite bundles the worker from this
 * `new URL(..., import.meta.url)` form; the UI thread itself never imports TF.js.
 */
import type { WorkerCommand, WorkerEvent } from '../contract/protocol';

export interface WorkerClient {
  /** Posts a command; `transfer` hands buffers over without copying (they become unusable here). */
  send(command: WorkerCommand, transfer?: Transferable[]): void;
  terminate(): void;
}

export interface WorkerClientHandlers {
  onEvent(event: WorkerEvent): void;
  /** The script failed to load, threw at top level, or a message could not be decoded. */
  onFailure(message: string): void;
}

export function createWorkerClient(handlers: WorkerClientHandlers): WorkerClient {
  const worker = new Worker(new URL('../worker/worker.ts', import.meta.url), { type: 'module' });
  worker.onmessage = (event: MessageEvent<WorkerEvent>) => handlers.onEvent(event.data);
  worker.onerror = (event: ErrorEvent) => {
    event.preventDefault();
    handlers.onFailure(`worker error: ${event.message || 'the worker script failed to load'}`);
  };
  worker.onmessageerror = () => handlers.onFailure('worker sent a message that could not be decoded');
  return {
    send: (command, transfer = []) => worker.postMessage(command, transfer),
    terminate: () => worker.terminate(),
  };
}
