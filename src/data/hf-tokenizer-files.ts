/**
 * Hugging Face GPT-2 tokenizer files (vocab.json, merges.txt, tokenizer_config.json,
 * special_tokens_map.json), so that an exported model loads with `GPT2Tokenizer.from_pretrained` or
 * `AutoTokenizer.from_pretrained`.
 *
 * HF's byte-level BPE writes every token as a string over GPT-2's `bytes_to_unicode` alphabet: each
 * byte maps to one printable character (printable Latin-1 bytes map to themselves, the other 68 bytes
 * to U+0100.., so the space 0x20 becomes 'Ġ' U+0120).
 */

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

export interface SpecialToken {
  id: number;
  content: string;
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
  modelMaxLength: number;
}

/** Serialises a JSON object with keys in the given order (JSON.stringify would hoist numeric keys). */
function orderedJsonObject(entries: [string, number][]): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${v}`).join(', ')}}`;
}

export function huggingFaceTokenizerFiles(spec: HfTokenizerSpec): Record<string, string> {
  const vocab: [string, number][] = spec.tokenBytes.map((b, id) => [hfTokenString(b), id]);
  for (const s of spec.specials) vocab.push([s.content, s.id]);

  // GPT2Tokenizer reads `merges.split("\n")[1:-1]`: header line first, trailing newline required.
  const mergeLines = spec.merges.map(([a, b]) => `${hfTokenString(a)} ${hfTokenString(b)}\n`);
  const merges = `#version: 0.2\n${mergeLines.join('')}`;

  const addedTokensDecoder: Record<string, object> = {};
  for (const s of spec.specials) {
    addedTokensDecoder[String(s.id)] = {
      content: s.content,
      lstrip: false,
      normalized: true,
      rstrip: false,
      single_word: false,
      special: true,
    };
  }
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
    tokenizer_class: 'GPT2Tokenizer',
    ...specialTokensMap,
  };
  return {
    'vocab.json': orderedJsonObject(vocab),
    'merges.txt': merges,
    'tokenizer_config.json': JSON.stringify(tokenizerConfig, null, 2),
    'special_tokens_map.json': JSON.stringify(specialTokensMap, null, 2),
  };
}
