/**
 * The only TF.js-aware part of src/io: moves Params (TF.js variables) in and out of the pure
 * file formats. Reading parameters back is async because webgpu forbids synchronous reads.
 */
import type { GPTConfig } from '../model/config';
import { type Params, paramShapes, paramsFromArrays, paramsToArrays } from '../model/params';
import { exportHFGPT2, type HFExportOptions, type HFImport, importHFGPT2 } from './hf-gpt2';
import { parseSafetensors, serializeSafetensors, type TensorToWrite } from './safetensors';

/** A Hugging Face GPT-2 folder (file name -> bytes) from live parameters. */
export async function exportParamsToHF(
  config: GPTConfig,
  params: Params,
  tokenizerFiles: Record<string, string> = {},
  options: HFExportOptions = {},
): Promise<Map<string, Uint8Array>> {
  return exportHFGPT2(config, await paramsToArrays(params), tokenizerFiles, options);
}

/** Imports a Hugging Face GPT-2 folder and builds TF.js variables from it. */
export function importParamsFromHF(
  files: Map<string, Uint8Array>,
): Omit<HFImport, 'arrays'> & { params: Params } {
  const { arrays, ...rest } = importHFGPT2(files);
  return { ...rest, params: paramsFromArrays(rest.config, arrays) };
}

/** Parameters as one safetensors file, with our (un-prefixed) names, e.g. for checkpoints. */
export async function paramsToSafetensors(
  config: GPTConfig,
  params: Params,
  metadata?: Record<string, string>,
): Promise<Uint8Array> {
  const arrays = await paramsToArrays(params);
  const tensors = new Map<string, TensorToWrite>();
  for (const [name, shape] of paramShapes(config)) {
    const data = arrays.get(name);
    if (!data) throw new Error(`paramsToSafetensors: missing parameter ${name}`);
    tensors.set(name, { shape, data });
  }
  return serializeSafetensors(tensors, metadata);
}

/** Reads a file written by `paramsToSafetensors`; names and shapes are checked against `config`. */
export function paramsFromSafetensors(config: GPTConfig, bytes: Uint8Array): Params {
  const { tensors } = parseSafetensors(bytes);
  const shapes = paramShapes(config);
  const arrays = new Map<string, Float32Array>();
  for (const [name, t] of tensors) {
    const expected = shapes.get(name);
    if (expected && expected.join(',') !== t.shape.join(',')) {
      throw new Error(`parameter ${name}: expected shape [${expected.join(',')}] got [${t.shape.join(',')}]`);
    }
    arrays.set(name, t.data);
  }
  return paramsFromArrays(config, arrays);
}
