/**
 * The UI thread must never load TF.js: the worker owns every tensor. This walks the runtime import
 * graph (type-only imports are erased at build time and skipped) from src/main.tsx and every module
 * in src/ui, and fails if any reachable module imports a @tensorflow package. The e2e test checks
 * the same on the built bundle.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');

interface ModuleImports {
  /** Module specifiers loaded at run time (static, side-effect, re-export and dynamic imports). */
  runtime: string[];
  /** `new URL('./x', import.meta.url)` references: separate entries (workers, assets), not imports. */
  urls: string[];
}

function importsOf(file: string): ModuleImports {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: ModuleImports = { runtime: [], urls: [] };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      if (!node.importClause?.isTypeOnly) out.runtime.push(node.moduleSpecifier.text);
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      if (!node.isTypeOnly) out.runtime.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteralLike(arg)) out.runtime.push(arg.text);
      else out.runtime.push('<computed dynamic import>');
    } else if (
      ts.isNewExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'URL' &&
      node.arguments?.[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      out.urls.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

function resolveRelative(from: string, specifier: string): string {
  const base = resolve(dirname(from), specifier.replace(/\?.*$/, ''));
  for (const candidate of [
    base,
    `${base}.ts`,
    `${base}.tsx`,
    join(base, 'index.ts'),
    join(base, 'index.tsx'),
  ]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  throw new Error(`${relative(repo, from)}: cannot resolve import '${specifier}'`);
}

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
    const { runtime, urls } = importsOf(file);
    for (const url of urls) graph.urls.push(relative(repo, resolveRelative(file, url)));
    for (const spec of runtime) {
      if (spec.startsWith('.')) queue.push(resolveRelative(file, spec));
      else if (!graph.packages.has(spec)) graph.packages.set(spec, relative(repo, file));
    }
  }
  return graph;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => /\.(ts|tsx)$/.test(f) && statSync(f).isFile());
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
      expect.arrayContaining(['src/ui/App.tsx', 'src/ui/store.ts', 'src/worker/protocol.ts']),
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
    const graph = walk([join(repo, 'src/worker/protocol.ts')]);
    // protocol.ts imports src/model/backend.ts (which imports TF.js) with `import type` only.
    expect(tfjsPackages(graph)).toEqual([]);
    expect([...graph.files].map((f) => relative(repo, f))).toEqual(['src/worker/protocol.ts']);
  });
});
