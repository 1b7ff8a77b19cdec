import { describe, expect, it } from 'vitest';
import { newManifest } from '../../src/contract/run-manifest';
import { DEFAULT_RUN_SETTINGS } from '../../src/contract/run-settings';
import { makeConfig } from '../../src/model/config';
import { paramShapes } from '../../src/model/params';
import type { Checkpoint } from '../../src/pipeline/checkpoint';
import { MemoryByteStorage } from '../../src/worker/byte-storage';
import {
  checkpointFileName,
  estimateRunStorageBytes,
  metricsChunkName,
  RunCheckpoints,
  RunStorage,
  runFolder,
  runPaths,
  stageKeyOfFileName,
} from '../../src/worker/run-storage';

const RUN = 'abcdef0123456789';
const models = {
  teacher: { kind: 'preset', name: 'tiny' },
  student: { kind: 'preset', name: 'tiny' },
} as const;
const manifest = (runId: string, updatedAt: number) => ({
  ...newManifest({ runId, settings: DEFAULT_RUN_SETTINGS, models, documents: 3, backend: 'wasm', now: 1 }),
  updatedAt,
});

function tinyRecord(value: number): Checkpoint {
  const config = makeConfig({ vocabSize: 5, contextLength: 4, nLayer: 1, nHead: 1, nEmbd: 2 });
  const arrays = new Map(
    [...paramShapes(config)].map(([name, shape]) => [
      name,
      new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(value),
    ]),
  );
  return {
    status: 'partial',
    value: { step: 3, epsilonHistory: [{ step: 3, epsilon: 0.25 }] },
    models: { model: { config, arrays } },
  };
}

describe('storage naming', () => {
  it('step keys round-trip through file names, which never contain "/" or a bare "."', () => {
    for (const key of ['shared/teacher-dp', 'distildp/evaluate-student', '..', 'a.b/c%d', 'ü/ß']) {
      const name = checkpointFileName(key);
      expect(name.endsWith('.safetensors')).toBe(true);
      expect(name.slice(0, -'.safetensors'.length)).not.toMatch(/[/.]/);
      expect(stageKeyOfFileName(name)).toBe(key);
    }
    expect(checkpointFileName('shared/teacher-dp')).toBe('shared%2Fteacher-dp.safetensors');
    expect(stageKeyOfFileName('notes.txt')).toBeNull();
    expect(stageKeyOfFileName('a.b.safetensors')).toBeNull();
    expect(stageKeyOfFileName('%E0.safetensors')).toBeNull();
    expect(() => checkpointFileName('')).toThrow('stage key is empty');
  });

  it('metrics chunks sort in write order; run folders accept hex ids only', () => {
    const names = [10, 2, 1000, 0].map(metricsChunkName);
    expect([...names].sort()).toEqual([0, 2, 10, 1000].map(metricsChunkName));
    expect(metricsChunkName(7)).toBe('000007.json');
    expect(runFolder(RUN)).toBe(`runs/${RUN}`);
    expect(() => runFolder('../etc')).toThrow('invalid run id');
    expect(runPaths.checkpoint(RUN, 'shared/generate')).toBe(
      `runs/${RUN}/steps/shared%2Fgenerate.safetensors`,
    );
  });
});

describe('RunStorage', () => {
  it('keeps manifests (newest first, unreadable ones reported), documents, steps and metrics per run', async () => {
    const bytes = new MemoryByteStorage();
    const runs = new RunStorage(bytes);
    await runs.writeManifest(manifest(RUN, 10));
    await runs.writeManifest(manifest('0123456789abcdef', 20));
    await bytes.write('runs/ffffffffffffffff/manifest.json', new TextEncoder().encode('{"version": 2}'));
    const { manifests, problems } = await runs.listManifests();
    expect(manifests.map((m) => m.runId)).toEqual(['0123456789abcdef', RUN]);
    expect(problems).toEqual(['run ffffffffffffffff: run manifest: version 2, expected 1']);

    const docs = [{ id: 'a#0', text: 'private', labels: ['x'], source: 'a' }];
    await runs.writeDocuments(RUN, docs);
    expect(await runs.readDocuments(RUN)).toEqual(docs);
    await expect(runs.readDocuments('0123456789abcdef')).rejects.toThrow('its documents are missing');

    await runs.appendMetrics(RUN, [1, 2]);
    await runs.appendMetrics(RUN, []);
    await runs.appendMetrics(RUN, [3]);
    expect(await runs.readMetrics<number>(RUN)).toEqual([1, 2, 3]);

    await runs.removeRun(RUN);
    expect(await runs.readManifest(RUN)).toBeNull();
    expect([...bytes.files.keys()].some((k) => k.includes(RUN))).toBe(false);
  });

  it('the pipeline store round-trips records, reports saves, and writes nothing once frozen or non-finite', async () => {
    const runs = new RunStorage(new MemoryByteStorage());
    const saved: string[] = [];
    const store = new RunCheckpoints(runs, RUN, async (key) => void saved.push(key));
    await store.save('shared/teacher-dp', tinyRecord(0.5));
    const back = await store.load('shared/teacher-dp');
    expect(back?.status).toBe('partial');
    expect(back?.value).toEqual({ step: 3, epsilonHistory: [{ step: 3, epsilon: 0.25 }] });
    expect([...back!.models!.model.arrays.get('wte.weight')!]).toEqual(new Array(10).fill(0.5));
    expect(await runs.listStages(RUN)).toEqual(['shared/teacher-dp']);
    expect(saved).toEqual(['shared/teacher-dp']);

    await expect(store.save('shared/teacher-dp', tinyRecord(Number.NaN))).rejects.toThrow(
      /holds a non-finite value \(NaN\): training diverged; the checkpoint was not written/,
    );
    store.freeze('the GPU device was lost (destroyed)');
    await expect(store.save('shared/teacher-dp', tinyRecord(9))).rejects.toThrow('the GPU device was lost');
    // The last good checkpoint is intact.
    expect([...(await store.load('shared/teacher-dp'))!.models!.model.arrays.get('ln_f.bias')!]).toEqual([
      0.5, 0.5,
    ]);
    expect(saved).toEqual(['shared/teacher-dp']);
    expect(await store.load('dpsgd/student-dp')).toBeUndefined();
  });
});

describe('estimateRunStorageBytes', () => {
  it('adds the records a run keeps at once, one spare copy, stored base models, text and 1 MiB', () => {
    const input = {
      teacherParameters: 1000,
      studentParameters: 100,
      teacherWidth: 8,
      studentWidth: 4,
      methods: ['distildp'],
      documentBytes: 400,
      syntheticSamples: 10,
      syntheticSampleBytes: 20,
      storedBaseParameters: 0,
    };
    // teacher-dp 3*1000*4 = 12000; distill 3*100*4 + (4*8 + 8)*4 = 1360; spare copy 12000;
    // text 1.25 * (400 + 10*20*2) = 1000; + 1048576.
    expect(estimateRunStorageBytes(input)).toBe(12000 + 1360 + 12000 + 1000 + 1048576);
    // Baselines add their records; stored base models add 4 bytes per parameter.
    expect(
      estimateRunStorageBytes({ ...input, methods: ['distildp', 'dpsgd'], storedBaseParameters: 50 }),
    ).toBe(12000 + 1360 + 1200 + 12000 + 200 + 1000 + 1048576);
  });
});
