/**
 * What a source file imports, read with the TypeScript parser (no type checking): the shared
 * scanner of the import-graph tests (ui-import-graph.test.ts, layers.test.ts).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

export const repo = resolve(import.meta.dirname, '../../..');

export interface ModuleImport {
  specifier: string;
  /** `import type` / `export type` (erased at build time). */
  typeOnly: boolean;
}

export interface ModuleImports {
  /** Static, side-effect, re-export and dynamic imports (`<computed dynamic import>` if not a literal). */
  imports: ModuleImport[];
  /** `new URL('./x', import.meta.url)` references: separate entries (workers, assets), not imports. */
  urls: string[];
}

export function importsOf(file: string): ModuleImports {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: ModuleImports = { imports: [], urls: [] };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      out.imports.push({ specifier: node.moduleSpecifier.text, typeOnly: !!node.importClause?.isTypeOnly });
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      out.imports.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      const specifier = arg && ts.isStringLiteralLike(arg) ? arg.text : '<computed dynamic import>';
      out.imports.push({ specifier, typeOnly: false });
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

/** The file a relative specifier names (extension and index.ts(x) resolution, `?url` dropped). */
export function resolveRelative(from: string, specifier: string): string {
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

export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => /\.(ts|tsx)$/.test(f) && statSync(f).isFile());
}
