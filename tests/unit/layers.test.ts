/**
 * One-way layers: no import in src/ (type-only ones included) points against the direction of
 * tests/unit/helpers/layers.ts (e.g. model/ never imports train/, ui/ imports only the contract).
 * The checker is a pure function, first tested on made-up import lists, then run on every import
 * of src/.
 */
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesUnder, importsOf, repo, resolveRelative } from './helpers/imports';
import { type ImportEdge, LAYER_RULES, layerOf, layerViolations, ruleCycle } from './helpers/layers';

const edge = (from: string, to: string, typeOnly = false): ImportEdge => ({ from, to, typeOnly });

describe('the layer checker', () => {
  it('accepts imports within a folder and down the layers', () => {
    expect(
      layerViolations([
        edge('src/model/gpt.ts', 'src/model/ops.ts'),
        edge('src/train/dp-train.ts', 'src/dp/clipping.ts'),
        edge('src/model/generate.ts', 'src/random/seeded.ts'),
        edge('src/ui/App.tsx', 'src/contract/protocol.ts'),
        edge('src/worker/exports.ts', 'package.json'),
        edge('src/main.tsx', 'src/ui/App.tsx'),
      ]),
    ).toEqual([]);
  });

  it('names every import that points back up, type-only ones too', () => {
    expect(
      layerViolations([
        edge('src/model/generate.ts', 'src/train/seeded.ts'),
        edge('src/dp/oracle.ts', 'src/train/losses.ts', true),
        edge('src/ui/components/RunPanel.tsx', 'src/worker/format.ts'),
        edge('src/bench/bench-page.ts', 'src/worker/wasm-paths.ts'),
        edge('src/random/noise.ts', 'src/dp/philox.ts'),
      ]),
    ).toEqual([
      'src/model/generate.ts -> src/train/seeded.ts: model may not import train',
      'src/dp/oracle.ts -> src/train/losses.ts (type-only): dp may not import train',
      'src/ui/components/RunPanel.tsx -> src/worker/format.ts: ui may not import worker',
      'src/bench/bench-page.ts -> src/worker/wasm-paths.ts: bench may not import worker',
      'src/random/noise.ts -> src/dp/philox.ts: random may not import dp',
    ]);
  });

  it('flags folders in no layer and files outside src/', () => {
    expect(
      layerViolations([edge('src/misc/x.ts', 'src/model/gpt.ts'), edge('src/model/gpt.ts', 'tests/x.ts')]),
    ).toEqual([
      'src/misc/x.ts -> src/model/gpt.ts: src/misc/x.ts is in no layer (add its folder to LAYER_RULES)',
      'src/model/gpt.ts -> tests/x.ts: imports a file outside src/',
    ]);
    expect(layerOf('src/main.tsx')).toBe('app');
    expect(layerOf('src/new-root.ts')).toBe('<root file new-root.ts>');
  });

  it('the rules themselves have no cycle (and a cycle is found when there is one)', () => {
    expect(ruleCycle(LAYER_RULES)).toBeNull();
    expect(ruleCycle({ a: ['b'], b: ['c'], c: ['a'], d: [] })).toEqual(['a', 'b', 'c', 'a']);
    for (const [layer, allowed] of Object.entries(LAYER_RULES))
      for (const target of allowed) expect(LAYER_RULES, `${layer} -> ${target}`).toHaveProperty(target);
  });
});

describe('src/', () => {
  it('imports only down the layers', () => {
    const edges: ImportEdge[] = [];
    for (const file of filesUnder(`${repo}/src`)) {
      for (const { specifier, typeOnly } of importsOf(file).imports) {
        if (!specifier.startsWith('.')) continue; // packages
        edges.push({
          from: relative(repo, file),
          to: relative(repo, resolveRelative(file, specifier)),
          typeOnly,
        });
      }
    }
    expect(layerViolations(edges)).toEqual([]);
    // The scan saw the whole tree: every layer with files imports something.
    const layers = new Set(edges.map((e) => layerOf(e.from)));
    for (const layer of ['model', 'dp', 'train', 'pipeline', 'contract', 'worker', 'ui', 'cli', 'bench'])
      expect(layers.has(layer), layer).toBe(true);
    expect(edges.length).toBeGreaterThan(500);
  });
});
