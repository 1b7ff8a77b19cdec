import { describe, expect, it } from 'vitest';
import {
  configFromHF,
  configToHF,
  estimateModelMemory,
  exportHFGPT2,
  importHFGPT2,
} from '../../src/io/hf-gpt2';
import { parseSafetensors } from '../../src/io/safetensors';
import { type GPTConfig, makeConfig } from '../../src/model/config';
import { paramShapes } from '../../src/model/params';
import { seededNormal } from './helpers/random';

const enc = new TextEncoder();
const dec = new TextDecoder();

function tiny(partial: Partial<GPTConfig> = {}): GPTConfig {
  return makeConfig({ vocabSize: 23, contextLength: 8, nLayer: 2, nHead: 2, nEmbd: 8, ...partial });
}

function randomArrays(config: GPTConfig, seed = 1): Map<string, Float32Array> {
  const normal = seededNormal(seed);
  const arrays = new Map<string, Float32Array>();
  for (const [name, shape] of paramShapes(config)) {
    arrays.set(
      name,
      Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => normal()),
    );
  }
  return arrays;
}

interface RawTensor {
  name: string;
  dtype: string;
  shape: number[];
  bytes: Uint8Array;
}

/** A safetensors file written by hand (any dtype), in the given order. */
function rawSafetensors(tensors: RawTensor[]): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.length] };
    offset += t.bytes.length;
  }
  const json = enc.encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  let pos = 8 + json.length;
  for (const t of tensors) {
    out.set(t.bytes, pos);
    pos += t.bytes.length;
  }
  return out;
}

const f32Tensor = (name: string, shape: number[], data: Float32Array): RawTensor => ({
  name,
  dtype: 'F32',
  shape,
  bytes: new Uint8Array(data.slice().buffer),
});

/** A GPT-2 config.json as the Hugging Face hub's gpt2 repository has it (older transformers). */
function hubConfig(c: GPTConfig): Record<string, unknown> {
  return {
    activation_function: 'gelu_new',
    architectures: ['GPT2LMHeadModel'],
    attn_pdrop: 0.1,
    bos_token_id: c.vocabSize - 1,
    embd_pdrop: 0.1,
    eos_token_id: c.vocabSize - 1,
    initializer_range: 0.02,
    layer_norm_epsilon: 1e-5,
    model_type: 'gpt2',
    n_ctx: c.contextLength,
    n_embd: c.nEmbd,
    n_head: c.nHead,
    n_layer: c.nLayer,
    n_positions: c.contextLength,
    resid_pdrop: 0.1,
    summary_activation: null,
    summary_first_dropout: 0.1,
    summary_proj_to_labels: true,
    summary_type: 'cls_index',
    summary_use_proj: true,
    task_specific_params: { 'text-generation': { do_sample: true, max_length: 50 } },
    vocab_size: c.vocabSize,
  };
}

/** An HF folder: config.json + model.safetensors built from named F32 tensors. */
function folder(config: Record<string, unknown>, tensors: RawTensor[], prefix = ''): Map<string, Uint8Array> {
  return new Map([
    [`${prefix}config.json`, enc.encode(JSON.stringify(config))],
    [`${prefix}model.safetensors`, rawSafetensors(tensors)],
  ]);
}

function paramTensors(c: GPTConfig, arrays: Map<string, Float32Array>, prefix = 'transformer.'): RawTensor[] {
  return [...paramShapes(c)].map(([name, shape]) =>
    f32Tensor(name === 'lm_head.weight' ? name : prefix + name, shape, arrays.get(name)!),
  );
}

describe('exportHFGPT2 -> importHFGPT2', () => {
  it.each([true, false])('round-trips a tiny random model (tied embeddings: %s)', (tie) => {
    const config = tiny({ tieEmbeddings: tie, layerNormEps: 1e-6 });
    const arrays = randomArrays(config, 5);
    const tokenizerFiles = { 'vocab.json': '{"a": 0, "<|endoftext|>": 21}', 'merges.txt': '#version: 0.2\n' };
    const files = exportHFGPT2(config, arrays, tokenizerFiles);
    expect([...files.keys()]).toEqual([
      'config.json',
      'generation_config.json',
      'model.safetensors',
      'vocab.json',
      'merges.txt',
    ]);

    // The file layout GPT2LMHeadModel.save_pretrained produces.
    const st = parseSafetensors(files.get('model.safetensors')!);
    expect(st.metadata).toEqual({ format: 'pt' });
    const expectedKeys = [...paramShapes(config).keys()].map((n) =>
      n === 'lm_head.weight' ? n : `transformer.${n}`,
    );
    expect([...st.tensors.keys()]).toEqual(expectedKeys);
    expect(st.tensors.has('lm_head.weight')).toBe(!tie);
    const hf = JSON.parse(dec.decode(files.get('config.json')!));
    expect(hf).toMatchObject({
      architectures: ['GPT2LMHeadModel'],
      model_type: 'gpt2',
      activation_function: 'gelu_new',
      n_inner: null,
      vocab_size: 23,
      n_positions: 8,
      n_embd: 8,
      n_layer: 2,
      n_head: 2,
      layer_norm_epsilon: 1e-6,
      resid_pdrop: 0.1,
      embd_pdrop: 0.1,
      attn_pdrop: 0.1,
      tie_word_embeddings: tie,
      bos_token_id: 21, // <|endoftext|> from vocab.json
      eos_token_id: 21,
      torch_dtype: 'float32',
    });
    expect(JSON.parse(dec.decode(files.get('generation_config.json')!))).toMatchObject({
      bos_token_id: 21,
      eos_token_id: 21,
    });

    const imported = importHFGPT2(files);
    expect(imported.config).toEqual(config);
    expect(imported.warnings).toEqual([]);
    expect(imported.tokenIds).toEqual({ bosTokenId: 21, eosTokenId: 21 });
    expect(Object.fromEntries(imported.tokenizerFiles)).toEqual(tokenizerFiles);
    expect([...imported.arrays.keys()]).toEqual([...paramShapes(config).keys()]);
    for (const [name, data] of arrays) expect(imported.arrays.get(name)).toEqual(data);
  });

  it('exports F16 weights that import within half-precision rounding', () => {
    const config = tiny();
    const arrays = randomArrays(config, 9);
    const files = exportHFGPT2(config, arrays, {}, { dtype: 'F16', eosTokenId: 3, bosTokenId: 4 });
    const hf = JSON.parse(dec.decode(files.get('config.json')!));
    expect(hf).toMatchObject({ torch_dtype: 'float16', bos_token_id: 4, eos_token_id: 3 });
    const imported = importHFGPT2(files);
    expect(imported.warnings).toEqual(['weights stored as F16 were converted to float32']);
    for (const [name, data] of arrays) {
      const got = imported.arrays.get(name)!;
      for (let i = 0; i < data.length; i++) {
        expect(Math.abs(got[i] - data[i])).toBeLessThanOrEqual(2 ** -11 * Math.abs(data[i]) + 2 ** -25);
      }
    }
  });

  it('refuses to export parameters that do not match the config', () => {
    const config = tiny();
    const arrays = randomArrays(config);
    arrays.delete('h.1.ln_2.bias');
    arrays.set('h.0.mlp.c_fc.bias', new Float32Array(3));
    arrays.set('extra.weight', new Float32Array(1));
    expect(() => exportHFGPT2(config, arrays, {})).toThrow(
      'exportHFGPT2: parameters do not match the config:\n  missing: h.1.ln_2.bias\n  unexpected: extra.weight\n' +
        '  h.0.mlp.c_fc.bias: expected 32 values for [32] got 3',
    );
    expect(() => exportHFGPT2(config, randomArrays(config), { 'config.json': '{}' })).toThrow(
      'would overwrite',
    );
  });
});

describe('importHFGPT2 on Hugging Face folders', () => {
  it('imports a hub-style folder: transformer. prefix, attention buffers, tied lm_head copy, folder prefix', () => {
    const config = tiny();
    const arrays = randomArrays(config, 2);
    const t = config.contextLength;
    const tensors = paramTensors(config, arrays);
    // Old transformers versions saved the causal mask (F32 [1,1,T,T] or BOOL) and masked_bias (scalar).
    const mask = Float32Array.from({ length: t * t }, (_, i) => (i % t <= Math.floor(i / t) ? 1 : 0));
    tensors.push(f32Tensor('transformer.h.0.attn.bias', [1, 1, t, t], mask));
    tensors.push(f32Tensor('transformer.h.0.attn.masked_bias', [], Float32Array.from([-1e4])));
    tensors.push({
      name: 'transformer.h.1.attn.bias',
      dtype: 'BOOL',
      shape: [1, 1, t, t],
      bytes: new Uint8Array(t * t),
    });
    tensors.push(f32Tensor('lm_head.weight', [23, 8], arrays.get('wte.weight')!));
    const files = folder(hubConfig(config), tensors, 'models/gpt2/');
    files.set('models/gpt2/vocab.json', enc.encode('{"<|endoftext|>": 22}'));
    files.set('models/gpt2/merges.txt', enc.encode('#version: 0.2\n'));
    files.set('models/gpt2/README.md', enc.encode('# gpt2'));
    files.set('models/gpt2/.gitattributes', enc.encode('*.bin filter=lfs'));
    files.set('models/gpt2/onnx/config.json', enc.encode('{"model_type": "something else"}'));

    const imported = importHFGPT2(files);
    expect(imported.config).toEqual(config);
    expect(imported.tokenIds).toEqual({ bosTokenId: 22, eosTokenId: 22 });
    expect([...imported.tokenizerFiles.keys()]).toEqual(['vocab.json', 'merges.txt']);
    // README.md (the hub's model card, and our exports') is expected, not reported.
    expect(imported.warnings).toEqual(['ignored 1 file(s) this app does not use: onnx/config.json']);
    expect([...imported.arrays.keys()]).toEqual([...paramShapes(config).keys()]);
    for (const [name, data] of arrays) expect(imported.arrays.get(name)).toEqual(data);
  });

  it('imports GPT2Model-saved names (no prefix) and Windows-style paths', () => {
    const config = tiny({ tieEmbeddings: false });
    const arrays = randomArrays(config, 4);
    // transformers writes GPT-2's default ids (50256) even for other vocabularies: dropped with a warning.
    const hf = { ...hubConfig(config), tie_word_embeddings: false, bos_token_id: 50256, pad_token_id: null };
    const files = new Map(
      [...folder(hf, paramTensors(config, arrays, ''), 'gpt2\\')].map(
        ([k, v]) => [k, v] as [string, Uint8Array],
      ),
    );
    const imported = importHFGPT2(files);
    expect(imported.config.tieEmbeddings).toBe(false);
    expect(imported.tokenIds).toEqual({ eosTokenId: 22 });
    expect(imported.warnings).toEqual([
      'ignored bos_token_id 50256: not a token id of the 23-token vocabulary',
    ]);
    expect(imported.arrays.get('lm_head.weight')).toEqual(arrays.get('lm_head.weight'));
  });

  it('reports a missing parameter precisely', () => {
    const config = tiny();
    const tensors = paramTensors(config, randomArrays(config)).filter(
      (t) => t.name !== 'transformer.h.1.ln_1.bias',
    );
    expect(() => importHFGPT2(folder(hubConfig(config), tensors))).toThrow(
      'model.safetensors does not match config.json (vocab_size 23, n_positions 8, n_embd 8, n_layer 2, n_head 2, ' +
        'tie_word_embeddings true):\n  missing 1 parameter(s): h.1.ln_1.bias',
    );
  });

  it('reports an unexpected tensor precisely', () => {
    const config = tiny();
    const tensors = paramTensors(config, randomArrays(config));
    tensors.push(f32Tensor('transformer.h.2.ln_1.weight', [8], new Float32Array(8)));
    expect(() => importHFGPT2(folder(hubConfig(config), tensors))).toThrow(
      'tie_word_embeddings true):\n  1 unexpected tensor(s): h.2.ln_1.weight',
    );
  });

  it('reports a mis-shaped tensor precisely', () => {
    const config = makeConfig({ vocabSize: 10, contextLength: 4, nLayer: 4, nHead: 4, nEmbd: 64 });
    const tensors = paramTensors(config, randomArrays(config));
    const fc = tensors.find((t) => t.name === 'transformer.h.3.mlp.c_fc.weight')!;
    fc.shape = [256, 64]; // saved transposed (nn.Linear layout)
    expect(() => importHFGPT2(folder(hubConfig(config), tensors))).toThrow(
      'tie_word_embeddings true):\n  1 mis-shaped tensor(s):\n    h.3.mlp.c_fc.weight: expected [64,256] got [256,64]',
    );
  });

  it('lists every problem at once, including an untied config without its head', () => {
    const config = tiny({ tieEmbeddings: false });
    const tensors = paramTensors(config, randomArrays(config)).filter(
      (t) => t.name !== 'lm_head.weight' && t.name !== 'transformer.wpe.weight',
    );
    tensors.find((t) => t.name === 'transformer.ln_f.bias')!.shape = [1, 8];
    tensors.push(f32Tensor('score.weight', [2, 8], new Float32Array(16)));
    let message = '';
    try {
      importHFGPT2(folder({ ...hubConfig(config), tie_word_embeddings: false }, tensors));
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message.split('\n').slice(1)).toEqual([
      '  missing 2 parameter(s): wpe.weight, lm_head.weight',
      '  1 unexpected tensor(s): score.weight',
      '  1 mis-shaped tensor(s):',
      '    ln_f.bias: expected [8] got [1,8]',
    ]);
  });

  it('refuses a file holding a parameter both with and without the transformer. prefix', () => {
    const config = tiny();
    const arrays = randomArrays(config);
    const tensors = paramTensors(config, arrays);
    tensors.push(f32Tensor('wpe.weight', [8, 8], arrays.get('wpe.weight')!));
    expect(() => importHFGPT2(folder(hubConfig(config), tensors))).toThrow(
      'tie_word_embeddings true):\n  "wpe.weight" appears both with and without the "transformer." prefix',
    );
  });

  it('refuses a tied config whose stored lm_head differs from wte', () => {
    const config = tiny();
    const tensors = paramTensors(config, randomArrays(config));
    tensors.push(f32Tensor('lm_head.weight', [23, 8], new Float32Array(23 * 8)));
    expect(() => importHFGPT2(folder(hubConfig(config), tensors))).toThrow(
      'lm_head.weight differs from wte.weight although config.json ties them',
    );
  });

  it('explains what is supported when the weights are pickled, absent or sharded without an index', () => {
    const hf = enc.encode(JSON.stringify(hubConfig(tiny())));
    const shardsOnly = new Map([
      ['config.json', hf],
      ['model-00001-of-00002.safetensors', new Uint8Array(8)],
    ]);
    expect(() => importHFGPT2(shardsOnly)).toThrow(
      'found model-00001-of-00002.safetensors but no model.safetensors.index.json',
    );
    const pickled = new Map([
      ['config.json', hf],
      ['pytorch_model.bin', new Uint8Array(8)],
    ]);
    expect(() => importHFGPT2(pickled)).toThrow(
      'found pytorch_model.bin but no model.safetensors: only the safetensors format is read',
    );
    expect(() => importHFGPT2(new Map([['config.json', hf]]))).toThrow(
      'no model.safetensors (or model.safetensors.index.json with its shards) found beside config.json',
    );
    expect(() => importHFGPT2(new Map([['model.safetensors', new Uint8Array(8)]]))).toThrow(
      'no config.json found: expected a Hugging Face GPT-2 folder with config.json and model.safetensors (got: model.safetensors)',
    );
    expect(() =>
      importHFGPT2(
        new Map([
          ['a/config.json', hf],
          ['b/config.json', hf],
        ]),
      ),
    ).toThrow('several model folders (a/config.json, b/config.json)');
    expect(() => importHFGPT2(new Map([['config.json', enc.encode('{oops')]]))).toThrow(
      'config.json is not valid JSON',
    );
    const corrupt = new Map([
      ['config.json', hf],
      ['model.safetensors', new Uint8Array(4)],
    ]);
    expect(() => importHFGPT2(corrupt)).toThrow(
      'model.safetensors: file is 4 bytes, shorter than the 8-byte',
    );
  });
});

describe('configFromHF / configToHF', () => {
  const base = hubConfig(tiny());

  it('reads the hub config and defaults what GPT2Config defaults', () => {
    expect(configFromHF(base)).toEqual(tiny());
    const { n_positions: _drop, layer_norm_epsilon: _eps, activation_function: _act, ...legacy } = base;
    expect(configFromHF(legacy)).toEqual(tiny()); // n_ctx only, eps 1e-5, gelu_new
    expect(configFromHF({ ...base, activation_function: 'gelu_pytorch_tanh', n_inner: 32 })).toEqual(tiny());
    expect(configFromHF({ ...base, tie_word_embeddings: false }).tieEmbeddings).toBe(false);
  });

  it('round-trips through configToHF', () => {
    for (const c of [tiny(), tiny({ tieEmbeddings: false, layerNormEps: 1e-6, contextLength: 16 })]) {
      expect(configFromHF(JSON.parse(JSON.stringify(configToHF(c))))).toEqual(c);
    }
  });

  it.each([
    ['not an object', [1], 'config.json: expected a JSON object'],
    [
      'missing fields',
      { model_type: 'gpt2', n_embd: 8 },
      'config.json: missing required field(s): vocab_size, n_positions, n_layer, n_head',
    ],
    ['another model type', { ...base, model_type: 'gpt_neo' }, 'model_type is "gpt_neo"; only GPT-2 models'],
    [
      'exact GELU',
      { ...base, activation_function: 'gelu' },
      'activation_function "gelu" is not supported: this model uses the tanh approximation of GELU',
    ],
    [
      'a wider MLP',
      { ...base, n_inner: 64 },
      'n_inner 64 is not supported: the MLP width must be 4 * n_embd = 32',
    ],
    ['a fractional size', { ...base, n_layer: 2.5 }, 'n_layer must be a positive integer, got 2.5'],
    [
      'heads not dividing the width',
      { ...base, n_head: 3 },
      'config.json: model config: nEmbd (8) must be divisible by nHead (3)',
    ],
    [
      'unscaled attention',
      { ...base, scale_attn_weights: false },
      'scale_attn_weights false is not supported',
    ],
    [
      'layer-scaled attention',
      { ...base, scale_attn_by_inverse_layer_idx: true },
      'scale_attn_by_inverse_layer_idx true',
    ],
    [
      'a bad epsilon',
      { ...base, layer_norm_epsilon: 0 },
      'layer_norm_epsilon must be a positive number, got 0',
    ],
    ['a bad tie flag', { ...base, tie_word_embeddings: 'yes' }, 'tie_word_embeddings must be true or false'],
  ])('rejects %s', (_case, json, message) => {
    expect(() => configFromHF(json)).toThrow(message);
  });

  it('rejects token ids outside the vocabulary', () => {
    expect(() => configToHF(tiny(), { eosTokenId: 23 })).toThrow(
      'eosTokenId 23 is not a token id of a 23-token vocabulary',
    );
  });
});

describe('estimateModelMemory', () => {
  it('counts GPT-2 small parameters as published (124,439,808)', () => {
    const gpt2 = makeConfig({ vocabSize: 50257, contextLength: 1024, nLayer: 12, nHead: 12, nEmbd: 768 });
    const est = estimateModelMemory(gpt2, { batch: 1, seqLen: 1024, training: false, dp: false });
    expect(est.parameterBytes).toBe(4 * 124_439_808);
    expect(est.optimizerBytes).toBe(0);
  });

  it('follows the documented formula on a small case', () => {
    const c = tiny(); // d 8, L 2, H 2, V 23, T_max 8
    // wte 184 + wpe 64 + 2 blocks x (LNs 32 + c_attn 216 + c_proj 72 + c_fc 288 + mlp.c_proj 264) + ln_f 16
    const params = 2008;
    const [b, t] = [3, 4];
    const n = b * t;
    const perLayerToken = 24 * 8 + 2 * 2 * t;
    const inference = estimateModelMemory(c, { batch: b, seqLen: t, training: false, dp: false });
    expect(inference.parameterBytes).toBe(4 * params);
    expect(inference.activationBytes).toBe(4 * (2 * 2 * n * 8 + n * perLayerToken + 2 * n * 23));
    const train = estimateModelMemory(c, { batch: b, seqLen: t, training: true, dp: false });
    expect(train.optimizerBytes).toBe(4 * 3 * params);
    expect(train.activationBytes).toBe(4 * n * (3 * perLayerToken + 5 * 8 + 4 * 23));
    const dp = estimateModelMemory(c, { batch: b, seqLen: t, training: true, dp: true });
    expect(dp.optimizerBytes).toBe(4 * 4 * params);
    // Cost rule: ghost when T < d_in*d_out/(d_in+d_out). c_attn 6, c_fc and mlp.c_proj 6.4: ghost,
    // 2T^2 = 32 floats; attn.c_proj 64/16 = 4 is not > T = 4: direct, 8*8 = 64 floats per example.
    expect(dp.activationBytes - train.activationBytes).toBe(4 * (n * (11 * 2 * 8 + 8 + 23) + b * 64));
    expect(dp.totalBytes).toBe(dp.parameterBytes + dp.optimizerBytes + dp.activationBytes);
  });

  it('rejects sequences longer than the context', () => {
    expect(() => estimateModelMemory(tiny(), { batch: 1, seqLen: 9, training: false, dp: false })).toThrow(
      'seqLen 9 exceeds the model',
    );
  });
});

/** A sharded checkpoint as save_pretrained(max_shard_size=...) writes it: an index and numbered shards. */
function shardedFolder(
  c: GPTConfig,
  arrays: Map<string, Float32Array>,
  shards: number,
  omit: string[] = [],
): Map<string, Uint8Array> {
  const tensors = paramTensors(c, arrays).filter((t) => !omit.includes(t.name));
  const names = (i: number) =>
    `model-${String(i + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
  const weightMap: Record<string, string> = {};
  const hf = { ...hubConfig(c), tie_word_embeddings: c.tieEmbeddings };
  const files = new Map<string, Uint8Array>([['config.json', enc.encode(JSON.stringify(hf))]]);
  for (let i = 0; i < shards; i++) {
    const part = tensors.filter((_, k) => k % shards === i);
    for (const t of part) weightMap[t.name] = names(i);
    files.set(names(i), rawSafetensors(part));
  }
  const total = tensors.reduce((a, t) => a + t.bytes.length, 0);
  files.set(
    'model.safetensors.index.json',
    enc.encode(JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap })),
  );
  return files;
}

describe('sharded checkpoints (model.safetensors.index.json)', () => {
  it('merges the shards into the same model a single file gives', () => {
    const config = tiny({ tieEmbeddings: false });
    const arrays = randomArrays(config, 11);
    const files = shardedFolder(config, arrays, 3);
    const imported = importHFGPT2(files);
    expect(imported.warnings).toEqual([]);
    expect(imported.config).toEqual(config);
    const single = importHFGPT2(
      folder({ ...hubConfig(config), tie_word_embeddings: false }, paramTensors(config, arrays)),
    );
    expect([...imported.arrays.keys()]).toEqual([...single.arrays.keys()]);
    for (const [name, data] of single.arrays) expect(imported.arrays.get(name), name).toEqual(data);
  });

  it('refuses an index and shards that disagree, naming the tensor and the files', () => {
    const config = tiny();
    const arrays = randomArrays(config, 12);
    const missingShard = shardedFolder(config, arrays, 2);
    missingShard.delete('model-00002-of-00002.safetensors');
    expect(() => importHFGPT2(missingShard)).toThrow(
      'model.safetensors.index.json names shard file(s) missing from the folder: model-00002-of-00002.safetensors',
    );

    const moved = shardedFolder(config, arrays, 2);
    const index = JSON.parse(dec.decode(moved.get('model.safetensors.index.json')!));
    index.weight_map['transformer.wte.weight'] = 'model-00002-of-00002.safetensors';
    index.weight_map['transformer.h.9.ln_1.weight'] = 'model-00001-of-00002.safetensors';
    moved.set('model.safetensors.index.json', enc.encode(JSON.stringify(index)));
    expect(() => importHFGPT2(moved)).toThrow(
      'sharded checkpoint: "transformer.wte.weight" is in model-00001-of-00002.safetensors but the index says ' +
        'model-00002-of-00002.safetensors; "transformer.h.9.ln_1.weight" is listed in model.safetensors.index.json ' +
        'but not in model-00001-of-00002.safetensors',
    );

    const twice = shardedFolder(config, arrays, 2);
    const first = paramTensors(config, arrays)[0];
    twice.set(
      'model-00002-of-00002.safetensors',
      rawSafetensors([first, ...paramTensors(config, arrays).filter((_, k) => k % 2 === 1)]),
    );
    expect(() => importHFGPT2(twice)).toThrow(`"${first.name}" is stored in more than one shard`);

    const outside = shardedFolder(config, arrays, 1);
    outside.set(
      'model.safetensors.index.json',
      enc.encode(JSON.stringify({ weight_map: { 'transformer.wte.weight': '../secret.safetensors' } })),
    );
    expect(() => importHFGPT2(outside)).toThrow('not a .safetensors file of the folder');
  });

  it('reports a shard that does not match config.json like a single file', () => {
    const config = tiny();
    const files = shardedFolder(config, randomArrays(config, 13), 2, ['transformer.ln_f.bias']);
    expect(() => importHFGPT2(files)).toThrow(
      'the sharded checkpoint does not match config.json (vocab_size 23, n_positions 8, n_embd 8, n_layer 2, n_head 2, tie_word_embeddings true):\n  missing 1 parameter(s): ln_f.bias',
    );
  });
});
