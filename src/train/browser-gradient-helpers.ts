/**
 * The browser's gradient helpers (src/train/gradient-pool.ts) as dedicated workers started from
 * the training worker (or the benchmark page): tfjs-backend-wasm 4.22 multi-threads only plain
 * matmuls, so a DP step uses more cores by splitting its documents across helpers.
 */
import { endpointOverPort, type GradientPool, type ShardEndpoint, startGradientPool } from './gradient-pool';

function helperEndpoint(): Promise<ShardEndpoint> {
  const worker = new Worker(new URL('./gradient-helper-worker.ts', import.meta.url), { type: 'module' });
  return endpointOverPort({
    post: (data) => worker.postMessage(data),
    onMessage: (listener) => worker.addEventListener('message', (e) => listener(e.data)),
    onFailure: (listener) =>
      worker.addEventListener('error', (e) =>
        listener(`gradient worker error: ${e.message || 'failed to load'}`),
      ),
    terminate: () => worker.terminate(),
  });
}

/** Starts `helpers` dedicated workers (all or nothing). */
export function startBrowserGradientHelpers(helpers: number): Promise<GradientPool> {
  return startGradientPool(helpers, helperEndpoint, 'gradient worker');
}
