/**
 * The app's memory estimate against measured memory: the WASM heap high-water mark of a whole DP
 * training step (clipped gradients, noise, AdamW) on a fresh module, recorded by
 * `distildp bench dp --config <c> --batch <b> --threads none --json` (fixtures/measured-memory.json
 * says when and how). The app refuses a model on WASM from this estimate, so it must agree within
 * 25% for the GPT-2-sized shapes; and what cannot fit is refused with a way out.
 */
import { describe, expect, it } from 'vitest';
import { DP_BENCH_CONFIGS } from '../../src/bench/bench-configs';
import { formatBytes } from '../../src/contract/format';
import { estimateModelMemory, largestFittingBatch, modelMemory } from '../../src/io/memory-estimate';
import { refusalReason, WASM_MEMORY_BYTES } from '../../src/worker/model-fit';
import measured from './fixtures/measured-memory.json';

interface Measurement {
  config: keyof typeof DP_BENCH_CONFIGS;
  batch: number;
  training_step_heap_bytes: number;
}

describe('memory estimate vs measured WASM heap', () => {
  const rows = measured.measurements as Measurement[];

  it('has GPT-2-sized measurements (distilgpt2 and GPT-2 small shapes)', () => {
    expect(new Set(rows.map((r) => r.config))).toEqual(new Set(['distilgpt2', 'gpt2']));
  });

  for (const r of rows) {
    it(`${r.config}, batch ${r.batch}: within 25% of the measured training step`, () => {
      const model = DP_BENCH_CONFIGS[r.config].model;
      const est = modelMemory(model, r.batch).trainingBytes;
      expect(est).toBe(
        estimateModelMemory(model, { batch: r.batch, seqLen: model.contextLength, training: true, dp: true })
          .totalBytes,
      );
      const ratio = est / r.training_step_heap_bytes;
      expect(ratio, `estimate ${est} / measured ${r.training_step_heap_bytes}`).toBeGreaterThan(0.75);
      expect(ratio).toBeLessThan(1.25);
    });
  }

  it('grows with the batch as the measurements do (per-example slope within 25%)', () => {
    const distil = rows.filter((r) => r.config === 'distilgpt2').sort((a, b) => a.batch - b.batch);
    const [first, last] = [distil[0], distil[distil.length - 1]];
    const model = DP_BENCH_CONFIGS.distilgpt2.model;
    const estSlope =
      (modelMemory(model, last.batch).trainingBytes - modelMemory(model, first.batch).trainingBytes) /
      (last.batch - first.batch);
    const measuredSlope =
      (last.training_step_heap_bytes - first.training_step_heap_bytes) / (last.batch - first.batch);
    expect(estSlope / measuredSlope).toBeGreaterThan(0.75);
    expect(estSlope / measuredSlope).toBeLessThan(1.25);
  });
});

describe('what cannot fit the WASM backend is refused, with a way out', () => {
  const gpt2 = DP_BENCH_CONFIGS.gpt2.model;
  const distil = DP_BENCH_CONFIGS.distilgpt2.model;

  it('names the largest micro-batch that fits', () => {
    const k = largestFittingBatch(gpt2, 128, WASM_MEMORY_BYTES);
    expect(k).toBeGreaterThanOrEqual(1);
    expect(modelMemory(gpt2, k).trainingBytes).toBeLessThanOrEqual(WASM_MEMORY_BYTES);
    expect(modelMemory(gpt2, k + 1).trainingBytes).toBeGreaterThan(WASM_MEMORY_BYTES);
    const reason = refusalReason('teacher', modelMemory(gpt2, 16), { backend: 'wasm' });
    expect(reason).toBe(
      `DP training of the teacher (micro-batch 16 x 128 tokens) needs about ${formatBytes(modelMemory(gpt2, 16).trainingBytes)}, more than the 4.29 GB the WASM backend can address. A micro-batch of ${k} or fewer documents fits: lower the micro-batch size.`,
    );
    expect(refusalReason('teacher', modelMemory(distil, 4), { backend: 'wasm' })).toBeNull();
  });

  it('says when not even one document fits', () => {
    const huge = { ...gpt2, nLayer: 48, nEmbd: 1600, nHead: 25, contextLength: 1024 }; // GPT-2 XL
    expect(largestFittingBatch(huge, 1024, WASM_MEMORY_BYTES)).toBe(0);
    expect(refusalReason('teacher', modelMemory(huge, 1), { backend: 'wasm' })).toMatch(
      /Even one document per micro-batch does not fit: this model needs WebGPU \(or a smaller model\)\.$/,
    );
  });
});
