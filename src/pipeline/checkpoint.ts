/**
 * Checkpoints: how a pipeline run keeps its progress so that nothing is lost on a reload or a
 * crash. Every stage of a run (e.g. `shared/teacher-dp`, see stage-registry.ts) saves a checkpoint
 * when it finishes, and long stages also save partial ones periodically (weights, optimizer
 * moments, DP steps done, epsilon history, synthetic text so far). A resumed run loads them and
 * continues exactly where it was. The browser worker keeps them in the origin's private storage
 * (worker/run-storage.ts, as bytes from `serializeCheckpoint`); the CLI keeps them in memory
 * (MemoryCheckpoints). The same file format also holds the app's stored base models and
 * `distildp pretrain --checkpoint` files.
 */

import { parseSafetensors, serializeSafetensors, type TensorToWrite } from '../io/safetensors';
import type { GPTConfig } from '../model/config';
import { paramShapes } from '../model/params';
import type { AdamWState } from '../train/optimizer';

export interface ModelArrays {
  config: GPTConfig;
  arrays: Map<string, Float32Array>;
}

/** What a checkpoint holds besides its value: arrays, stored as tensors. */
export interface CheckpointArrays {
  /** Models (or other named parameter sets) the stage produced or holds so far. */
  models?: Record<string, ModelArrays>;
  /** Optimizer moments of a partial training. */
  optimizer?: AdamWState;
  /** Extra arrays (e.g. a distillation projection), name -> shape + data. */
  extras?: Record<string, { shape: number[]; data: Float32Array }>;
}

/**
 * A stage's saved state: `done` with the stage's output as its value, or `partial` with what a
 * resumed stage needs to continue. Values are JSON-serialisable.
 */
export type Checkpoint<Done = unknown, Progress = Done> =
  | ({ status: 'done'; value: Done } & CheckpointArrays)
  | ({ status: 'partial'; value: Progress } & CheckpointArrays);

/** Where a run keeps its checkpoints, one per stage key. */
export interface Checkpoints {
  load(stageKey: string): Promise<Checkpoint | undefined>;
  save(stageKey: string, checkpoint: Checkpoint): Promise<void>;
}

/** Keeps checkpoints in memory (the CLI's pipeline; tests). */
export class MemoryCheckpoints implements Checkpoints {
  readonly records = new Map<string, Checkpoint>();
  async load(stageKey: string): Promise<Checkpoint | undefined> {
    return this.records.get(stageKey);
  }
  async save(stageKey: string, checkpoint: Checkpoint): Promise<void> {
    this.records.set(stageKey, checkpoint);
  }
}

interface CheckpointMeta {
  status: Checkpoint['status'];
  value: unknown;
  models: Record<string, GPTConfig>;
  optimizerStep: number | null;
  extras: string[];
}

/**
 * A checkpoint as one safetensors file (arrays as tensors, everything else as JSON metadata under
 * `distildp.step`: the key name predates the word "checkpoint" and stays, so saved runs still load).
 */
export function serializeCheckpoint(r: Checkpoint): Uint8Array {
  const tensors = new Map<string, TensorToWrite>();
  const models: Record<string, GPTConfig> = {};
  for (const [name, m] of Object.entries(r.models ?? {})) {
    models[name] = m.config;
    const shapes = paramShapes(m.config);
    for (const [p, data] of m.arrays) {
      const shape = shapes.get(p);
      if (!shape) throw new Error(`checkpoint: ${p} is not a parameter of model ${name}`);
      tensors.set(`model/${name}/${p}`, { shape, data });
    }
  }
  for (const [p, { m, v }] of r.optimizer?.moments ?? []) {
    tensors.set(`adam.m/${p}`, { shape: [m.length], data: m });
    tensors.set(`adam.v/${p}`, { shape: [v.length], data: v });
  }
  for (const [name, t] of Object.entries(r.extras ?? {})) tensors.set(`extra/${name}`, t);
  const meta: CheckpointMeta = {
    status: r.status,
    value: r.value,
    models,
    optimizerStep: r.optimizer ? r.optimizer.step : null,
    extras: Object.keys(r.extras ?? {}),
  };
  return serializeSafetensors(tensors, { 'distildp.step': JSON.stringify(meta) });
}

export function parseCheckpoint(bytes: Uint8Array): Checkpoint {
  const { tensors, metadata } = parseSafetensors(bytes);
  const raw = metadata['distildp.step'];
  if (!raw) throw new Error('not a distildp checkpoint');
  const meta = JSON.parse(raw) as CheckpointMeta;
  const models: Record<string, ModelArrays> = {};
  for (const [name, config] of Object.entries(meta.models)) models[name] = { config, arrays: new Map() };
  const moments = new Map<string, { m: Float32Array; v: Float32Array }>();
  const extras: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const [key, t] of tensors) {
    if (key.startsWith('model/')) {
      const rest = key.slice('model/'.length);
      const slash = rest.indexOf('/');
      const model = models[rest.slice(0, slash)];
      if (!model) throw new Error(`checkpoint: tensor ${key} of an undeclared model`);
      model.arrays.set(rest.slice(slash + 1), t.data);
    } else if (key.startsWith('adam.m/') || key.startsWith('adam.v/')) {
      const p = key.slice(7);
      const e = moments.get(p) ?? { m: new Float32Array(0), v: new Float32Array(0) };
      if (key.startsWith('adam.m/')) e.m = t.data;
      else e.v = t.data;
      moments.set(p, e);
    } else if (key.startsWith('extra/')) extras[key.slice(6)] = { shape: t.shape, data: t.data };
    else throw new Error(`checkpoint: unexpected tensor ${key}`);
  }
  return {
    status: meta.status,
    value: meta.value,
    models: Object.keys(models).length ? models : undefined,
    optimizer: meta.optimizerStep === null ? undefined : { step: meta.optimizerStep, moments },
    extras: meta.extras.length ? extras : undefined,
  };
}
