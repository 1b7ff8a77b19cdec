/**
 * Build step for offline use: writes `precache-manifest.json` next to the built app, listing every
 * file the app needs to start and run offline (the HTML shell, JS/CSS chunks, the worker, the
 * TF.js wasm binaries, everything in public/ such as the demo corpus and shipped models).
 * public/sw.js fetches it on install and caches those files. Pages that are not the app (the
 * benchmark and kernel-check pages) are left out.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Plugin, ResolvedConfig } from 'vite';

export const PRECACHE_MANIFEST = 'precache-manifest.json';

/** The app's entry chunk; chunks it cannot reach (the other pages' code) are not cached. */
const APP_ENTRY = 'main';
const NOT_APP_HTML = new Set(['bench.html', 'kernel-check.html']);

function filesUnder(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

export function precacheManifestPlugin(): Plugin {
  let config: ResolvedConfig;
  return {
    name: 'distildp-precache-manifest',
    apply: 'build',
    configResolved(resolved) {
      config = resolved;
    },
    generateBundle(_options, bundle) {
      const base = config.base.endsWith('/') ? config.base : `${config.base}/`;
      const files = new Set<string>([base]);
      // Chunks the app loads: its entry and everything it imports, statically or dynamically.
      const reachable = new Set<string>();
      const visit = (fileName: string) => {
        const chunk = bundle[fileName];
        if (reachable.has(fileName) || chunk?.type !== 'chunk') return;
        reachable.add(fileName);
        for (const next of [...chunk.imports, ...chunk.dynamicImports]) visit(next);
      };
      for (const [fileName, item] of Object.entries(bundle)) {
        if (item.type === 'chunk' && item.isEntry && item.name === APP_ENTRY) visit(fileName);
      }
      if (reachable.size === 0) this.error(`precache: no entry chunk named "${APP_ENTRY}"`);
      for (const [fileName, item] of Object.entries(bundle)) {
        if (NOT_APP_HTML.has(fileName) || fileName.endsWith('.map')) continue;
        // Assets (CSS, wasm, the worker and its chunks, index.html) are all the app's.
        if (item.type === 'chunk' && !reachable.has(fileName)) continue;
        files.add(`${base}${fileName}`);
      }
      if (config.publicDir) {
        for (const full of filesUnder(config.publicDir)) {
          const rel = relative(config.publicDir, full).split(sep).join('/');
          if (rel === 'sw.js' || rel.split('/').some((part) => part.startsWith('.'))) continue;
          files.add(`${base}${rel}`);
        }
      }
      this.emitFile({
        type: 'asset',
        fileName: PRECACHE_MANIFEST,
        source: `${JSON.stringify({ files: [...files].sort() }, null, 2)}\n`,
      });
    },
  };
}
