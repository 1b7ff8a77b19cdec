/**
 * Byte-level tokenizer: ids 0..255 are the UTF-8 bytes of the text, 256 is `<|endoftext|>`, 257 is
 * `<|pad|>`. Lossless on every well-formed string. Strings are encoded with TextEncoder semantics: a
 * lone surrogate (not valid Unicode, so it has no UTF-8 form) becomes U+FFFD (bytes EF BF BD). Any byte
 * sequence can be tokenized with `encodeBytes`; decoding turns invalid UTF-8 into U+FFFD.
 */
import { huggingFaceTokenizerFiles } from './hf-tokenizer-files';
import type { HuggingFaceFileOptions, Tokenizer } from './tokenizer';

export const BYTE_EOT_ID = 256;
export const BYTE_PAD_ID = 257;
const BYTE_VOCAB_SIZE = 258;

const textEncoder = new TextEncoder();
const EMPTY = new Uint8Array(0);
const SINGLE_BYTES = Array.from({ length: 256 }, (_, b) => Uint8Array.of(b));

/** Decodes UTF-8 with U+FFFD for invalid sequences, keeping a leading U+FEFF (TextDecoder's default drops it). */
export function decodeUtf8Lossy(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(bytes);
}

function checkId(id: number): void {
  if (!Number.isInteger(id) || id < 0 || id >= BYTE_VOCAB_SIZE) {
    throw new RangeError(
      `token id ${id} is outside the byte tokenizer's vocabulary 0..${BYTE_VOCAB_SIZE - 1}`,
    );
  }
}

export interface ByteTokenizer extends Tokenizer {
  kind: 'bytes';
  /** Arbitrary bytes (need not be UTF-8) -> ids. */
  encodeBytes(bytes: Uint8Array): number[];
}

export const byteTokenizer: ByteTokenizer = {
  kind: 'bytes',
  vocabSize: BYTE_VOCAB_SIZE,
  eotId: BYTE_EOT_ID,
  padId: BYTE_PAD_ID,
  encode(text: string): number[] {
    return Array.from(textEncoder.encode(text));
  },
  encodeBytes(bytes: Uint8Array): number[] {
    return Array.from(bytes);
  },
  decode(ids: number[]): string {
    const bytes = new Uint8Array(ids.length);
    let n = 0;
    for (const id of ids) {
      checkId(id);
      if (id < 256) bytes[n++] = id;
    }
    return decodeUtf8Lossy(bytes.subarray(0, n));
  },
  tokenBytes(id: number): Uint8Array {
    checkId(id);
    return id < 256 ? SINGLE_BYTES[id] : EMPTY;
  },
  huggingFaceFiles(options: HuggingFaceFileOptions): Record<string, string> {
    // No merges: HF's BPE then emits one token per byte, and vocab.json maps byte b's character to id b.
    return huggingFaceTokenizerFiles({
      tokenBytes: SINGLE_BYTES,
      merges: [],
      specials: [
        { id: BYTE_EOT_ID, content: '<|endoftext|>' },
        { id: BYTE_PAD_ID, content: '<|pad|>' },
      ],
      bos: '<|endoftext|>',
      eos: '<|endoftext|>',
      unk: '<|endoftext|>',
      pad: '<|pad|>',
      modelMaxLength: options.modelMaxLength,
    });
  },
};
