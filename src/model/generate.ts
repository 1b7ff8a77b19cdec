/**
 * Batched autoregressive generation (DistilDP step 2: the DP teacher writes the synthetic corpus
 * from control-code prompts). Sampling rules live in sampling.ts; this module runs the model.
 *
 * - Prompts of different lengths: the forward pass has no attention mask, so a batch must be
 *   rectangular. Prompts are grouped by length (control-code prompts of one label set share a
 *   length), each group is cut into batches of `batchSize`, and within a batch every row has the
 *   same length at every step. Mixed lengths cost smaller batches, never wrong results.
 * - KV cache (default): one forward over the prompts (returnPresent), then one forward of one
 *   token per step with `past`. Without it, the whole sequence is recomputed every step (the
 *   reference path the cache is tested against).
 * - Finished rows (EOT) leave the batch: the cache is compacted with a gather, so the remaining
 *   rows run at the cost of their own count.
 * - Randomness: prompt i draws from its own `seededUniform(promptSeed(seed, i))` stream, so a
 *   sequence depends only on (seed, i, prompt, model), not on batch size, grouping or the cache.
 *   Generation is post-processing of a DP model: a non-cryptographic PRNG costs no privacy.
 * - Logits are read back with one `await data()` per step, of the last position only (webgpu
 *   forbids synchronous reads).
 */
import * as tf from '@tensorflow/tfjs';
import { seededUniform } from '../random/seeded';
import type { GPTConfig } from './config';
import {
  type GenerationConfig,
  planBatches,
  promptSeed,
  resolveGenerationConfig,
  samplingOptions,
  validatePrompts,
} from './generation-config';
import { forward, type LayerKV } from './gpt';
import type { Params } from './params';
import { nextToken, type SamplingOptions } from './sampling';

/** One finished sequence: its prompt's index, the continuation, and why it ended. */
export interface GeneratedSequence {
  index: number;
  /** Generated tokens, excluding the prompt and the EOT. */
  tokens: number[];
  finish: 'eot' | 'length';
}

export interface StreamOptions {
  /** Checked before every step; true ends generation (finished sequences were already yielded). */
  shouldStop?: () => boolean;
  /**
   * The raw logits row (before any sampling rule) from which token `step` (0 = first generated)
   * of prompt `index` is chosen. A copy. For tests and debugging.
   */
  onLogits?: (index: number, step: number, logits: Float32Array) => void;
  /** After every step of a batch: how many tokens it produced (one per row still generating). */
  onTokens?: (count: number) => void;
  /** Each generated token of prompt `index` as it is chosen (end-of-text excluded): streaming. */
  onToken?: (index: number, token: number) => void;
  /**
   * The model that computes guidance's contrast logits l_u (same config and tokenizer); default
   * the generating model itself. With another model, guidance is contrastive decoding: it
   * strengthens what the generating model predicts differently from this one.
   */
  guidanceParams?: Params;
}

/** Logits (rows, V) of the last position for the given (rows, T) ids, plus the new cache. */
function lastLogits(
  params: Params,
  config: GPTConfig,
  ids: number[][],
  past: LayerKV[] | undefined,
  keepPresent: boolean,
): { last: tf.Tensor2D; present?: LayerKV[] } {
  return tf.tidy(() => {
    const rows = ids.length;
    const t = ids[0].length;
    const input = tf.tensor2d(ids, [rows, t], 'int32');
    const out = forward(params, config, input, { past, returnPresent: keepPresent });
    const last = tf.reshape(tf.slice(out.logits, [0, t - 1, 0], [rows, 1, config.vocabSize]), [
      rows,
      config.vocabSize,
    ]) as tf.Tensor2D;
    // tidy keeps every tensor in the returned container.
    return (keepPresent ? { last, present: out.present } : { last }) as unknown as tf.TensorContainer;
  }) as unknown as { last: tf.Tensor2D; present?: LayerKV[] };
}

function disposeCache(cache: LayerKV[] | undefined): void {
  if (cache) for (const kv of cache) tf.dispose([kv.k, kv.v]);
}

/** Keeps the cache rows at `rows` (positions in the current batch). */
function compactCache(cache: LayerKV[], rows: number[]): LayerKV[] {
  return tf.tidy(() => {
    const idx = tf.tensor1d(rows, 'int32');
    return cache.map((kv) => ({ k: tf.gather(kv.k, idx), v: tf.gather(kv.v, idx) }));
  }) as unknown as LayerKV[];
}

/** A batch's KV cache, replaced at every step (undefined before the first and without the cache). */
interface CacheSlot {
  kv?: LayerKV[];
}

/**
 * One decoding step's last-position logits for `rows` (each row the whole sequence so far): with the
 * KV cache, whole rows at step 0 and only their newest token after, replacing `slot`'s cache;
 * without it, whole rows every step (the reference path).
 */
function stepLogits(
  params: Params,
  config: GPTConfig,
  rows: number[][],
  step: number,
  useKvCache: boolean,
  slot: CacheSlot,
): tf.Tensor2D {
  if (!useKvCache) return lastLogits(params, config, rows, undefined, false).last;
  const ids = step === 0 ? rows : rows.map((row) => [row.at(-1) as number]);
  const out = lastLogits(params, config, ids, slot.kv, true);
  disposeCache(slot.kv);
  slot.kv = out.present;
  return out.last;
}

/** Keeps `slot`'s cache rows at `rows` (positions in the current batch). */
function compactSlot(slot: CacheSlot, rows: number[]): void {
  if (!slot.kv) return;
  const compacted = compactCache(slot.kv, rows);
  disposeCache(slot.kv);
  slot.kv = compacted;
}

/** One rectangular batch: every prompt in `batch` has the same length. */
async function* generateBatch(
  params: Params,
  config: GPTConfig,
  g: GenerationConfig,
  sampling: SamplingOptions,
  prompts: number[][],
  batch: number[],
  opts: StreamOptions,
): AsyncGenerator<GeneratedSequence> {
  const steps = g.maxLength - prompts[batch[0]].length;
  if (steps <= 0) {
    for (const index of batch) yield { index, tokens: [], finish: 'length' };
    return;
  }
  const vocab = config.vocabSize;
  const sequences = batch.map((i) => [...prompts[i]]);
  const uniforms = batch.map((i) => seededUniform(promptSeed(g.seed, i)));
  let active = batch.map((_, row) => row); // batch rows still generating, in tensor-row order
  // Guidance: the same continuation after the contrast prompt, with its own cache.
  const guidedSteps = g.guidance > 0 ? (g.guidanceSteps > 0 ? g.guidanceSteps : Number.POSITIVE_INFINITY) : 0;
  const contrast = guidedSteps > 0 ? batch.map(() => [...g.guidancePrompt]) : [];
  const cache: CacheSlot = {};
  const contrastCache: CacheSlot = {};
  try {
    for (let step = 0; step < steps; step++) {
      if (opts.shouldStop?.()) return;
      const guided = step < guidedSteps;
      if (!guided && contrastCache.kv) {
        // Guidance is over for this batch: its contrast cache is not needed any more.
        disposeCache(contrastCache.kv);
        contrastCache.kv = undefined;
      }
      let last = stepLogits(
        params,
        config,
        active.map((r) => sequences[r]),
        step,
        g.useKvCache,
        cache,
      );
      if (guided) {
        const conditional = last;
        const unconditional = stepLogits(
          opts.guidanceParams ?? params,
          config,
          active.map((r) => contrast[r]),
          step,
          g.useKvCache,
          contrastCache,
        );
        last = tf.tidy(() => {
          const guidedLogits = tf.add(conditional, tf.mul(tf.sub(conditional, unconditional), g.guidance));
          if (!(g.guidancePlausibility > 0)) return guidedLogits;
          // Implausible under l itself: l < max(l) + log(alpha).
          const floor = tf.add(tf.max(conditional, -1, true), Math.log(g.guidancePlausibility));
          return tf.where(
            tf.less(conditional, floor),
            tf.fill(guidedLogits.shape as [number, number], -1e9),
            guidedLogits,
          );
        }) as tf.Tensor2D;
        tf.dispose([conditional, unconditional]);
      }
      const logits = (await last.data()) as Float32Array;
      last.dispose();
      opts.onTokens?.(active.length);
      const stillActive: number[] = [];
      const keptRows: number[] = [];
      for (let j = 0; j < active.length; j++) {
        const r = active[j];
        const row = logits.subarray(j * vocab, (j + 1) * vocab);
        opts.onLogits?.(batch[r], step, row.slice());
        const token = nextToken(row, sequences[r], sampling, uniforms[r]);
        const prompt = prompts[batch[r]];
        if (token !== g.eotId) opts.onToken?.(batch[r], token);
        if (token === g.eotId) {
          yield { index: batch[r], tokens: sequences[r].slice(prompt.length), finish: 'eot' };
          continue;
        }
        sequences[r].push(token);
        if (guided) contrast[r].push(token);
        if (step === steps - 1) {
          yield { index: batch[r], tokens: sequences[r].slice(prompt.length), finish: 'length' };
        } else {
          stillActive.push(r);
          keptRows.push(j);
        }
      }
      if (stillActive.length === 0) return;
      if (stillActive.length < active.length) {
        compactSlot(cache, keptRows);
        compactSlot(contrastCache, keptRows);
      }
      active = stillActive;
    }
  } finally {
    disposeCache(cache.kv);
    disposeCache(contrastCache.kv);
  }
}

/**
 * Yields each sequence as soon as it finishes (EOT or maxLength), batch by batch. Stopping the
 * iteration early (break / return) or `shouldStop` releases every tensor.
 */
export async function* generateStream(
  params: Params,
  config: GPTConfig,
  prompts: number[][],
  gen: Partial<GenerationConfig>,
  opts: StreamOptions = {},
): AsyncGenerator<GeneratedSequence> {
  const g = resolveGenerationConfig(config, gen);
  validatePrompts(config, prompts);
  if (g.guidance > 0) {
    // The contrast sequence grows with the prompt's: it must never be the longer one.
    const shortest = Math.min(...prompts.map((p) => p.length));
    if (g.guidancePrompt.length > shortest)
      throw new Error(
        `generation: the guidance prompt (${g.guidancePrompt.length} tokens) is longer than the shortest prompt (${shortest} tokens)`,
      );
  }
  const sampling = samplingOptions(g);
  for (const batch of planBatches(prompts, g.batchSize)) {
    if (opts.shouldStop?.()) return;
    yield* generateBatch(params, config, g, sampling, prompts, batch, opts);
  }
}

/**
 * Per prompt, the generated continuation (prompt and EOT excluded). `onProgress(done, total)`
 * after every finished sequence; `shouldStop` is checked before every step: when it ends the run
 * early, prompts not finished by then get `[]` (use `onSample` or generateStream to tell a
 * finished empty continuation from an unfinished one). `hooks.onSample(tokens, index)` fires
 * once per finished sequence, as it finishes.
 */
export async function generate(
  params: Params,
  config: GPTConfig,
  prompts: number[][],
  gen: Partial<GenerationConfig>,
  onProgress?: (done: number, total: number) => void,
  shouldStop?: () => boolean,
  hooks: Pick<StreamOptions, 'onLogits' | 'onTokens' | 'onToken' | 'guidanceParams'> & {
    onSample?: (tokens: number[], index: number, finish: GeneratedSequence['finish']) => void;
  } = {},
): Promise<number[][]> {
  const results: number[][] = prompts.map(() => []);
  let done = 0;
  for await (const s of generateStream(params, config, prompts, gen, {
    shouldStop,
    onLogits: hooks.onLogits,
    onTokens: hooks.onTokens,
    onToken: hooks.onToken,
    guidanceParams: hooks.guidanceParams,
  })) {
    results[s.index] = s.tokens;
    hooks.onSample?.(s.tokens, s.index, s.finish);
    onProgress?.(++done, prompts.length);
  }
  return results;
}
