import { describe, expect, it } from 'vitest';
import { MODEL_PRESETS } from '../../src/model/presets';
import { PRESET_OPTIONS } from '../../src/ui/model-presets';
import { MemoryByteStorage, pathSegments } from '../../src/worker/byte-storage';

describe('preset options of the Models panel', () => {
  it('name exactly the presets of src/model/presets.ts, with their sizes in the label', () => {
    expect(PRESET_OPTIONS.map((p) => p.name).sort()).toEqual(Object.keys(MODEL_PRESETS).sort());
    for (const p of PRESET_OPTIONS) {
      const c = MODEL_PRESETS[p.name].config;
      expect(p.label).toContain(`${c.nLayer} layers, width ${c.nEmbd}`);
    }
  });
});

describe('MemoryByteStorage (the in-memory fallback and the test double of OPFS/IndexedDB)', () => {
  it('reads, writes copies, lists one level, removes folders, rejects . and ..', async () => {
    const s = new MemoryByteStorage();
    const bytes = new Uint8Array([1, 2, 3]);
    await s.write('runs/a/manifest.json', bytes);
    await s.write('runs/a/steps/x.safetensors', new Uint8Array([4]));
    await s.write('runs/b/manifest.json', new Uint8Array([5]));
    bytes[0] = 9; // the store kept its own copy
    expect([...(await s.read('runs/a/manifest.json'))!]).toEqual([1, 2, 3]);
    expect(await s.read('runs/c/manifest.json')).toBeNull();
    expect(await s.list('runs')).toEqual(['a', 'b']);
    expect(await s.list('runs/a')).toEqual(['manifest.json', 'steps']);
    expect(await s.list('nothing')).toEqual([]);
    await s.remove('runs/a');
    expect(await s.list('runs')).toEqual(['b']);
    await s.remove('runs/zzz');
    expect(() => pathSegments('runs/../x')).toThrow('"." and ".." are not allowed');
    expect(() => pathSegments('//')).toThrow('storage path is empty');
  });
});
