/**
 * Shared pieces of the app's e2e tests: a recorder of every request (to assert that nothing leaves
 * 127.0.0.1) and of page errors, waiting for the backend and models, dropping files the way a
 * browser does, the test corpus, and optional screenshots.
 */
import { mkdirSync } from 'node:fs';
import { type BrowserContext, test as base, expect, type Locator, type Page } from '@playwright/test';

export const ORIGIN = `http://127.0.0.1:${process.env.E2E_PORT ?? 4173}`;

export const isLocal = (url: string) =>
  url.startsWith(`${ORIGIN}/`) || url.startsWith('blob:') || url.startsWith('data:');

export interface Recorder {
  urls: Set<string>;
  problems: string[];
}

/** Records every URL the context (pages, workers, service worker) requests; aborts non-local ones. */
export async function recordRequests(context: BrowserContext, page: Page): Promise<Recorder> {
  const recorder: Recorder = { urls: new Set(), problems: [] };
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    recorder.urls.add(url);
    if (isLocal(url)) await route.continue();
    else await route.abort('blockedbyclient');
  });
  context.on('request', (request) => recorder.urls.add(request.url()));
  page.on('pageerror', (err) => recorder.problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') recorder.problems.push(`console: ${msg.text()}`);
  });
  page.on('worker', (worker) => recorder.urls.add(worker.url()));
  return recorder;
}

export function expectNothingLeft(recorder: Recorder): void {
  expect(
    [...recorder.urls].filter((url) => !isLocal(url)),
    'requests that left 127.0.0.1',
  ).toEqual([]);
  expect(recorder.problems, 'page errors and console errors').toEqual([]);
}

/**
 * Playwright's `test`, recording every request and page error of each test (an automatic fixture)
 * and failing the test if a request left 127.0.0.1 or the page reported an error.
 */
export const test = base.extend<{ recorder: Recorder }>({
  recorder: [
    async ({ context, page }, use) => {
      const recorder = await recordRequests(context, page);
      await use(recorder);
      expectNothingLeft(recorder);
    },
    { auto: true },
  ],
});

export async function waitForApp(page: Page, backend: 'WASM' | 'WebGPU' | 'CPU' = 'WASM'): Promise<void> {
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-status', 'ready', {
    timeout: 120_000,
  });
  await expect(page.getByTestId('backend-name')).toHaveText(backend);
  for (const role of ['teacher', 'student']) {
    await expect(page.getByTestId(`${role}-model`)).toHaveAttribute('data-status', 'ready', {
      timeout: 60_000,
    });
  }
}

/** Dispatches a drop of these files on a target, with a DataTransfer built as the browser builds one. */
export async function dropFiles(target: Locator, files: Record<string, string>): Promise<void> {
  await target.evaluate((zone, texts) => {
    const dt = new DataTransfer();
    for (const [name, text] of Object.entries(texts)) dt.items.add(new File([text], name));
    for (const type of ['dragenter', 'dragover', 'drop']) {
      zone.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    }
  }, files);
}

/** A labelled private corpus: `n` documents, two topics, lengths varying, as JSON Lines. */
export function labelledJsonl(n: number): string {
  const topics: Record<string, string[]> = {
    garden: [
      'The roses grow by the old wall.',
      'Tulips open in the morning sun.',
      'We water the beans at dusk.',
    ],
    ships: [
      'The ships leave the harbour at dawn.',
      'Sailors load tea and silk.',
      'A storm rose over the bay.',
    ],
  };
  return Array.from({ length: n }, (_, i) => {
    const label = i % 2 ? 'garden' : 'ships';
    const lines = topics[label];
    const text = Array.from({ length: 1 + (i % 4) }, (_, k) => lines[(i + k) % lines.length]).join(' ');
    return JSON.stringify({ text: `${text} (note ${i})`, label });
  }).join('\n');
}

export const SCREENSHOTS = process.env.SCREENSHOTS === '1';

/** With SCREENSHOTS=1, saves a screenshot of one element under docs/screenshots/. */
export async function screenshot(target: Locator, name: string): Promise<void> {
  if (!SCREENSHOTS) return;
  mkdirSync('docs/screenshots', { recursive: true });
  await target.screenshot({ path: `docs/screenshots/${name}.png`, animations: 'disabled' });
}

/** Clicks a button and returns the downloaded file's bytes. */
export async function download(
  page: Page,
  button: Locator,
  viaKeyboard = false,
): Promise<{ name: string; bytes: Buffer }> {
  const { readFileSync } = await import('node:fs');
  const waiting = page.waitForEvent('download', { timeout: 60_000 });
  if (viaKeyboard) {
    await button.focus();
    await page.keyboard.press('Enter');
  } else await button.click();
  const file = await waiting;
  const path = await file.path();
  return { name: file.suggestedFilename(), bytes: readFileSync(path) };
}
/**
 * Waits until the run's status is `status`; if the run fails instead, fails at once with the
 * failure banner's message (a bare "expected running, got failed" says nothing about why).
 */
export async function expectRunStatus(page: Page, status: string, timeout = 30_000): Promise<void> {
  const run = page.getByTestId('run-status');
  await expect
    .poll(
      async () => {
        const now = await run.getAttribute('data-status');
        if (now === 'failed' && status !== 'failed') {
          const why = await page
            .getByTestId('run-failure')
            .textContent()
            .catch(() => null);
          const log = await page
            .getByTestId('log')
            .textContent()
            .catch(() => null);
          throw new Error(
            `the run failed instead of reaching "${status}": ${why ?? '(no failure banner)'}\napp log: ${log ?? '(none)'}`,
          );
        }
        return now;
      },
      { timeout },
    )
    .toBe(status);
}

export { expect };
