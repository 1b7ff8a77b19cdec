import { readFileSync } from 'node:fs';
import { encode as gptTokenizerEncode } from 'gpt-tokenizer/encoding/r50k_base';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTokenizer, type Tokenizer, tokenizerFor } from '../../src/data/tokenizer';
import { gpt2PreTokenize } from '../../src/data/tokenizer-gpt2';
import { seededRandom } from './helpers/random';
import { ROUND_TRIP_SAMPLES } from './helpers/text-samples';
import { referenceGpt2Encoder } from './reference/gpt2-bpe-reference';

let tok: Tokenizer;
let hfFiles: Record<string, string>;
beforeAll(async () => {
  tok = await loadTokenizer('gpt2');
  hfFiles = tok.huggingFaceFiles({ modelMaxLength: 1024 });
});

/** Python regex + encoder.py results (tests/unit/fixtures/gpt2-python-reference.py). */
const pythonCases = (
  JSON.parse(readFileSync(new URL('./fixtures/gpt2-python-reference.json', import.meta.url), 'utf8')) as {
    cases: { text: string; pieces: string[]; ids: number[] }[];
  }
).cases;

/** Seeded random text from fragments that exercise every branch of the pre-tokenizer and BPE. */
function randomTexts(count: number, seed: number, fragments: string[]): string[] {
  const rand = seededRandom(seed);
  return Array.from({ length: count }, () => {
    let s = '';
    const n = 5 + Math.floor(rand() * 60);
    for (let i = 0; i < n; i++) s += fragments[Math.floor(rand() * fragments.length)];
    return s;
  });
}
const FRAGMENTS = [
  'the',
  ' the',
  'The',
  ' quick',
  'brown',
  ' fox',
  "'s",
  "'ll",
  "'re",
  "'t",
  "'d",
  "'m",
  "'ve",
  "'S",
  ' ',
  '  ',
  '   ',
  '\n',
  '\n\n',
  '\t',
  '\r\n',
  '.',
  ',',
  '!',
  '?',
  '...',
  '--',
  '"',
  "'",
  '(',
  ')',
  '$',
  '%',
  '42',
  ' 3.14',
  '1999',
  ' 007',
  'é',
  'ü',
  'naïve',
  ' café',
  '日本',
  '語',
  ' 中文',
  'Ω',
  'π',
  '😀',
  '👍🏽',
  '👩‍👩‍👧',
  '\u00a0',
  '\u2028',
  '\u3000',
  '\u200b',
  'e\u0301',
  'ב',
  'ש',
  'ال',
  'Ġ',
  'Ċ',
  '<|endoftext|>',
  'http://x.y/z?q=1',
  '__init__',
  'camelCase',
  'SHOUTING',
  'zzzzzzzzzz',
  'aaaaaaaaaaaaaaaaaaaa',
  '=====',
  '~~~~',
  '\\',
  '{',
  '}',
  '#',
  '@user',
];

describe('GPT-2 tokenizer (r50k_base)', () => {
  it('is reachable synchronously once loaded, with GPT-2 ids', () => {
    expect(tokenizerFor('gpt2')).toBe(tok);
    expect([tok.kind, tok.vocabSize, tok.eotId, tok.padId]).toEqual(['gpt2', 50257, 50256, 50256]);
  });

  it('gives well-known GPT-2 ids', () => {
    expect(tok.encode('Hello world')).toEqual([15496, 995]);
    expect(tok.encode(' the')).toEqual([262]);
    expect(tok.encode('Hello, world!')).toEqual([15496, 11, 995, 0]);
    expect(tok.encode(' ')).toEqual([220]);
    expect(tok.encode('\n')).toEqual([198]);
    expect(tok.encode('\n\n')).toEqual([628]);
    expect(tok.encode('')).toEqual([]);
  });

  it('never produces <|endoftext|> from text (it is ordinary text)', () => {
    const ids = tok.encode('a<|endoftext|>b');
    expect(ids).not.toContain(50256);
    expect(tok.decode(ids)).toBe('a<|endoftext|>b');
  });

  it('pre-tokenizes and encodes exactly like Python GPT-2 (regex module + encoder.py), incl. U+0085/U+FEFF', () => {
    expect(pythonCases.length).toBeGreaterThan(25);
    for (const c of pythonCases) {
      expect(gpt2PreTokenize(c.text), JSON.stringify(c.text)).toEqual(c.pieces);
      expect(tok.encode(c.text), JSON.stringify(c.text)).toEqual(c.ids);
    }
    // The fixture holds cases where JavaScript's \s would give other ids, so the trap is really tested.
    const differing = pythonCases.filter(
      (c) =>
        JSON.stringify(gptTokenizerEncode(c.text, { disallowedSpecial: new Set() })) !==
        JSON.stringify(c.ids),
    );
    expect(differing.length).toBeGreaterThanOrEqual(4);
  });

  it('matches gpt-tokenizer wherever the two pre-tokenizers agree (no U+0085 / U+FEFF)', () => {
    const texts = [...randomTexts(300, 7, FRAGMENTS), ...Object.values(ROUND_TRIP_SAMPLES)].filter(
      (t) => !/[\u0085\ufeff]/.test(t),
    );
    for (const text of texts) {
      expect(tok.encode(text), JSON.stringify(text)).toEqual(
        gptTokenizerEncode(text, { disallowedSpecial: new Set() }),
      );
    }
  });

  it('long single pre-tokens (heap merge path) match gpt-tokenizer', () => {
    const rand = seededRandom(3);
    const letters = 'abcdefghijklmnopqrstuvwxyz';
    for (const len of [200, 1000, 5000]) {
      let word = '';
      for (let i = 0; i < len; i++) word += letters[Math.floor(rand() * (rand() < 0.5 ? 4 : 26))];
      expect(tok.encode(word)).toEqual(gptTokenizerEncode(word));
    }
  });

  for (const [name, text] of Object.entries(ROUND_TRIP_SAMPLES)) {
    it(`round-trips ${name}`, () => {
      const ids = tok.encode(text);
      expect(ids.every((id) => Number.isInteger(id) && id >= 0 && id < 50256)).toBe(true);
      expect(tok.decode(ids)).toBe(text);
      const bytes = ids.flatMap((id) => [...tok.tokenBytes(id)]);
      expect(Buffer.from(bytes).toString('utf8')).toBe(text);
      expect(bytes.length).toBe(Buffer.byteLength(text, 'utf8'));
    });
  }

  it('encodes lone surrogates as U+FFFD (TextEncoder semantics)', () => {
    expect(tok.decode(tok.encode('a\ud83db'))).toBe('a\ufffdb');
  });

  it('decodes partial UTF-8 tokens to U+FFFD and drops <|endoftext|>', () => {
    // '😀' is several byte-level tokens; any strict prefix of them is invalid UTF-8.
    const ids = tok.encode('😀');
    expect(ids.length).toBeGreaterThan(1);
    expect(tok.decode(ids.slice(0, 1))).toBe('\ufffd');
    expect(tok.decode([...ids, 50256, 15496])).toBe('😀Hello');
    expect(tok.tokenBytes(50256).length).toBe(0);
    expect(() => tok.decode([50257])).toThrow(/outside/);
  });

  it('writes vocab.json with every id 0..50256 exactly once and known entries', () => {
    const vocab = JSON.parse(hfFiles['vocab.json']) as Record<string, number>;
    const ids = Object.values(vocab).sort((a, b) => a - b);
    expect(ids.length).toBe(50257);
    expect(ids.every((id, i) => id === i)).toBe(true);
    expect(vocab['Ġthe']).toBe(262);
    expect(vocab['Hello']).toBe(15496);
    expect(vocab['Ġworld']).toBe(995);
    expect(vocab['!']).toBe(0);
    expect(vocab['Ċ']).toBe(198);
    expect(vocab['ĊĊ']).toBe(628);
    expect(vocab['<|endoftext|>']).toBe(50256);
  });

  it('writes GPT-2 merges: header, 50000 merges in rank order, known first merges', () => {
    const merges = hfFiles['merges.txt'];
    expect(merges.startsWith('#version: 0.2\n')).toBe(true);
    expect(merges.endsWith('\n')).toBe(true);
    const lines = merges.split('\n').slice(1, -1);
    expect(lines.length).toBe(50000);
    expect(lines.slice(0, 8)).toEqual(['Ġ t', 'Ġ a', 'h e', 'i n', 'r e', 'o n', 'Ġt he', 'e r']);
    // Merge i creates token 256 + i (GPT-2's ids are merge order after the 256 bytes).
    const vocab = JSON.parse(hfFiles['vocab.json']) as Record<string, number>;
    lines.forEach((line, i) => {
      const parts = line.split(' ');
      expect(parts.length).toBe(2);
      if (
        vocab[parts[0]] === undefined ||
        vocab[parts[1]] === undefined ||
        vocab[parts.join('')] !== 256 + i
      ) {
        throw new Error(`merge ${i} '${line}' is inconsistent with vocab.json`);
      }
    });
  });

  it('HF files reproduce the tokenizer through the classic encoder.py BPE', () => {
    const reference = referenceGpt2Encoder(hfFiles);
    const texts = [...randomTexts(150, 11, FRAGMENTS), ...Object.values(ROUND_TRIP_SAMPLES)];
    for (const text of texts) {
      expect(reference(gpt2PreTokenize(text)), JSON.stringify(text)).toEqual(tok.encode(text));
    }
  });

  it('writes tokenizer_config.json and special_tokens_map.json for GPT2Tokenizer', () => {
    const config = JSON.parse(tok.huggingFaceFiles({ modelMaxLength: 128 })['tokenizer_config.json']);
    expect(config.model_max_length).toBe(128);
    expect(config.tokenizer_class).toBe('GPT2Tokenizer');
    expect(config.add_prefix_space).toBe(false);
    expect(config.added_tokens_decoder['50256']).toMatchObject({ content: '<|endoftext|>', special: true });
    expect(JSON.parse(hfFiles['special_tokens_map.json'])).toEqual({
      bos_token: '<|endoftext|>',
      eos_token: '<|endoftext|>',
      unk_token: '<|endoftext|>',
      pad_token: '<|endoftext|>',
    });
  });
});
