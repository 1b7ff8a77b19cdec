/**
 * What a generation run is asked for (GenerationConfig and its defaults, the paper's sampling),
 * validated once, and how prompts are seeded and batched. generate.ts runs the model.
 */
import type { GPTConfig } from './config';
import { type SamplingOptions, validateSamplingOptions } from './sampling';

export interface GenerationConfig {
  /** Total tokens per sequence including the prompt, capped at the context length. Default 128. */
  maxLength: number;
  /** Top-k filter; 0 disables. Default 50. */
  topK: number;
  /** Top-p (nucleus) filter; 1 disables. Default 0.9. */
  topP: number;
  /** Softmax temperature; 0 = greedy. Default 1.0. */
  temperature: number;
  /** No repeated n-grams of this size (prompt included); 0 disables. Default 2. */
  noRepeatNgramSize: number;
  /** Prompts per forward pass (of one prompt length). Default 32. */
  batchSize: number;
  /** Seed of the sampling streams (non-private; reproducibility only). Default 0. */
  seed: number;
  /** End-of-text id: generation of a sequence stops there (excluded from the output). Required. */
  eotId: number;
  /** Pad id: never generated (unless it equals eotId, as for GPT-2's tokenizer). Required. */
  padId: number;
  /** Use the KV cache (fast path); false recomputes every step (reference path). Default true. */
  useKvCache: boolean;
  /** Further ids never generated (e.g. EOT in a benchmark that wants full-length rows). Default []. */
  bannedIds: number[];
  /**
   * Classifier-free guidance weight w (Sanchez et al. 2023, "Stay on topic with classifier-free
   * guidance"): each step samples from l + w (l - l_u), where l are the logits after the prompt and
   * l_u the logits after `guidancePrompt` followed by the same generated tokens. 0 (default) is
   * plain sampling; w > 0 strengthens whatever the prompt changes in the model's predictions
   * (e.g. a control code's style), at twice the forward passes.
   */
  guidance: number;
  /** The contrast prompt of guidance (e.g. end-of-text alone: no control code). Required when guidance > 0. */
  guidancePrompt: number[];
  /**
   * Guidance applies to the first this many generated tokens, then sampling goes on plainly (and
   * the contrast model stops running); 0 (default) = every token.
   */
  guidanceSteps: number;
  /**
   * With guidance: tokens whose probability under the prompt's own logits l is below this fraction
   * of the most likely token's are never sampled (the adaptive plausibility constraint of
   * contrastive decoding, Li et al. 2023), so guidance re-ranks plausible tokens instead of
   * promoting ones the model itself finds implausible. 0 (default) = no constraint.
   */
  guidancePlausibility: number;
}

export const DEFAULT_GENERATION: Omit<GenerationConfig, 'eotId' | 'padId'> = {
  maxLength: 128,
  topK: 50,
  topP: 0.9,
  temperature: 1.0,
  noRepeatNgramSize: 2,
  batchSize: 32,
  seed: 0,
  useKvCache: true,
  bannedIds: [],
  guidance: 0,
  guidancePrompt: [],
  guidanceSteps: 0,
  guidancePlausibility: 0,
};

export function promptSeed(seed: number, index: number): number {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function isTokenId(id: unknown, vocab: number): boolean {
  return Number.isInteger(id) && (id as number) >= 0 && (id as number) < vocab;
}

/** Fills defaults and validates everything once; maxLength comes back capped at the context. */
export function resolveGenerationConfig(config: GPTConfig, gen: Partial<GenerationConfig>): GenerationConfig {
  for (const key of ['eotId', 'padId'] as const) {
    if (gen[key] === undefined)
      throw new Error(`generation: ${key} is required (take it from the tokenizer)`);
    if (!isTokenId(gen[key], config.vocabSize))
      throw new Error(`generation: ${key} ${gen[key]} is outside the vocabulary 0..${config.vocabSize - 1}`);
  }
  const g = { ...DEFAULT_GENERATION, ...gen } as GenerationConfig;
  if (!(Number.isInteger(g.maxLength) && g.maxLength >= 1))
    throw new Error(`generation: maxLength must be a positive integer, got ${g.maxLength}`);
  if (!(Number.isInteger(g.batchSize) && g.batchSize >= 1))
    throw new Error(`generation: batchSize must be a positive integer, got ${g.batchSize}`);
  if (!Number.isInteger(g.seed)) throw new Error(`generation: seed must be an integer, got ${g.seed}`);
  for (const id of g.bannedIds)
    if (!isTokenId(id, config.vocabSize))
      throw new Error(`generation: banned id ${id} is outside the vocabulary 0..${config.vocabSize - 1}`);
  if (!(Number.isFinite(g.guidance) && g.guidance >= 0))
    throw new Error(`generation: guidance must be a finite number >= 0, got ${g.guidance}`);
  if (!(g.guidancePlausibility >= 0 && g.guidancePlausibility < 1))
    throw new Error(`generation: guidancePlausibility must be in [0, 1), got ${g.guidancePlausibility}`);
  if (!(Number.isInteger(g.guidanceSteps) && g.guidanceSteps >= 0))
    throw new Error(`generation: guidanceSteps must be an integer >= 0, got ${g.guidanceSteps}`);
  if (g.guidance > 0) {
    if (g.guidancePrompt.length === 0)
      throw new Error('generation: guidance > 0 needs a guidancePrompt (e.g. end-of-text alone)');
    // Its length is checked against the prompts (generateStream): never longer than the shortest.
    const bad = g.guidancePrompt.find((id) => !isTokenId(id, config.vocabSize));
    if (bad !== undefined)
      throw new Error(
        `generation: guidance prompt holds token ${bad}, outside the vocabulary 0..${config.vocabSize - 1}`,
      );
  }
  validateSamplingOptions(samplingOptions(g));
  return { ...g, maxLength: Math.min(g.maxLength, config.contextLength) };
}

export function samplingOptions(g: GenerationConfig): SamplingOptions {
  const banned = new Set(g.bannedIds);
  if (g.padId !== g.eotId) banned.add(g.padId);
  return {
    temperature: g.temperature,
    topK: g.topK,
    topP: g.topP,
    noRepeatNgramSize: g.noRepeatNgramSize,
    bannedIds: [...banned],
  };
}

export function validatePrompts(config: GPTConfig, prompts: number[][]): void {
  prompts.forEach((p, i) => {
    if (!Array.isArray(p) || p.length === 0)
      throw new Error(`generation: prompt ${i} is empty (the model needs at least one token)`);
    if (p.length > config.contextLength)
      throw new Error(
        `generation: prompt ${i} has ${p.length} tokens, more than the context length ${config.contextLength}`,
      );
    const bad = p.find((id) => !isTokenId(id, config.vocabSize));
    if (bad !== undefined)
      throw new Error(
        `generation: prompt ${i} holds token ${bad}, outside the vocabulary 0..${config.vocabSize - 1}`,
      );
  });
}

/** Prompt indices grouped by prompt length (first-seen order), cut into batches. */
export function planBatches(prompts: number[][], batchSize: number): number[][] {
  const groups = new Map<number, number[]>();
  prompts.forEach((p, i) => {
    const group = groups.get(p.length);
    if (group) group.push(i);
    else groups.set(p.length, [i]);
  });
  const batches: number[][] = [];
  for (const group of groups.values())
    for (let s = 0; s < group.length; s += batchSize) batches.push(group.slice(s, s + batchSize));
  return batches;
}
