/**
 * The results table as people read it: one row per model, the base models (before any training)
 * first in each model's group, every trained row's perplexity relative to its base, and the same
 * table as CSV. Pure: the panel renders it and tests check it.
 */

import { shareOfNonPrivateGain } from '../contract/gain-share';
import type { BaseResult, ResultRow } from '../contract/protocol';
import { toCsv } from './charts/csv';
import { METHOD_LABELS } from './labels';

export type { BaseResult };

export interface TableRow {
  key: string;
  method: ResultRow['method'] | 'base';
  methodLabel: string;
  model: 'teacher' | 'student';
  epsilon: number | null | undefined;
  delta: number | null | undefined;
  ppl: number;
  bitsPerByte: number;
  /** (ppl - base ppl) / base ppl, when the base of this model is known (not for base rows). */
  vsBase: number | null;
  /**
   * For a private row: its share of the non-private row's gain over the same base model
   * (shareOfNonPrivateGain); null without a base, a non-private row, or a gain.
   */
  gainShare: number | null;
  wallSeconds: number | null;
}

const ROW_LABELS: Partial<Record<TableRow['method'], string>> = {
  base: 'Base model (no fine-tuning)',
  nonprivate: 'Non-private (upper bound)',
};

/** Students first (the product), then teachers; the base row heads each group. */
export function resultTable(rows: readonly ResultRow[], base: readonly BaseResult[]): TableRow[] {
  const out: TableRow[] = [];
  for (const model of ['student', 'teacher'] as const) {
    const b = base.find((r) => r.model === model);
    if (b)
      out.push({
        key: `base/${model}`,
        method: 'base',
        methodLabel: ROW_LABELS.base ?? 'Base model',
        model,
        epsilon: undefined,
        delta: undefined,
        ppl: b.test_ppl,
        bitsPerByte: b.bits_per_byte,
        vsBase: null,
        gainShare: null,
        wallSeconds: null,
      });
    const nonPrivate = rows.find((x) => x.model === model && x.method === 'nonprivate');
    for (const r of rows.filter((x) => x.model === model))
      out.push({
        key: `${r.method}/${model}`,
        method: r.method,
        methodLabel: ROW_LABELS[r.method] ?? METHOD_LABELS[r.method] ?? r.method,
        model,
        epsilon: r.epsilon,
        delta: r.delta,
        ppl: r.test_ppl,
        bitsPerByte: r.bits_per_byte,
        vsBase: b ? (r.test_ppl - b.test_ppl) / b.test_ppl : null,
        gainShare:
          b && nonPrivate && r.epsilon !== null
            ? shareOfNonPrivateGain(r.test_ppl, b.test_ppl, nonPrivate.test_ppl)
            : null,
        wallSeconds: r.wall_s,
      });
  }
  return out;
}

/** "-1.3 %" (better than base) or "+0.4 %". */
export function formatVsBase(v: number | null): string {
  if (v === null) return '–';
  const pct = 100 * v;
  return `${pct > 0 ? '+' : pct < 0 ? '−' : '±'}${Math.abs(pct).toFixed(1)} %`;
}

/**
 * "DistilDP student 30 %, DP-SGD student 2 %, ...": each private row's share of the non-private
 * gain, or null when no row has one (the run had no non-private rows).
 */
export function gainSharesText(rows: readonly TableRow[]): string | null {
  const parts = rows
    .filter((r) => r.gainShare !== null)
    .map((r) => {
      const pct = Math.round(100 * (r.gainShare as number));
      // The typographic minus, as in "vs base": a private model worse than its base reached "−3 %".
      return `${r.methodLabel} (${r.model}) ${pct < 0 ? '−' : ''}${Math.abs(pct)} %`;
    });
  return parts.length ? parts.join(', ') : null;
}

export function resultsCsv(rows: readonly TableRow[]): string {
  return toCsv(
    [
      'method',
      'model',
      'epsilon',
      'delta',
      'test_ppl',
      'bits_per_byte',
      'ppl_vs_base',
      'share_of_nonprivate_gain',
      'wall_s',
    ],
    rows.map((r) => [
      r.method,
      r.model,
      r.epsilon === null ? 'inf' : r.epsilon,
      r.delta,
      r.ppl,
      r.bitsPerByte,
      r.vsBase,
      r.gainShare,
      r.wallSeconds,
    ]),
  );
}
