/**
 * Training checkpoints as one safetensors file: the parameters (`param/<name>`), the optimizer
 * moments (`adam.m/<name>`, `adam.v/<name>`) and extra named arrays (e.g. a distillation
 * projection), plus a JSON `distildp.checkpoint` metadata field (steps done, epsilon history, the
 * privacy plan, ...). Pure TypeScript: the same bytes go to disk (CLI) or browser storage (app).
 */
import type { GPTConfig } from '../model/config';
import { paramShapes } from '../model/params';
import { parseSafetensors, serializeSafetensors, type TensorToWrite } from './safetensors';

export interface CheckpointData<S> {
  config: GPTConfig;
  params: Map<string, Float32Array>;
  optimizer?: { step: number; moments: Map<string, { m: Float32Array; v: Float32Array }> };
  /** Extra arrays (name -> shape + data). */
  extras?: Map<string, { shape: number[]; data: Float32Array }>;
  /** JSON-serialisable run state. */
  state: S;
}

export function serializeCheckpoint<S>(c: CheckpointData<S>): Uint8Array {
  const tensors = new Map<string, TensorToWrite>();
  const shapes = paramShapes(c.config);
  for (const [name, data] of c.params) {
    const shape = shapes.get(name);
    if (!shape) throw new Error(`checkpoint: ${name} is not a parameter of the config`);
    tensors.set(`param/${name}`, { shape, data });
  }
  if (c.optimizer) {
    for (const [name, { m, v }] of c.optimizer.moments) {
      tensors.set(`adam.m/${name}`, { shape: [m.length], data: m });
      tensors.set(`adam.v/${name}`, { shape: [v.length], data: v });
    }
  }
  for (const [name, t] of c.extras ?? []) tensors.set(`extra/${name}`, t);
  const meta = {
    config: c.config,
    optimizerStep: c.optimizer?.step ?? null,
    state: c.state,
  };
  return serializeSafetensors(tensors, { 'distildp.checkpoint': JSON.stringify(meta) });
}

export function parseCheckpoint<S>(bytes: Uint8Array): CheckpointData<S> {
  const { tensors, metadata } = parseSafetensors(bytes);
  const raw = metadata['distildp.checkpoint'];
  if (!raw) throw new Error('not a distildp checkpoint (no distildp.checkpoint metadata)');
  const meta = JSON.parse(raw) as { config: GPTConfig; optimizerStep: number | null; state: S };
  const params = new Map<string, Float32Array>();
  const moments = new Map<string, { m: Float32Array; v: Float32Array }>();
  const extras = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [key, t] of tensors) {
    const slash = key.indexOf('/');
    const kind = key.slice(0, slash);
    const name = key.slice(slash + 1);
    if (kind === 'param') params.set(name, t.data);
    else if (kind === 'adam.m' || kind === 'adam.v') {
      const entry = moments.get(name) ?? { m: new Float32Array(0), v: new Float32Array(0) };
      if (kind === 'adam.m') entry.m = t.data;
      else entry.v = t.data;
      moments.set(name, entry);
    } else if (kind === 'extra') extras.set(name, { shape: t.shape, data: t.data });
    else throw new Error(`checkpoint: unexpected tensor ${key}`);
  }
  return {
    config: meta.config,
    params,
    optimizer: meta.optimizerStep === null ? undefined : { step: meta.optimizerStep, moments },
    extras,
    state: meta.state,
  };
}
