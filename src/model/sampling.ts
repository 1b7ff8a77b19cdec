/**
 * Next-token selection on one row of logits (a Float32Array over the vocabulary), in plain
 * TypeScript so every rule can be tested exactly. The order is Hugging Face's `generate`:
 * first the bans (repeated n-grams, banned ids), then temperature, top-k and top-p, then a draw.
 * A removed token has logit -Infinity. Each step returns a new array; the input is never modified.
 *
 * Ties are broken by the lower token id everywhere (top-k keeps exactly k tokens, top-p keeps a
 * prefix of the (logit desc, id asc) order, greedy picks the lowest id among equal maxima), so a
 * result never depends on sort stability. HF's top-k instead keeps every token tied with the k-th.
 */

export interface SamplingOptions {
  /** Softmax temperature: 1 = the model's distribution, 0 = greedy (argmax). Default 1. */
  temperature: number;
  /** Keep only the k most likely tokens; 0 disables. Default 50 (DistilDP). */
  topK: number;
  /** Nucleus: keep the smallest most-likely set with probability >= topP; 1 disables. Default 0.9. */
  topP: number;
  /** Ban a token that would repeat an n-gram of the sequence so far (HF `no_repeat_ngram_size`); 0 disables. Default 2. */
  noRepeatNgramSize: number;
  /** Ids that are never produced (e.g. the pad token). Default none. */
  bannedIds: readonly number[];
}

export const DEFAULT_SAMPLING: SamplingOptions = {
  temperature: 1,
  topK: 50,
  topP: 0.9,
  noRepeatNgramSize: 2,
  bannedIds: [],
};

/** Checks option ranges once, at the boundary, with messages that name the bad value. */
export function validateSamplingOptions(o: SamplingOptions): void {
  if (!(Number.isFinite(o.temperature) && o.temperature >= 0))
    throw new Error(`sampling: temperature must be a finite number >= 0 (0 = greedy), got ${o.temperature}`);
  if (!(Number.isInteger(o.topK) && o.topK >= 0))
    throw new Error(`sampling: topK must be an integer >= 0 (0 = off), got ${o.topK}`);
  if (!(o.topP > 0 && o.topP <= 1))
    throw new Error(`sampling: topP must be in (0, 1] (1 = off), got ${o.topP}`);
  if (!(Number.isInteger(o.noRepeatNgramSize) && o.noRepeatNgramSize >= 0))
    throw new Error(
      `sampling: noRepeatNgramSize must be an integer >= 0 (0 = off), got ${o.noRepeatNgramSize}`,
    );
  for (const id of o.bannedIds)
    if (!(Number.isInteger(id) && id >= 0)) throw new Error(`sampling: banned id ${id} is not a token id`);
}

/** A logit may be finite or -Infinity (removed); NaN or +Infinity means the model broke. */
function checkLogit(v: number, id: number): void {
  if (Number.isNaN(v) || v === Number.POSITIVE_INFINITY)
    throw new Error(`sampling: logit of token ${id} is ${v}`);
}

/** True when token a ranks before token b: higher logit, then lower id. */
function ranksBefore(logits: Float32Array, a: number, b: number): boolean {
  return logits[a] > logits[b] || (logits[a] === logits[b] && a < b);
}

/** Ids with a finite logit, sorted by (logit desc, id asc). NaN / +Infinity logits are rejected. */
export function rankedFiniteIds(logits: Float32Array): number[] {
  const ids: number[] = [];
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i];
    checkLogit(v, i);
    if (v !== Number.NEGATIVE_INFINITY) ids.push(i);
  }
  return ids.sort((a, b) => logits[b] - logits[a] || a - b);
}

/** Logits divided by the temperature (> 0; 1 returns a copy). */
export function scaleByTemperature(logits: Float32Array, temperature: number): Float32Array {
  if (!(temperature > 0)) throw new Error(`sampling: temperature must be > 0 here, got ${temperature}`);
  const out = Float32Array.from(logits);
  if (temperature !== 1) for (let i = 0; i < out.length; i++) out[i] /= temperature;
  return out;
}

/** Sets the given ids to -Infinity (out-of-range ids are an error). */
export function banIds(logits: Float32Array, ids: Iterable<number>): Float32Array {
  const out = Float32Array.from(logits);
  for (const id of ids) {
    if (!(Number.isInteger(id) && id >= 0 && id < out.length))
      throw new Error(`sampling: cannot ban token ${id}: vocabulary has ${out.length} ids`);
    out[id] = Number.NEGATIVE_INFINITY;
  }
  return out;
}

/**
 * Keeps exactly the k highest logits (fewer if fewer are finite); k = 0 or k >= vocabulary keeps
 * all. A size-k heap makes this O(V log k), which matters for GPT-2's 50257-token vocabulary.
 */
export function topKMask(logits: Float32Array, k: number): Float32Array {
  if (!(Number.isInteger(k) && k >= 0)) throw new Error(`sampling: topK must be an integer >= 0, got ${k}`);
  const out = Float32Array.from(logits);
  if (k === 0 || k >= logits.length) return out;
  // Min-heap on rank: heap[0] is the worst token kept so far.
  const heap: number[] = [];
  const worse = (a: number, b: number) => ranksBefore(logits, b, a);
  const siftDown = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && worse(heap[l], heap[m])) m = l;
      if (r < heap.length && worse(heap[r], heap[m])) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  };
  for (let id = 0; id < logits.length; id++) {
    const v = logits[id];
    checkLogit(v, id);
    if (v === Number.NEGATIVE_INFINITY) continue;
    if (heap.length < k) {
      heap.push(id);
      for (let i = heap.length - 1; i > 0; ) {
        const parent = (i - 1) >> 1;
        if (!worse(heap[i], heap[parent])) break;
        [heap[i], heap[parent]] = [heap[parent], heap[i]];
        i = parent;
      }
    } else if (ranksBefore(logits, id, heap[0])) {
      heap[0] = id;
      siftDown(0);
    }
  }
  out.fill(Number.NEGATIVE_INFINITY);
  for (const id of heap) out[id] = logits[id];
  return out;
}

/** Softmax probabilities (float64) of the finite logits, indexed like `ids`. */
function probabilitiesOf(logits: Float32Array, ids: number[]): Float64Array {
  const probs = new Float64Array(ids.length);
  if (ids.length === 0) return probs;
  let max = Number.NEGATIVE_INFINITY;
  for (const id of ids) max = Math.max(max, logits[id]);
  let total = 0;
  for (let j = 0; j < ids.length; j++) {
    probs[j] = Math.exp(logits[ids[j]] - max);
    total += probs[j];
  }
  for (let j = 0; j < ids.length; j++) probs[j] /= total;
  return probs;
}

/**
 * Nucleus filter: keeps the smallest prefix of the (logit desc, id asc) order whose softmax
 * probability sums to >= p (at least one token); p = 1 keeps all. Probabilities are renormalised
 * over the finite logits, so after top-k this is top-p within the top k, as in HF.
 */
export function topPMask(logits: Float32Array, p: number): Float32Array {
  if (!(p > 0 && p <= 1)) throw new Error(`sampling: topP must be in (0, 1], got ${p}`);
  const out = Float32Array.from(logits);
  if (p === 1) return out;
  const ids = rankedFiniteIds(logits);
  const probs = probabilitiesOf(logits, ids);
  let cumulative = 0;
  let keep = 0;
  while (keep < ids.length) {
    cumulative += probs[keep++];
    if (cumulative >= p) break;
  }
  for (let j = keep; j < ids.length; j++) out[ids[j]] = Number.NEGATIVE_INFINITY;
  return out;
}

/**
 * Tokens that would complete an n-gram already present in `tokens` (HF `no_repeat_ngram_size`
 * semantics): every t with `[...last (n-1) tokens, t]` equal to some n-gram of `tokens`.
 * n = 1 bans every token seen so far; n = 0 bans nothing. Sorted ascending.
 */
export function bannedNgramTokens(tokens: readonly number[], n: number): number[] {
  if (!(Number.isInteger(n) && n >= 0))
    throw new Error(`sampling: n-gram size must be an integer >= 0, got ${n}`);
  const len = tokens.length;
  if (n === 0 || len + 1 < n) return [];
  const suffixStart = len - (n - 1);
  const banned = new Set<number>();
  for (let s = 0; s + n <= len; s++) {
    let match = true;
    for (let j = 0; j < n - 1 && match; j++) match = tokens[s + j] === tokens[suffixStart + j];
    if (match) banned.add(tokens[s + n - 1]);
  }
  return [...banned].sort((a, b) => a - b);
}

/** Lowest id among the maximal finite logits; throws when every token is banned. */
export function argmax(logits: Float32Array): number {
  let best = -1;
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i];
    checkLogit(v, i);
    if (v !== Number.NEGATIVE_INFINITY && (best < 0 || v > logits[best])) best = i;
  }
  if (best < 0) throw new Error('sampling: every token is banned at this step');
  return best;
}

/**
 * Draws from softmax(logits) by inverting the cumulative distribution (in id order) at `u`, a
 * uniform number in [0, 1). -Infinity logits have probability 0 and are never drawn.
 */
export function sampleFromLogits(logits: Float32Array, u: number): number {
  if (!(u >= 0 && u < 1)) throw new Error(`sampling: uniform draw must be in [0, 1), got ${u}`);
  const ids: number[] = [];
  for (let i = 0; i < logits.length; i++) {
    checkLogit(logits[i], i);
    if (logits[i] !== Number.NEGATIVE_INFINITY) ids.push(i);
  }
  if (ids.length === 0) throw new Error('sampling: every token is banned at this step');
  const probs = probabilitiesOf(logits, ids);
  let cumulative = 0;
  for (let j = 0; j < ids.length; j++) {
    cumulative += probs[j];
    if (u < cumulative) return ids[j];
  }
  return ids[ids.length - 1]; // u within rounding of 1
}

/** The logits after the bans, temperature, top-k and top-p (temperature must be > 0). */
export function processLogits(
  logits: Float32Array,
  history: readonly number[],
  o: SamplingOptions,
): Float32Array {
  let z = banIds(logits, [...o.bannedIds, ...bannedNgramTokens(history, o.noRepeatNgramSize)]);
  z = scaleByTemperature(z, o.temperature);
  z = topKMask(z, o.topK);
  return topPMask(z, o.topP);
}

/**
 * The next token after `history` (the whole sequence so far, prompt included, which the n-gram
 * ban looks at). Temperature 0 is greedy: the bans apply, top-k/top-p cannot change an argmax,
 * and `uniform` is not called. Otherwise `uniform` is called exactly once.
 */
export function nextToken(
  logits: Float32Array,
  history: readonly number[],
  o: SamplingOptions,
  uniform: () => number,
): number {
  if (o.temperature === 0) {
    return argmax(banIds(logits, [...o.bannedIds, ...bannedNgramTokens(history, o.noRepeatNgramSize)]));
  }
  return sampleFromLogits(processLogits(logits, history, o), uniform());
}
