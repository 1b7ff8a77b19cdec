/**
 * GPT-2 BPE (OpenAI's r50k_base: ids identical to GPT-2's, "Hello world" -> [15496, 995]) built from
 * gpt-tokenizer's rank table. Load it through `loadTokenizer('gpt2')` (tokenizer.ts), which imports
 * this module dynamically.
 *
 * Why not call gpt-tokenizer's `encode`: its pre-tokenizer uses JavaScript's `\s`, which matches
 * U+FEFF but not U+0085, the opposite of Python's `regex` (GPT-2's original encoder), tiktoken and HF
 * tokenizers, which all use Unicode White_Space. Text containing such characters would get ids a
 * Python GPT-2 never produces. So the pre-tokenizer here spells `\s` as `\p{White_Space}`, and the
 * merges run on the same rank table (tests check equality with gpt-tokenizer wherever the two
 * pre-tokenizers agree). Also, gpt-tokenizer throws on a literal "<|endoftext|>" in text; here it is
 * ordinary text, so user data can never inject an end-of-text token.
 */
import r50kRanks from 'gpt-tokenizer/bpeRanks/r50k_base';
import { binaryStringToBytes, bytePairSplit, bytesToBinaryString } from './bpe';
import { huggingFaceTokenizerFiles } from './hf-tokenizer-files';
import type { HuggingFaceFileOptions, Tokenizer } from './tokenizer';
import { decodeUtf8Lossy } from './tokenizer-bytes';

export const GPT2_EOT_ID = 50256;
const GPT2_VOCAB_SIZE = 50257;

/** GPT-2's pre-tokenizer pattern with `\s` spelled as Unicode White_Space (see the module comment). */
export const GPT2_PRETOKENIZE_PATTERN =
  /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+/gu;

/** Splits text into GPT-2 pre-tokens (their concatenation is the text). */
export function gpt2PreTokenize(text: string): string[] {
  return Array.from(text.matchAll(GPT2_PRETOKENIZE_PATTERN), (m) => m[0]);
}

/** Pre-token -> ids memo; cleared when full (text is Zipfian, so a small memo catches most words). */
const MEMO_LIMIT = 100_000;

export interface Gpt2Tokenizer extends Tokenizer {
  kind: 'gpt2';
  /** Ids of one pre-token's UTF-8 bytes (no pre-tokenization). */
  encodePiece(piece: string): number[];
}

export function createGpt2Tokenizer(): Gpt2Tokenizer {
  const textEncoder = new TextEncoder();
  const ranks = new Map<string, number>();
  const tokenBytesById: Uint8Array[] = [];
  r50kRanks.forEach((value, rank) => {
    const bytes = typeof value === 'string' ? textEncoder.encode(value) : Uint8Array.from(value);
    tokenBytesById[rank] = bytes;
    ranks.set(bytesToBinaryString(bytes), rank);
  });
  if (tokenBytesById.length !== GPT2_EOT_ID || ranks.size !== GPT2_EOT_ID) {
    throw new Error(
      `gpt-tokenizer's r50k_base table has ${ranks.size} distinct tokens over ${tokenBytesById.length} ranks; expected ${GPT2_EOT_ID}`,
    );
  }
  const empty = new Uint8Array(0);
  const memo = new Map<string, number[]>();
  let merges: [Uint8Array, Uint8Array][] | undefined; // reconstructed once, on first export

  const checkId = (id: number) => {
    if (!Number.isInteger(id) || id < 0 || id >= GPT2_VOCAB_SIZE) {
      throw new RangeError(`token id ${id} is outside GPT-2's vocabulary 0..${GPT2_VOCAB_SIZE - 1}`);
    }
  };

  const encodePiece = (piece: string): number[] => {
    const key = bytesToBinaryString(textEncoder.encode(piece));
    const whole = ranks.get(key);
    if (whole !== undefined) return [whole];
    return bytePairSplit(key, ranks).map((part) => ranks.get(part)!);
  };

  /** Merges for HF: each multi-byte token is the merge of the two parts that BPE with only lower ranks leaves. */
  const reconstructMerges = (): [Uint8Array, Uint8Array][] => {
    const merges: [Uint8Array, Uint8Array][] = [];
    for (let rank = 0; rank < tokenBytesById.length; rank++) {
      const bytes = tokenBytesById[rank];
      if (bytes.length < 2) continue;
      const parts = bytePairSplit(bytesToBinaryString(bytes), ranks, rank);
      if (parts.length !== 2) {
        throw new Error(
          `cannot reconstruct the merge of GPT-2 token ${rank}: lower ranks split it in ${parts.length}`,
        );
      }
      merges.push([binaryStringToBytes(parts[0]), binaryStringToBytes(parts[1])]);
    }
    return merges;
  };

  return {
    kind: 'gpt2',
    vocabSize: GPT2_VOCAB_SIZE,
    eotId: GPT2_EOT_ID,
    padId: GPT2_EOT_ID,
    encodePiece,
    encode(text: string): number[] {
      const ids: number[] = [];
      for (const m of text.matchAll(GPT2_PRETOKENIZE_PATTERN)) {
        const piece = m[0];
        let pieceIds = memo.get(piece);
        if (pieceIds === undefined) {
          pieceIds = encodePiece(piece);
          if (memo.size >= MEMO_LIMIT) memo.clear();
          memo.set(piece, pieceIds);
        }
        for (const id of pieceIds) ids.push(id);
      }
      return ids;
    },
    decode(ids: number[]): string {
      let length = 0;
      for (const id of ids) {
        checkId(id);
        if (id !== GPT2_EOT_ID) length += tokenBytesById[id].length;
      }
      const bytes = new Uint8Array(length);
      let offset = 0;
      for (const id of ids) {
        if (id === GPT2_EOT_ID) continue;
        bytes.set(tokenBytesById[id], offset);
        offset += tokenBytesById[id].length;
      }
      return decodeUtf8Lossy(bytes);
    },
    tokenBytes(id: number): Uint8Array {
      checkId(id);
      return id === GPT2_EOT_ID ? empty : tokenBytesById[id];
    },
    huggingFaceFiles(options: HuggingFaceFileOptions): Record<string, string> {
      merges ??= reconstructMerges();
      return huggingFaceTokenizerFiles({
        tokenBytes: tokenBytesById,
        merges,
        specials: [{ id: GPT2_EOT_ID, content: '<|endoftext|>' }],
        bos: '<|endoftext|>',
        eos: '<|endoftext|>',
        unk: '<|endoftext|>',
        pad: '<|endoftext|>',
        modelMaxLength: options.modelMaxLength,
      });
    },
  };
}
