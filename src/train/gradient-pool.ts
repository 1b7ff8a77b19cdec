/**
 * Data-parallel DP steps: the clipped-gradient sum of a step is a sum over documents, so its
 * micro-batches can be clipped on several cores at once. Gradient helpers (Node worker threads
 * in the CLI, dedicated workers in the browser; each with its own single-threaded TF.js wasm
 * backend and a copy of the model) take shares of a step's micro-batches, and the training loop
 * (train/dp-train.ts) clips the first share itself and adds the helpers' sums to its own.
 *
 * Why: tfjs-backend-wasm 4.22 multi-threads only plain 2-D matmuls (XNNPACK); the DP step's
 * other half (elementwise kernels, copies, the per-example reductions) runs on one thread, so
 * its own threads barely speed the step up (README, issue 12). Splitting the documents uses every
 * core for all of the step.
 *
 * Privacy: nothing changes. Sampling, the noise and the update stay in the training loop (the
 * helpers never see the noise or its seed); a document is clipped exactly as locally (the same
 * ClippedSumAccumulator), only the order of the floating-point additions differs. Helpers are not
 * used where clipping needs something that cannot be copied to them (the DPKD per-row loss with
 * its teacher, the audit's injected faults).
 */
import * as tf from '@tensorflow/tfjs';
import type { EmbeddingMode, ParameterSelection } from '../dp/clipping';
import type { MicroBatch } from '../dp/sampler';
import type { GPTConfig } from '../model/config';
import { type LoraConfig, loraAdaptersFromArrays } from '../model/lora';
import { type Params, paramsFromArrays } from '../model/params';
import { errorMessage } from '../util/error-message';
import { disposeBatch, trimmedLength, windowsToBatch } from './batching';
import { type ClipContext, ClippedSumAccumulator, type ClipStats } from './clipped-accumulator';

/** One micro-batch as a helper receives it: its window rows, `windowsPerExample` per document. */
export interface ShardMicroBatch {
  windowsPerExample: number;
  windows: number[][];
}

/** The model and clipping settings a helper loads once per training run. */
export interface ShardModel {
  config: GPTConfig;
  padId: number;
  /** What the DP forward pass reads (for LoRA: the frozen W0 in place of adapted weights). */
  forward: { name: string; data: Float32Array }[];
  /** Names of the trained parameters, in the order of every step's values and sums. */
  trainable: string[];
  /** LoRA: the adapter configuration and initial factors (the trained parameters). */
  lora?: { config: LoraConfig; factors: { name: string; data: Float32Array }[] };
  clipping: { clipNorm: number; embeddings: EmbeddingMode; parameters: ParameterSelection };
}

export type ShardRequest =
  | { kind: 'load'; model: ShardModel }
  | { kind: 'step'; trainable: Float32Array[]; microBatches: ShardMicroBatch[] }
  | { kind: 'unload' };

export type ShardReply =
  | { ok: true; sums?: Float32Array[]; stats?: ClipStats; busyMs?: number }
  | { ok: false; error: string };

/**
 * A channel to one helper. `request` sends at once (synchronously: the training loop starts its
 * own share right after); the helper answers requests one at a time, in the order sent.
 */
export interface ShardEndpoint {
  request(msg: ShardRequest): Promise<ShardReply>;
  close(): void | Promise<void>;
}

/**
 * A share's result: the clipped sums in ShardModel.trainable order, local statistics, and how long
 * the helper worked on it (ms, its own clock: for the benchmark's diagnostics).
 */
export interface ShardResult {
  sums: Float32Array[];
  stats: ClipStats;
  busyMs: number;
}

/**
 * Models larger than this (forward weights, bytes: 16M parameters) are not copied to helpers:
 * every helper holds a copy and its own activations (an imported GPT-2 trains on one thread).
 */
export const MAX_HELPER_MODEL_BYTES = 64 * 2 ** 20;

export class GradientPool {
  private loaded = false;
  private closed = false;

  /** `description` says what the helpers are, e.g. "1 worker thread", for logs and reports. */
  constructor(
    private readonly endpoints: ShardEndpoint[],
    readonly description: string,
  ) {}

  /** Helpers beside the training loop: a step runs on helpers + 1 cores. */
  get helpers(): number {
    return this.endpoints.length;
  }

  async load(model: ShardModel): Promise<void> {
    this.check();
    await Promise.all(this.endpoints.map((e) => expectOk(e.request({ kind: 'load', model }))));
    this.loaded = true;
  }

  /** Clips one share per helper (shares.length <= helpers) with the current trained values. */
  async step(trainable: Float32Array[], shares: ShardMicroBatch[][]): Promise<ShardResult[]> {
    this.check();
    if (!this.loaded) throw new Error('gradient helpers: step before load');
    if (shares.length > this.endpoints.length)
      throw new Error(`${shares.length} shares for ${this.endpoints.length} gradient helpers`);
    return Promise.all(
      shares.map(async (microBatches, i) => {
        const r = await expectOk(this.endpoints[i].request({ kind: 'step', trainable, microBatches }));
        if (!r.sums || !r.stats) throw new Error('gradient helper: a step reply without sums');
        return { sums: r.sums, stats: r.stats, busyMs: r.busyMs ?? Number.NaN };
      }),
    );
  }

  async unload(): Promise<void> {
    if (!this.loaded || this.closed) return;
    this.loaded = false;
    await Promise.all(this.endpoints.map((e) => expectOk(e.request({ kind: 'unload' }))));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.endpoints.map((e) => e.close()));
  }

  private check(): void {
    if (this.closed) throw new Error('gradient helpers: the pool is closed');
  }
}

async function expectOk(p: Promise<ShardReply>): Promise<ShardReply & { ok: true }> {
  const r = await p;
  if (!r.ok) throw new Error(`gradient helper failed: ${r.error}`);
  return r;
}

/**
 * Splits micro-batches into `parts` shares of about equal work (rows x trimmed length; longest
 * first, each to the least loaded share). Share 0 is the training loop's own.
 */
export function splitMicroBatches(
  microBatches: readonly MicroBatch[],
  parts: number,
  cost: (mb: MicroBatch) => number,
): MicroBatch[][] {
  if (!Number.isInteger(parts) || parts < 1) throw new Error(`parts must be an integer >= 1, got ${parts}`);
  const shares: MicroBatch[][] = Array.from({ length: parts }, () => []);
  const load = new Array<number>(parts).fill(0);
  const order = microBatches.map((mb, i) => ({ mb, i, c: cost(mb) })).sort((a, b) => b.c - a.c || a.i - b.i);
  for (const { mb, c } of order) {
    let best = 0;
    for (let p = 1; p < parts; p++) if (load[p] < load[best]) best = p;
    shares[best].push(mb);
    load[best] += c;
  }
  return shares;
}

/** The window rows of a micro-batch, as a helper receives them. */
export function microBatchWindows(mb: MicroBatch, documentWindows: number[][][]): ShardMicroBatch {
  return {
    windowsPerExample: mb.windowsPerExample,
    windows: mb.rows.flatMap((row) => row.windowIndices.map((w) => documentWindows[row.documentIndex][w])),
  };
}

/** Work of a micro-batch in units of token positions (rows x trimmed length). */
export function microBatchCost(mb: ShardMicroBatch, contextLength: number): number {
  return mb.windows.length * trimmedLength(mb.windows, contextLength);
}

interface HostModel {
  ctx: ClipContext;
  names: string[];
  trainable: Params;
  dispose(): void;
}

function loadHostModel(m: ShardModel): HostModel {
  const params = paramsFromArrays(m.config, new Map(m.forward.map((f) => [f.name, f.data])));
  const adapters = m.lora
    ? loraAdaptersFromArrays(m.config, m.lora.config, new Map(m.lora.factors.map((f) => [f.name, f.data])))
    : undefined;
  const source = adapters ? adapters.params : params;
  const trainable: Params = new Map();
  for (const name of m.trainable) {
    const v = source.get(name);
    if (!v) throw new Error(`gradient helper: no trained parameter ${name}`);
    trainable.set(name, v);
  }
  return {
    ctx: { params, config: m.config, padId: m.padId, clipping: { ...m.clipping, adapters } },
    names: m.trainable,
    trainable,
    dispose: () => tf.dispose([...params.values(), ...(adapters ? adapters.params.values() : [])]),
  };
}

/**
 * The helper side: answers ShardRequests on the helper's own TF.js backend. The platform code
 * (a worker thread's or a dedicated worker's message handler) passes every message here.
 */
export function createShardHost(): (msg: ShardRequest) => Promise<ShardReply> {
  let model: HostModel | null = null;
  return async (msg) => {
    try {
      if (msg.kind === 'load') {
        model?.dispose();
        model = null;
        model = loadHostModel(msg.model);
        return { ok: true };
      }
      if (msg.kind === 'unload') {
        model?.dispose();
        model = null;
        return { ok: true };
      }
      if (!model) throw new Error('step before load');
      const started = performance.now();
      const m = model;
      if (msg.trainable.length !== m.names.length)
        throw new Error(`expected ${m.names.length} trained values, got ${msg.trainable.length}`);
      m.names.forEach((name, i) => {
        const v = m.trainable.get(name)!;
        tf.tidy(() => v.assign(tf.tensor(msg.trainable[i], v.shape, 'float32')));
      });
      const acc = new ClippedSumAccumulator();
      try {
        for (const mb of msg.microBatches) {
          const t = trimmedLength(mb.windows, m.ctx.config.contextLength);
          const batch = windowsToBatch(mb.windows, mb.windows.length, t, m.ctx.padId);
          try {
            await acc.addMicroBatch(batch, mb.windowsPerExample, m.ctx);
          } finally {
            disposeBatch(batch);
          }
        }
        const sums = await acc.readArrays(m.names, m.trainable);
        return { ok: true, sums, stats: acc.stats, busyMs: performance.now() - started };
      } finally {
        acc.dispose();
      }
    } catch (e) {
      return { ok: false, error: errorMessage(e) };
    }
  };
}

/** Starts `helpers` helpers with `start` (all or nothing); `noun` names one, e.g. "worker thread". */
export async function startGradientPool(
  helpers: number,
  start: () => Promise<ShardEndpoint>,
  noun: string,
): Promise<GradientPool> {
  const started = await Promise.allSettled(Array.from({ length: helpers }, start));
  const endpoints = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(endpoints.map((e) => e.close()));
    throw new Error(`could not start a gradient ${noun}: ${failed.reason}`);
  }
  return new GradientPool(endpoints, `${helpers} ${noun}${helpers === 1 ? '' : 's'}`);
}

/**
 * A pool being started, for a provider: a helper that cannot start (memory, a blocked worker)
 * costs speed, not the run, so a failed start resolves to null (DP steps on one thread) after
 * `onFailure` says why; `onStarted` says what started.
 */
export function poolOrOneThread(
  starting: Promise<GradientPool>,
  onStarted: (pool: GradientPool) => void,
  onFailure: (why: string) => void,
): Promise<GradientPool | null> {
  return starting.then(
    (pool) => {
      onStarted(pool);
      return pool;
    },
    (e) => {
      onFailure(errorMessage(e));
      return null;
    },
  );
}

/** A helper's message channel, as Node worker threads and browser workers both provide it. */
export interface HelperPort {
  post(data: unknown): void;
  onMessage(listener: (data: unknown) => void): void;
  /** The helper failed (an error, or it exited). */
  onFailure(listener: (why: string) => void): void;
  terminate(): void | Promise<void>;
}

type HelperMessage = { ready?: true; startError?: string; id?: number; reply?: ShardReply };

/**
 * A ShardEndpoint over a helper's port, once the helper says it is ready (its backend started).
 * Requests are posted at once (synchronously: the training loop starts its own share right
 * after); a failed helper answers every pending and later request with its failure.
 */
export function endpointOverPort(port: HelperPort): Promise<ShardEndpoint> {
  const pending = new Map<number, (r: ShardReply) => void>();
  let nextId = 0;
  let failure: string | null = null;
  let closing = false;
  return new Promise((resolve, reject) => {
    let ready = false;
    port.onFailure((why) => {
      if (closing) return;
      if (!ready) reject(new Error(why));
      failure = why;
      for (const done of pending.values()) done({ ok: false, error: why });
      pending.clear();
    });
    port.onMessage((data) => {
      const m = data as HelperMessage;
      if (m.startError !== undefined) {
        reject(new Error(m.startError));
        return;
      }
      if (m.ready) {
        ready = true;
        resolve({
          request: (msg) =>
            new Promise<ShardReply>((done) => {
              if (failure) return done({ ok: false, error: failure });
              const id = nextId++;
              pending.set(id, done);
              port.post({ id, msg });
            }),
          close: async () => {
            closing = true;
            await port.terminate();
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

/**
 * The helper's side of the port: starts its backend, says ready (or why it could not start), then
 * answers requests one at a time, in the order received (a stop can send `unload` mid-step).
 */
export function serveShardRequests(
  listen: (listener: (data: unknown) => void) => void,
  reply: (data: HelperMessage) => void,
  startBackend: () => Promise<void>,
): void {
  const host = createShardHost();
  let queue: Promise<void> = Promise.resolve();
  listen((data) => {
    const { id, msg } = data as { id: number; msg: ShardRequest };
    queue = queue.then(async () => reply({ id, reply: await host(msg) }));
  });
  startBackend().then(
    () => reply({ ready: true }),
    (e) => reply({ startError: `could not start the helper's backend: ${errorMessage(e)}` }),
  );
}

/**
 * The process's gradient helpers, started on first use by a provider the CLI or the browser
 * worker installs (none installed: every step runs on the training loop's own thread). Like the
 * TF.js backend, a property of the process, not of one run.
 */
export type GradientPoolProvider = () => Promise<GradientPool | null>;

let processProvider: GradientPoolProvider | null = null;

export function setGradientPoolProvider(provider: GradientPoolProvider | null): void {
  processProvider = provider;
}

/**
 * Smaller models train on one thread: their steps are too short for the copies to pay (and tests
 * of tiny models start no threads).
 */
export const MIN_HELPER_MODEL_PARAMS = 100_000;

/** The process's helpers for a model of `modelParams` parameters, or null. */
export async function processGradientPool(modelParams: number): Promise<GradientPool | null> {
  if (!processProvider || modelParams < MIN_HELPER_MODEL_PARAMS) return null;
  return processProvider();
}
