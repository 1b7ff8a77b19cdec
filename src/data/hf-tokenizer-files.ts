/**
 * Hugging Face GPT-2 tokenizer files (vocab.json, merges.txt, tokenizer.json, tokenizer_config.json,
 * special_tokens_map.json), so that an exported model loads with `GPT2Tokenizer.from_pretrained`,
 * `AutoTokenizer.from_pretrained` (GPT2TokenizerFast, from tokenizer.json) and tools that read only
 * tokenizer.json.
 *
 * HF's byte-level BPE writes every token as a string over GPT-2's `bytes_to_unicode` alphabet: each
 * byte maps to one printable character (printable Latin-1 bytes map to themselves, the other 68 bytes
 * to U+0100.., so the space 0x20 becomes 'Ġ' U+0120).
 *
 * Special tokens: our tokenizers never turn a literal "<|endoftext|>" in text into the special id (user
 * data cannot inject an end-of-text). transformers does the same only with `split_special_tokens: true`
 * in tokenizer_config.json (slow and fast tokenizers); the special tokens are `normalized: false`
 * everywhere (matched on the raw text, as transformers' own special tokens are; there is no normalizer).
 */
import { addedTokenFlags, huggingFaceTokenizerJson, type SpecialToken } from './hf-tokenizer-json';

export type { SpecialToken } from './hf-tokenizer-json';

/** GPT-2's `bytes_to_unicode()`: the character that stands for each byte 0..255. */
export function bytesToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const table = new Array<string>(256);
  for (const b of printable) table[b] = String.fromCharCode(b);
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (table[b] === undefined) table[b] = String.fromCharCode(256 + n++);
  }
  return table;
}

const BYTE_TO_UNICODE = bytesToUnicode();

/** A token's bytes written in the bytes_to_unicode alphabet, as in vocab.json and merges.txt. */
export function hfTokenString(bytes: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += BYTE_TO_UNICODE[bytes[i]];
  return s;
}

export interface HfTokenizerSpec {
  /** Byte sequences of the ordinary tokens; index = id. */
  tokenBytes: ArrayLike<number>[];
  /** Merges in priority order, each as the byte sequences of its two parts. */
  merges: [ArrayLike<number>, ArrayLike<number>][];
  /** Special tokens (ids after the ordinary ones). */
  specials: SpecialToken[];
  bos: string;
  eos: string;
  unk: string;
  pad: string;
  /** The model's context length (config.json n_positions): longer inputs crash in wpe. */
  modelMaxLength: number;
}

/** Serialises a JSON object with keys in the given order (JSON.stringify would hoist numeric keys). */
function orderedJsonObject(entries: [string, number][]): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${v}`).join(', ')}}`;
}

export function huggingFaceTokenizerFiles(spec: HfTokenizerSpec): Record<string, string> {
  if (!(Number.isInteger(spec.modelMaxLength) && spec.modelMaxLength >= 1)) {
    throw new Error(
      `tokenizer files: model_max_length must be the model's n_positions, got ${spec.modelMaxLength}`,
    );
  }
  const vocab: [string, number][] = spec.tokenBytes.map((b, id) => [hfTokenString(b), id]);
  for (const s of spec.specials) vocab.push([s.content, s.id]);

  // GPT2Tokenizer reads `merges.split("\n")[1:-1]`: header line first, trailing newline required.
  const mergePairs = spec.merges.map(([a, b]) => `${hfTokenString(a)} ${hfTokenString(b)}`);
  const merges = `#version: 0.2\n${mergePairs.map((m) => `${m}\n`).join('')}`;

  const addedTokensDecoder: Record<string, object> = {};
  for (const s of spec.specials) addedTokensDecoder[String(s.id)] = addedTokenFlags(s.content);
  const specialTokensMap = {
    bos_token: spec.bos,
    eos_token: spec.eos,
    unk_token: spec.unk,
    pad_token: spec.pad,
  };
  const tokenizerConfig = {
    add_bos_token: false,
    add_prefix_space: false,
    added_tokens_decoder: addedTokensDecoder,
    // Clean-up would rewrite " ." to "." etc. and break lossless decoding.
    clean_up_tokenization_spaces: false,
    errors: 'replace',
    model_max_length: spec.modelMaxLength,
    // A literal "<|endoftext|>" in text stays text, as in this app (see the module comment).
    split_special_tokens: true,
    tokenizer_class: 'GPT2Tokenizer',
    ...specialTokensMap,
  };
  const vocabJson = orderedJsonObject(vocab);
  return {
    'vocab.json': vocabJson,
    'merges.txt': merges,
    'tokenizer.json': huggingFaceTokenizerJson(vocabJson, mergePairs, spec.specials),
    'tokenizer_config.json': JSON.stringify(tokenizerConfig, null, 2),
    'special_tokens_map.json': JSON.stringify(specialTokensMap, null, 2),
  };
}
