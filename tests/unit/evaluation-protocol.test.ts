/**
 * The paper's evaluation protocol (texts joined with "\n\n", tokenized once, non-overlapping
 * windows of T tokens, T - 1 scored each, PPL = exp(mean window loss)) against hand-computed
 * examples: the windows of a GPT-2 BPE text, and the perplexity of a model whose next-token
 * distribution is a fixed unigram chosen by hand.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTokenizer } from '../../src/data/tokenizer';
import { byteTokenizer } from '../../src/data/tokenizer-bytes';
import { evaluationWindows, paperEvaluationWindows } from '../../src/data/windows';
import { makeConfig } from '../../src/model/config';
import { type Params, paramShapes } from '../../src/model/params';
import { evaluatePerplexity } from '../../src/train/evaluate';
import { useWasm } from './helpers/backend';

beforeAll(useWasm);

describe('paperEvaluationWindows', () => {
  it('tokenizes the joined string once: "\\n\\n" before a word is two GPT-2 tokens there', async () => {
    const gpt2 = await loadTokenizer('gpt2');
    // encode("Hello\n\nworld") = Hello, "\n", "\n", world; encoding the texts one by one and
    // joining with encode("\n\n") would give Hello, "\n\n", world (3 tokens).
    expect(paperEvaluationWindows(['Hello', 'world'], gpt2, 4)).toEqual([[15496, 198, 198, 6894]]);
    expect(paperEvaluationWindows(['Hello', 'world'], gpt2, 2)).toEqual([
      [15496, 198],
      [198, 6894],
    ]);
    expect(evaluationWindows([gpt2.encode('Hello'), gpt2.encode('world')], 3, gpt2.encode('\n\n'))).toEqual([
      [15496, 628, 6894],
    ]);
  });

  it('cuts non-overlapping blocks and drops the remainder, unless there is no full block', () => {
    // "ab\n\nc" = 97 98 10 10 99
    expect(paperEvaluationWindows(['ab', 'c'], byteTokenizer, 2)).toEqual([
      [97, 98],
      [10, 10],
    ]);
    expect(paperEvaluationWindows(['ab', 'c'], byteTokenizer, 8)).toEqual([[97, 98, 10, 10, 99]]);
    expect(paperEvaluationWindows(['a'], byteTokenizer, 8)).toEqual([]);
    expect(paperEvaluationWindows([], byteTokenizer, 8)).toEqual([]);
  });
});

/**
 * A GPT whose every weight is 0 except the LayerNorm gains, ln_f.bias = e_0 and column 0 of an
 * untied LM head = log p: every hidden state is 0, ln_f outputs e_0, so the logits at every position
 * are log p, a distribution chosen by hand: p(98 'b') = 1/2, p(10 '\n') = 1/4, the other 256 ids
 * share 1/4.
 */
function fixedDistributionModel(contextLength: number) {
  const config = makeConfig({
    vocabSize: 258,
    contextLength,
    nLayer: 1,
    nHead: 1,
    nEmbd: 4,
    tieEmbeddings: false,
  });
  const logP = new Float32Array(258).fill(Math.log(0.25 / 256));
  logP[98] = Math.log(0.5);
  logP[10] = Math.log(0.25);
  const params: Params = new Map();
  for (const [name, shape] of paramShapes(config)) {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    if (/ln_(1|2|f)\.weight$/.test(name)) data.fill(1);
    if (name === 'ln_f.bias') data[0] = 1;
    if (name === 'lm_head.weight') for (let v = 0; v < 258; v++) data[v * 4] = logP[v];
    params.set(name, tf.variable(tf.tensor(data, shape), true));
  }
  return { config, params };
}

describe('perplexity by the paper protocol', () => {
  it('equals a hand-computed value for a model with a fixed next-token distribution', async () => {
    const { config, params } = fixedDistributionModel(2);
    // Windows [97 98], [10 10] score 98 and 10: PPL = exp((ln 2 + ln 4) / 2) = 2^1.5.
    const windows = paperEvaluationWindows(['ab', 'c'], byteTokenizer, 2);
    const r = await evaluatePerplexity(params, config, windows, { batchSize: 4, padId: byteTokenizer.padId });
    expect(r.windows).toBe(2);
    expect(r.tokens).toBe(2);
    expect(r.windowMeanPerplexity).toBeCloseTo(2 ** 1.5, 4);
    expect(r.perplexity).toBeCloseTo(2 ** 1.5, 4);
    expect(r.bitsPerByte).toBeCloseTo(1.5, 4);
    for (const v of params.values()) v.dispose();
  });

  it('adds each scored token to its position in the window when asked (positionLoss)', async () => {
    const { config, params } = fixedDistributionModel(3);
    // "ab\n\nab" in windows of 3: [97 98 10] scores 98 (ln 2) at position 0 and 10 (ln 4) at 1;
    // [10 97 98] scores 97 (ln 1024) at 0 and 98 (ln 2) at 1. The last position is never scored.
    const windows = paperEvaluationWindows(['ab', 'ab'], byteTokenizer, 3);
    expect(windows).toEqual([
      [97, 98, 10],
      [10, 97, 98],
    ]);
    const positionLoss = { sum: new Float64Array(3), count: new Float64Array(3) };
    const r = await evaluatePerplexity(params, config, windows, {
      batchSize: 4,
      padId: byteTokenizer.padId,
      positionLoss,
    });
    expect(positionLoss.sum[0]).toBeCloseTo(Math.log(2) + Math.log(1024), 4);
    expect(positionLoss.sum[1]).toBeCloseTo(Math.log(2) + Math.log(4), 4);
    expect([...positionLoss.count]).toEqual([2, 2, 0]);
    expect(positionLoss.sum[0] + positionLoss.sum[1]).toBeCloseTo(r.lossPerToken * r.tokens, 4);
    for (const v of params.values()) v.dispose();
  });
});
