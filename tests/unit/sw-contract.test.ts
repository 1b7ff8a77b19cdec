/**
 * public/sw.js is plain JavaScript served as is, so it cannot import the page's constants: the Web
 * Lock names it reads must be the ones the page holds (src/ui/service-worker.ts), and it must never
 * take over pages on its own (no skipWaiting outside the page's request). The behaviour itself is
 * tested in the browser (tests/e2e/app-update.spec.ts).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BUILD_LOCK_PREFIX, RUN_LOCK } from '../../src/ui/service-worker';

const sw = readFileSync(new URL('../../public/sw.js', import.meta.url), 'utf8');
const code = sw.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');

describe('service worker contract', () => {
  it('reads the locks the page holds', () => {
    expect(code).toContain(`const RUN_LOCK = '${RUN_LOCK}';`);
    expect(code).toContain(`const BUILD_LOCK_PREFIX = '${BUILD_LOCK_PREFIX}';`);
  });

  it('activates only when a page asks and no run is active, and claims only then', () => {
    expect(code.match(/skipWaiting\(\)/g)).toHaveLength(1);
    expect(code).toMatch(/if \(await runActive\(\)\) \{[\s\S]*?return;\s*\}\s*await self\.skipWaiting\(\);/);
    expect(code.match(/clients\.claim\(\)/g)).toHaveLength(1);
    expect(code).toContain('if (!(await runActive())) await self.clients.claim();');
  });
});
