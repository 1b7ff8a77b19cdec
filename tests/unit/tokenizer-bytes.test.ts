import { describe, expect, it } from 'vitest';
import { loadTokenizer, tokenizerFor } from '../../src/data/tokenizer';
import { byteTokenizer } from '../../src/data/tokenizer-bytes';
import { ROUND_TRIP_SAMPLES } from './helpers/text-samples';

describe('byte tokenizer', () => {
  it('says how to load GPT-2 when it is asked for before loading', () => {
    expect(() => tokenizerFor('gpt2')).toThrow(/await loadTokenizer\('gpt2'\)/);
  });

  it('has the documented ids', async () => {
    const tok = tokenizerFor('bytes');
    expect(tok).toBe(await loadTokenizer('bytes'));
    expect([tok.kind, tok.vocabSize, tok.eotId, tok.padId]).toEqual(['bytes', 258, 256, 257]);
  });

  it('encodes text as its UTF-8 bytes (independent truth: hand-written byte values)', () => {
    expect(byteTokenizer.encode('Hé€😀')).toEqual([
      0x48, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80,
    ]);
    expect(byteTokenizer.encode('<|endoftext|>')).not.toContain(256);
  });

  for (const [name, text] of Object.entries(ROUND_TRIP_SAMPLES)) {
    it(`round-trips ${name}`, () => {
      const ids = byteTokenizer.encode(text);
      expect(ids.every((id) => id >= 0 && id < 256)).toBe(true);
      expect(byteTokenizer.decode(ids)).toBe(text);
      expect(ids.length).toBe(Buffer.byteLength(text, 'utf8'));
    });
  }

  it('encodes lone surrogates like TextEncoder (U+FFFD), documented as the one lossy case', () => {
    expect(byteTokenizer.encode('a\ud800b')).toEqual([0x61, 0xef, 0xbf, 0xbd, 0x62]);
    expect(byteTokenizer.decode(byteTokenizer.encode('x\udfff'))).toBe('x\ufffd');
  });

  it('keeps arbitrary (invalid UTF-8) bytes exactly and decodes them with U+FFFD', () => {
    const bytes = Uint8Array.from([0x61, 0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0xf0, 0x9f, 0x98, 0x62, 0x00]);
    const ids = byteTokenizer.encodeBytes(bytes);
    const back = Uint8Array.from(ids.flatMap((id) => [...byteTokenizer.tokenBytes(id)]));
    expect(back).toEqual(bytes);
    // WHATWG decoding: FF -> FFFD; C3 28 -> FFFD "("; ED A0 80 (surrogate) -> 3x FFFD; truncated F0 9F 98 -> FFFD.
    expect(byteTokenizer.decode(ids)).toBe('a\ufffd\ufffd(\ufffd\ufffd\ufffd\ufffdb\u0000');
  });

  it('drops special tokens when decoding and gives them no bytes', () => {
    expect(byteTokenizer.decode([104, 256, 105, 257, 257])).toBe('hi');
    expect(byteTokenizer.tokenBytes(256).length).toBe(0);
    expect(byteTokenizer.tokenBytes(257).length).toBe(0);
    expect([...byteTokenizer.tokenBytes(200)]).toEqual([200]);
  });

  it('rejects ids outside the vocabulary', () => {
    expect(() => byteTokenizer.decode([258])).toThrow(/outside/);
    expect(() => byteTokenizer.tokenBytes(-1)).toThrow(/outside/);
    expect(() => byteTokenizer.decode([1.5])).toThrow(/outside/);
  });

  it('writes HF files that map every id once, with specials and an empty (valid) merge list', () => {
    const files = byteTokenizer.huggingFaceFiles({ modelMaxLength: 256 });
    const vocab = JSON.parse(files['vocab.json']) as Record<string, number>;
    const ids = Object.values(vocab).sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: 258 }, (_, i) => i));
    expect(vocab['<|endoftext|>']).toBe(256);
    expect(vocab['<|pad|>']).toBe(257);
    // bytes_to_unicode: printable bytes are themselves, space is 'Ġ' (U+0120), newline 'Ċ' (U+010A).
    expect(vocab.A).toBe(65);
    expect(vocab['Ġ']).toBe(32);
    expect(vocab['Ċ']).toBe(10);
    expect(vocab['Ā']).toBe(0);
    expect(vocab['ÿ']).toBe(255);
    expect(files['merges.txt']).toBe('#version: 0.2\n');
    const config = JSON.parse(files['tokenizer_config.json']);
    expect(config.model_max_length).toBe(256);
    expect(config.tokenizer_class).toBe('GPT2Tokenizer');
    expect(config.eos_token).toBe('<|endoftext|>');
    expect(config.pad_token).toBe('<|pad|>');
    expect(config.added_tokens_decoder['257'].content).toBe('<|pad|>');
    const specials = JSON.parse(files['special_tokens_map.json']);
    expect(specials).toEqual({
      bos_token: '<|endoftext|>',
      eos_token: '<|endoftext|>',
      unk_token: '<|endoftext|>',
      pad_token: '<|pad|>',
    });
  });
});
