/**
 * Mapping between our GPTConfig and Hugging Face's GPT2Config (config.json). Only the GPT-2
 * variants this model computes exactly are accepted: the tanh GELU, a 4x MLP, attention scaled
 * by 1/sqrt(head_dim), no cross-attention. Anything else is refused with the reason, since
 * loading such weights would silently compute a different function.
 */
import { type GPTConfig, validateConfig } from '../model/config';

/** The transformers version written into exported configs (any 4.x reads these files). */
export const TRANSFORMERS_VERSION = '4.46.3';

/** GPT-2's tanh-approximated GELU goes by these names in transformers (same formula). */
const TANH_GELU_NAMES = ['gelu_new', 'gelu_pytorch_tanh'];

/** Special token ids written to config.json / generation_config.json. */
export interface HFTokenIds {
  /** Beginning-of-sequence id (GPT-2: 50256, `<|endoftext|>`). */
  bosTokenId?: number;
  /** End-of-sequence id (GPT-2: 50256). */
  eosTokenId?: number;
  /** Padding id, written only when given (GPT-2 has none). */
  padTokenId?: number;
}

function fail(message: string): never {
  throw new Error(`config.json: ${message}`);
}

/**
 * Reads a parsed GPT-2 config.json. `vocab_size`, `n_embd`, `n_layer`, `n_head` and
 * `n_positions` (or the legacy `n_ctx`) are required; the rest default as in GPT2Config
 * (`layer_norm_epsilon` 1e-5, `tie_word_embeddings` true, `activation_function` gelu_new).
 */
export function configFromHF(json: unknown): GPTConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    fail('expected a JSON object (a Hugging Face GPT2Config)');
  }
  const c = json as Record<string, unknown>;
  if (c.model_type !== undefined && c.model_type !== 'gpt2') {
    fail(
      `model_type is ${JSON.stringify(c.model_type)}; only GPT-2 models (model_type "gpt2") can be loaded`,
    );
  }
  const positions = c.n_positions ?? c.n_ctx;
  const required: [string, unknown][] = [
    ['vocab_size', c.vocab_size],
    ['n_positions', positions],
    ['n_embd', c.n_embd],
    ['n_layer', c.n_layer],
    ['n_head', c.n_head],
  ];
  const missing = required.filter(([, v]) => v === undefined || v === null).map(([k]) => k);
  if (missing.length) fail(`missing required field(s): ${missing.join(', ')}`);
  for (const [key, value] of required) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      fail(`${key} must be a positive integer, got ${JSON.stringify(value)}`);
    }
  }

  const activation = c.activation_function ?? 'gelu_new';
  if (typeof activation !== 'string' || !TANH_GELU_NAMES.includes(activation)) {
    fail(
      `activation_function ${JSON.stringify(activation)} is not supported: this model uses the tanh ` +
        `approximation of GELU (${TANH_GELU_NAMES.join(' / ')}), as GPT-2 does`,
    );
  }
  const nEmbd = c.n_embd as number;
  if (c.n_inner !== undefined && c.n_inner !== null && c.n_inner !== 4 * nEmbd) {
    fail(
      `n_inner ${JSON.stringify(c.n_inner)} is not supported: the MLP width must be 4 * n_embd = ${4 * nEmbd}`,
    );
  }
  if (c.scale_attn_weights === false) {
    fail('scale_attn_weights false is not supported: attention is always scaled by 1/sqrt(head_dim)');
  }
  if (c.scale_attn_by_inverse_layer_idx === true) {
    fail('scale_attn_by_inverse_layer_idx true is not supported');
  }
  if (c.add_cross_attention === true) fail('add_cross_attention true is not supported (decoder-only GPT-2)');

  const eps = c.layer_norm_epsilon ?? 1e-5;
  if (typeof eps !== 'number' || !(eps > 0)) {
    fail(`layer_norm_epsilon must be a positive number, got ${JSON.stringify(eps)}`);
  }
  const tie = c.tie_word_embeddings ?? true;
  if (typeof tie !== 'boolean') fail(`tie_word_embeddings must be true or false, got ${JSON.stringify(tie)}`);

  const config: GPTConfig = {
    vocabSize: c.vocab_size as number,
    contextLength: positions as number,
    nLayer: c.n_layer as number,
    nHead: c.n_head as number,
    nEmbd,
    tieEmbeddings: tie,
    layerNormEps: eps,
  };
  try {
    validateConfig(config);
  } catch (err) {
    fail((err as Error).message);
  }
  return config;
}

/**
 * A complete GPT2Config, as `GPT2LMHeadModel.save_pretrained` writes it, that
 * `GPT2LMHeadModel.from_pretrained` loads into exactly this architecture. Dropout rates are
 * GPT-2's training defaults (0.1; inference ignores them). Token ids default to the last id
 * of the vocabulary, GPT-2's `<|endoftext|>` convention; pass the real ones for other tokenizers.
 */
export function configToHF(config: GPTConfig, extra: HFTokenIds = {}): Record<string, unknown> {
  validateConfig(config);
  const bos = extra.bosTokenId ?? config.vocabSize - 1;
  const eos = extra.eosTokenId ?? config.vocabSize - 1;
  for (const [key, id] of [
    ['bosTokenId', bos],
    ['eosTokenId', eos],
    ['padTokenId', extra.padTokenId],
  ] as const) {
    if (id !== undefined && !(Number.isInteger(id) && id >= 0 && id < config.vocabSize)) {
      throw new Error(`configToHF: ${key} ${id} is not a token id of a ${config.vocabSize}-token vocabulary`);
    }
  }
  return {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    vocab_size: config.vocabSize,
    n_positions: config.contextLength,
    n_ctx: config.contextLength,
    n_embd: config.nEmbd,
    n_layer: config.nLayer,
    n_head: config.nHead,
    n_inner: null,
    activation_function: 'gelu_new',
    resid_pdrop: 0.1,
    embd_pdrop: 0.1,
    attn_pdrop: 0.1,
    layer_norm_epsilon: config.layerNormEps,
    initializer_range: 0.02,
    summary_type: 'cls_index',
    summary_use_proj: true,
    summary_activation: null,
    summary_proj_to_labels: true,
    summary_first_dropout: 0.1,
    scale_attn_weights: true,
    scale_attn_by_inverse_layer_idx: false,
    reorder_and_upcast_attn: false,
    use_cache: true,
    bos_token_id: bos,
    eos_token_id: eos,
    ...(extra.padTokenId !== undefined ? { pad_token_id: extra.padTokenId } : {}),
    tie_word_embeddings: config.tieEmbeddings,
    torch_dtype: 'float32',
    transformers_version: TRANSFORMERS_VERSION,
  };
}

/** generation_config.json as save_pretrained derives it from the model config. */
export function generationConfigToHF(hfConfig: Record<string, unknown>): Record<string, unknown> {
  return {
    _from_model_config: true,
    bos_token_id: hfConfig.bos_token_id,
    eos_token_id: hfConfig.eos_token_id,
    ...(hfConfig.pad_token_id !== undefined ? { pad_token_id: hfConfig.pad_token_id } : {}),
    transformers_version: TRANSFORMERS_VERSION,
  };
}
