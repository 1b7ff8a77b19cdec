/**
 * A gradient helper thread of the CLI (src/cli/gradient-workers.ts): its own TF.js wasm backend on
 * one thread, answering the training loop's requests (src/train/gradient-pool.ts) one at a time.
 */
import { parentPort } from 'node:worker_threads';
import { initBackend } from '../model/backend';
import { createShardHost, type ShardRequest } from '../train/gradient-pool';

if (!parentPort) throw new Error('gradient-helper.ts runs as a worker thread');
const port = parentPort;
await initBackend({ override: 'wasm', wasmThreads: 1 });
const host = createShardHost();
// One request at a time, in the order received (a stop can send `unload` during a step).
let queue: Promise<void> = Promise.resolve();
port.on('message', ({ id, msg }: { id: number; msg: ShardRequest }) => {
  queue = queue.then(async () => port.postMessage({ id, reply: await host(msg) }));
});
port.postMessage({ ready: true });
