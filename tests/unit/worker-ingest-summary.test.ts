import { describe, expect, it } from 'vitest';
import type { IngestResult } from '../../src/data/types';
import { summarizeIngest } from '../../src/worker/ingest-summary';

describe('summarizeIngest', () => {
  it('counts files by status, documents, tokens and distinct labels, and drops the text', () => {
    const result: IngestResult = {
      documents: [
        { id: 'pos/a.txt#0', text: 'secret one', labels: ['pos'], source: 'pos/a.txt' },
        { id: 'pos/a.txt#1', text: 'secret two', labels: ['pos'], source: 'pos/a.txt' },
        { id: 'r.jsonl#0', text: 'secret three', labels: ['neg', 'short'], source: 'r.jsonl' },
        // A label field missing from a record (or a plain text file) leaves an empty position.
        { id: 'r.jsonl#1', text: 'secret four', labels: ['', 'short'], source: 'r.jsonl' },
      ],
      files: [
        { path: 'pos/a.txt', status: 'ok', documents: 2, tokens: 20, labels: ['pos'], warnings: [] },
        {
          path: 'r.jsonl',
          status: 'partial',
          documents: 1,
          tokens: 12,
          labels: ['neg', 'short'],
          warnings: ['line 2: invalid JSON'],
        },
        { path: 'x.bin', status: 'rejected', documents: 0, labels: [], reason: 'binary', warnings: [] },
      ],
    };
    const summary = summarizeIngest(result, 'bytes');
    expect(summary.totals).toEqual({
      files: 3,
      ok: 1,
      partial: 1,
      rejected: 1,
      documents: 4,
      tokens: 32,
      labels: ['neg', 'pos', 'short'],
    });
    expect(summary.files).toBe(result.files);
    expect(summary.tokenizer).toBe('bytes');
    expect(JSON.stringify(summary)).not.toContain('secret');
  });

  it('does not list the empty label of documents that lack a label field (a plain text file)', () => {
    const result: IngestResult = {
      documents: [
        { id: 'a', text: 'one', labels: ['garden'], source: 'r.jsonl' },
        { id: 'b', text: 'two', labels: [''], source: 'notes.txt' },
      ],
      files: [],
    };
    expect(summarizeIngest(result, 'bytes').totals.labels).toEqual(['garden']);
  });
});
