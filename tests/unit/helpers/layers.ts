/**
 * The layers of src/ and which layers each may import (docs/ARCHITECTURE.md explains them). An
 * import must stay in its own folder or go to a layer listed for it; type-only imports count too.
 * Pure functions over an import list, so the checker itself is tested on made-up lists.
 */

/** The library's layers from pipeline down (what the contract and the applications build on). */
const LIBRARY = ['pipeline', 'train', 'dp', 'io', 'kernels', 'model', 'random', 'data'] as const;

/** Layer -> the layers it may import (besides itself). */
export const LAYER_RULES: Readonly<Record<string, readonly string[]>> = {
  // Leaves (they may use util alone).
  util: [], // tiny runtime-neutral helpers every layer may use (error text)
  random: ['util'], // Philox, crypto-seeded DP noise and sampling randomness, seeded non-private PRNG
  platform: ['util'], // pure facts of the runtime the UI reads too (WASM thread rules)
  data: ['util'], // documents, formats, tokenizers, splits, windows
  build: ['util'], // Vite plugins and the CSP (build time, Node)
  // The library, bottom up.
  model: ['random', 'data', 'platform', 'util'], // GPT-2: config, parameters, forward, losses, generation, backends
  kernels: ['model', 'random', 'util'], // WGSL kernels and their TF.js twins
  dp: ['kernels', 'model', 'random', 'data', 'util'], // clipping, the oracle, sampler, accountants
  io: ['model', 'data', 'util'], // safetensors, Hugging Face GPT-2 files, zip
  train: ['dp', 'kernels', 'model', 'random', 'data', 'util'], // optimizers, training loops, DP-SGD
  pipeline: ['train', 'dp', 'io', 'kernels', 'model', 'random', 'data', 'util'], // the methods, stages, plan
  audit: ['pipeline', 'train', 'dp', 'io', 'kernels', 'model', 'random', 'data', 'util'], // privacy audits
  // The worker contract: messages and settings the UI thread and the worker share. It names the
  // library's types; its run-time code is TF.js-free (ui-import-graph.test.ts checks what it loads).
  contract: ['audit', ...LIBRARY, 'platform', 'util'],
  // Applications over the library.
  bench: [...LIBRARY, 'platform', 'util'],
  worker: ['contract', 'audit', ...LIBRARY, 'platform', 'util'],
  cli: ['contract', 'audit', 'bench', ...LIBRARY, 'platform', 'util'],
  // The UI thread: the contract and the pure platform facts (the worker owns every tensor).
  ui: ['contract', 'platform', 'util'],
  app: ['ui', 'contract', 'platform', 'util'], // src/main.tsx, the page entry
};

/** Files directly in src/ and their layer. */
const ROOT_FILES: Readonly<Record<string, string>> = { 'main.tsx': 'app', 'csp.ts': 'build' };

/** Files outside src/ that src may import (the app version in package.json). */
export const OUTSIDE_SRC_ALLOWED = ['package.json'];

export interface ImportEdge {
  /** Repository-relative paths, e.g. `src/model/gpt.ts`. */
  from: string;
  to: string;
  typeOnly: boolean;
}

/** The layer of a repository-relative path under src/, or undefined outside src/. */
export function layerOf(path: string): string | undefined {
  const parts = path.split('/');
  if (parts[0] !== 'src') return undefined;
  if (parts.length === 2) return ROOT_FILES[parts[1]] ?? `<root file ${parts[1]}>`;
  return parts[1];
}

/** One message per import against the layer rules (empty when every import goes the right way). */
export function layerViolations(
  edges: readonly ImportEdge[],
  rules: Readonly<Record<string, readonly string[]>> = LAYER_RULES,
): string[] {
  const out: string[] = [];
  for (const e of edges) {
    const from = layerOf(e.from);
    if (from === undefined) continue;
    const what = `${e.from} -> ${e.to}${e.typeOnly ? ' (type-only)' : ''}`;
    if (!(from in rules)) {
      out.push(`${what}: ${e.from} is in no layer (add its folder to LAYER_RULES)`);
      continue;
    }
    const to = layerOf(e.to);
    if (to === undefined) {
      if (!OUTSIDE_SRC_ALLOWED.includes(e.to)) out.push(`${what}: imports a file outside src/`);
      continue;
    }
    if (to === from) continue;
    if (!(to in rules)) out.push(`${what}: ${e.to} is in no layer (add its folder to LAYER_RULES)`);
    else if (!rules[from].includes(to)) out.push(`${what}: ${from} may not import ${to}`);
  }
  return out;
}

/** A cycle among the rules (layers that may import each other, directly or not), or null. */
export function ruleCycle(rules: Readonly<Record<string, readonly string[]>>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (layer: string): string[] | null => {
    if (state.get(layer) === 'done') return null;
    if (state.get(layer) === 'open') return [...path.slice(path.indexOf(layer)), layer];
    state.set(layer, 'open');
    path.push(layer);
    for (const next of rules[layer] ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(layer, 'done');
    return null;
  };
  for (const layer of Object.keys(rules)) {
    const cycle = visit(layer);
    if (cycle) return cycle;
  }
  return null;
}
