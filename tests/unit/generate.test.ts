import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { generate, generateStream } from '../../src/model/generate';
import {
  type GenerationConfig,
  planBatches,
  resolveGenerationConfig,
} from '../../src/model/generation-config';
import { disposeParams } from '../../src/model/params';
import { useWasm } from './helpers/backend';
import { randomIds, randomWeights, tinyConfig } from './helpers/tiny-model';
import { referenceForward } from './reference/gpt2-reference';

beforeAll(useWasm);

const cfg = tinyConfig({ vocabSize: 23, contextLength: 14, nLayer: 2, nHead: 2, nEmbd: 8 });
const PAD = 22;
const EOT = 21;
const base: Partial<GenerationConfig> = { eotId: EOT, padId: PAD, maxLength: 14 };
const greedy: Partial<GenerationConfig> = { ...base, temperature: 0 };

/** Prompts of lengths 3, 5, 2, 5, 3, 1 (deliberately interleaved). */
const mixedPrompts = [3, 5, 2, 5, 3, 1].map((n, i) => randomIds(n, 20, 40 + i));

/** Independent greedy decoding: float64 forward over the whole sequence, brute-force bans. */
function referenceGreedy(
  ref: Parameters<typeof referenceForward>[1],
  prompt: number[],
  maxLength: number,
  eot: number,
  banned: number[],
  ngram: number,
  promptInHistory = true,
  guidance?: { weight: number; prompt: number[]; plausibility?: number },
): number[] {
  const seq = [...prompt];
  const historyStart = promptInHistory ? 0 : prompt.length;
  while (seq.length < maxLength) {
    const logits = guidedReferenceLogits(ref, prompt, seq.slice(prompt.length), guidance);
    let best = -1;
    for (let t = 0; t < cfg.vocabSize; t++) {
      if (banned.includes(t)) continue;
      const ext = [...seq, t];
      const last = ext.slice(-ngram).join(',');
      let repeats = false;
      for (let s = historyStart; s + ngram < ext.length; s++)
        if (ext.slice(s, s + ngram).join(',') === last) repeats = true;
      if (repeats) continue;
      if (best < 0 || logits[t] > logits[best]) best = t;
    }
    if (best === eot) break;
    seq.push(best);
  }
  return seq.slice(prompt.length);
}

/**
 * Float64 logits of the next token after `prompt` + `generated`; with guidance, l + w (l - l_u)
 * where l_u follows `guidance.prompt` + `generated` (classifier-free guidance, written out), and
 * with a plausibility alpha, -1e9 wherever softmax(l)[t] < alpha max softmax(l).
 */
function guidedReferenceLogits(
  ref: Parameters<typeof referenceForward>[1],
  prompt: number[],
  generated: number[],
  guidance?: { weight: number; prompt: number[]; plausibility?: number },
): Float64Array {
  const l = referenceForward(cfg, ref, [...prompt, ...generated]).logits.at(-1) as Float64Array;
  if (!guidance) return l;
  const u = referenceForward(cfg, ref, [...guidance.prompt, ...generated]).logits.at(-1) as Float64Array;
  const alpha = guidance.plausibility ?? 0;
  const z = l.reduce((a, x) => a + Math.exp(x), 0);
  const pMax = Math.max(...l.map((x) => Math.exp(x) / z));
  return l.map((x, t) =>
    alpha > 0 && Math.exp(x) / z < alpha * pMax ? -1e9 : x + guidance.weight * (x - u[t]),
  );
}

function traceCollector(): {
  trace: Map<string, Float32Array>;
  onLogits: (i: number, s: number, z: Float32Array) => void;
} {
  const trace = new Map<string, Float32Array>();
  return { trace, onLogits: (i, s, z) => trace.set(`${i}:${s}`, z) };
}

describe('generation with a KV cache', () => {
  it('greedy: equals full recomputation (tokens and logits at every step to 1e-4)', async () => {
    const { params } = randomWeights(cfg, 21);
    const fast = traceCollector();
    const slow = traceCollector();
    const gen = { ...greedy, bannedIds: [EOT] }; // full-length rows: every step is compared
    const a = await generate(params, cfg, mixedPrompts, gen, undefined, undefined, {
      onLogits: fast.onLogits,
    });
    const b = await generate(params, cfg, mixedPrompts, { ...gen, useKvCache: false }, undefined, undefined, {
      onLogits: slow.onLogits,
    });
    expect(a).toEqual(b);
    expect(a.map((s) => s.length)).toEqual(mixedPrompts.map((p) => 14 - p.length));
    expect(fast.trace.size).toBe(mixedPrompts.reduce((s, p) => s + 14 - p.length, 0));
    expect([...fast.trace.keys()].sort()).toEqual([...slow.trace.keys()].sort());
    let worst = 0;
    let scale = 0;
    for (const [key, z] of fast.trace) {
      const r = slow.trace.get(key) as Float32Array;
      for (let v = 0; v < z.length; v++) {
        worst = Math.max(worst, Math.abs(z[v] - r[v]));
        scale = Math.max(scale, Math.abs(r[v]));
      }
    }
    expect(scale).toBeGreaterThan(0.5); // logits are O(1): the comparison is not vacuous
    expect(worst).toBeLessThan(1e-4);
    disposeParams(params);
  });

  it('greedy: equals an independent float64 decoding loop, with EOT stops and 2-gram bans', async () => {
    const { ref, params } = randomWeights(cfg, 22);
    // Pick as end-of-text a token the reference produces mid-sequence, so that stopping happens.
    const free = referenceGreedy(ref, mixedPrompts[0], 14, -1, [PAD], 2);
    const eot = free[3];
    const expected = mixedPrompts.map((p) => referenceGreedy(ref, p, 14, eot, [PAD], 2));
    expect(expected[0]).toEqual(free.slice(0, free.indexOf(eot)));
    const eotStops = expected.filter((e, i) => e.length < 14 - mixedPrompts[i].length).length;
    expect(eotStops).toBeGreaterThan(0);
    for (const useKvCache of [true, false]) {
      const got = await generate(params, cfg, mixedPrompts, { ...greedy, eotId: eot, useKvCache });
      expect(got).toEqual(expected);
    }
    disposeParams(params);
  });

  it('greedy: the n-gram ban covers the prompt (HF semantics), for 2-grams and 3-grams', async () => {
    const { ref, params } = randomWeights(cfg, 28);
    // Prompts = the model's own unbanned greedy path (n-gram size 99 bans nothing here), which a
    // random model soon repeats: continuing it collides with the prompt's n-grams.
    const prompts = Array.from({ length: 8 }, (_, i) => {
      const start = randomIds(1, 20, 90 + i);
      return [...start, ...referenceGreedy(ref, start, 7, -1, [PAD], 99)];
    });
    for (const ngram of [2, 3]) {
      const expected = prompts.map((p) => referenceGreedy(ref, p, 14, EOT, [PAD], ngram));
      const ignoringPrompt = prompts.map((p) => referenceGreedy(ref, p, 14, EOT, [PAD], ngram, false));
      expect(ignoringPrompt).not.toEqual(expected); // the check can tell the two semantics apart
      const got = await generate(params, cfg, prompts, { ...greedy, noRepeatNgramSize: ngram });
      expect(got).toEqual(expected);
    }
    disposeParams(params);
  });

  it('guidance: tokens and logits equal an independent float64 loop of l + w (l - l_u), with and without the cache', async () => {
    const { ref, params } = randomWeights(cfg, 31);
    const guidance = { weight: 1.5, prompt: [EOT] };
    const prompts = mixedPrompts.filter((p) => p.length >= 2); // contrast (1 token) shorter than each
    const expected = prompts.map((p) => referenceGreedy(ref, p, 14, EOT, [PAD], 2, true, guidance));
    const unguided = prompts.map((p) => referenceGreedy(ref, p, 14, EOT, [PAD], 2));
    expect(expected).not.toEqual(unguided); // guidance changes the path: the check can fail
    for (const useKvCache of [true, false]) {
      const trace = traceCollector();
      const got = await generate(
        params,
        cfg,
        prompts,
        { ...greedy, useKvCache, guidance: guidance.weight, guidancePrompt: guidance.prompt },
        undefined,
        undefined,
        { onLogits: trace.onLogits },
      );
      expect(got).toEqual(expected);
      let worst = 0;
      for (const [key, z] of trace.trace) {
        const [i, step] = key.split(':').map(Number);
        const r = guidedReferenceLogits(ref, prompts[i], got[i].slice(0, step), guidance);
        for (let v = 0; v < z.length; v++) worst = Math.max(worst, Math.abs(z[v] - r[v]));
      }
      expect(trace.trace.size).toBeGreaterThan(prompts.length);
      expect(worst).toBeLessThan(1e-4);
    }
    // The plausibility constraint: tokens below alpha x the most likely token's probability under
    // l are never chosen, and their logits are -1e9 (the same loop with the mask written out).
    const strong = { weight: 4, prompt: [EOT], plausibility: 0.2 };
    const masked = prompts.map((p) => referenceGreedy(ref, p, 14, EOT, [PAD], 2, true, strong));
    const unmasked = prompts.map((p) =>
      referenceGreedy(ref, p, 14, EOT, [PAD], 2, true, { ...strong, plausibility: 0 }),
    );
    expect(masked).not.toEqual(unmasked); // the constraint changes the path: the check can fail
    const trace = traceCollector();
    const got = await generate(
      params,
      cfg,
      prompts,
      {
        ...greedy,
        guidance: strong.weight,
        guidancePrompt: strong.prompt,
        guidancePlausibility: strong.plausibility,
      },
      undefined,
      undefined,
      { onLogits: trace.onLogits },
    );
    expect(got).toEqual(masked);
    let maskedEntries = 0;
    for (const [key, z] of trace.trace) {
      const [i, step] = key.split(':').map(Number);
      const r = guidedReferenceLogits(ref, prompts[i], got[i].slice(0, step), strong);
      for (let v = 0; v < z.length; v++) {
        if (r[v] === -1e9) maskedEntries++;
        expect(Math.abs(z[v] - r[v])).toBeLessThan(r[v] === -1e9 ? 1 : 1e-4);
      }
    }
    expect(maskedEntries).toBeGreaterThan(0);
    // Weight 0 is plain generation, whatever the contrast prompt.
    expect(await generate(params, cfg, prompts, { ...greedy, guidance: 0, guidancePrompt: [EOT] })).toEqual(
      unguided,
    );
    disposeParams(params);
  });

  it('sampling: reproducible for a seed, independent of batch size and cache, different for another seed', async () => {
    const { params } = randomWeights(cfg, 23);
    const prompts = Array.from({ length: 10 }, (_, i) => randomIds(2 + (i % 3), 20, 70 + i));
    const run = (g: Partial<GenerationConfig>) => generate(params, cfg, prompts, { ...base, seed: 5, ...g });
    const a = await run({});
    expect(await run({})).toEqual(a);
    expect(await run({ batchSize: 3 })).toEqual(a);
    expect(await run({ useKvCache: false })).toEqual(a);
    expect(await run({ seed: 6 })).not.toEqual(a);
    // The 2-gram ban holds on the whole sequence: no generated token repeats an earlier bigram.
    prompts.forEach((p, i) => {
      const seq = [...p, ...a[i]];
      for (let t = p.length; t < seq.length; t++) {
        const earlier = new Set(seq.slice(0, t).map((x, j, s) => (j > 0 ? `${s[j - 1]},${x}` : '')));
        expect(earlier.has(`${seq[t - 1]},${seq[t]}`)).toBe(false);
      }
      expect(a[i]).not.toContain(EOT);
      expect(a[i]).not.toContain(PAD);
    });
    // With vocabulary 23 and temperature 1, some sequences end at EOT before the length limit.
    const lengths = a.map((s, i) => s.length + prompts[i].length);
    expect(lengths.some((n) => n < 14)).toBe(true);
    expect(lengths.every((n) => n <= 14)).toBe(true);
    disposeParams(params);
  });

  it('respects maxLength, caps it at the context length, and returns [] when the prompt fills it', async () => {
    const { params } = randomWeights(cfg, 24);
    const prompts = [randomIds(3, 20, 1), randomIds(6, 20, 2), randomIds(9, 20, 3)];
    const full = { ...base, bannedIds: [EOT] };
    const short = await generate(params, cfg, prompts, { ...full, maxLength: 8 });
    expect(short.map((s) => s.length)).toEqual([5, 2, 0]);
    const capped = await generate(params, cfg, prompts, { ...full, maxLength: 1000 });
    expect(capped.map((s) => s.length)).toEqual([11, 8, 5]);
    expect(resolveGenerationConfig(cfg, { ...full, maxLength: 1000 }).maxLength).toBe(14);
    disposeParams(params);
  });

  it('groups mixed prompt lengths into rectangular batches', () => {
    expect(planBatches([[1], [1, 2], [3], [4], [5, 6], [7]], 2)).toEqual([
      [0, 2],
      [3, 5],
      [1, 4],
    ]);
    expect(planBatches([[1], [2]], 32)).toEqual([[0, 1]]);
  });

  it('streams each finished sequence once, with its index, and reports progress', async () => {
    const { params } = randomWeights(cfg, 25);
    const seen: [number, number[]][] = [];
    const progress: [number, number][] = [];
    const result = await generate(
      params,
      cfg,
      mixedPrompts,
      { ...base, batchSize: 2 },
      (d, t) => progress.push([d, t]),
      undefined,
      { onSample: (tokens, index) => seen.push([index, tokens]) },
    );
    expect(seen.map(([i]) => i).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    for (const [i, tokens] of seen) expect(tokens).toEqual(result[i]);
    expect(progress.at(-1)).toEqual([6, 6]);
    const streamed = [];
    for await (const s of generateStream(params, cfg, mixedPrompts, { ...base, batchSize: 2 }))
      streamed.push(s);
    expect(streamed.map((s) => s.tokens)).toEqual(seen.map(([, t]) => t));
    for (const s of streamed)
      expect(s.finish).toBe(s.tokens.length + mixedPrompts[s.index].length === 14 ? 'length' : 'eot');
    disposeParams(params);
  });

  it('streams each generated token (onToken) in order, exactly the tokens of the finished sequences', async () => {
    const { params } = randomWeights(cfg, 9, 0.5);
    const streamed = new Map<number, number[]>();
    let counted = 0;
    const out = await generate(params, cfg, mixedPrompts, { ...base, seed: 4 }, undefined, undefined, {
      onTokens: (n) => {
        counted += n;
      },
    });
    const again = await generate(params, cfg, mixedPrompts, { ...base, seed: 4 }, undefined, undefined, {
      onToken: (i, t) => streamed.set(i, [...(streamed.get(i) ?? []), t]),
    });
    expect(again).toEqual(out);
    for (const [i, tokens] of out.entries()) expect(streamed.get(i) ?? []).toEqual(tokens);
    // onTokens counts every sampled token, the end-of-text ones included.
    expect(counted).toBeGreaterThanOrEqual(out.reduce((a, t) => a + t.length, 0));
    disposeParams(params);
  });

  it('leaks no tensors: full runs, shouldStop, and a stream abandoned midway', async () => {
    const { params } = randomWeights(cfg, 26);
    const gen = { ...base, batchSize: 4 };
    // Warm-up: causal masks are cached per length on first use (kept on purpose, not a leak).
    await generate(params, cfg, mixedPrompts, { ...gen, bannedIds: [EOT] });
    await generate(params, cfg, mixedPrompts, { ...gen, useKvCache: false });
    const before = tf.memory().numTensors;
    await generate(params, cfg, mixedPrompts, gen);
    await generate(params, cfg, mixedPrompts, { ...gen, useKvCache: false });
    await generate(params, cfg, mixedPrompts, { ...gen, guidance: 2, guidancePrompt: [EOT] });
    let calls = 0;
    const stopped = await generate(params, cfg, mixedPrompts, gen, undefined, () => ++calls > 7);
    expect(stopped.some((s) => s.length === 0)).toBe(true);
    for await (const s of generateStream(params, cfg, mixedPrompts, gen)) if (s.index >= 0) break;
    expect(tf.memory().numTensors).toBe(before);
    disposeParams(params);
  });

  it('rejects bad input with clear messages', async () => {
    const { params } = randomWeights(cfg, 27);
    const run = (p: number[][], g: Partial<GenerationConfig>) => generate(params, cfg, p, g);
    await expect(run([[1]], { padId: PAD })).rejects.toThrow(/eotId is required/);
    await expect(run([[1]], { ...base, eotId: 23 })).rejects.toThrow(/eotId 23 is outside/);
    await expect(run([[1], []], base)).rejects.toThrow(/prompt 1 is empty/);
    await expect(run([[1, 99]], base)).rejects.toThrow(/prompt 0 holds token 99/);
    await expect(run([randomIds(15, 20, 1)], base)).rejects.toThrow(
      /15 tokens, more than the context length 14/,
    );
    await expect(run([[1]], { ...base, topP: 1.5 })).rejects.toThrow(/topP/);
    await expect(run([[1]], { ...base, batchSize: 0 })).rejects.toThrow(/batchSize/);
    await expect(run([[1, 2]], { ...base, guidance: -1, guidancePrompt: [EOT] })).rejects.toThrow(
      /guidance must be a finite number >= 0/,
    );
    await expect(run([[1, 2]], { ...base, guidance: 1 })).rejects.toThrow(/needs a guidancePrompt/);
    await expect(
      run([[1, 2]], { ...base, guidance: 1, guidancePrompt: [EOT], guidancePlausibility: 1 }),
    ).rejects.toThrow(/guidancePlausibility must be in \[0, 1\)/);
    await expect(run([[1, 2]], { ...base, guidance: 1, guidancePrompt: [EOT, 99] })).rejects.toThrow(
      /guidance prompt holds token 99/,
    );
    await expect(run([[1, 2], [3]], { ...base, guidance: 1, guidancePrompt: [EOT, 4] })).rejects.toThrow(
      /longer than the shortest prompt \(1 tokens\)/,
    );
    disposeParams(params);
  });
});
