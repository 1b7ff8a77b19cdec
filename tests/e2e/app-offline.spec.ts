/**
 * After the first load the app works offline: the service worker (public/sw.js, production builds)
 * has cached the shell, the worker, the wasm binaries and the demo corpus. With the network off, a
 * reload starts the app, the wasm backend (still on 2 threads: the cached responses keep the
 * cross-origin isolation headers) and the models, and the demo corpus still loads.
 */
import { contentSecurityPolicy } from '../../src/csp';
import { expect, test, waitForApp } from './helpers';

test.afterEach(async ({ context }) => {
  await context.setOffline(false);
});

test('starts offline after the first load', async ({ page, context }) => {
  test.setTimeout(180_000);
  await page.goto('/?backend=wasm&models=tiny&threads=2');
  await waitForApp(page);
  expect(await page.evaluate(() => [crossOriginIsolated, typeof SharedArrayBuffer])).toEqual([
    true,
    'function',
  ]);
  // The service worker controls the page and has cached every file of the precache manifest.
  const manifest = (await (await page.request.get('/precache-manifest.json')).json()) as { files: string[] };
  expect(manifest.files).toEqual(expect.arrayContaining(['/', '/demo/demo-corpus.jsonl']));
  expect(manifest.files.some((f) => /\/assets\/worker-[^/]+\.js$/.test(f))).toBe(true);
  expect(manifest.files.filter((f) => f.endsWith('.wasm'))).toHaveLength(3);
  // The threaded module the pthread workers import (src/build/wasm-threads-plugin.ts).
  expect(manifest.files.some((f) => /\/assets\/tfjs-backend-wasm-threaded-simd-[^/]+\.js$/.test(f))).toBe(
    true,
  );
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, {
    timeout: 60_000,
  });
  // The service worker script is served with the same CSP as the page and the worker.
  const sw = await page.request.get('/sw.js');
  expect(sw.headers()['content-security-policy']).toBe(contentSecurityPolicy);
  await expect
    .poll(
      () =>
        page.evaluate(async () => {
          const names = (await caches.keys()).filter((n) => n.startsWith('distildp-'));
          if (names.length !== 1) return [];
          const keys = await (await caches.open(names[0])).keys();
          return keys.map((r) => new URL(r.url).pathname);
        }),
      { timeout: 60_000 },
    )
    .toEqual(expect.arrayContaining(manifest.files));

  await context.setOffline(true);
  await page.reload();
  await waitForApp(page);
  // The cached responses kept COOP/COEP: offline, the page is still cross-origin isolated, so the
  // WASM backend still runs on threads (SharedArrayBuffer exists).
  expect(await page.evaluate(() => [crossOriginIsolated, typeof SharedArrayBuffer])).toEqual([
    true,
    'function',
  ]);
  await expect(page.getByTestId('backend-threads')).toHaveAttribute('data-threads', '2');
  await expect(page.getByRole('heading', { level: 1, name: 'DistilDP' })).toBeVisible();
  await page.getByRole('button', { name: 'Use the demo corpus' }).click();
  await expect(page.getByTestId('total-documents')).toHaveText('800');
  await expect(page.getByTestId('total-labels')).toHaveText('novel, speech');
});
