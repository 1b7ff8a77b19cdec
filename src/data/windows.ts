/**
 * Token windows for training and evaluation, and the DistilDP record format.
 *
 * A window holds up to contextLength + 1 tokens: the model reads window[0..L-1] and is scored on
 * window[1..L] (targets shifted by one).
 */
import type { Tokenizer } from './tokenizer';
import type { Document } from './types';

function checkContextLength(contextLength: number): void {
  if (!Number.isInteger(contextLength) || contextLength < 1) {
    throw new Error(`contextLength must be a positive integer, got ${contextLength}`);
  }
}

/**
 * One document's training windows: consecutive windows of up to contextLength + 1 tokens that overlap
 * by exactly one token (the last target of a window is the first input of the next), so every token
 * after the first is a target exactly once. The last window may be shorter; a document of fewer than
 * 2 tokens predicts nothing and yields no window.
 */
export function documentWindows(tokens: number[], contextLength: number): number[][] {
  checkContextLength(contextLength);
  const windows: number[][] = [];
  for (let start = 0; start + 1 < tokens.length; start += contextLength) {
    windows.push(tokens.slice(start, start + contextLength + 1));
  }
  return windows;
}

export interface EvaluationWindowOptions {
  /** Drop a last window shorter than contextLength + 1 (as HF's group_texts does; default false). */
  dropRemainder?: boolean;
}

/**
 * Every-token evaluation (this project's earlier figure, kept as a second one by `distildp eval`):
 * documents encoded one by one and joined by `separator` (e.g. the tokens of "\n\n"),
 * cut into non-overlapping windows of contextLength + 1 tokens. The first token of each window is
 * context only. The last window may be shorter (at least 2 tokens) unless `dropRemainder`.
 */
export function evaluationWindows(
  docsTokens: number[][],
  contextLength: number,
  separator: number[],
  options: EvaluationWindowOptions = {},
): number[][] {
  checkContextLength(contextLength);
  const stream: number[] = [];
  docsTokens.forEach((tokens, i) => {
    if (i > 0) for (const t of separator) stream.push(t);
    for (const t of tokens) stream.push(t);
  });
  const size = contextLength + 1;
  const windows: number[][] = [];
  for (let start = 0; start < stream.length; start += size) {
    const w = stream.slice(start, start + size);
    if (w.length === size || (!options.dropRemainder && w.length >= 2)) windows.push(w);
  }
  return windows;
}

/** The separator the paper's evaluation joins test texts with. */
export const EVALUATION_SEPARATOR = '\n\n';

/**
 * The paper's evaluation protocol (its run_clm-style `group_texts`): the texts joined with "\n\n"
 * into ONE string, tokenized once, cut into non-overlapping windows of `blockSize` tokens; the
 * remainder is dropped (as `group_texts` does), unless the whole text is shorter than one block
 * (then it is the one window). Each window scores its blockSize - 1 next tokens; PPL = exp(mean
 * window loss). Tokenizing the joined string matters for GPT-2 BPE: "\n\n" before a word is two
 * tokens there, one when encoded alone.
 */
export function paperEvaluationWindows(texts: string[], tokenizer: Tokenizer, blockSize: number): number[][] {
  checkContextLength(blockSize);
  if (texts.length === 0) return [];
  const ids = tokenizer.encode(texts.join(EVALUATION_SEPARATOR));
  const full = Math.floor(ids.length / blockSize);
  if (full === 0) return ids.length >= 2 ? [ids] : [];
  return Array.from({ length: full }, (_, i) => ids.slice(i * blockSize, (i + 1) * blockSize));
}

/** Generation prompt for control codes: labels joined by TAB, then a blank line. */
export function controlCodePrompt(labels: string[]): string {
  return `${labels.join('\t')}\n\n`;
}

/**
 * DistilDP's training record: `labels joined by TAB + "\n\n" + text` with control codes, else the
 * text alone. The caller appends end-of-text (as a token id: it is never produced from text).
 */
export function formatTrainingText(doc: Document, useControlCodes: boolean): string {
  return useControlCodes ? controlCodePrompt(doc.labels) + doc.text : doc.text;
}

/**
 * Token ids of a training record, ending with end-of-text. With control codes the prompt and the
 * text are encoded separately, so the record starts with exactly the ids of
 * `encode(controlCodePrompt(labels))`, the ids a generation prompt will have. (Encoding the joined
 * string would let GPT-2 split "\n\n" + text as "\n","\n" while the prompt alone ends in one "\n\n"
 * token, a train/generate mismatch in the reference code.)
 */
export function trainingTokens(doc: Document, tokenizer: Tokenizer, useControlCodes: boolean): number[] {
  const prompt = useControlCodes ? tokenizer.encode(controlCodePrompt(doc.labels)) : [];
  return [...prompt, ...tokenizer.encode(doc.text), tokenizer.eotId];
}
