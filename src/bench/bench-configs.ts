/**
 * Named model shapes and batches of the DP step benchmark (random weights: a step takes the same
 * time and memory whatever the weights). Each GPT-2-sized one is the real model's shape at context
 * 128, with a batch the WASM backend's 32-bit heap holds (measured, see README's performance
 * section); `batch` can be overridden per run.
 */
import { type GPTConfig, makeConfig } from '../model/config';

export interface BenchConfig {
  model: GPTConfig;
  batch: number;
  /** One line for reports. */
  description: string;
}

const GPT2_VOCAB = 50257;

export const DP_BENCH_CONFIGS: Record<string, BenchConfig> = {
  /** The DP engine issue's reference: 4 layers, width 128, context 128, batch 16, byte vocabulary. */
  small: {
    model: makeConfig({ vocabSize: 258, contextLength: 128, nLayer: 4, nHead: 4, nEmbd: 128 }),
    batch: 16,
    description: '4 layers x 128, byte vocabulary (the teacher preset)',
  },
  /** A quick smoke configuration. */
  tiny: {
    model: makeConfig({ vocabSize: 258, contextLength: 32, nLayer: 2, nHead: 2, nEmbd: 32 }),
    batch: 8,
    description: '2 layers x 32, for tests',
  },
  /** distilgpt2's shape: 6 layers, width 768, 12 heads, GPT-2 vocabulary, context 128. */
  distilgpt2: {
    model: makeConfig({ vocabSize: GPT2_VOCAB, contextLength: 128, nLayer: 6, nHead: 12, nEmbd: 768 }),
    batch: 4,
    description: "distilgpt2's shape (6 x 768, 12 heads, vocab 50257), context 128",
  },
  /** GPT-2 small's shape: 12 layers, otherwise as distilgpt2. */
  gpt2: {
    model: makeConfig({ vocabSize: GPT2_VOCAB, contextLength: 128, nLayer: 12, nHead: 12, nEmbd: 768 }),
    batch: 4,
    description: "GPT-2 small's shape (12 x 768, 12 heads, vocab 50257), context 128",
  },
};

export function benchConfig(name: string, batch?: number): BenchConfig {
  const c = DP_BENCH_CONFIGS[name];
  if (!c)
    throw new Error(
      `unknown benchmark config "${name}" (known: ${Object.keys(DP_BENCH_CONFIGS).join(', ')})`,
    );
  if (batch === undefined) return c;
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`batch must be an integer >= 1, got ${batch}`);
  return { ...c, batch };
}
