/**
 * What a reload in the middle of an OPFS write leaves behind in Debian's Chromium (why
 * src/worker/byte-storage.ts writes a scratch file and renames it over the target; modelled by the
 * fake folder of tests/unit/worker-opfs-storage.test.ts). Serves an empty page on 127.0.0.1 (OPFS
 * needs a secure context), then in the page:
 *   1. lists a folder while a createWritable() is open (Chromium's `.crswap` swap file shows);
 *   2. move()s a finished scratch file over an existing file (does it replace it?);
 *   3. leaves a createWritable() on a NEW file open, reloads, and lists the folder with file sizes.
 * Run: npx tsx scripts/opfs-reload-probe.ts        (prints one JSON object)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from '@playwright/test';
import { chromiumLaunch } from '../playwright.config';

const server = createServer((_, res) => {
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end('<!doctype html><title>opfs probe</title>');
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
const browser = await chromium.launch(chromiumLaunch);
try {
  const page = await browser.newPage();
  // tsx keeps function names with an `__name` helper that the page does not have.
  await page.addInitScript('globalThis.__name = (f) => f');
  await page.goto(url);
  const before = await page.evaluate(async () => {
    const root = await navigator.storage.getDirectory();
    const dir = await root.getDirectoryHandle('probe', { create: true });
    const enc = new TextEncoder();
    const names = async () => {
      const out: string[] = [];
      for await (const n of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) out.push(n);
      return out.sort();
    };
    const put = async (name: string, text: string) => {
      const f = await dir.getFileHandle(name, { create: true });
      const w = await f.createWritable();
      await w.write(enc.encode(text));
      await w.close();
      return f;
    };
    // 1. An open write shows in the listing.
    const open = await (await dir.getFileHandle('open.json', { create: true })).createWritable();
    await open.write(enc.encode('[1,2'));
    const listedWhileOpen = await names();
    await open.close();
    // 2. move() over an existing file.
    await put('target.json', 'OLD');
    const scratch = await put('target.json.scratch', 'NEW');
    let moveError: string | null = null;
    try {
      await (scratch as unknown as { move(name: string): Promise<void> }).move('target.json');
    } catch (e) {
      moveError = String(e);
    }
    const afterMove = await names();
    const targetText = await (await (await dir.getFileHandle('target.json')).getFile()).text();
    // 3. A write to a new file, left open across a reload.
    const pending = await (await dir.getFileHandle('new.json', { create: true })).createWritable();
    await pending.write(enc.encode('[1,2,3]'));
    return { listedWhileOpen, moveError, afterMove, targetText };
  });
  await page.reload();
  const afterReload = await page.evaluate(async () => {
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('probe');
    const sizes: Record<string, number> = {};
    for await (const n of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) {
      sizes[n] = (await (await dir.getFileHandle(n)).getFile()).size;
    }
    return sizes;
  });
  console.log(
    JSON.stringify({ chromium: browser.version(), ...before, afterReloadSizes: afterReload }, null, 1),
  );
} finally {
  await browser.close();
  server.close();
}
