/**
 * Hugging Face GPT-2 model folders: config.json + model.safetensors or a sharded checkpoint
 * (+ tokenizer files), read with full validation against the config; hf-gpt2-export.ts writes them
 * as `GPT2LMHeadModel.save_pretrained` does, so `GPT2LMHeadModel.from_pretrained(folder)` loads an
 * export unchanged.
 *
 * Our parameter names are the HF state-dict names without the `transformer.` prefix
 * (src/model/params.ts); HF's Conv1D weights are (in, out) like ours, so nothing is transposed.
 */
import type { GPTConfig } from '../model/config';
import { paramShapes } from '../model/params';
import { configFromHF, type HFTokenIds } from './hf-config';
import { readFolderWeights } from './hf-weights';

export { configFromHF, configToHF, type HFTokenIds } from './hf-config';
export { exportHFGPT2, type HFExportOptions } from './hf-gpt2-export';
export { estimateModelMemory, type MemoryEstimate, type MemoryEstimateOptions } from './memory-estimate';

/** Tokenizer files carried through import and export as text. */
export const TOKENIZER_FILE_NAMES = [
  'vocab.json',
  'merges.txt',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'added_tokens.json',
] as const;

export interface HFImport {
  config: GPTConfig;
  /** Every parameter of `config`, in HF state-dict order, as float32. */
  arrays: Map<string, Float32Array>;
  /** Tokenizer files found (names from TOKENIZER_FILE_NAMES), as text. */
  tokenizerFiles: Map<string, string>;
  /** Special token ids from config.json, when present. */
  tokenIds: HFTokenIds;
  /** Things the user should know that did not stop the import. */
  warnings: string[];
}

const PREFIX = 'transformer.';
/** Causal-mask buffers that old transformers versions saved with the weights: not parameters. */
const ATTENTION_BUFFER = /^h\.\d+\.attn\.(bias|masked_bias)$/;

const shapeText = (shape: number[]) => `[${shape.join(',')}]`;

function decodeText(bytes: Uint8Array, name: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new Error(`${name} is not valid UTF-8 text`);
  }
}

/** Strips the folder that holds the shallowest config.json; returns files relative to it. */
function locateModelFolder(files: Map<string, Uint8Array>): {
  local: Map<string, Uint8Array>;
  outside: string[];
} {
  const normalised = new Map<string, Uint8Array>();
  for (const [name, bytes] of files) normalised.set(name.replace(/\\/g, '/').replace(/^(\.?\/)+/, ''), bytes);
  const configs = [...normalised.keys()].filter((n) => n === 'config.json' || n.endsWith('/config.json'));
  if (configs.length === 0) {
    const seen = [...normalised.keys()].slice(0, 10).join(', ');
    throw new Error(
      `no config.json found: expected a Hugging Face GPT-2 folder with config.json and model.safetensors (got: ${seen || 'no files'})`,
    );
  }
  const depth = (n: string) => n.split('/').length;
  const shallowest = Math.min(...configs.map(depth));
  const top = configs.filter((n) => depth(n) === shallowest);
  if (top.length > 1) {
    throw new Error(`several model folders (${top.join(', ')}): import one GPT-2 folder at a time`);
  }
  const root = top[0].slice(0, -'config.json'.length);
  const local = new Map<string, Uint8Array>();
  const outside: string[] = [];
  for (const [name, bytes] of normalised) {
    if (name.startsWith(root)) local.set(name.slice(root.length), bytes);
    else outside.push(name);
  }
  return { local, outside };
}

/** Reads a Hugging Face GPT-2 folder; throws one error that lists every problem found. */
export function importHFGPT2(files: Map<string, Uint8Array>): HFImport {
  const warnings: string[] = [];
  const { local, outside } = locateModelFolder(files);
  const configText = decodeText(local.get('config.json')!, 'config.json');
  let hfJson: unknown;
  try {
    hfJson = JSON.parse(configText);
  } catch (err) {
    throw new Error(`config.json is not valid JSON: ${(err as Error).message}`);
  }
  const config = configFromHF(hfJson);
  const stripped = (name: string) => (name.startsWith(PREFIX) ? name.slice(PREFIX.length) : name);
  const weights = readFolderWeights(local, warnings, (name) => ATTENTION_BUFFER.test(stripped(name)));

  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  const problems: string[] = [];
  for (const [name, t] of weights.tensors) {
    const key = stripped(name);
    if (tensors.has(key)) problems.push(`"${key}" appears both with and without the "${PREFIX}" prefix`);
    tensors.set(key, t);
  }
  const dtypes = new Set([...weights.tensors.values()].map((t) => t.dtype));
  dtypes.delete('F32');
  if (dtypes.size) warnings.push(`weights stored as ${[...dtypes].join(', ')} were converted to float32`);

  // A tied checkpoint may still store the head (save_pretrained of some versions did): it must be wte.
  const expected = paramShapes(config);
  const head = tensors.get('lm_head.weight');
  const wte = tensors.get('wte.weight');
  if (config.tieEmbeddings && head) {
    tensors.delete('lm_head.weight');
    const wteShape = expected.get('wte.weight')!;
    if (shapeText(head.shape) !== shapeText(wteShape)) {
      problems.push(
        `lm_head.weight: expected ${shapeText(wteShape)} (tied to wte.weight) got ${shapeText(head.shape)}`,
      );
    } else if (wte && shapeText(wte.shape) === shapeText(wteShape) && !sameValues(head.data, wte.data)) {
      problems.push(
        'lm_head.weight differs from wte.weight although config.json ties them (tie_word_embeddings true); ' +
          'set tie_word_embeddings to false to load the separate head',
      );
    }
  }

  const missing = [...expected.keys()].filter((n) => !tensors.has(n));
  const unexpected = [...tensors.keys()].filter((n) => !expected.has(n));
  const misShaped: string[] = [];
  for (const [name, shape] of expected) {
    const t = tensors.get(name);
    if (t && shapeText(t.shape) !== shapeText(shape)) {
      misShaped.push(`${name}: expected ${shapeText(shape)} got ${shapeText(t.shape)}`);
    }
  }
  if (missing.length) problems.push(`missing ${missing.length} parameter(s): ${missing.join(', ')}`);
  if (unexpected.length) problems.push(`${unexpected.length} unexpected tensor(s): ${unexpected.join(', ')}`);
  if (misShaped.length)
    problems.push(`${misShaped.length} mis-shaped tensor(s):\n    ${misShaped.join('\n    ')}`);
  if (problems.length) {
    throw new Error(
      `${weights.files.length > 1 ? 'the sharded checkpoint' : 'model.safetensors'} does not match config.json (${describeConfig(config)}):\n  ${problems.join('\n  ')}`,
    );
  }

  const arrays = new Map<string, Float32Array>();
  for (const name of expected.keys()) arrays.set(name, tensors.get(name)!.data);
  const tokenizerFiles = readTokenizerFiles(local, warnings);
  reportIgnored(local, outside, weights.files, warnings);
  return {
    config,
    arrays,
    tokenizerFiles,
    tokenIds: tokenIdsOf(hfJson as Record<string, unknown>, config, warnings),
    warnings,
  };
}

function sameValues(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++)
    if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}

function describeConfig(c: GPTConfig): string {
  return (
    `vocab_size ${c.vocabSize}, n_positions ${c.contextLength}, n_embd ${c.nEmbd}, n_layer ${c.nLayer}, ` +
    `n_head ${c.nHead}, tie_word_embeddings ${c.tieEmbeddings}`
  );
}

/** Special token ids of config.json that are ids of this vocabulary (others are dropped, with a warning). */
function tokenIdsOf(json: Record<string, unknown>, config: GPTConfig, warnings: string[]): HFTokenIds {
  const ids: HFTokenIds = {};
  const fields = [
    ['bos_token_id', 'bosTokenId'],
    ['eos_token_id', 'eosTokenId'],
    ['pad_token_id', 'padTokenId'],
  ] as const;
  for (const [field, key] of fields) {
    const v = json[field];
    if (v === undefined || v === null) continue;
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < config.vocabSize) ids[key] = v;
    else
      warnings.push(
        `ignored ${field} ${JSON.stringify(v)}: not a token id of the ${config.vocabSize}-token vocabulary`,
      );
  }
  return ids;
}

/** The tokenizer files as text (data/tokenizer-identify.ts decides which tokenizer they describe). */
function readTokenizerFiles(local: Map<string, Uint8Array>, warnings: string[]) {
  const out = new Map<string, string>();
  for (const name of TOKENIZER_FILE_NAMES) {
    const bytes = local.get(name);
    if (!bytes) continue;
    let text: string;
    try {
      text = decodeText(bytes, name);
      if (name.endsWith('.json')) JSON.parse(text);
    } catch (err) {
      warnings.push(`skipped ${name}: ${(err as Error).message}`);
      continue;
    }
    out.set(name, text);
  }
  return out;
}

function reportIgnored(
  local: Map<string, Uint8Array>,
  outside: string[],
  weightFiles: string[],
  warnings: string[],
): void {
  // README.md and privacy-report.json are what our own exports add: reading them back is no surprise.
  const used = new Set<string>([
    'config.json',
    'generation_config.json',
    'README.md',
    'privacy-report.json',
    ...weightFiles,
    ...TOKENIZER_FILE_NAMES,
  ]);
  const hidden = (n: string) => n.split('/').some((part) => part.startsWith('.'));
  const ignored = [...[...local.keys()].filter((n) => !used.has(n)), ...outside].filter((n) => !hidden(n));
  if (ignored.length) {
    const shown =
      ignored.slice(0, 10).join(', ') + (ignored.length > 10 ? `, ... (${ignored.length - 10} more)` : '');
    warnings.push(`ignored ${ignored.length} file(s) this app does not use: ${shown}`);
  }
}
