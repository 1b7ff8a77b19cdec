/// <reference lib="webworker" />
/**
 * The one module worker. It owns TF.js and every tensor, plus the ingested documents (the private
 * text never goes back to the UI thread, only summaries). Commands are handled one at a time in
 * arrival order, so an `ingest` sent right after `init` sees an initialised backend.
 */
import { ingestFiles } from '../data/ingest';
import { tokenizerFor } from '../data/tokenizer';
import type { IngestResult } from '../data/types';
import { initBackend } from '../model/backend';
import { summarizeIngest } from './ingest-summary';
import type { IngestCommand, InitCommand, LogLevel, WorkerCommand, WorkerEvent } from './protocol';
import { tfjsWasmPaths } from './wasm-paths';

const scope = self as unknown as DedicatedWorkerGlobalScope;

/** Token counts shown at ingest use the byte tokenizer: cheap, and exact for any text. */
const INGEST_TOKENIZER = 'bytes';

/** What the worker holds between commands; the training stages will read the documents here. */
const session: { documents: IngestResult['documents'] } = { documents: [] };

function post(event: WorkerEvent): void {
  scope.postMessage(event);
}

function log(level: LogLevel, message: string): void {
  post({ type: 'log', level, message, time: Date.now() });
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function init(command: InitCommand): Promise<void> {
  const info = await initBackend({ override: command.backend, wasmPaths: tfjsWasmPaths });
  for (const skipped of info.skipped) log('warn', `skipped ${skipped.backend}: ${skipped.reason}`);
  log('info', `TF.js ${info.tfjsVersion} on ${info.backend}`);
  post({ type: 'ready', backendInfo: info });
}

function ingest(command: IngestCommand): void {
  const result = ingestFiles(command.files, command.options, tokenizerFor(INGEST_TOKENIZER));
  session.documents = result.documents;
  const summary = summarizeIngest(result, INGEST_TOKENIZER);
  const { totals } = summary;
  log(
    'info',
    `ingested ${totals.files} file(s): ${totals.documents} document(s), ${totals.tokens} ${INGEST_TOKENIZER} tokens` +
      (totals.rejected ? `, ${totals.rejected} rejected` : ''),
  );
  post({ type: 'ingested', requestId: command.requestId, summary });
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
      requestId: command.type === 'ingest' ? command.requestId : undefined,
    });
  }
}

let queue: Promise<void> = Promise.resolve();
scope.onmessage = (event: MessageEvent<WorkerCommand>) => {
  const command = event.data;
  queue = queue.then(() => handle(command));
};

scope.addEventListener('unhandledrejection', (event) => {
  post({ type: 'error', message: `unhandled rejection in worker: ${errorMessage(event.reason)}` });
});
