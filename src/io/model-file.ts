/**
 * The project's self-describing model file: one safetensors file with our parameter names and
 * metadata `distildp.config` (GPTConfig JSON), `distildp.tokenizer` ('bytes' | 'gpt2') and any
 * extra string fields (e.g. the pretraining recipe). Used for the shipped base models and CLI
 * outputs; Hugging Face folders (hf-gpt2.ts) are the interchange format.
 */
import { type GPTConfig, validateConfig } from '../model/config';
import { paramShapes } from '../model/params';
import { parseSafetensors, serializeSafetensors, type TensorToWrite } from './safetensors';

export type TokenizerKindName = 'bytes' | 'gpt2';

export interface ModelFile {
  config: GPTConfig;
  tokenizer: TokenizerKindName;
  arrays: Map<string, Float32Array>;
  metadata: Record<string, string>;
}

export function serializeModelFile(m: ModelFile, dtype: 'F32' | 'F16' = 'F32'): Uint8Array {
  const tensors = new Map<string, TensorToWrite>();
  for (const [name, shape] of paramShapes(m.config)) {
    const data = m.arrays.get(name);
    if (!data) throw new Error(`model file: missing parameter ${name}`);
    tensors.set(name, { shape, data });
  }
  const metadata = {
    ...m.metadata,
    format: 'pt',
    'distildp.config': JSON.stringify(m.config),
    'distildp.tokenizer': m.tokenizer,
  };
  return serializeSafetensors(tensors, metadata, dtype);
}

export function parseModelFile(bytes: Uint8Array): ModelFile {
  const { tensors, metadata } = parseSafetensors(bytes);
  const rawConfig = metadata['distildp.config'];
  if (!rawConfig) {
    throw new Error(
      'not a distildp model file (no distildp.config metadata); for a Hugging Face GPT-2 folder, pass the folder',
    );
  }
  const config = JSON.parse(rawConfig) as GPTConfig;
  validateConfig(config);
  const tokenizer = (metadata['distildp.tokenizer'] ?? 'bytes') as TokenizerKindName;
  if (tokenizer !== 'bytes' && tokenizer !== 'gpt2')
    throw new Error(`model file: unknown tokenizer "${tokenizer}"`);
  const arrays = new Map<string, Float32Array>();
  for (const [name, t] of tensors) arrays.set(name, t.data);
  return { config, tokenizer, arrays, metadata };
}
