/**
 * Generation benchmark: tokens per second of batched sampling (DistilDP's settings: top-k 50,
 * top-p 0.9, no repeated 2-grams) with and without the KV cache, measured side by side in one
 * process on a randomly initialised model of a preset's shape (random weights time the same as
 * trained ones). End-of-text is banned so that every row runs to the full length and both paths
 * do exactly the same amount of work. The ratio is the result: the machines are shared and noisy.
 */
import * as tf from '@tensorflow/tfjs';
import { tokenizerFor } from '../data/tokenizer';
import { controlCodePrompt } from '../data/windows';
import type { GPTConfig } from '../model/config';
import { generate } from '../model/generate';
import type { GenerationConfig } from '../model/generation-config';
import { disposeParams, initParams } from '../model/params';
import { MODEL_PRESETS } from '../model/presets';
import { median } from './stats';

export interface GenerateBenchOptions {
  /** Prompts per batch (default 32, DistilDP's generation batch here). */
  batch: number;
  /** Total tokens per sequence, prompt included (default 128). */
  tokens: number;
  /** Timed runs with the KV cache (median reported; default 3). */
  repeats: number;
  /** Timed runs without the cache, which is much slower (default 1). */
  nocacheRepeats: number;
}

export interface GenerateBenchResult {
  /** Model preset (src/model/presets.ts). */
  config: string;
  model: GPTConfig;
  backend: string;
  batch: number;
  /** Total tokens per sequence, prompt included. */
  tokens: number;
  prompt_tokens: number;
  /** Tokens generated per run (batch x (tokens - prompt_tokens)). */
  generated_per_run: number;
  kv_tokens_per_s: number;
  nocache_tokens_per_s: number;
  /** kv_tokens_per_s / nocache_tokens_per_s. */
  speedup: number;
  /** Every timing, in the order measured (interleaved). */
  samples_ms: { kv: number[]; nocache: number[] };
}

export async function runGenerateBenchmark(
  name = 'teacher',
  options: Partial<GenerateBenchOptions> = {},
  onProgress?: (msg: string) => void,
): Promise<GenerateBenchResult> {
  const o: GenerateBenchOptions = { batch: 32, tokens: 128, repeats: 3, nocacheRepeats: 1, ...options };
  if (!(Number.isInteger(o.repeats) && o.repeats >= 1))
    throw new Error(`repeats must be a positive integer, got ${o.repeats}`);
  if (!(Number.isInteger(o.nocacheRepeats) && o.nocacheRepeats >= 0))
    throw new Error(`nocache-repeats must be an integer >= 0, got ${o.nocacheRepeats}`);
  const preset = MODEL_PRESETS[name];
  if (!preset)
    throw new Error(`unknown model preset "${name}" (known: ${Object.keys(MODEL_PRESETS).join(', ')})`);
  const config = preset.config;
  const tokenizer = tokenizerFor('bytes');
  if (config.vocabSize !== tokenizer.vocabSize)
    throw new Error(
      `preset "${name}" has vocabulary ${config.vocabSize}; this benchmark uses the byte tokenizer`,
    );
  const tokens = Math.min(o.tokens, config.contextLength);
  const prompt = tokenizer.encode(controlCodePrompt(['books']));
  if (prompt.length >= tokens)
    throw new Error(`--tokens ${tokens} leaves no room after a ${prompt.length}-token prompt`);
  const prompts = Array.from({ length: o.batch }, () => prompt);
  const generated = o.batch * (tokens - prompt.length);
  const params = initParams(config, 1);
  const gen: Partial<GenerationConfig> = {
    maxLength: tokens,
    batchSize: o.batch,
    eotId: tokenizer.eotId,
    padId: tokenizer.padId,
    bannedIds: [tokenizer.eotId],
    seed: 1,
  };
  const timeRun = async (useKvCache: boolean, seed: number) => {
    const t0 = performance.now();
    const out = await generate(params, config, prompts, { ...gen, useKvCache, seed });
    const ms = performance.now() - t0;
    const count = out.reduce((s, x) => s + x.length, 0);
    if (count !== generated) throw new Error(`benchmark generated ${count} tokens, expected ${generated}`);
    return ms;
  };
  try {
    onProgress?.('warm-up (KV cache)');
    await timeRun(true, 0);
    const samples = { kv: [] as number[], nocache: [] as number[] };
    const rounds = Math.max(o.repeats, o.nocacheRepeats);
    for (let r = 0; r < rounds; r++) {
      if (r < o.repeats) samples.kv.push(await timeRun(true, r + 1));
      if (r < o.nocacheRepeats) samples.nocache.push(await timeRun(false, r + 1));
      onProgress?.(
        `round ${r + 1}/${rounds}: KV ${samples.kv.at(-1)?.toFixed(0)} ms` +
          (r < o.nocacheRepeats ? `, no cache ${samples.nocache.at(-1)?.toFixed(0)} ms` : ''),
      );
    }
    const kv = (generated / median(samples.kv)) * 1000;
    const nocache = samples.nocache.length ? (generated / median(samples.nocache)) * 1000 : Number.NaN;
    return {
      config: name,
      model: config,
      backend: tf.getBackend(),
      batch: o.batch,
      tokens,
      prompt_tokens: prompt.length,
      generated_per_run: generated,
      kv_tokens_per_s: kv,
      nocache_tokens_per_s: nocache,
      speedup: kv / nocache,
      samples_ms: samples,
    };
  } finally {
    disposeParams(params);
  }
}
