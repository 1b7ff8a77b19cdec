/**
 * Where a pipeline run keeps its progress so that nothing is lost on a reload or a crash: every
 * step (e.g. `distildp/teacher-dp`) saves a record when it finishes, and long steps also save
 * partial records periodically (weights, optimizer moments, steps done, epsilon history,
 * synthetic text so far). A resumed run loads them and continues exactly where it was.
 * The browser worker keeps records in OPFS/IndexedDB (as bytes from `serializeStepRecord`), the
 * CLI in memory or on disk.
 */

import { parseSafetensors, serializeSafetensors, type TensorToWrite } from '../io/safetensors';
import type { GPTConfig } from '../model/config';
import { paramShapes } from '../model/params';
import type { AdamWState } from '../train/optimizer';

export interface ModelArrays {
  config: GPTConfig;
  arrays: Map<string, Float32Array>;
}

export interface StepRecord<T = unknown> {
  status: 'done' | 'partial';
  /** JSON-serialisable: a finished step's output, or a partial step's resume state. */
  value: T;
  /** Models (or other named parameter sets) the step produced or holds so far. */
  models?: Record<string, ModelArrays>;
  /** Optimizer moments of a partial training step. */
  optimizer?: AdamWState;
  /** Extra arrays (e.g. a distillation projection), name -> shape + data. */
  extras?: Record<string, { shape: number[]; data: Float32Array }>;
}

export interface PipelineStore {
  load(step: string): Promise<StepRecord | undefined>;
  save(step: string, record: StepRecord): Promise<void>;
}

/** Keeps records in memory (the CLI's default; tests). */
export class MemoryPipelineStore implements PipelineStore {
  readonly records = new Map<string, StepRecord>();
  async load(step: string): Promise<StepRecord | undefined> {
    return this.records.get(step);
  }
  async save(step: string, record: StepRecord): Promise<void> {
    this.records.set(step, record);
  }
}

interface RecordMeta {
  status: StepRecord['status'];
  value: unknown;
  models: Record<string, GPTConfig>;
  optimizerStep: number | null;
  extras: string[];
}

/** A step record as one safetensors file (arrays as tensors, everything else as JSON metadata). */
export function serializeStepRecord(r: StepRecord): Uint8Array {
  const tensors = new Map<string, TensorToWrite>();
  const models: Record<string, GPTConfig> = {};
  for (const [name, m] of Object.entries(r.models ?? {})) {
    models[name] = m.config;
    const shapes = paramShapes(m.config);
    for (const [p, data] of m.arrays) {
      const shape = shapes.get(p);
      if (!shape) throw new Error(`step record: ${p} is not a parameter of model ${name}`);
      tensors.set(`model/${name}/${p}`, { shape, data });
    }
  }
  for (const [p, { m, v }] of r.optimizer?.moments ?? []) {
    tensors.set(`adam.m/${p}`, { shape: [m.length], data: m });
    tensors.set(`adam.v/${p}`, { shape: [v.length], data: v });
  }
  for (const [name, t] of Object.entries(r.extras ?? {})) tensors.set(`extra/${name}`, t);
  const meta: RecordMeta = {
    status: r.status,
    value: r.value,
    models,
    optimizerStep: r.optimizer ? r.optimizer.step : null,
    extras: Object.keys(r.extras ?? {}),
  };
  return serializeSafetensors(tensors, { 'distildp.step': JSON.stringify(meta) });
}

export function parseStepRecord(bytes: Uint8Array): StepRecord {
  const { tensors, metadata } = parseSafetensors(bytes);
  const raw = metadata['distildp.step'];
  if (!raw) throw new Error('not a distildp step record');
  const meta = JSON.parse(raw) as RecordMeta;
  const models: Record<string, ModelArrays> = {};
  for (const [name, config] of Object.entries(meta.models)) models[name] = { config, arrays: new Map() };
  const moments = new Map<string, { m: Float32Array; v: Float32Array }>();
  const extras: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const [key, t] of tensors) {
    if (key.startsWith('model/')) {
      const rest = key.slice('model/'.length);
      const slash = rest.indexOf('/');
      const model = models[rest.slice(0, slash)];
      if (!model) throw new Error(`step record: tensor ${key} of an undeclared model`);
      model.arrays.set(rest.slice(slash + 1), t.data);
    } else if (key.startsWith('adam.m/') || key.startsWith('adam.v/')) {
      const p = key.slice(7);
      const e = moments.get(p) ?? { m: new Float32Array(0), v: new Float32Array(0) };
      if (key.startsWith('adam.m/')) e.m = t.data;
      else e.v = t.data;
      moments.set(p, e);
    } else if (key.startsWith('extra/')) extras[key.slice(6)] = { shape: t.shape, data: t.data };
    else throw new Error(`step record: unexpected tensor ${key}`);
  }
  return {
    status: meta.status,
    value: meta.value,
    models: Object.keys(models).length ? models : undefined,
    optimizer: meta.optimizerStep === null ? undefined : { step: meta.optimizerStep, moments },
    extras: meta.extras.length ? extras : undefined,
  };
}
