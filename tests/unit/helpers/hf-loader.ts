/**
 * A small stand-in for what `transformers` does when it loads an exported GPT-2 folder, written
 * from the file formats' definitions and independent of src/io and src/data/bpe.ts: it reads
 * config.json / generation_config.json the way GPT2Config does (and checks the keys it needs),
 * decodes model.safetensors by hand (F32 and F16), and builds two tokenizers:
 * - "slow" (GPT2Tokenizer): vocab.json + merges.txt + tokenizer_config.json;
 * - "fast" (tokenizers' Tokenizer): tokenizer.json alone;
 * both split added special tokens out of the text unless `split_special_tokens` says not to, then
 * pre-tokenize with GPT-2's regex and run the merge-list BPE of OpenAI's encoder.py.
 */
import { bytesToUnicode } from '../../../src/data/hf-tokenizer-files';
import { referenceGpt2Encoder } from '../reference/gpt2-bpe-reference';
import type { RefConfig, RefWeights } from '../reference/gpt2-reference';

const dec = new TextDecoder();

/** GPT-2's pre-tokenizer regex, with `\s` as Unicode White_Space (what regex/tiktoken/tokenizers use). */
const GPT2_SPLIT =
  /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+/gu;

export interface LoadedTensor {
  dtype: string;
  shape: number[];
  data: Float64Array;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (mantissa / 1024);
  if (exponent === 31) return mantissa ? Number.NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + mantissa / 1024);
}

/** safetensors by its definition: u64 LE header length, JSON header, little-endian data. */
export function readSafetensorsByHand(bytes: Uint8Array): {
  metadata: Record<string, string>;
  tensors: Map<string, LoadedTensor>;
} {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = Number(view.getBigUint64(0, true));
  const header = JSON.parse(dec.decode(bytes.subarray(8, 8 + length))) as Record<string, unknown>;
  const base = 8 + length;
  const tensors = new Map<string, LoadedTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets } = entry as {
      dtype: string;
      shape: number[];
      data_offsets: number[];
    };
    const count = shape.reduce((a, b) => a * b, 1);
    const data = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      const at = base + data_offsets[0] + i * (dtype === 'F16' ? 2 : 4);
      if (dtype === 'F32') data[i] = view.getFloat32(at, true);
      else if (dtype === 'F16') data[i] = halfToFloat(view.getUint16(at, true));
      else throw new Error(`hf-loader: dtype ${dtype} not handled`);
    }
    tensors.set(name, { dtype, shape, data });
  }
  return { metadata, tensors };
}

export interface HFTokenizerLike {
  encode(text: string): number[];
  decode(ids: number[], skipSpecialTokens: boolean): string;
}

/** The tokenizer transformers/tokenizers would build (added tokens split out first, unless told not to). */
function makeTokenizer(
  vocab: Record<string, number>,
  merges: string[],
  added: { id: number; content: string; special: boolean }[],
  splitSpecialTokens: boolean,
): HFTokenizerLike {
  const bpe = referenceGpt2Encoder({
    'vocab.json': JSON.stringify(vocab),
    'merges.txt': `#version: 0.2\n${merges.map((m) => `${m}\n`).join('')}`,
  });
  const matchable = added
    .filter((t) => !(splitSpecialTokens && t.special))
    .sort((a, b) => b.content.length - a.content.length);
  const encodeText = (text: string) => bpe(Array.from(text.matchAll(GPT2_SPLIT), (m) => m[0]));
  const idToToken = new Map(Object.entries(vocab).map(([t, id]) => [id, t]));
  for (const t of added) idToToken.set(t.id, t.content);
  const specialIds = new Set(added.filter((t) => t.special).map((t) => t.id));
  const unicodeToByte = new Map(bytesToUnicode().map((c, b) => [c, b]));
  return {
    encode(text) {
      const ids: number[] = [];
      let rest = text;
      while (rest.length) {
        let best: { at: number; token: (typeof matchable)[number] } | null = null;
        for (const token of matchable) {
          const at = rest.indexOf(token.content);
          if (at >= 0 && (best === null || at < best.at)) best = { at, token };
        }
        if (!best) {
          ids.push(...encodeText(rest));
          break;
        }
        ids.push(...encodeText(rest.slice(0, best.at)), best.token.id);
        rest = rest.slice(best.at + best.token.content.length);
      }
      return ids;
    },
    decode(ids, skipSpecialTokens) {
      const bytes: number[] = [];
      for (const id of ids) {
        if (skipSpecialTokens && specialIds.has(id)) continue;
        const token = idToToken.get(id);
        if (token === undefined) throw new Error(`hf-loader: id ${id} is not in the vocabulary`);
        if (added.some((t) => t.id === id)) bytes.push(...new TextEncoder().encode(token));
        else for (const ch of token) bytes.push(unicodeToByte.get(ch)!);
      }
      return new TextDecoder('utf-8', { fatal: false }).decode(new Uint8Array(bytes));
    },
  };
}

export interface LoadedHFFolder {
  config: Record<string, unknown>;
  generationConfig: Record<string, unknown>;
  refConfig: RefConfig;
  /** Parameters under our (un-prefixed) names, float64. */
  weights: RefWeights;
  dtypes: Set<string>;
  tokenizerConfig: Record<string, unknown>;
  specialTokensMap: Record<string, string>;
  tokenizerJson: {
    added_tokens: { id: number; content: string; special: boolean; normalized: boolean }[];
    model: { type: string; vocab: Record<string, number>; merges: string[] };
    pre_tokenizer: Record<string, unknown>;
    decoder: Record<string, unknown>;
  };
  vocab: Record<string, number>;
  /** GPT2Tokenizer from vocab.json + merges.txt + tokenizer_config.json. */
  slow: HFTokenizerLike;
  /** tokenizers.Tokenizer from tokenizer.json, with split_special_tokens applied as transformers does. */
  fast: HFTokenizerLike;
  /** tokenizers.Tokenizer.from_file alone (no tokenizer_config.json: special tokens are matched in text). */
  rawFast: HFTokenizerLike;
}

const REQUIRED_CONFIG_KEYS = ['vocab_size', 'n_positions', 'n_embd', 'n_layer', 'n_head'];

export function loadHFFolder(files: Map<string, Uint8Array>): LoadedHFFolder {
  const json = (name: string) => {
    const bytes = files.get(name);
    if (!bytes) throw new Error(`hf-loader: ${name} is missing`);
    return JSON.parse(dec.decode(bytes));
  };
  const config = json('config.json') as Record<string, unknown>;
  if (config.model_type !== 'gpt2') throw new Error('hf-loader: model_type is not gpt2');
  for (const key of REQUIRED_CONFIG_KEYS)
    if (!Number.isInteger(config[key])) throw new Error(`hf-loader: config.json lacks ${key}`);
  const refConfig: RefConfig = {
    vocabSize: config.vocab_size as number,
    contextLength: config.n_positions as number,
    nLayer: config.n_layer as number,
    nHead: config.n_head as number,
    nEmbd: config.n_embd as number,
    tieEmbeddings: (config.tie_word_embeddings as boolean | undefined) ?? true,
    layerNormEps: (config.layer_norm_epsilon as number | undefined) ?? 1e-5,
  };
  const { tensors } = readSafetensorsByHand(files.get('model.safetensors')!);
  const weights: RefWeights = new Map();
  for (const [name, t] of tensors) weights.set(name.replace(/^transformer\./, ''), t.data);
  const tokenizerConfig = json('tokenizer_config.json') as Record<string, unknown>;
  const tokenizerJson = json('tokenizer.json') as LoadedHFFolder['tokenizerJson'];
  const vocab = json('vocab.json') as Record<string, number>;
  const mergesText = dec.decode(files.get('merges.txt')!);
  const split = tokenizerConfig.split_special_tokens === true;
  const decoderAdded = Object.entries(
    tokenizerConfig.added_tokens_decoder as Record<string, { content: string; special: boolean }>,
  ).map(([id, t]) => ({ id: Number(id), content: t.content, special: t.special }));
  return {
    config,
    generationConfig: json('generation_config.json'),
    refConfig,
    weights,
    dtypes: new Set([...tensors.values()].map((t) => t.dtype)),
    tokenizerConfig,
    specialTokensMap: json('special_tokens_map.json'),
    tokenizerJson,
    vocab,
    slow: makeTokenizer(vocab, mergesText.split('\n').slice(1, -1), decoderAdded, split),
    fast: makeTokenizer(
      tokenizerJson.model.vocab,
      tokenizerJson.model.merges,
      tokenizerJson.added_tokens,
      split,
    ),
    rawFast: makeTokenizer(
      tokenizerJson.model.vocab,
      tokenizerJson.model.merges,
      tokenizerJson.added_tokens,
      false,
    ),
  };
}
