/**
 * The exported model folder as Hugging Face tools load it, checked by an independent loader
 * (helpers/hf-loader.ts): config keys, token ids and max length agree across every file; the slow
 * (vocab.json + merges.txt) and fast (tokenizer.json) tokenizers give our ids, "<|endoftext|>" in
 * text included; and the weights, decoded by hand, give the logits of the model in the app (float64
 * reference forward pass), in float32 and float16.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTokenizer, type Tokenizer } from '../../src/data/tokenizer';
import { identifyTokenizer } from '../../src/data/tokenizer-identify';
import { importHFGPT2 } from '../../src/io/hf-gpt2';
import { unzipFiles, zipFiles } from '../../src/io/zip';
import { type GPTConfig, makeConfig } from '../../src/model/config';
import { forward } from '../../src/model/gpt';
import { disposeParams, paramShapes, paramsFromArrays } from '../../src/model/params';
import { modelFolder } from '../../src/pipeline/export-bundle';
import { privacyReportDocument } from '../../src/pipeline/privacy-report';
import { GUARANTEE_SCOPE, NEIGHBOURING_RELATION, type PrivacyReport } from '../../src/pipeline/results';
import { useWasm } from './helpers/backend';
import { loadHFFolder } from './helpers/hf-loader';
import { seededNormal } from './helpers/random';
import { referenceForward } from './reference/gpt2-reference';

beforeAll(useWasm);

const dec = new TextDecoder();

/** Texts a user might train on, with the literal end-of-text string and characters BPE splits. */
const SAMPLES = [
  'Hello world',
  'The ships leave the harbour at dawn.\n\nSailors load tea.',
  'a literal <|endoftext|> in the text, and <|endoftext|><|endoftext|> twice',
  '<|pad|> is text too',
  'naïve café 日本語 😀 👩‍👩‍👧  tabs\tand  spaces ',
  "it's 1999; they'll've ... --",
];

export const REPORT: PrivacyReport = {
  method: 'distildp',
  epsilon: 1.9876,
  delta: 1.5e-5,
  accounting_delta: 1.4e-5,
  threshold_delta: 1e-6,
  accountant: 'prv',
  phases: [
    { q: 1, sigma: 10, steps: 1 },
    { q: 0.05, sigma: 1.1, steps: 300 },
  ],
  sampling: 'poisson',
  unit: 'document',
  neighbouring_relation: NEIGHBOURING_RELATION,
  scope: GUARANTEE_SCOPE,
  clip_norm: 1,
  windows_per_document: 1,
  trained_parameters: 'all',
  num_documents: 500,
  secure_randomness: true,
  public_choices: {
    text_field: 'text',
    label_fields: ['label'],
    folder_labels: false,
    use_labels_as_control_codes: true,
    histogram_mode: 'dp',
  },
  reproduce: 'distildp epsilon --phases 1:10:1,0.05:1.1:300 --delta 1.4e-5',
};

function randomArrays(config: GPTConfig, seed: number): Map<string, Float32Array> {
  const normal = seededNormal(seed);
  const arrays = new Map<string, Float32Array>();
  for (const [name, shape] of paramShapes(config)) {
    const gain = /ln_(1|2|f)\.weight$/.test(name) ? 1 : 0;
    arrays.set(
      name,
      Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => gain + 0.3 * normal()),
    );
  }
  return arrays;
}

function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Logits of our TF.js model for one sequence, flattened. */
async function ourLogits(
  config: GPTConfig,
  arrays: Map<string, Float32Array>,
  ids: number[],
): Promise<Float32Array> {
  const params = paramsFromArrays(config, arrays);
  const input = tf.tensor2d([ids], [1, ids.length], 'int32');
  const out = forward(params, config, input);
  const data = (await out.logits.data()) as Float32Array;
  tf.dispose([input, out.logits]);
  disposeParams(params);
  return data;
}

for (const kind of ['bytes', 'gpt2'] as const) {
  describe(`exported ${kind} model folder, loaded as transformers would`, () => {
    let tok: Tokenizer;
    let config: GPTConfig;
    let arrays: Map<string, Float32Array>;
    let files: Map<string, Uint8Array>;
    let hf: ReturnType<typeof loadHFFolder>;
    beforeAll(async () => {
      tok = await loadTokenizer(kind);
      config = makeConfig({ vocabSize: tok.vocabSize, contextLength: 16, nLayer: 2, nHead: 2, nEmbd: 8 });
      arrays = randomArrays(config, kind === 'bytes' ? 3 : 4);
      files = modelFolder({ config, arrays }, tok, {
        role: 'student',
        report: privacyReportDocument('0123456789abcdef', [REPORT], new Date(0)),
        dataDescription: 'Support e-mails of a small shop, 2019-2023.',
      });
      hf = loadHFFolder(files);
    });

    it('writes the files HF expects, with max length = n_positions and consistent special token ids', () => {
      expect([...files.keys()].sort()).toEqual(
        [
          'README.md',
          'config.json',
          'generation_config.json',
          'merges.txt',
          'model.safetensors',
          'privacy-report.json',
          'special_tokens_map.json',
          'tokenizer.json',
          'tokenizer_config.json',
          'vocab.json',
        ].sort(),
      );
      expect(hf.config).toMatchObject({
        architectures: ['GPT2LMHeadModel'],
        model_type: 'gpt2',
        activation_function: 'gelu_new',
        vocab_size: tok.vocabSize,
        n_positions: 16,
        n_ctx: 16,
        torch_dtype: 'float32',
      });
      expect(hf.tokenizerConfig.model_max_length).toBe(hf.config.n_positions);
      expect(hf.tokenizerConfig.split_special_tokens).toBe(true);
      // Every file names the same ids: config, generation config, special tokens map -> vocab, tokenizer.json.
      const idOf = (content: string) => {
        const fromVocab = hf.vocab[content];
        const fromJson = hf.tokenizerJson.added_tokens.find((t) => t.content === content)?.id;
        expect(fromJson).toBe(fromVocab);
        return fromVocab;
      };
      expect(hf.config.pad_token_id).toBe(tok.padId);
      expect(hf.config.pad_token_id).toBe(idOf(hf.specialTokensMap.pad_token));
      expect(hf.config.eos_token_id).toBe(idOf(hf.specialTokensMap.eos_token));
      expect(hf.config.bos_token_id).toBe(idOf(hf.specialTokensMap.bos_token));
      expect(hf.config.eos_token_id).toBe(tok.eotId);
      expect(hf.tokenizerConfig.pad_token).toBe(hf.specialTokensMap.pad_token);
      for (const key of ['bos_token_id', 'eos_token_id', 'pad_token_id'])
        expect(hf.generationConfig[key], key).toBe(hf.config[key]);
      // One set of flags for the special tokens, in both files: matched on raw text, special.
      const decoder = hf.tokenizerConfig.added_tokens_decoder as Record<string, Record<string, unknown>>;
      for (const t of hf.tokenizerJson.added_tokens) {
        expect(t).toMatchObject({ special: true, normalized: false });
        const { id, ...flags } = t;
        expect(decoder[String(id)]).toEqual(flags);
      }
      // tokenizer.json holds the same vocabulary and merges as vocab.json / merges.txt.
      expect(hf.tokenizerJson.model.vocab).toEqual(hf.vocab);
      expect(hf.tokenizerJson.model.merges).toEqual(
        dec.decode(files.get('merges.txt')!).split('\n').slice(1, -1),
      );
      expect(hf.tokenizerJson.pre_tokenizer).toMatchObject({ type: 'ByteLevel', add_prefix_space: false });
    });

    it('slow and fast tokenizers give our ids, a literal "<|endoftext|>" included, and decode back', () => {
      for (const text of SAMPLES) {
        const ours = tok.encode(text);
        expect(hf.slow.encode(text), `slow: ${text}`).toEqual(ours);
        expect(hf.fast.encode(text), `fast: ${text}`).toEqual(ours);
        expect(hf.fast.decode([tok.eotId, ...ours, tok.eotId], true)).toBe(text);
      }
      // Without tokenizer_config.json (tokenizers alone) the literal becomes the special id: the model card says so.
      expect(hf.rawFast.encode('a<|endoftext|>')).toEqual([...tok.encode('a'), tok.eotId]);
    });

    it('the weights, decoded by hand, give the logits of the model in the app (float64 reference)', async () => {
      expect(hf.dtypes).toEqual(new Set(['F32']));
      const ids = tok.encode('The ships leave <|endoftext|>').slice(0, 16);
      const ref = referenceForward(hf.refConfig, hf.weights, ids).logits.flatMap((row) => [...row]);
      const mine = await ourLogits(config, arrays, ids);
      expect(ref.reduce((m, v) => Math.max(m, Math.abs(v)), 0)).toBeGreaterThan(0.5); // not vacuous
      expect(maxAbsDiff(mine, ref)).toBeLessThan(1e-4);
    });

    it('float16 weights load within half-precision error of the float32 model', async () => {
      const half = modelFolder({ config, arrays }, tok, { role: 'model', dtype: 'F16' });
      const hfHalf = loadHFFolder(half);
      expect(hfHalf.dtypes).toEqual(new Set(['F16']));
      expect(hfHalf.config.torch_dtype).toBe('float16');
      const ids = tok.encode('Hello world, again').slice(0, 16);
      const ref = referenceForward(hfHalf.refConfig, hfHalf.weights, ids).logits.flatMap((row) => [...row]);
      const full = await ourLogits(config, arrays, ids);
      const err = maxAbsDiff(full, ref);
      expect(err).toBeGreaterThan(0); // rounding happened
      expect(err).toBeLessThan(0.05);
      // Our importer reads the same F16 values the hand decoder does.
      const imported = importHFGPT2(half);
      for (const [name, data] of imported.arrays) expect(maxAbsDiff(data, hfHalf.weights.get(name)!)).toBe(0);
    });

    it('imports back: same config, same weights, the same tokenizer recognised from its files', async () => {
      const imported = importHFGPT2(files);
      expect(imported.config).toEqual(config);
      expect(imported.warnings).toEqual([]);
      for (const [name, data] of arrays) expect(sameBytes(imported.arrays.get(name)!, data), name).toBe(true);
      const identified = await identifyTokenizer(imported.tokenizerFiles, config.vocabSize);
      expect(identified).toEqual({ kind, warnings: [] });
      const unzipped = unzipFiles(zipFiles(files));
      expect([...unzipped.keys()].sort()).toEqual([...files.keys()].sort());
      for (const [name, bytes] of files) expect(sameBytes(unzipped.get(name)!, bytes), name).toBe(true);
    });
  });
}
