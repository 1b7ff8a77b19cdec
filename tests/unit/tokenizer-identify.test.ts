/**
 * Import picks the tokenizer from the folder's tokenizer files, not from vocab_size: GPT-2 with an
 * added pad token (50,258) or a padded embedding (50,304) imports as GPT-2, another 50,257-token BPE
 * is refused with the first difference, and a folder without tokenizer files falls back to the size
 * only for the two unambiguous cases, saying so.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTokenizer } from '../../src/data/tokenizer';
import { byteTokenizer } from '../../src/data/tokenizer-bytes';
import { identifyTokenizer } from '../../src/data/tokenizer-identify';
import { exportHFGPT2 } from '../../src/io/hf-gpt2';
import { makeConfig } from '../../src/model/config';
import { paramShapes } from '../../src/model/params';
import { disposeModel, loadModel } from '../../src/pipeline/models';
import { generateSyntheticCorpus } from '../../src/pipeline/synthetic';
import { useWasm } from './helpers/backend';

let gpt2Files: Record<string, string>;
beforeAll(async () => {
  gpt2Files = (await loadTokenizer('gpt2')).huggingFaceFiles({ modelMaxLength: 1024 });
});

const asMap = (files: Record<string, string>) => new Map(Object.entries(files));

/** The GPT-2 files with `edit` applied to the parsed tokenizer.json and vocab.json. */
function editedGpt2(edit: (vocab: Record<string, number>, merges: string[]) => void): Map<string, string> {
  const json = JSON.parse(gpt2Files['tokenizer.json']);
  edit(json.model.vocab, json.model.merges);
  const vocab = json.model.vocab as Record<string, number>;
  return asMap({
    'tokenizer.json': JSON.stringify(json),
    'vocab.json': JSON.stringify(vocab),
    'merges.txt': `#version: 0.2\n${(json.model.merges as string[]).map((m) => `${m}\n`).join('')}`,
  });
}

describe('identifyTokenizer', () => {
  it("recognises GPT-2's files whatever subset a folder ships", async () => {
    expect(await identifyTokenizer(asMap(gpt2Files), 50257)).toEqual({ kind: 'gpt2', warnings: [] });
    const onlyJson = asMap({ 'tokenizer.json': gpt2Files['tokenizer.json'] });
    expect(await identifyTokenizer(onlyJson, 50257)).toEqual({ kind: 'gpt2', warnings: [] });
    const slowOnly = asMap({ 'vocab.json': gpt2Files['vocab.json'], 'merges.txt': gpt2Files['merges.txt'] });
    expect(await identifyTokenizer(slowOnly, 50257)).toEqual({ kind: 'gpt2', warnings: [] });
    // tokenizers >= 0.20 writes merges as pairs.
    const json = JSON.parse(gpt2Files['tokenizer.json']);
    json.model.merges = json.model.merges.map((m: string) => m.split(' '));
    expect(await identifyTokenizer(asMap({ 'tokenizer.json': JSON.stringify(json) }), 50257)).toEqual({
      kind: 'gpt2',
      warnings: [],
    });
  });

  it('imports GPT-2 with an added pad token (vocab 50,258) and a padded embedding (50,304)', async () => {
    const withPad = asMap({
      ...gpt2Files,
      'added_tokens.json': JSON.stringify({ '[PAD]': 50257 }),
    });
    const padded = await identifyTokenizer(withPad, 50258);
    expect(padded.kind).toBe('gpt2');
    expect(padded.warnings).toEqual([
      'added token(s) "[PAD]" (50257) are kept in the model but never produced from text here',
    ]);
    // The same pad declared only in tokenizer.json's added tokens.
    const json = JSON.parse(gpt2Files['tokenizer.json']);
    json.added_tokens.push({ id: 50257, content: '<pad>', special: true, normalized: false });
    const viaJson = await identifyTokenizer(asMap({ 'tokenizer.json': JSON.stringify(json) }), 50258);
    expect(viaJson.kind).toBe('gpt2');
    expect(viaJson.warnings[0]).toContain('"<pad>" (50257)');

    const nano = await identifyTokenizer(asMap(gpt2Files), 50304);
    expect(nano).toEqual({
      kind: 'gpt2',
      warnings: [
        'the embedding has 50304 rows for 50257 token ids (padded): ids from 50257 on are never generated',
      ],
    });
  });

  it('refuses another 50,257-token BPE with the first difference, instead of using GPT-2 for it', async () => {
    const swapped = editedGpt2((vocab) => {
      const the = vocab['Ġthe'];
      vocab['Ġthe'] = vocab['Ġand'];
      vocab['Ġand'] = the;
    });
    await expect(identifyTokenizer(swapped, 50257)).rejects.toThrow(
      /the folder's tokenizer.json is not GPT-2's BPE \(50,257 ids\): token "Ġthe" has id 290 there and 262 here/,
    );
    const reordered = editedGpt2((_vocab, merges) => {
      [merges[10], merges[11]] = [merges[11], merges[10]];
    });
    await expect(identifyTokenizer(reordered, 50257)).rejects.toThrow(
      'merge 11 is "Ġ o" there and "Ġ w" here',
    );
    // A different vocabulary of the same size (e.g. a BPE trained on other text).
    const other: Record<string, number> = {};
    for (let i = 0; i < 50257; i++) other[`tok${i}`] = i;
    const json = JSON.parse(gpt2Files['tokenizer.json']);
    json.model.vocab = other;
    await expect(identifyTokenizer(asMap({ 'tokenizer.json': JSON.stringify(json) }), 50257)).rejects.toThrow(
      /is not GPT-2's BPE .*token "!" \(id 0 here\) is missing.*cannot be trained here/,
    );
  });

  it('recognises the byte-level tokenizer and refuses other byte-level layouts', async () => {
    const bytes = byteTokenizer.huggingFaceFiles({ modelMaxLength: 64 });
    expect(await identifyTokenizer(asMap(bytes), 258)).toEqual({ kind: 'bytes', warnings: [] });
    const shifted = JSON.parse(bytes['vocab.json']) as Record<string, number>;
    shifted['<|endoftext|>'] = 257;
    shifted['<|pad|>'] = 256;
    await expect(
      identifyTokenizer(
        asMap({ 'vocab.json': JSON.stringify(shifted), 'merges.txt': '#version: 0.2\n' }),
        258,
      ),
    ).rejects.toThrow('token "<|endoftext|>" has id 257 there and 256 here');
  });

  it('falls back to the size only without tokenizer files, and says so', async () => {
    expect(await identifyTokenizer(new Map(), 258)).toEqual({
      kind: 'bytes',
      warnings: ['no tokenizer files: assumed the byte-level tokenizer from vocab_size 258'],
    });
    const guess = await identifyTokenizer(new Map([['tokenizer_config.json', '{}']]), 50304);
    expect(guess.kind).toBe('gpt2');
    expect(guess.warnings[0]).toContain("assumed GPT-2's BPE from vocab_size 50304");
    await expect(identifyTokenizer(new Map(), 32000)).rejects.toThrow(
      'no tokenizer files (vocab.json + merges.txt or tokenizer.json) and vocab_size 32000',
    );
  });

  it('refuses tokenizers this app cannot reproduce, and ids the model cannot hold', async () => {
    const wordPiece = JSON.stringify({ model: { type: 'WordPiece', vocab: {} }, normalizer: null });
    await expect(identifyTokenizer(new Map([['tokenizer.json', wordPiece]]), 30522)).rejects.toThrow(
      'tokenizer.json holds a "WordPiece" model',
    );
    const json = JSON.parse(gpt2Files['tokenizer.json']);
    json.normalizer = { type: 'NFC' };
    await expect(identifyTokenizer(asMap({ 'tokenizer.json': JSON.stringify(json) }), 50257)).rejects.toThrow(
      'tokenizer.json normalizes text ("NFC")',
    );
    await expect(identifyTokenizer(asMap(gpt2Files), 50000)).rejects.toThrow(
      "ids up to 50256 but the model's vocab_size is 50000",
    );
    await expect(identifyTokenizer(asMap({ 'vocab.json': gpt2Files['vocab.json'] }), 50257)).rejects.toThrow(
      'vocab.json without merges.txt',
    );
  });
});

describe('a GPT-2 model with a padded vocabulary (50,304 rows)', () => {
  it('imports with the GPT-2 tokenizer and never samples an id the tokenizer cannot decode', async () => {
    await useWasm();
    const config = makeConfig({
      vocabSize: 50304,
      contextLength: 8,
      nLayer: 1,
      nHead: 1,
      nEmbd: 4,
      tieEmbeddings: false,
    });
    // ln_f outputs its bias e1 at every position; the head scores only the padded rows (ids >= 50257):
    // sampling without the ban would pick a padded id every time, and decoding it would throw.
    const arrays = new Map<string, Float32Array>();
    for (const [name, shape] of paramShapes(config))
      arrays.set(name, new Float32Array(shape.reduce((a, b) => a * b, 1)));
    arrays.get('ln_f.bias')![0] = 1;
    const head = arrays.get('lm_head.weight')!;
    for (let id = 50257; id < 50304; id++) head[id * 4] = 100;
    const files = exportHFGPT2(config, arrays, gpt2Files);
    const model = await loadModel({ kind: 'hf-folder', name: 'nanogpt', files }, async () => null);
    expect(model.tokenizer.kind).toBe('gpt2');
    expect(model.warnings).toContain(
      'the embedding has 50304 rows for 50257 token ids (padded): ids from 50257 on are never generated',
    );
    const corpus = await generateSyntheticCorpus(model, null, {
      samples: 4,
      overGenerate: 1,
      generation: { maxLength: 6, batchSize: 4 },
    });
    expect(corpus.generated).toBe(4);
    expect(corpus.samples.length + corpus.empty + corpus.duplicates).toBe(4);
    disposeModel(model);
  });
});
