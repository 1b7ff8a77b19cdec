/**
 * Tokenizers: a byte-level one (258 ids, always available) and GPT-2's BPE (50257 ids, loaded on
 * demand because its rank table is ~0.5 MB of JavaScript that a byte-only bundle should not pay for).
 *
 * Use `await loadTokenizer(kind)` once; after that `tokenizerFor(kind)` returns the same instance
 * synchronously (the byte tokenizer never needs loading).
 */
import { byteTokenizer } from './tokenizer-bytes';

export type TokenizerKind = 'bytes' | 'gpt2';

export interface HuggingFaceFileOptions {
  /**
   * `model_max_length` in tokenizer_config.json: the model's context length (config.json
   * n_positions). Required: a default would let `truncation=True` in Python keep inputs longer
   * than the position table.
   */
  modelMaxLength: number;
}

export interface Tokenizer {
  kind: TokenizerKind;
  /** bytes: 258; gpt2: 50257. */
  vocabSize: number;
  /** `<|endoftext|>`: bytes 256, gpt2 50256. Never produced by `encode`; append it yourself. */
  eotId: number;
  /** bytes 257 (`<|pad|>`); gpt2 50256 (GPT-2 has no pad token; pads are masked anyway). */
  padId: number;
  /** Text -> ids, no special tokens added (a literal "<|endoftext|>" in text is ordinary text). */
  encode(text: string): number[];
  /** Ids -> text; special tokens are dropped, invalid UTF-8 becomes U+FFFD. Throws on unknown ids. */
  decode(ids: number[]): string;
  /** Raw bytes of one token (empty for special tokens; shared, do not modify), for bits-per-byte and streaming decode. */
  tokenBytes(id: number): Uint8Array;
  /** vocab.json, merges.txt, tokenizer.json, tokenizer_config.json, special_tokens_map.json for HF. */
  huggingFaceFiles(options: HuggingFaceFileOptions): Record<string, string>;
}

let gpt2Tokenizer: Tokenizer | undefined;
let gpt2Loading: Promise<Tokenizer> | undefined;

/** Loads (once) and returns the tokenizer; the GPT-2 tables are fetched by a dynamic import. */
export async function loadTokenizer(kind: TokenizerKind): Promise<Tokenizer> {
  if (kind === 'bytes') return byteTokenizer;
  if (kind !== 'gpt2')
    throw new Error(`unknown tokenizer kind '${String(kind)}' (expected 'bytes' or 'gpt2')`);
  if (gpt2Tokenizer) return gpt2Tokenizer;
  gpt2Loading ??= import('./tokenizer-gpt2').then((m) => {
    gpt2Tokenizer = m.createGpt2Tokenizer();
    return gpt2Tokenizer;
  });
  return gpt2Loading;
}

/**
 * The tokenizer of this kind, synchronously. For 'gpt2' it must have been loaded with
 * `await loadTokenizer('gpt2')` first (throws otherwise, saying so).
 */
export function tokenizerFor(kind: TokenizerKind): Tokenizer {
  if (kind === 'bytes') return byteTokenizer;
  if (kind === 'gpt2') {
    if (!gpt2Tokenizer) {
      throw new Error("the GPT-2 tokenizer is loaded lazily: call `await loadTokenizer('gpt2')` first");
    }
    return gpt2Tokenizer;
  }
  throw new Error(`unknown tokenizer kind '${String(kind)}' (expected 'bytes' or 'gpt2')`);
}
