import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PRECACHE_MANIFEST, precacheManifestPlugin } from '../../src/build/precache-plugin';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Hook = (...args: unknown[]) => unknown;

describe('precache manifest plugin', () => {
  it('lists the app shell, the chunks the app reaches, every asset and public file (not sw.js, not other pages)', () => {
    dir = mkdtempSync(join(tmpdir(), 'precache-'));
    mkdirSync(join(dir, 'demo'));
    mkdirSync(join(dir, 'models'));
    writeFileSync(join(dir, 'demo', 'demo-corpus.jsonl'), '{}');
    writeFileSync(join(dir, 'models', 'teacher.safetensors'), 'x');
    writeFileSync(join(dir, 'sw.js'), '');
    writeFileSync(join(dir, '.hidden'), '');
    const chunk = (
      name: string,
      isEntry: boolean,
      imports: string[] = [],
      dynamicImports: string[] = [],
    ) => ({
      type: 'chunk',
      name,
      isEntry,
      imports,
      dynamicImports,
    });
    const bundle = {
      'assets/main-1.js': chunk('main', true, ['assets/runtime-2.js'], ['assets/lazy-3.js']),
      'assets/runtime-2.js': chunk('runtime', false),
      'assets/lazy-3.js': chunk('lazy', false),
      'assets/bench-4.js': chunk('bench', true, ['assets/norms-5.js']),
      'assets/norms-5.js': chunk('norms', false, ['assets/runtime-2.js']),
      'assets/worker-6.js': { type: 'asset' },
      'assets/tfjs-7.wasm': { type: 'asset' },
      'assets/main-8.css': { type: 'asset' },
      'bench.html': { type: 'asset' },
      'index.html': { type: 'asset' },
    };
    const plugin = precacheManifestPlugin();
    (plugin.configResolved as Hook)({ base: '/', publicDir: dir });
    const emitted: { fileName: string; source: string }[] = [];
    (plugin.generateBundle as Hook).call(
      {
        emitFile: (f: { fileName: string; source: string }) => emitted.push(f),
        error: (m: string) => {
          throw new Error(m);
        },
      },
      {},
      bundle,
    );
    expect(emitted.map((e) => e.fileName)).toEqual([PRECACHE_MANIFEST]);
    expect(JSON.parse(emitted[0].source).files).toEqual([
      '/',
      '/assets/lazy-3.js',
      '/assets/main-1.js',
      '/assets/main-8.css',
      '/assets/runtime-2.js',
      '/assets/tfjs-7.wasm',
      '/assets/worker-6.js',
      '/demo/demo-corpus.jsonl',
      '/index.html',
      '/models/teacher.safetensors',
    ]);
  });
});
