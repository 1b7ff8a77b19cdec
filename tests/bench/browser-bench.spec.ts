/**
 * Driver of the browser benchmark (playwright.bench.config.ts; `npm run bench:browser`): opens
 * /bench.html, waits for its JSON report, prints it to stdout and writes it to
 * bench-results/browser-bench.json. Environment (defaults sized for SwiftShader, no GPU):
 *   BENCH_BACKEND       force webgpu | wasm | cpu (default: the browser's choice)
 *   BENCH_CONFIG        DP step config, tiny | small | distilgpt2 | gpt2 (default tiny)
 *   BENCH_BATCH         batch of the DP config (default: the config's)
 *   BENCH_THREADS       WASM thread counts, a DP row each (default 1,2,all; none skips them)
 *   BENCH_ROUNDS        turns over the thread counts, interleaved (default 1)
 *   BENCH_NAIVE         0 skips the naive oracle (slow at GPT-2 size)
 *   BENCH_REPEATS       timed DP step repetitions (default 2)
 *   BENCH_KERNEL_SHAPES kernel shapes, tiny | small | gpt2 (default tiny)
 *   BENCH_KERNEL_RUNS   timed runs per kernel (default 3)
 *   BENCH_SUITES        kernels,dp (default both)
 *   BENCH_OUT           output file (default bench-results/browser-bench.json; a .png screenshot beside it)
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { expect, test } from '@playwright/test';
import type { BrowserBenchReport } from '../../src/bench/bench-page';

const env = process.env;
const query = new URLSearchParams({
  config: env.BENCH_CONFIG ?? 'tiny',
  repeats: env.BENCH_REPEATS ?? '2',
  kernelShapes: env.BENCH_KERNEL_SHAPES ?? 'tiny',
  kernelRuns: env.BENCH_KERNEL_RUNS ?? '3',
  suites: env.BENCH_SUITES ?? 'kernels,dp',
});
if (env.BENCH_BACKEND) query.set('backend', env.BENCH_BACKEND);
for (const [name, param] of [
  ['BENCH_BATCH', 'batch'],
  ['BENCH_THREADS', 'threads'],
  ['BENCH_ROUNDS', 'rounds'],
  ['BENCH_NAIVE', 'naive'],
] as const) {
  const value = env[name];
  if (value) query.set(param, value);
}
const outFile = env.BENCH_OUT ?? 'bench-results/browser-bench.json';

test('browser benchmark', async ({ page }) => {
  const timeout = test.info().timeout;
  page.on('console', (m) => {
    if (m.text().startsWith('[bench]') || m.type() === 'error') console.log(`page: ${m.text()}`);
  });
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
  await page.goto(`/bench.html?${query}`);
  const results = page.locator('#results[data-done="true"]');
  await expect(results).toBeAttached({ timeout: Math.max(60_000, timeout - 30_000) });
  const text = (await results.textContent()) ?? '{}';
  const report = JSON.parse(text) as BrowserBenchReport;
  await mkdir(dirname(outFile), { recursive: true });
  await writeFile(outFile, `${JSON.stringify(report, null, 1)}\n`);
  await page.screenshot({ path: outFile.replace(/\.json$/, '') + '.png', fullPage: true });
  console.log(`BENCH_JSON ${JSON.stringify(report)}`);
  console.log(`written to ${outFile}`);
  expect(report.errors, 'benchmark errors').toEqual([]);
  expect(report.backend?.backend).toBeDefined();
  if (query.get('suites')!.includes('dp')) {
    expect(report.dp?.dp_over_nondp_time).toBeGreaterThan(0);
    if (report.backend?.backend === 'wasm' && query.get('threads') !== 'none') {
      const rows = report.dp_threads?.rows ?? [];
      expect(rows.map((r) => r.threads_requested)).toEqual((query.get('threads') ?? '1,2,all').split(','));
      for (const r of rows) {
        for (const key of [
          'dp_tokens_per_s',
          'threads',
          'matmul_gflops_peak',
          'fraction_of_peak',
          'workers',
          'dp_workers_tokens_per_s',
          'dp_workers_fraction_of_peak',
          'dp_workers_own_ms',
        ] as const)
          expect(r[key], `${key} of threads ${r.threads_requested}`).toBeGreaterThan(0);
      }
    }
  }
  if (query.get('suites')!.includes('kernels')) expect(report.kernels?.timings.length).toBe(8);
});
