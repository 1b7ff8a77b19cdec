/**
 * Updates never take over a tab with an active run: a new version of the service worker waits (even
 * when asked to activate, as another tab would ask), the page offers "Reload to update" once the run
 * is paused, and the reload brings the new worker in. Caches of builds that no open tab uses are
 * deleted; a build still open keeps its cache (its lazily loaded chunks come from there).
 */
import { dropFiles, expect, labelledJsonl, test, waitForApp } from './helpers';

async function controllerScript(page: import('@playwright/test').Page): Promise<string> {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, {
    timeout: 60_000,
  });
  return page.evaluate(() => navigator.serviceWorker.controller!.scriptURL);
}

const cacheNames = (page: import('@playwright/test').Page) =>
  page.evaluate(async () => (await caches.keys()).filter((n) => n.startsWith('distildp-')).sort());

test('a new version waits while a run is active and reloads in when the user asks', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('/?backend=wasm&models=tiny');
  await waitForApp(page);
  const first = await controllerScript(page);
  const firstCache = `distildp-${new URL(first).searchParams.get('build')}`;
  await expect(page.getByTestId('update-banner')).toHaveCount(0);

  // Enough documents that the run is still training when the checks below are done.
  await dropFiles(page.getByTestId('dropzone'), { 'private.jsonl': labelledJsonl(240) });
  await expect(page.getByTestId('total-documents')).toHaveText('240');
  await expect(page.getByTestId('start-run')).toBeEnabled();
  await page.getByTestId('start-run').click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'running');

  // A new version is published (a new build's worker script) while the run trains.
  await page.evaluate(() => navigator.serviceWorker.register('/sw.js?build=next', { scope: '/' }));
  await expect(page.getByTestId('update-banner')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('update-banner')).toContainText('would interrupt your run');
  await expect(page.getByTestId('update-reload')).toBeDisabled();
  // Asked to activate directly (as another tab's "reload" would), the new worker refuses during the run.
  await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.getRegistration();
    registration!.waiting!.postMessage({ type: 'skip-waiting' });
  });
  await expect(page.getByTestId('update-banner')).toHaveAttribute('data-status', 'blocked');
  expect(await page.evaluate(() => navigator.serviceWorker.controller!.scriptURL)).toBe(first);
  expect(
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.waiting?.scriptURL),
  ).toContain('build=next');
  expect(await cacheNames(page)).toEqual([firstCache, 'distildp-next'].sort());

  // Paused, nothing is in flight: the reload is offered and brings the new version in.
  await page.getByTestId('pause-run').click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'paused', { timeout: 120_000 });
  await expect(page.getByTestId('update-reload')).toBeEnabled();
  const reloaded = page.waitForEvent('load', { timeout: 60_000 });
  await page.getByTestId('update-reload').click();
  await reloaded;
  await waitForApp(page);
  expect(await controllerScript(page)).toContain('build=next');
  // The paused run is still there to resume.
  await expect(page.getByTestId('resume-offer')).toBeVisible();
});

test('caches of builds no open tab uses are deleted, those still in use are kept', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto('/?backend=wasm&models=tiny');
  await waitForApp(page);
  const current = `distildp-${new URL(await controllerScript(page)).searchParams.get('build')}`;
  await page.evaluate(async () => {
    for (const name of ['distildp-gone', 'distildp-open']) {
      await (await caches.open(name)).put('/old-chunk.js', new Response('old'));
    }
    // A tab of the build "open" is still running: it holds that build's lock.
    void navigator.locks.request('distildp-build-open', { mode: 'shared' }, () => new Promise(() => {}));
    navigator.serviceWorker.controller!.postMessage({ type: 'clean-caches' });
  });
  await expect.poll(() => cacheNames(page)).toEqual([current, 'distildp-open'].sort());
  // That tab's old chunk is still served (from its build's cache, through the current worker).
  expect(await page.evaluate(async () => (await fetch('/old-chunk.js')).text())).toBe('old');
});
