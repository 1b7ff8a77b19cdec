/**
 * Readable forms of the DP step benchmark's results, shared by bench.html's tables and the CLI's
 * text output: the same columns in both.
 */
import type { DPBenchResult } from './dp-bench';
import type { ThreadBenchResult } from './thread-bench';

export const ms = (x: number | null) => (x === null ? 'n/a' : x < 10 ? x.toFixed(2) : x.toFixed(1));
export const mib = (bytes: number | null) => (bytes === null ? 'n/a' : (bytes / 2 ** 20).toFixed(1));
const pct = (x: number) => `${(100 * x).toFixed(0)}%`;

export interface TextTable {
  head: string[];
  rows: string[][];
}

export function threadTableRows(t: ThreadBenchResult): TextTable {
  return {
    head: [
      'threads',
      'DP tokens/s',
      'non-DP tokens/s',
      'DP ms (spread)',
      'non-DP ms (spread)',
      'matmul peak GFLOP/s',
      'DP % of peak',
      'non-DP % of peak',
      'DP on workers: tokens/s',
      'ms (spread)',
      '% of peak',
      'own share / helper ms',
    ],
    rows: t.rows.map((r) => [
      r.threads_requested === String(r.threads) ? String(r.threads) : `${r.threads_requested} (${r.threads})`,
      r.dp_tokens_per_s.toFixed(0),
      r.nondp_tokens_per_s.toFixed(0),
      `${ms(r.dp_ms)} (${pct(r.dp_spread)})`,
      `${ms(r.nondp_ms)} (${pct(r.nondp_spread)})`,
      r.matmul_gflops_peak.toFixed(1),
      pct(r.fraction_of_peak),
      pct(r.nondp_fraction_of_peak),
      `${r.workers}: ${r.dp_workers_tokens_per_s.toFixed(0)}`,
      `${ms(r.dp_workers_ms)} (${pct(r.dp_workers_spread)})`,
      pct(r.dp_workers_fraction_of_peak),
      `${ms(r.dp_workers_own_ms)} / ${Number.isNaN(r.dp_workers_helper_ms) ? '-' : ms(r.dp_workers_helper_ms)}`,
    ]),
  };
}

export function dpTableRows(d: DPBenchResult): TextTable {
  const ratio = (x: number | null) => (x === null ? 'n/a' : `${(x / d.nondp_ms).toFixed(2)}x`);
  return {
    head: ['step', 'median ms', 'tokens/s', 'tensor peak MiB', 'heap MiB', 'time / non-DP'],
    rows: [
      [
        'non-DP step',
        ms(d.nondp_ms),
        d.nondp_tokens_per_s.toFixed(0),
        mib(d.nondp_peak_bytes),
        mib(d.nondp_heap_bytes),
        '1.00x',
      ],
      [
        'fast DP step',
        ms(d.dp_ms),
        d.dp_tokens_per_s.toFixed(0),
        mib(d.dp_peak_bytes),
        mib(d.dp_heap_bytes),
        ratio(d.dp_ms),
      ],
      [
        'naive DP step',
        ms(d.naive_ms),
        '',
        mib(d.naive_peak_bytes),
        mib(d.naive_heap_bytes),
        ratio(d.naive_ms),
      ],
      [
        'DP training step (noise, AdamW)',
        '',
        '',
        mib(d.training_step_peak_bytes),
        mib(d.training_step_heap_bytes),
        '',
      ],
    ],
  };
}

export function dpSummaryLine(d: DPBenchResult): string {
  const parts = [
    `fast DP / non-DP: time ${d.dp_over_nondp_time.toFixed(2)}x, memory ${d.dp_over_nondp_memory.toFixed(2)}x`,
  ];
  if (d.naive_over_dp_time !== null) parts.push(`naive / fast: time ${d.naive_over_dp_time.toFixed(2)}x`);
  if (d.estimate_over_measured !== null)
    parts.push(
      `the app's memory estimate ${mib(d.estimated_training_bytes)} MiB = ${d.estimate_over_measured.toFixed(2)}x the measured training step (${d.training_step_heap_bytes !== null ? 'heap' : 'tensor peak'})`,
    );
  return parts.join('; ');
}

/** A fixed-width text table (the CLI). */
export function textTable({ head, rows }: TextTable): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), ...rows.map(line)].map((l) => `  ${l}`).join('\n');
}
