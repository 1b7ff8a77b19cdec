/**
 * The app shell in headless Chromium against the production build (vite build + preview):
 * backend selection in the worker (WASM chosen over the SwiftShader adapter, forced WebGPU and CPU,
 * the override select), cross-origin isolation, the CSP on
 * the page and on the worker script, no TF.js in the main bundle, file and folder ingest with
 * per-file results, keyboard access to the picker, and no request leaving 127.0.0.1.
 *
 * `SCREENSHOTS=1 npx playwright test tests/e2e/app-shell.spec.ts` also rewrites
 * docs/screenshots/app-shell.png.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type FileChooser, type Page, type Request, test } from '@playwright/test';
import { contentSecurityPolicy, crossOriginIsolationHeaders } from '../../src/csp';

const ORIGIN = `http://127.0.0.1:${process.env.E2E_PORT ?? 4173}`;
const SCREENSHOT = 'docs/screenshots/app-shell.png';

/** Strings that only TF.js bundles contain (a tfjs-core flag and a tfjs-backend-wasm flag). */
const TFJS_MARKERS = ['TENSORLIKE_CHECK_SHAPE_CONSISTENCY', 'WASM_HAS_MULTITHREAD_SUPPORT'];

const isLocal = (url: string) =>
  url.startsWith(`${ORIGIN}/`) || url.startsWith('blob:') || url.startsWith('data:');

/** Every request the page, its worker or the browser context makes, and every page error. */
interface Recorder {
  urls: Set<string>;
  requests: Request[];
  problems: string[];
}

let recorder: Recorder;

test.beforeEach(async ({ context, page }) => {
  recorder = { urls: new Set(), requests: [], problems: [] };
  // Context-level routing sees requests of every page and worker; anything not local is aborted
  // (and still recorded, so the test fails on it).
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    recorder.urls.add(url);
    if (isLocal(url)) await route.continue();
    else await route.abort('blockedbyclient');
  });
  page.on('request', (request) => {
    recorder.urls.add(request.url());
    recorder.requests.push(request);
  });
  page.on('pageerror', (err) => recorder.problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') recorder.problems.push(`console: ${msg.text()}`);
  });
  page.on('worker', (worker) => recorder.urls.add(worker.url()));
});

test.afterEach(() => {
  expect(
    [...recorder.urls].filter((url) => !isLocal(url)),
    'requests that left 127.0.0.1',
  ).toEqual([]);
  expect(recorder.problems, 'page errors and console errors').toEqual([]);
});

async function waitForBackend(page: Page, name: 'WebGPU' | 'WASM' | 'CPU'): Promise<void> {
  const badge = page.getByTestId('backend-badge');
  await expect(badge).toHaveAttribute('data-status', 'ready', { timeout: 120_000 });
  await expect(page.getByTestId('backend-name')).toHaveText(name);
}

/** Directive name -> sorted sources, so policies can be compared regardless of order. */
function directives(policy: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) out.set(name, sources.sort().join(' '));
  }
  return out;
}

test('loads, never takes the software WebGPU adapter automatically, carries the CSP, and keeps TF.js out of the main bundle', async ({
  page,
}) => {
  const documentResponse = await page.goto('/');
  await expect(page).toHaveTitle(/DistilDP/);
  await expect(page.getByRole('heading', { level: 1, name: 'DistilDP' })).toBeVisible();

  // SwiftShader gives headless Chromium a software (fallback) WebGPU adapter: the automatic choice
  // takes WASM and says why.
  await waitForBackend(page, 'WASM');
  await expect(page.getByTestId('backend-note')).toHaveText(
    /^WebGPU skipped: the WebGPU adapter \(.*swiftshader.*\) is a fallback \(software\) adapter: it runs on the CPU, far slower than WASM \(choose WebGPU in the menu to use it anyway\)$/i,
  );

  // The CSP: a header on the page and on the worker script, a <meta> copy in the page.
  expect(documentResponse?.headers()['content-security-policy']).toBe(contentSecurityPolicy);
  const workerRequest = recorder.requests.find((r) => /\/assets\/worker-[^/]*\.js$/.test(r.url()));
  expect(
    workerRequest,
    `worker script among ${recorder.requests.map((r) => r.url()).join(', ')}`,
  ).toBeDefined();
  const workerResponse = await workerRequest!.response();
  expect(workerResponse?.status()).toBe(200);
  expect(workerResponse?.headers()['content-security-policy']).toBe(contentSecurityPolicy);
  const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  // A <meta> CSP cannot carry frame-ancestors (browsers ignore it there); the rest is identical.
  const expected = directives(contentSecurityPolicy);
  expected.delete('frame-ancestors');
  expect(directives(meta ?? '')).toEqual(expected);

  // Cross-origin isolation on the page and the worker script: SharedArrayBuffer for WASM threads.
  for (const response of [documentResponse, workerResponse]) {
    for (const [name, value] of Object.entries(crossOriginIsolationHeaders))
      expect(response?.headers()[name.toLowerCase()]).toBe(value);
  }
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

  // The main thread's scripts hold no TF.js; the worker's script does (so the check can fail).
  const html = await (await page.request.get('/')).text();
  const mainScripts = [
    ...html.matchAll(/<(?:script[^>]+src|link[^>]+rel="modulepreload"[^>]+href)="([^"]+)"/g),
  ].map((m) => m[1]);
  expect(mainScripts.length).toBeGreaterThan(0);
  for (const src of mainScripts) {
    const text = await (await page.request.get(src)).text();
    for (const marker of TFJS_MARKERS) expect(text, `${src} contains ${marker}`).not.toContain(marker);
  }
  const workerText = await workerResponse!.text();
  for (const marker of TFJS_MARKERS) expect(workerText).toContain(marker);

  // The override select restarts the worker on the chosen backend and remembers it in the URL;
  // forced, the software adapter is used, and named as such.
  await page.getByLabel('Backend').selectOption('webgpu');
  await waitForBackend(page, 'WebGPU');
  await expect(page.getByTestId('backend-adapter')).toContainText('fallback adapter');
  await expect(page.getByTestId('backend-adapter')).not.toHaveText(/^\s*\(fallback adapter\)\s*$/);
  expect(new URL(page.url()).searchParams.get('backend')).toBe('webgpu');
  await page.getByLabel('Backend').selectOption('cpu');
  await waitForBackend(page, 'CPU');
  await expect(page.getByTestId('backend-note')).toHaveText('WebGPU not tried: backend forced to cpu');
  expect(new URL(page.url()).searchParams.get('backend')).toBe('cpu');
});

/** Text files dropped in the test, and the documents ingest must take from each (byte tokens counted). */
const DROPPED = {
  'notes.txt': 'First paragraph, one line.\n\nSecond paragraph,\nstill the second.\n\nThird and last.\n',
  'reviews.jsonl': [
    '{"text": "A fine product.", "label": "pos"}',
    '{"text": "Broke after a day.", "label": "neg"}',
    '{"text": "this line is not JSON',
    '{"text": "Would buy again.", "label": "pos"}',
  ].join('\n'),
  'table.csv': 'text,label\nfirst row text,a\n"second, quoted row",b\nthird row,a\n',
};
const EXPECTED_DOCUMENTS = [
  'First paragraph, one line.\n\nSecond paragraph,\nstill the second.\n\nThird and last.',
  'A fine product.',
  'Broke after a day.',
  'Would buy again.',
  'first row text',
  'second, quoted row',
  'third row',
];
const utf8Length = (text: string) => new TextEncoder().encode(text).length;

test('ingests dropped files and a picked folder and shows per-file results', async ({ page }) => {
  await page.goto('/?backend=wasm');
  await waitForBackend(page, 'WASM');
  await expect(page.getByTestId('backend-note')).toHaveText('WebGPU not tried: backend forced to wasm');
  // The worker fetched the wasm binary from our origin (and the recorder saw the worker's request).
  expect([...recorder.urls].some((u) => u.startsWith(`${ORIGIN}/assets/`) && u.endsWith('.wasm'))).toBe(true);

  // A synthetic drop: the DataTransfer is built in the page, as a browser builds it for a real drop.
  await page.getByTestId('dropzone').evaluate((zone, texts) => {
    const dt = new DataTransfer();
    for (const [name, text] of Object.entries(texts)) dt.items.add(new File([text], name));
    // Binary bytes (a PNG signature, then noise with NUL bytes): once as .png, once disguised as .txt.
    const binary = new Uint8Array(256).map((_, i) => (i * 37 + 11) % 256);
    binary.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]);
    dt.items.add(new File([binary], 'photo.png'));
    dt.items.add(new File([binary.slice().reverse()], 'dump.txt'));
    for (const type of ['dragenter', 'dragover', 'drop']) {
      zone.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    }
  }, DROPPED);

  const row = (path: string) => page.locator(`[data-testid="file-row"][data-path="${path}"]`);
  await expect(page.getByTestId('file-row')).toHaveCount(5);
  await expect(row('notes.txt')).toHaveAttribute('data-status', 'ok');
  await expect(row('notes.txt').getByTestId('file-documents')).toHaveText('1');
  await expect(row('reviews.jsonl')).toHaveAttribute('data-status', 'partial');
  await expect(row('reviews.jsonl').getByTestId('file-documents')).toHaveText('3');
  await expect(row('reviews.jsonl').getByTestId('file-notes')).toContainText('line 3');
  await expect(row('table.csv')).toHaveAttribute('data-status', 'ok');
  await expect(row('table.csv').getByTestId('file-documents')).toHaveText('3');
  for (const binaryFile of ['photo.png', 'dump.txt']) {
    await expect(row(binaryFile)).toHaveAttribute('data-status', 'rejected');
    await expect(row(binaryFile).getByTestId('file-documents')).toHaveText('0');
  }
  await expect(row('photo.png').getByTestId('file-notes')).toContainText('unsupported file type');
  await expect(row('dump.txt').getByTestId('file-notes')).toContainText('binary file');
  await expect(page.getByTestId('total-documents')).toHaveText('7');
  // Byte tokens are the UTF-8 bytes of the documents.
  const expectedTokens = EXPECTED_DOCUMENTS.reduce((sum, text) => sum + utf8Length(text), 0);
  await expect(page.getByTestId('total-tokens')).toHaveText(expectedTokens.toLocaleString('en-US'));

  // Splitting on blank lines turns notes.txt into its three paragraphs.
  await page.getByLabel(/Split \.txt files on blank lines/).check();
  await expect(row('notes.txt').getByTestId('file-documents')).toHaveText('3');
  await expect(page.getByTestId('total-documents')).toHaveText('9');
  if (process.env.SCREENSHOTS === '1') {
    mkdirSync('docs/screenshots', { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  }

  // A folder through the folder picker (webkitdirectory): relative paths kept, folder names as labels.
  await page.getByRole('button', { name: 'Clear files' }).click();
  await expect(page.getByTestId('file-row')).toHaveCount(0);
  const dir = mkdtempSync(join(tmpdir(), 'distildp-e2e-'));
  try {
    const corpus = join(dir, 'corpus');
    for (const [folder, files] of Object.entries({
      positive: { 'p1.txt': 'Lovely.', 'p2.txt': 'Great value.' },
      negative: { 'n1.txt': 'Terrible.' },
    })) {
      mkdirSync(join(corpus, folder), { recursive: true });
      for (const [name, text] of Object.entries(files)) writeFileSync(join(corpus, folder, name), text);
    }
    await page.getByLabel('Use folder names as labels').check();
    await page.getByTestId('folder-input').setInputFiles(corpus);
    await expect(page.getByTestId('file-row')).toHaveCount(3);
    await expect(row('corpus/positive/p1.txt').getByTestId('file-labels')).toHaveText('positive');
    await expect(row('corpus/positive/p2.txt').getByTestId('file-labels')).toHaveText('positive');
    await expect(row('corpus/negative/n1.txt').getByTestId('file-labels')).toHaveText('negative');
    await expect(page.getByTestId('total-documents')).toHaveText('3');
    await expect(page.getByTestId('total-labels')).toHaveText('negative, positive');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await expect(page.getByTestId('data-status')).toHaveText('3 file(s) ingested.');
});

test('keyboard: Tab reaches the drop zone and Enter opens the file picker', async ({ page }) => {
  // Listen before anything happens: enabling file-chooser interception is asynchronous in
  // Playwright, and subscribing right before the key press raced with it on a loaded machine.
  const choosers: FileChooser[] = [];
  page.on('filechooser', (chooser) => choosers.push(chooser));
  await page.goto('/?backend=cpu');
  await waitForBackend(page, 'CPU');
  const zone = page.getByTestId('dropzone');
  let reached = false;
  for (let i = 0; i < 30 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await zone.evaluate((el) => el === document.activeElement);
  }
  expect(reached, 'drop zone reachable with Tab').toBe(true);
  await expect(zone).toBeFocused();
  expect(choosers).toHaveLength(0);
  await page.keyboard.press('Enter');
  await expect.poll(() => choosers.length, { timeout: 15_000 }).toBe(1);
  expect(choosers[0].isMultiple()).toBe(true);
});
