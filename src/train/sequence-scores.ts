/**
 * How likely a model finds given text: the mean log-probability of each sequence's tokens from
 * `from` on, each predicted from all tokens before it (no gradients). Used to choose among
 * over-generated synthetic samples (pipeline/synthetic.ts, codeSelection 'distinct').
 */
import type { GPTConfig } from '../model/config';
import type { Params } from '../model/params';
import { windowTokenNll } from './evaluate';

export interface ScoredSequence {
  /** Prompt and text; only the first contextLength + 1 tokens are scored (the model's one window). */
  tokens: number[];
  /** Index of the first scored token (>= 1: the prompt before it is context only). */
  from: number;
}

/**
 * Mean log-probability per scored token of each sequence (natural log; NaN where no token is
 * scored: a sequence no longer than `from`, or `from` beyond the window).
 */
export async function meanTokenLogProbs(
  params: Params,
  config: GPTConfig,
  sequences: ScoredSequence[],
  options: { batchSize: number; padId: number },
): Promise<number[]> {
  const t = config.contextLength;
  const out: number[] = [];
  for (let start = 0; start < sequences.length; start += options.batchSize) {
    const chunk = sequences.slice(start, start + options.batchSize);
    for (const s of chunk)
      if (!(Number.isInteger(s.from) && s.from >= 1))
        throw new Error(`meanTokenLogProbs: from must be an integer >= 1, got ${s.from}`);
    const windows = chunk.map((s) => s.tokens.slice(0, t + 1));
    const values = await windowTokenNll(params, config, windows, options.batchSize, options.padId);
    chunk.forEach((s, r) => {
      // Target i of the row is token i + 1: the scored targets are from - 1 .. length - 2.
      let sum = 0;
      let n = 0;
      for (let i = s.from - 1; i + 1 < windows[r].length; i++) {
        sum += values[r * t + i];
        n++;
      }
      out.push(n > 0 ? -sum / n : Number.NaN);
    });
  }
  return out;
}
