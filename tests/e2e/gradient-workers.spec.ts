/**
 * The browser's gradient workers (src/train/browser-gradient-helpers.ts) in the production bundle:
 * the benchmark page starts one beside its own wasm module, clips half a batch on it, and adds the
 * sums back (the data-parallel DP step the app runs on wasm). Checks that the worker chunk loads
 * under the app's CSP, starts its wasm backend and answers; timings are the benchmark's business.
 */
import { expect, test } from '@playwright/test';
import type { BrowserBenchReport } from '../../src/bench/bench-page';

test('a gradient worker starts in the bundle and clips its share of a DP step', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const query = new URLSearchParams({
    backend: 'wasm',
    config: 'tiny',
    suites: 'dp',
    threads: '1,2',
    repeats: '1',
    naive: '0',
  });
  await page.goto(`/bench.html?${query}`);
  const results = page.locator('#results[data-done="true"]');
  await expect(results).toBeAttached({ timeout: 120_000 });
  const report = JSON.parse((await results.textContent()) ?? '{}') as BrowserBenchReport;
  expect(report.errors).toEqual([]);
  expect(errors).toEqual([]);
  const rows = report.dp_threads?.rows ?? [];
  expect(rows.map((r) => [r.threads_requested, r.workers])).toEqual([
    ['1', 1],
    ['2', 2],
  ]);
  for (const r of rows) expect(r.dp_workers_ms).toBeGreaterThan(0);
});
