/**
 * A gradient helper thread of the CLI (src/cli/gradient-workers.ts): its own TF.js wasm backend on
 * one thread (with the project's wasm kernel fixes), answering the training loop's requests
 * (src/train/gradient-pool.ts).
 */
import { parentPort } from 'node:worker_threads';
import { initBackend } from '../model/backend';
import { serveShardRequests } from '../train/gradient-pool';

if (!parentPort) throw new Error('gradient-helper.ts runs as a worker thread');
const port = parentPort;
serveShardRequests(
  (listener) => port.on('message', listener),
  (data) => port.postMessage(data),
  async () => void (await initBackend({ override: 'wasm', wasmThreads: 1 })),
);
