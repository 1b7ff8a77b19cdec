import { defineConfig } from '@playwright/test';
import { chromiumLaunch } from './playwright.config';

/**
 * The browser benchmark (`npm run bench:browser`), NOT part of `npm test`: builds the app into
 * bench-results/site (so it never races a concurrent `vite build` into dist/), serves it on its own
 * port, and runs tests/bench/browser-bench.spec.ts, which opens /bench.html and saves the JSON
 * report to bench-results/browser-bench.json. Settings come from BENCH_* environment variables
 * (see that spec). On SwiftShader (no GPU) WebGPU is ~100x slower than a GPU: the defaults are small.
 */
const port = Number(process.env.BENCH_PORT ?? 4178);
const outDir = 'bench-results/site';

export default defineConfig({
  testDir: 'tests/bench',
  timeout: Number(process.env.BENCH_TIMEOUT_MS ?? 3_600_000),
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    launchOptions: chromiumLaunch,
  },
  webServer: {
    command: `npx vite build --outDir ${outDir} --emptyOutDir && npx vite preview --outDir ${outDir} --host 127.0.0.1 --port ${port} --strictPort`,
    url: `http://127.0.0.1:${port}/bench.html`,
    reuseExistingServer: false,
    timeout: 600_000,
  },
});
