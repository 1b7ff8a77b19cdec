/**
 * Writes a Hugging Face GPT-2 model folder as `GPT2LMHeadModel.save_pretrained` does, so
 * `GPT2LMHeadModel.from_pretrained(folder)` loads it unchanged (hf-gpt2.ts reads such folders back).
 * Our parameter names are the HF state-dict names without the `transformer.` prefix; HF's Conv1D
 * weights are (in, out) like ours, so nothing is transposed.
 */
import { type GPTConfig, validateConfig } from '../model/config';
import { paramShapes } from '../model/params';
import { configToHF, generationConfigToHF, type HFTokenIds } from './hf-config';
import { serializeSafetensors, type TensorToWrite } from './safetensors';

export interface HFExportOptions extends HFTokenIds {
  /** Weight precision in model.safetensors (default F32; F16 halves the download). */
  dtype?: 'F32' | 'F16';
}

const PREFIX = 'transformer.';
const shapeText = (shape: number[]) => `[${shape.join(',')}]`;
const utf8 = new TextEncoder();

/** The `<|endoftext|>` id of a GPT-2 style tokenizer, if its files say. */
function endOfTextId(tokenizerFiles: Record<string, string>): number | undefined {
  try {
    if (tokenizerFiles['vocab.json']) {
      const id = (JSON.parse(tokenizerFiles['vocab.json']) as Record<string, unknown>)['<|endoftext|>'];
      if (typeof id === 'number') return id;
    }
    if (tokenizerFiles['tokenizer.json']) {
      const added = (
        JSON.parse(tokenizerFiles['tokenizer.json']) as { added_tokens?: { id: number; content: string }[] }
      ).added_tokens;
      return added?.find((t) => t.content === '<|endoftext|>')?.id;
    }
  } catch {
    // Unreadable tokenizer files: fall back to the caller's ids or the default.
  }
  return undefined;
}

/**
 * Writes config.json, generation_config.json, model.safetensors (keys prefixed `transformer.`,
 * `lm_head.weight` only when untied, metadata {"format": "pt"}) and the given tokenizer files.
 * Token ids: `options`, else the tokenizer's `<|endoftext|>`, else the last id of the vocabulary.
 */
export function exportHFGPT2(
  config: GPTConfig,
  arrays: Map<string, Float32Array>,
  tokenizerFiles: Record<string, string> = {},
  options: HFExportOptions = {},
): Map<string, Uint8Array> {
  validateConfig(config);
  const shapes = paramShapes(config);
  const missing = [...shapes.keys()].filter((n) => !arrays.has(n));
  const unexpected = [...arrays.keys()].filter((n) => !shapes.has(n));
  const wrongSize: string[] = [];
  const tensors = new Map<string, TensorToWrite>();
  for (const [name, shape] of shapes) {
    const data = arrays.get(name);
    if (!data) continue;
    const size = shape.reduce((a, b) => a * b, 1);
    if (data.length !== size)
      wrongSize.push(`${name}: expected ${size} values for ${shapeText(shape)} got ${data.length}`);
    tensors.set(name === 'lm_head.weight' ? name : PREFIX + name, { shape, data });
  }
  if (missing.length || unexpected.length || wrongSize.length) {
    const lines = [
      missing.length ? `missing: ${missing.join(', ')}` : '',
      unexpected.length ? `unexpected: ${unexpected.join(', ')}` : '',
      ...wrongSize,
    ].filter(Boolean);
    throw new Error(`exportHFGPT2: parameters do not match the config:\n  ${lines.join('\n  ')}`);
  }

  const eot = endOfTextId(tokenizerFiles);
  const hf = configToHF(config, {
    bosTokenId: options.bosTokenId ?? eot,
    eosTokenId: options.eosTokenId ?? eot,
    padTokenId: options.padTokenId,
  });
  const dtype = options.dtype ?? 'F32';
  if (dtype === 'F16') hf.torch_dtype = 'float16';
  const json = (value: unknown) => utf8.encode(`${JSON.stringify(value, null, 2)}\n`);

  const out = new Map<string, Uint8Array>();
  out.set('config.json', json(hf));
  out.set('generation_config.json', json(generationConfigToHF(hf)));
  out.set('model.safetensors', serializeSafetensors(tensors, { format: 'pt' }, dtype));
  for (const [name, text] of Object.entries(tokenizerFiles)) {
    if (out.has(name))
      throw new Error(`exportHFGPT2: tokenizer file "${name}" would overwrite the model's own file`);
    if (!name || name.startsWith('/') || name.split(/[\\/]/).includes('..')) {
      throw new Error(
        `exportHFGPT2: tokenizer file name "${name}" must be a relative path inside the folder`,
      );
    }
    out.set(name, utf8.encode(text));
  }
  return out;
}
