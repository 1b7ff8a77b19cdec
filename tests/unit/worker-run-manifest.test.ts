import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  contentKeyFor,
  filesSha256,
  isResumable,
  maxEpsilon,
  mergeEpsilon,
  newManifest,
  parseManifest,
  sha256Hex,
} from '../../src/contract/run-manifest';
import { DEFAULT_RUN_SETTINGS, TINY_RUN_SETTINGS } from '../../src/contract/run-settings';
import { newRunId } from '../../src/pipeline/run-id';

const docs = [
  { id: 'a.txt#0', text: 'first private text', labels: ['x'] },
  { id: 'a.txt#1', text: 'second private text', labels: [] },
];
const models = {
  teacher: { kind: 'preset', name: 'tiny' },
  student: { kind: 'preset', name: 'tiny' },
} as const;
const nodeSha = (s: string | Uint8Array) => createHash('sha256').update(s).digest('hex');

describe('run ids and content keys', () => {
  it('sha256Hex agrees with node:crypto', async () => {
    expect(await sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(await sha256Hex('DistilDP ✓')).toBe(nodeSha('DistilDP ✓'));
  });

  it('canonical JSON sorts keys at every level and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
  });

  it('the content key (local only) is SHA-256 over {documents, settings, models}', async () => {
    const key = await contentKeyFor(docs, DEFAULT_RUN_SETTINGS, models);
    const expected = nodeSha(
      canonicalJson({
        documents: docs.map((d) => [d.id, d.text, d.labels]),
        settings: DEFAULT_RUN_SETTINGS,
        models,
      }),
    );
    expect(key).toBe(expected);
  });

  it('run ids are 16 random hex digits, unrelated between calls', () => {
    const ids = Array.from({ length: 200 }, newRunId);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // Every hex digit turns up in every position across 200 ids (a counter or a hash of a fixed
    // input would not): a crude check that the bits are random.
    for (let pos = 0; pos < 16; pos++) expect(new Set(ids.map((id) => id[pos])).size).toBeGreaterThan(10);
  });

  it('changes with the text, a label, the order, a setting or a model; not with key order', async () => {
    const base = await contentKeyFor(docs, DEFAULT_RUN_SETTINGS, models);
    const variants = [
      await contentKeyFor(
        [{ ...docs[0], text: 'first private text!' }, docs[1]],
        DEFAULT_RUN_SETTINGS,
        models,
      ),
      await contentKeyFor([docs[0], { ...docs[1], labels: ['y'] }], DEFAULT_RUN_SETTINGS, models),
      await contentKeyFor([docs[1], docs[0]], DEFAULT_RUN_SETTINGS, models),
      await contentKeyFor(docs, { ...DEFAULT_RUN_SETTINGS, targetEpsilon: 3 }, models),
      await contentKeyFor(docs, TINY_RUN_SETTINGS, models),
      await contentKeyFor(docs, DEFAULT_RUN_SETTINGS, {
        ...models,
        student: { kind: 'preset', name: 'student' },
      }),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
    const reordered = Object.fromEntries(
      Object.entries(DEFAULT_RUN_SETTINGS).reverse(),
    ) as typeof DEFAULT_RUN_SETTINGS;
    expect(await contentKeyFor(docs, reordered, models)).toBe(base);
  });

  it('a folder hash does not depend on file order but on every byte', async () => {
    const a = { path: 'config.json', bytes: new Uint8Array([1, 2]) };
    const b = { path: 'model.safetensors', bytes: new Uint8Array([3]) };
    expect(await filesSha256([a, b])).toBe(await filesSha256([b, a]));
    expect(await filesSha256([a, { ...b, bytes: new Uint8Array([4]) }])).not.toBe(await filesSha256([a, b]));
  });
});

describe('manifest rules', () => {
  const m = newManifest({
    runId: 'abcdef0123456789',
    settings: DEFAULT_RUN_SETTINGS,
    models,
    documents: 2,
    backend: 'wasm',
    now: 5,
  });

  it('epsilon readings only ever go up, per series', () => {
    let spent = mergeEpsilon({}, { 'distildp/teacher': 0.5 });
    spent = mergeEpsilon(spent, { 'distildp/teacher': 0.4, 'dpsgd/student': 0.2 });
    spent = mergeEpsilon(spent, { 'distildp/teacher': Number.NaN });
    expect(spent).toEqual({ 'distildp/teacher': 0.5, 'dpsgd/student': 0.2 });
    expect(maxEpsilon({ epsilonSpent: spent })).toBe(0.5);
    expect(maxEpsilon({ epsilonSpent: {} })).toBe(0);
  });

  it('interrupted, paused and failed runs can resume; finished and cancelled ones cannot', () => {
    expect(
      ['running', 'paused', 'failed', 'completed', 'cancelled'].map((status) =>
        isResumable({ status } as never),
      ),
    ).toEqual([true, true, true, false, false]);
  });

  it('parses what it writes and says precisely what is wrong otherwise', () => {
    expect(parseManifest(JSON.stringify(m))).toEqual(m);
    expect(() => parseManifest('{')).toThrow(/run manifest: not JSON/);
    expect(() => parseManifest(JSON.stringify({ ...m, version: 9 }))).toThrow(
      'run manifest: version 9, expected 1',
    );
    expect(() => parseManifest(JSON.stringify({ ...m, runId: '../x' }))).toThrow(
      'runId must be a hex string',
    );
    expect(() => parseManifest(JSON.stringify({ ...m, status: 'done' }))).toThrow('unknown status "done"');
    expect(() => parseManifest(JSON.stringify({ ...m, models: {} }))).toThrow('no models');
  });

  it("reads an older manifest's checkpoint `step` (a stage key) as its `stage`", () => {
    const at = 1_700_000_000_000;
    const current = { ...m, checkpoint: { stage: 'shared/teacher-dp', at } };
    expect(parseManifest(JSON.stringify(current))).toEqual(current);
    const legacy = { ...m, checkpoint: { step: 'shared/teacher-dp', at } };
    expect(parseManifest(JSON.stringify(legacy))).toEqual(current);
  });
});
