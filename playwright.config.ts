import { defineConfig } from '@playwright/test';

/**
 * Debian's Chromium (never `npx playwright install`, which downloads a browser). CHROMIUM_ARGS adds
 * flags, e.g. on a Linux GPU machine `--enable-features=Vulkan --use-vulkan --ignore-gpu-blocklist`
 * so headless Chromium gets the real adapter instead of SwiftShader (README, Performance).
 */
export const chromiumLaunch = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
    '--enable-unsafe-webgpu',
    ...(process.env.CHROMIUM_ARGS ?? '').split(/\s+/).filter(Boolean),
  ],
};

// E2E_PORT lets several checkouts run their browser tests at once on one machine.
const port = Number(process.env.E2E_PORT ?? 4173);

export default defineConfig({
  testDir: 'tests/e2e',
  timeout: 600_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    launchOptions: chromiumLaunch,
    acceptDownloads: true,
  },
  webServer: {
    command: `npx vite build && npx vite preview --host 127.0.0.1 --port ${port} --strictPort`,
    url: `http://127.0.0.1:${port}`,
    reuseExistingServer: !process.env.CI,
    timeout: 300_000,
  },
});
