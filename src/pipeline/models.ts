/**
 * Where the pipeline's models come from: a named preset (the shipped base model pretrained on
 * public-domain text; random init only if its weights are missing, with a warning), one of the
 * project's model files, or a Hugging Face GPT-2 folder. The same code serves the worker (assets
 * fetched from the app's origin, files dropped by the user) and the CLI (files on disk).
 */
import { loadTokenizer, type Tokenizer } from '../data/tokenizer';
import { identifyTokenizer } from '../data/tokenizer-identify';
import { importHFGPT2 } from '../io/hf-gpt2';
import { parseModelFile } from '../io/model-file';
import type { GPTConfig } from '../model/config';
import { initParams, type Params, paramsFromArrays } from '../model/params';
import { MODEL_PRESETS } from '../model/presets';

export interface LoadedModel {
  /** Display name, e.g. `teacher (pretrained)` or the folder name. */
  name: string;
  config: GPTConfig;
  params: Params;
  tokenizer: Tokenizer;
  origin: 'pretrained' | 'random-init' | 'imported';
  warnings: string[];
}

/** Reads the app's bundled assets (paths relative to public/). Returns null when absent. */
export type AssetReader = (path: string) => Promise<Uint8Array | null>;

export type ModelSpec =
  | { kind: 'preset'; name: string }
  | { kind: 'model-file'; name: string; bytes: Uint8Array }
  | { kind: 'hf-folder'; name: string; files: Map<string, Uint8Array> };

export async function loadModel(spec: ModelSpec, readAsset: AssetReader): Promise<LoadedModel> {
  const warnings: string[] = [];
  if (spec.kind === 'preset') {
    const preset = MODEL_PRESETS[spec.name];
    if (!preset)
      throw new Error(
        `unknown model preset "${spec.name}" (known: ${Object.keys(MODEL_PRESETS).join(', ')})`,
      );
    const bytes = preset.weights ? await readAsset(preset.weights) : null;
    if (bytes) {
      const file = parseModelFile(bytes);
      return {
        name: `${spec.name} (pretrained)`,
        config: file.config,
        params: paramsFromArrays(file.config, file.arrays),
        tokenizer: await loadTokenizer(file.tokenizer),
        origin: 'pretrained',
        warnings,
      };
    }
    if (preset.weights)
      warnings.push(`pretrained weights ${preset.weights} not found: "${spec.name}" starts from random init`);
    return {
      name: `${spec.name} (random init)`,
      config: preset.config,
      params: initParams(preset.config, 1),
      tokenizer: await loadTokenizer(preset.tokenizer),
      origin: 'random-init',
      warnings,
    };
  }
  if (spec.kind === 'model-file') {
    const file = parseModelFile(spec.bytes);
    return {
      name: spec.name,
      config: file.config,
      params: paramsFromArrays(file.config, file.arrays),
      tokenizer: await loadTokenizer(file.tokenizer),
      origin: 'imported',
      warnings,
    };
  }
  const imported = importHFGPT2(spec.files);
  const tokenizer = await identifyTokenizer(imported.tokenizerFiles, imported.config.vocabSize);
  warnings.push(...imported.warnings, ...tokenizer.warnings);
  return {
    name: spec.name,
    config: imported.config,
    params: paramsFromArrays(imported.config, imported.arrays),
    tokenizer: await loadTokenizer(tokenizer.kind),
    origin: 'imported',
    warnings,
  };
}

/** Frees a model's weights (its tokenizer holds no tensors). */
export function disposeModel(m: LoadedModel): void {
  for (const v of m.params.values()) v.dispose();
}

/** Teacher and student must share a vocabulary (distillation compares their distributions). */
export function checkCompatible(teacher: LoadedModel, student: LoadedModel): void {
  if (
    teacher.config.vocabSize !== student.config.vocabSize ||
    teacher.tokenizer.kind !== student.tokenizer.kind
  ) {
    throw new Error(
      `teacher (${teacher.name}, vocab ${teacher.config.vocabSize}, ${teacher.tokenizer.kind}) and student (${student.name}, vocab ${student.config.vocabSize}, ${student.tokenizer.kind}) must share a tokenizer`,
    );
  }
}
