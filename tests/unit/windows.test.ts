import { beforeAll, describe, expect, it } from 'vitest';
import { loadTokenizer, type Tokenizer } from '../../src/data/tokenizer';
import { byteTokenizer } from '../../src/data/tokenizer-bytes';
import type { Document } from '../../src/data/types';
import {
  controlCodePrompt,
  documentWindows,
  evaluationWindows,
  formatTrainingText,
  trainingTokens,
} from '../../src/data/windows';
import { prepareCorpus } from '../../src/pipeline/corpus';
import { promptTokens } from '../../src/pipeline/synthetic';

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

describe('documentWindows', () => {
  it('predicts every token after the first exactly once, windows overlap by one token', () => {
    for (const contextLength of [1, 2, 3, 8]) {
      for (let n = 0; n <= 30; n++) {
        const tokens = range(n, 100);
        const windows = documentWindows(tokens, contextLength);
        const predicted = new Map<number, number>();
        for (const w of windows) {
          expect(w.length).toBeGreaterThanOrEqual(2);
          expect(w.length).toBeLessThanOrEqual(contextLength + 1);
          for (const t of w.slice(1)) predicted.set(t, (predicted.get(t) ?? 0) + 1);
        }
        expect([...predicted.keys()].sort((a, b) => a - b)).toEqual(tokens.slice(1));
        expect([...predicted.values()].every((c) => c === 1)).toBe(true);
        for (let i = 1; i < windows.length; i++) {
          expect(windows[i][0]).toBe(windows[i - 1].at(-1));
          expect(windows[i - 1].length).toBe(contextLength + 1); // only the last may be short
        }
        expect(windows.length).toBe(n < 2 ? 0 : Math.ceil((n - 1) / contextLength));
      }
    }
  });

  it('handles short documents and exact multiples', () => {
    expect(documentWindows([], 4)).toEqual([]);
    expect(documentWindows([7], 4)).toEqual([]);
    expect(documentWindows([7, 8], 4)).toEqual([[7, 8]]);
    expect(documentWindows(range(5), 4)).toEqual([range(5)]);
    expect(documentWindows(range(6), 4)).toEqual([range(5), [4, 5]]);
    expect(documentWindows(range(9), 4)).toEqual([range(5), [4, 5, 6, 7, 8]]);
    expect(() => documentWindows([1, 2], 0)).toThrow(/contextLength must be a positive integer/);
  });
});

describe('evaluationWindows', () => {
  it('joins documents with the separator and cuts non-overlapping windows of contextLength + 1', () => {
    const docs = [
      [1, 2, 3],
      [4, 5],
      [6, 7, 8, 9],
    ];
    const windows = evaluationWindows(docs, 3, [0, 0]);
    // The remainder [9] alone would predict nothing, so it is not a window.
    expect(windows).toEqual([
      [1, 2, 3, 0],
      [0, 4, 5, 0],
      [0, 6, 7, 8],
    ]);
    expect(windows.flat()).toEqual([1, 2, 3, 0, 0, 4, 5, 0, 0, 6, 7, 8]);
  });

  it('keeps or drops the remainder', () => {
    const docs = [range(10)];
    expect(evaluationWindows(docs, 3, [99])).toEqual([range(4), range(4, 4), [8, 9]]);
    expect(evaluationWindows(docs, 3, [99], { dropRemainder: true })).toEqual([range(4), range(4, 4)]);
    expect(evaluationWindows([], 3, [99])).toEqual([]);
  });
});

describe('DistilDP record format', () => {
  const doc: Document = { id: 'y#0', text: 'Great tacos.', labels: ['Restaurants', '5'], source: 'y' };
  let gpt2: Tokenizer;
  beforeAll(async () => {
    gpt2 = await loadTokenizer('gpt2');
  });

  it('formats labels joined by TAB, a blank line, then the text', () => {
    expect(formatTrainingText(doc, true)).toBe('Restaurants\t5\n\nGreat tacos.');
    expect(formatTrainingText(doc, false)).toBe('Great tacos.');
    expect(controlCodePrompt(['Restaurants', '5'])).toBe('Restaurants\t5\n\n');
    expect(controlCodePrompt([])).toBe('\n\n');
  });

  it('trainingTokens starts with exactly the generation prompt ids and ends with end-of-text', () => {
    const ids = trainingTokens(doc, gpt2, true);
    const prompt = gpt2.encode(controlCodePrompt(doc.labels));
    expect(ids.slice(0, prompt.length)).toEqual(prompt);
    expect(ids.at(-1)).toBe(50256);
    expect(gpt2.decode(ids)).toBe(formatTrainingText(doc, true));
    // The mismatch it avoids: encoding the joined string splits the blank line differently.
    expect(prompt.at(-1)).toBe(628); // "\n\n"
    expect(gpt2.encode(formatTrainingText(doc, true))).not.toEqual(ids.slice(0, -1));
    expect(trainingTokens(doc, byteTokenizer, false)).toEqual([...byteTokenizer.encode('Great tacos.'), 256]);
  });

  it('the DP training record of a document starts with exactly its generation prompt', () => {
    const docs: Document[] = Array.from({ length: 30 }, (_, i) => ({
      id: `d${i}`,
      text: `Review number ${i}: ${i % 2 ? 'great tacos' : 'slow service'}.`,
      labels: [i % 2 ? 'Restaurants' : 'Cafes', String(1 + (i % 5))],
      source: 'y',
    }));
    for (const [tokenizer, useControlCodes] of [
      [gpt2, true],
      [gpt2, false],
      [byteTokenizer, true],
    ] as const) {
      const corpus = prepareCorpus(docs, tokenizer, { contextLength: 64, seed: 1, useControlCodes });
      expect(corpus.train.length).toBeGreaterThan(0);
      corpus.train.forEach((d, i) => {
        const prompt = promptTokens(tokenizer, useControlCodes ? d.labels : null);
        const record = corpus.trainDocumentWindows[i][0];
        expect(record.slice(0, prompt.length), `${tokenizer.kind} ${d.id}`).toEqual(prompt);
        expect(prompt[0]).toBe(tokenizer.eotId);
      });
    }
  });
});
