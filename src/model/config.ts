/**
 * GPT-2 architecture configuration. Field meanings follow Hugging Face's GPT2Config
 * (n_vocab / n_positions / n_layer / n_head / n_embd), so import/export is a straight mapping.
 */
export interface GPTConfig {
  /** Vocabulary size (GPT-2: 50257; byte-level tokenizer: 258 = 256 bytes + end-of-text + pad). */
  vocabSize: number;
  /** Maximum sequence length, the number of learned position embeddings (GPT-2: 1024). */
  contextLength: number;
  /** Number of transformer blocks. */
  nLayer: number;
  /** Number of attention heads; must divide nEmbd. */
  nHead: number;
  /** Width of the residual stream. */
  nEmbd: number;
  /** Tie the LM head to the token embedding, as GPT-2 does (default true). */
  tieEmbeddings: boolean;
  /** LayerNorm epsilon (GPT-2: 1e-5). */
  layerNormEps: number;
}

export const DEFAULT_CONFIG: GPTConfig = {
  vocabSize: 258,
  contextLength: 128,
  nLayer: 4,
  nHead: 4,
  nEmbd: 128,
  tieEmbeddings: true,
  layerNormEps: 1e-5,
};

export function makeConfig(partial: Partial<GPTConfig>): GPTConfig {
  const config = { ...DEFAULT_CONFIG, ...partial };
  validateConfig(config);
  return config;
}

export function validateConfig(c: GPTConfig): void {
  const positiveInts: (keyof GPTConfig)[] = ['vocabSize', 'contextLength', 'nLayer', 'nHead', 'nEmbd'];
  for (const key of positiveInts) {
    const v = c[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw new Error(`model config: ${key} must be a positive integer, got ${String(v)}`);
    }
  }
  if (c.nEmbd % c.nHead !== 0) {
    throw new Error(`model config: nEmbd (${c.nEmbd}) must be divisible by nHead (${c.nHead})`);
  }
  if (!(c.layerNormEps > 0)) throw new Error(`model config: layerNormEps must be > 0, got ${c.layerNormEps}`);
}

/** Number of scalar parameters of a configuration. */
export function countParameters(c: GPTConfig): number {
  const d = c.nEmbd;
  const perBlock = 2 * 2 * d + (d * 3 * d + 3 * d) + (d * d + d) + (d * 4 * d + 4 * d) + (4 * d * d + d);
  const head = c.tieEmbeddings ? 0 : c.vocabSize * d;
  return c.vocabSize * d + c.contextLength * d + c.nLayer * perBlock + 2 * d + head;
}
