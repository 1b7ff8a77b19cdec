/**
 * The part of an ingest result that crosses to the UI: per-file reports and totals, never the
 * document text (it stays in the worker that trains on it).
 */

import type { IngestSummary, IngestTotals } from '../contract/protocol';
import type { IngestResult } from '../data/types';

export function summarizeIngest(result: IngestResult, tokenizer: string): IngestSummary {
  const totals: IngestTotals = {
    files: result.files.length,
    ok: 0,
    partial: 0,
    rejected: 0,
    documents: result.documents.length,
    tokens: 0,
    labels: [],
  };
  for (const file of result.files) {
    totals[file.status] += 1;
    totals.tokens += file.tokens ?? 0;
  }
  const labels = new Set<string>();
  for (const doc of result.documents) for (const label of doc.labels) labels.add(label);
  totals.labels = [...labels].sort();
  return { files: result.files, totals, tokenizer, proposal: result.proposal };
}
