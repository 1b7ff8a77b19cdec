/**
 * From ingested documents to what training and evaluation consume: a seeded train / validation /
 * test split of documents (the privacy unit), each training document's windows (kept per document
 * for DP sampling; each record starts with end-of-text, as a generation prompt does), and the
 * evaluation windows of the held-out splits (the paper's protocol: texts joined with "\n\n" into
 * one string, tokenized once, cut into non-overlapping windows of T tokens; no control codes).
 */

import { splitDocuments } from '../data/split';
import type { Tokenizer } from '../data/tokenizer';
import type { Document } from '../data/types';
import { documentWindows, paperEvaluationWindows, trainingTokens } from '../data/windows';

export interface CorpusOptions {
  contextLength: number;
  /**
   * Prefix training records with their labels (DistilDP control codes). A setting the user makes
   * (public by declaration), never inferred from the documents: one labelled record would flip the
   * whole run.
   */
  useControlCodes: boolean;
  seed: number | string;
  validationFraction?: number;
  testFraction?: number;
}

export interface PreparedCorpus {
  train: Document[];
  validation: Document[];
  test: Document[];
  /** Per training document, its windows (<= T + 1 tokens), for DP's per-document sampling. */
  trainDocumentWindows: number[][][];
  validationWindows: number[][];
  testWindows: number[][];
  useControlCodes: boolean;
  /** Distinct label tuples of the training split (control codes), e.g. ["novel"], ["speech"]. */
  controlCodes: string[][];
}

/**
 * A DP training record's tokens: [EOT] + (control-code prompt) + text + [EOT]. Its start is exactly
 * the generation prompt of its control code (synthetic.ts `promptTokens`).
 */
export function recordTokens(doc: Document, tokenizer: Tokenizer, useControlCodes: boolean): number[] {
  return [tokenizer.eotId, ...trainingTokens(doc, tokenizer, useControlCodes)];
}

export function prepareCorpus(docs: Document[], tokenizer: Tokenizer, o: CorpusOptions): PreparedCorpus {
  const split = splitDocuments(docs, {
    seed: o.seed,
    validationFraction: o.validationFraction ?? 0.1,
    testFraction: o.testFraction ?? 0.1,
  });
  const useControlCodes = o.useControlCodes;
  // Each record starts with end-of-text, exactly as a generation prompt does (promptTokens in
  // synthetic.ts): the teacher is prompted in the format it was fine-tuned on. Every record has at
  // least 2 tokens ([EOT] ... [EOT]), so no training document is left out (N stays the split size).
  const train = split.train.filter((d) => recordTokens(d, tokenizer, useControlCodes).length >= 2);
  const trainDocumentWindows = train.map((d) =>
    documentWindows(recordTokens(d, tokenizer, useControlCodes), o.contextLength),
  );
  // The paper's protocol: texts joined by "\n\n", tokenized once, windows of T tokens (T - 1 scored).
  const evalWindows = (ds: Document[]) =>
    paperEvaluationWindows(
      ds.map((d) => d.text),
      tokenizer,
      o.contextLength,
    );
  const codes = new Map<string, string[]>();
  for (const d of train) codes.set(JSON.stringify(d.labels), d.labels);
  return {
    train,
    validation: split.validation,
    test: split.test,
    trainDocumentWindows,
    validationWindows: evalWindows(split.validation),
    testWindows: evalWindows(split.test),
    useControlCodes,
    controlCodes: [...codes.values()],
  };
}
