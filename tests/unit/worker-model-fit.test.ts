import { describe, expect, it } from 'vitest';
import { estimateModelMemory, modelMemory } from '../../src/io/memory-estimate';
import { makeConfig } from '../../src/model/config';
import { refusalReason, WASM_MEMORY_BYTES } from '../../src/worker/model-fit';

const GIB = 1024 ** 3;
const gpt2 = makeConfig({ vocabSize: 50257, contextLength: 1024, nLayer: 12, nHead: 12, nEmbd: 768 });
const tiny = makeConfig({ vocabSize: 258, contextLength: 64, nLayer: 2, nHead: 2, nEmbd: 32 });

describe('modelMemory', () => {
  it('uses the DP training and inference estimates at the full context, and the largest buffer', () => {
    const m = modelMemory(gpt2, 16);
    expect(m.trainingBytes).toBe(
      estimateModelMemory(gpt2, { batch: 16, seqLen: 1024, training: true, dp: true }).totalBytes,
    );
    expect(m.inferenceBytes).toBe(
      estimateModelMemory(gpt2, { batch: 16, seqLen: 1024, training: false, dp: false }).totalBytes,
    );
    // Logits of the micro-batch: 16 x 1024 x 50257 floats.
    expect(m.largestBufferBytes).toBe(16 * 1024 * 50257 * 4);
    // The tiny model's largest buffer is its logits too: 4 x 64 x 258 floats (> 258 x 32 embedding).
    expect(modelMemory(tiny, 4).largestBufferBytes).toBe(4 * 64 * 258 * 4);
  });
});

describe('refusalReason', () => {
  const m = modelMemory(gpt2, 16);

  it('refuses beyond half the reported device memory, with both numbers', () => {
    const reason = refusalReason('teacher', m, { backend: 'wasm', deviceMemoryGiB: 4 });
    expect(m.trainingBytes).toBeGreaterThan(2 * GIB);
    expect(reason).toMatch(
      /^DP training of the teacher \(micro-batch 16 x 1024 tokens\) needs about [\d.]+ GB, but this device reports 4 GiB of memory, of which a tab can use about 2\.15 GB\.$/,
    );
  });

  it('refuses on wasm beyond its 4 GiB address space, and on WebGPU beyond the binding limit', () => {
    const big = { ...m, trainingBytes: WASM_MEMORY_BYTES + 1 };
    expect(refusalReason('student', big, { backend: 'wasm' })).toMatch(
      /more than the 4\.29 GB the WASM backend can address/,
    );
    expect(refusalReason('student', big, { backend: 'cpu' })).toBeNull();
    // 16 x 1024 x 50257 x 4 bytes = 3.29 GB of logits vs SwiftShader's 1 GiB binding limit.
    expect(
      refusalReason('teacher', m, {
        backend: 'webgpu',
        maxStorageBufferBindingSize: GIB,
        maxBufferSize: 4 * GIB,
      }),
    ).toBe(
      'DP training of the teacher (micro-batch 16 x 1024 tokens) needs a 3.29 GB GPU buffer, but this GPU binds at most 1.07 GB (maxStorageBufferBindingSize).',
    );
    expect(
      refusalReason('teacher', m, {
        backend: 'webgpu',
        maxStorageBufferBindingSize: 8 * GIB,
        maxBufferSize: GIB,
      }),
    ).toMatch(/allows at most 1\.07 GB \(maxBufferSize\)/);
  });

  it('accepts a model within every known limit', () => {
    const t = modelMemory(tiny, 4);
    expect(
      refusalReason('teacher', t, {
        backend: 'webgpu',
        deviceMemoryGiB: 8,
        maxBufferSize: GIB,
        maxStorageBufferBindingSize: GIB,
      }),
    ).toBeNull();
    expect(refusalReason('teacher', t, { backend: 'wasm' })).toBeNull();
  });
});
