/**
 * A gradient helper in the browser (src/train/browser-gradient-helpers.ts): a dedicated worker
 * with its own TF.js wasm backend on one thread, answering the training loop's requests
 * (src/train/gradient-pool.ts). It sees the windows of the documents it clips, as the training
 * worker does, and stays inside the page (no network: the app's CSP covers it).
 */
import { initBackend } from '../model/backend';
import { tfjsWasmPaths } from '../model/wasm-paths';
import { serveShardRequests } from './gradient-pool';

const scope = self as unknown as {
  addEventListener(type: 'message', listener: (e: MessageEvent) => void): void;
  postMessage(data: unknown): void;
};
serveShardRequests(
  (listener) => scope.addEventListener('message', (e) => listener(e.data)),
  (data) => scope.postMessage(data),
  async () => void (await initBackend({ override: 'wasm', wasmPaths: tfjsWasmPaths, wasmThreads: 1 })),
);
