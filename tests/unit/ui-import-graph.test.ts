/**
 * The UI thread must never load TF.js: the worker owns every tensor. This walks the runtime import
 * graph (type-only imports are erased at build time and skipped) from src/main.tsx and every module
 * in src/ui, and fails if any reachable module imports a @tensorflow package. The e2e test checks
 * the same on the built bundle.
 */
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesUnder, importsOf, repo, resolveRelative } from './helpers/imports';

interface Graph {
  files: Set<string>;
  packages: Map<string, string>; // package specifier -> first importing file
  urls: string[];
}

function walk(roots: string[]): Graph {
  const graph: Graph = { files: new Set(), packages: new Map(), urls: [] };
  const queue = [...roots];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (graph.files.has(file)) continue;
    graph.files.add(file);
    if (!/\.(ts|tsx|js|mjs)$/.test(file)) continue; // CSS, wasm, ... carry no imports we follow
    const { imports, urls } = importsOf(file);
    for (const url of urls) graph.urls.push(relative(repo, resolveRelative(file, url)));
    // Type-only imports are erased at build time: they load nothing.
    for (const spec of imports.filter((i) => !i.typeOnly).map((i) => i.specifier)) {
      if (spec.startsWith('.')) queue.push(resolveRelative(file, spec));
      else if (!graph.packages.has(spec)) graph.packages.set(spec, relative(repo, file));
    }
  }
  return graph;
}

const uiRoots = () => [join(repo, 'src/main.tsx'), ...filesUnder(join(repo, 'src/ui'))];
const tfjsPackages = (g: Graph) => [...g.packages].filter(([spec]) => spec.startsWith('@tensorflow/'));

describe('UI import graph', () => {
  it('reaches no @tensorflow package from src/main.tsx or src/ui', () => {
    const graph = walk(uiRoots());
    expect(tfjsPackages(graph)).toEqual([]);
    // The walk really covered the app: the entry, the store, the components, React.
    const reached = [...graph.files].map((f) => relative(repo, f));
    expect(reached).toEqual(
      expect.arrayContaining(['src/ui/App.tsx', 'src/ui/store.ts', 'src/contract/protocol.ts']),
    );
    expect(graph.packages.has('react')).toBe(true);
    // No module under src/model (where TF.js lives) is part of the UI.
    expect(reached.filter((f) => f.startsWith('src/model/'))).toEqual([]);
    // The worker is a separate entry reached only through new URL(..., import.meta.url).
    expect(graph.urls).toContain('src/worker/worker.ts');
  });

  it('does find TF.js from the worker entry (the scan can fail)', () => {
    const graph = walk([join(repo, 'src/worker/worker.ts')]);
    expect(tfjsPackages(graph).map(([spec]) => spec)).toEqual(
      expect.arrayContaining(['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm']),
    );
  });

  it('treats type-only imports as erased and everything else as runtime', () => {
    const graph = walk([join(repo, 'src/contract/protocol.ts')]);
    // protocol.ts imports src/model/backend.ts (which imports TF.js) with `import type` only, and
    // re-exports (a runtime `export *`) the message modules beside it, which import only types.
    expect(tfjsPackages(graph)).toEqual([]);
    expect([...graph.files].map((f) => relative(repo, f)).sort()).toEqual([
      'src/contract/commands.ts',
      'src/contract/protocol.ts',
      'src/contract/run-events.ts',
      'src/contract/setup-events.ts',
    ]);
  });
});
