/**
 * The CLI's gradient helpers (src/train/gradient-pool.ts) as Node worker threads, each running
 * bin/gradient-helper.mjs with its own single-threaded wasm backend. tfjs-backend-wasm has no
 * threads in Node (README, issue 12), so these are how a CLI DP step uses more than one core.
 * Started on the first DP training that can use them, stopped when the command ends.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  GradientPool,
  type ShardEndpoint,
  type ShardReply,
  type ShardRequest,
  setGradientPoolProvider,
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
  const pending = new Map<number, (r: ShardReply) => void>();
  let nextId = 0;
  let failure: string | null = null;
  const failAll = (why: string) => {
    failure = why;
    for (const done of pending.values()) done({ ok: false, error: why });
    pending.clear();
  };
  // Posted at once: the helper answers its messages one at a time, in order (the training loop
  // then starts its own share without waiting, so the post must not wait for a microtask).
  const post = (msg: ShardRequest) =>
    new Promise<ShardReply>((done) => {
      if (failure) return done({ ok: false, error: failure });
      const id = nextId++;
      pending.set(id, done);
      worker.postMessage({ id, msg });
    });
  return new Promise((resolve, reject) => {
    worker.once('error', (e) => reject(e));
    worker.on('message', (m: { ready?: boolean; id?: number; reply?: ShardReply }) => {
      if (m.ready) {
        worker.removeAllListeners('error');
        worker.on('error', (e) => failAll(`worker thread error: ${e.message}`));
        worker.on('exit', (code) => failAll(`worker thread exited (code ${code})`));
        resolve({
          request: post,
          close: async () => {
            worker.removeAllListeners('exit');
            await worker.terminate();
          },
        });
        return;
      }
      const done = pending.get(m.id!);
      pending.delete(m.id!);
      done?.(m.reply!);
    });
  });
}

/** Starts `helpers` worker threads (all or nothing). */
export async function startGradientWorkers(helpers: number): Promise<GradientPool> {
  const started = await Promise.allSettled(Array.from({ length: helpers }, workerEndpoint));
  const endpoints = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(endpoints.map((e) => e.close()));
    throw new Error(`could not start a gradient helper thread: ${(failed as PromiseRejectedResult).reason}`);
  }
  return new GradientPool(endpoints, `${helpers} worker thread${helpers === 1 ? '' : 's'}`);
}

/**
 * Installs the process's helpers for a command that runs on `threads` threads: started on the
 * first DP training that uses them (src/train/dp-train.ts), so a command that trains nothing, or
 * only tiny models, starts none. Returns the command's cleanup (stops the threads).
 */
export function startGradientHelpersOnDemand(threads: number, log: (s: string) => void): () => Promise<void> {
  let pool: Promise<GradientPool> | null = null;
  setGradientPoolProvider(
    threads > 1
      ? () => {
          pool ??= startGradientWorkers(threads - 1).then((p) => {
            log(`DP steps: ${threads} threads (the main one and ${p.description})`);
            return p;
          });
          return pool;
        }
      : null,
  );
  return async () => {
    setGradientPoolProvider(null);
    const p = await pool?.catch(() => null);
    await p?.close();
  };
}
