/**
 * The CLI's gradient helpers (src/train/gradient-pool.ts) as Node worker threads, each running
 * bin/gradient-helper.mjs with its own single-threaded wasm backend. tfjs-backend-wasm has no
 * threads in Node (README, issue 12), so these are how a CLI DP step uses more than one core.
 * Started on the first DP training that can use them, stopped when the command ends.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  endpointOverPort,
  type GradientPool,
  poolOrOneThread,
  type ShardEndpoint,
  setGradientPoolProvider,
  startGradientPool,
} from '../train/gradient-pool';
import { type OptionSpec, UsageError } from './args';

const HELPER_ENTRY = new URL('../../bin/gradient-helper.mjs', import.meta.url);

/** The option of the commands that train with DP (main.ts starts the helpers for them). */
export const threadsOption: OptionSpec = {
  name: 'threads',
  type: 'string',
  default: 'all',
  description:
    'Threads a DP step runs on: N or all (every core; default). N - 1 gradient worker threads clip shares of each step',
};

/** `--threads`: a count >= 1 or "all" (every core); the DP step runs on that many threads. */
export function parseThreads(raw: unknown): number {
  const s = String(raw ?? 'all')
    .trim()
    .toLowerCase();
  if (s === 'all') return availableParallelism();
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--threads must be a count >= 1 or "all", got "${raw}"`);
  return n;
}

function workerEndpoint(): Promise<ShardEndpoint> {
  const worker = new Worker(HELPER_ENTRY);
  return endpointOverPort({
    post: (data) => worker.postMessage(data),
    onMessage: (listener) => worker.on('message', listener),
    onFailure: (listener) => {
      worker.on('error', (e) => listener(`gradient worker thread error: ${e.message}`));
      worker.on('exit', (code) => listener(`gradient worker thread exited (code ${code})`));
    },
    terminate: async () => void (await worker.terminate()),
  });
}

/** Starts `helpers` worker threads (all or nothing). */
export function startGradientWorkers(helpers: number): Promise<GradientPool> {
  return startGradientPool(helpers, workerEndpoint, 'helper thread');
}

/**
 * Installs the process's helpers for a command that runs on `threads` threads: started on the
 * first DP training that uses them (src/train/dp-train.ts), so a command that trains nothing, or
 * only tiny models, starts none. Returns the command's cleanup (stops the threads).
 */
export function startGradientHelpersOnDemand(threads: number, log: (s: string) => void): () => Promise<void> {
  let pool: Promise<GradientPool | null> | null = null;
  setGradientPoolProvider(
    threads > 1
      ? () => {
          pool ??= poolOrOneThread(
            startGradientWorkers(threads - 1),
            (p) => log(`DP steps: ${threads} threads (the main one and ${p.description})`),
            (why) => log(`warning: DP steps on 1 thread: ${why}`),
          );
          return pool;
        }
      : null,
  );
  return async () => {
    setGradientPoolProvider(null);
    await (await pool)?.close();
  };
}
