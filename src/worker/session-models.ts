/**
 * The worker's base models: loads a preset (weights fetched from the app's own origin) or a
 * dropped Hugging Face GPT-2 folder, after checking from config.json alone that the model fits the
 * device (model-fit.ts), so a model too big for the tab is refused before its weights are read.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendName, DeviceLimits, ModelInfo, ModelRole, ModelSource } from '../contract/protocol';
import { filesSha256, type ModelRef } from '../contract/run-manifest';
import { loadTokenizer, type TokenizerKind } from '../data/tokenizer';
import { configFromHF } from '../io/hf-config';
import { modelMemory } from '../io/memory-estimate';
import { countParameters, type GPTConfig } from '../model/config';
import { paramsFromArrays, paramsToArrays } from '../model/params';
import { MODEL_PRESETS } from '../model/presets';
import type { Checkpoint } from '../pipeline/checkpoint';
import { type LoadedModel, loadModel } from '../pipeline/models';
import { refusalReason } from './model-fit';

export interface SessionModel {
  model: LoadedModel;
  ref: ModelRef;
  info: ModelInfo;
}

/** A model that would not fit: the message says why; nothing was loaded. */
export class ModelRefusedError extends Error {}

/** Reads a file of the app's own origin (public/), or null when it is not there. */
export async function readAppAsset(path: string): Promise<Uint8Array | null> {
  const url = new URL(`${import.meta.env.BASE_URL}${path}`, self.location.origin);
  let res: Response;
  try {
    res = await fetch(url);
  } catch {
    return null;
  }
  // `vite preview` and many static hosts answer a missing file with the app's index.html.
  if (!res.ok || (res.headers.get('content-type') ?? '').includes('text/html')) return null;
  return new Uint8Array(await res.arrayBuffer());
}

/** The tokenizer of a run's base model (teacher and student share it). */
export function tokenizerOfRef(ref: ModelRef): TokenizerKind {
  if (ref.kind === 'stored') return ref.tokenizer;
  const preset = MODEL_PRESETS[ref.name];
  if (!preset) throw new Error(`unknown model preset "${ref.name}"`);
  return preset.tokenizer;
}

/** What the browser says about this device's memory and, on WebGPU, the adapter's buffer limits. */
export function deviceLimits(backend: BackendName): DeviceLimits {
  const limits: DeviceLimits = { backend };
  const memory = (globalThis.navigator as { deviceMemory?: number } | undefined)?.deviceMemory;
  if (typeof memory === 'number' && memory > 0) limits.deviceMemoryGiB = memory;
  if (backend === 'webgpu') {
    const device = (tf.backend() as unknown as { device?: { limits?: GPUSupportedLimits } }).device;
    if (device?.limits) {
      limits.maxBufferSize = device.limits.maxBufferSize;
      limits.maxStorageBufferBindingSize = device.limits.maxStorageBufferBindingSize;
    }
  }
  return limits;
}

/** The config of a dropped folder (shallowest config.json), or null: the importer then says what is wrong. */
function peekFolderConfig(files: Map<string, Uint8Array>): GPTConfig | null {
  const names = [...files.keys()].filter((n) => n === 'config.json' || n.endsWith('/config.json'));
  if (names.length === 0) return null;
  names.sort((a, b) => a.split('/').length - b.split('/').length);
  try {
    return configFromHF(JSON.parse(new TextDecoder().decode(files.get(names[0])!)));
  } catch {
    return null;
  }
}

function checkFits(role: ModelRole, config: GPTConfig, limits: DeviceLimits, batch: number) {
  const memory = modelMemory(config, Math.max(1, batch));
  const reason = refusalReason(role, memory, limits);
  if (reason) throw new ModelRefusedError(`Refused: ${reason}`);
  return memory;
}

export async function loadSessionModel(
  role: ModelRole,
  source: ModelSource,
  limits: DeviceLimits,
  batch: number,
): Promise<SessionModel> {
  let model: LoadedModel;
  let ref: ModelRef;
  let memory: ModelInfo['memory'];
  if (source.kind === 'preset') {
    const preset = MODEL_PRESETS[source.name];
    if (!preset) throw new Error(`unknown model preset "${source.name}"`);
    memory = checkFits(role, preset.config, limits, batch);
    model = await loadModel({ kind: 'preset', name: source.name }, readAppAsset);
    ref = { kind: 'preset', name: source.name };
  } else {
    const files = new Map(source.files.map((f) => [f.path, f.bytes]));
    const peeked = peekFolderConfig(files);
    if (peeked) memory = checkFits(role, peeked, limits, batch);
    model = await loadModel({ kind: 'hf-folder', name: source.name, files }, readAppAsset);
    memory = checkFits(role, model.config, limits, batch);
    ref = {
      kind: 'stored',
      name: source.name,
      sha256: await filesSha256(source.files),
      tokenizer: model.tokenizer.kind,
    };
  }
  const info: ModelInfo = {
    role,
    name: model.name,
    origin: model.origin,
    config: model.config,
    parameters: countParameters(model.config),
    tokenizer: model.tokenizer.kind,
    memory,
    limits,
    warnings: model.warnings,
  };
  return { model, ref, info };
}

/** A stored base model as a checkpoint (config + weights), for runs that use an imported folder. */
export async function baseModelRecord(m: LoadedModel): Promise<Checkpoint> {
  return {
    status: 'done',
    value: { name: m.name, origin: m.origin },
    models: { model: { config: m.config, arrays: await paramsToArrays(m.params) } },
  };
}

/** Rebuilds a run's base model: presets reload by name, stored ones from their record. */
export async function restoreBaseModel(ref: ModelRef, record: Checkpoint | null): Promise<LoadedModel> {
  if (ref.kind === 'preset') return loadModel({ kind: 'preset', name: ref.name }, readAppAsset);
  const stored = record?.models?.model;
  if (!stored) throw new Error(`the stored base model "${ref.name}" is missing from this run's storage`);
  return {
    name: ref.name,
    config: stored.config,
    params: paramsFromArrays(stored.config, stored.arrays),
    tokenizer: await loadTokenizer(ref.tokenizer),
    origin: 'imported',
    warnings: [],
  };
}
