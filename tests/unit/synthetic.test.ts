import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tokenizerFor } from '../../src/data/tokenizer';
import { syntheticWindows } from '../../src/pipeline/model-tasks';
import { disposeModel, loadModel } from '../../src/pipeline/models';
import {
  generateSyntheticCorpus,
  noRepeatNgramFor,
  type SyntheticProgress,
  syntheticToJsonl,
} from '../../src/pipeline/synthetic';
import { useWasm } from './helpers/backend';

beforeAll(useWasm);

const noAssets = async () => null;

describe('synthetic corpus', () => {
  it('bans repeated 2-grams only for the GPT-2 BPE tokenizer', () => {
    expect(noRepeatNgramFor(tokenizerFor('bytes'))).toBe(0);
    expect(noRepeatNgramFor({ ...tokenizerFor('bytes'), kind: 'gpt2' })).toBe(2);
  });

  it('byte-level teacher: no n-gram ban by default; samples cut at maxLength are marked incomplete', async () => {
    const model = await loadModel({ kind: 'preset', name: 'tiny' }, noAssets);
    try {
      // All-zero weights give equal logits everywhere: greedy decoding picks byte 0 every step,
      // which a 2-gram ban would forbid from the third token on.
      for (const v of model.params.values()) v.assign(tf.zerosLike(v));
      const corpus = await generateSyntheticCorpus(model, null, {
        samples: 2,
        overGenerate: 1,
        generation: { maxLength: 10, temperature: 0, batchSize: 2 },
      });
      expect(corpus.samples).toHaveLength(1); // the second is a duplicate
      expect(corpus.duplicates).toBe(1);
      // maxLength counts the prompt (one end-of-text token here).
      expect(corpus.samples[0].text).toBe('\0'.repeat(9));
      expect(corpus.samples[0].complete).toBe(false);
    } finally {
      disposeModel(model);
    }
  });

  it('continues samples cut at the window length, window by window, up to continueTo tokens', async () => {
    const model = await loadModel({ kind: 'preset', name: 'tiny' }, noAssets);
    try {
      for (const v of model.params.values()) v.assign(tf.zerosLike(v));
      const generation = { maxLength: 10, temperature: 0, batchSize: 2 };
      const long = await generateSyntheticCorpus(model, null, {
        samples: 1,
        overGenerate: 1,
        generation,
        continueTo: 3 * model.config.contextLength + 5,
      });
      expect(long.samples[0].text).toBe('\0'.repeat(3 * model.config.contextLength + 5));
      expect(long.samples[0].complete).toBe(false);
      // Its student windows cover the whole sample, not its first window only.
      expect(syntheticWindows(model, long.samples).length).toBeGreaterThanOrEqual(4);
      const one = await generateSyntheticCorpus(model, null, { samples: 1, overGenerate: 1, generation });
      expect(one.samples[0].text).toBe('\0'.repeat(9));
    } finally {
      disposeModel(model);
    }
  });

  it('the corpus order depends on the released codes and public seeds only, not on their order', async () => {
    const model = await loadModel({ kind: 'preset', name: 'tiny' }, noAssets);
    try {
      const config = { samples: 8, overGenerate: 1, seed: 3, generation: { maxLength: 12, batchSize: 8 } };
      const codes = [
        { labels: ['ships'], weight: 5 },
        { labels: ['garden'], weight: 3 },
      ];
      const a = await generateSyntheticCorpus(model, codes, config);
      const b = await generateSyntheticCorpus(model, [...codes].reverse(), config);
      expect(syntheticToJsonl(b.samples)).toBe(syntheticToJsonl(a.samples));
      // Interleaved by a public seed, not grouped by code.
      const labels = a.samples.map((s) => s.labels[0]);
      expect(labels.slice(0, 5)).not.toEqual(Array(5).fill(labels[0]));
    } finally {
      disposeModel(model);
    }
  });

  it('student windows end with end-of-text only where the teacher ended the sample', async () => {
    const model = await loadModel({ kind: 'preset', name: 'tiny' }, noAssets);
    try {
      const t = model.tokenizer;
      const [cut, ended, legacy] = syntheticWindows(model, [
        { labels: [], text: 'ab', complete: false },
        { labels: [], text: 'ab', complete: true },
        { labels: [], text: 'ab' },
      ]);
      expect(cut.filter((id) => id !== t.padId)).toEqual([t.eotId, ...t.encode('ab')]);
      expect(ended.filter((id) => id !== t.padId)).toEqual([t.eotId, ...t.encode('ab'), t.eotId]);
      expect(legacy).toEqual(ended);
    } finally {
      disposeModel(model);
    }
  });
});

describe('synthetic corpus: stop inside a chunk', () => {
  it('rolls back to the chunk boundary, reports fractional progress, and resumes to the uninterrupted corpus', async () => {
    const model = await loadModel({ kind: 'preset', name: 'tiny' }, noAssets);
    const codes = [
      { labels: ['a'], weight: 5 },
      { labels: ['b'], weight: 5 },
    ];
    // 80 samples x 1 = 80 prompts: two chunks of 64 + 16; batches of 8 inside a chunk.
    const config = { samples: 80, overGenerate: 1, seed: 3, generation: { maxLength: 24, batchSize: 8 } };
    try {
      const full = await generateSyntheticCorpus(model, codes, config);
      const progress: number[] = [];
      let checkpoint: SyntheticProgress | undefined;
      let stop = false;
      const first = await generateSyntheticCorpus(model, codes, config, {
        onProgress: (done) => {
          progress.push(done);
          // Stop in the second chunk, after a few of its tokens.
          if (done > 66) stop = true;
        },
        shouldStop: () => stop,
        checkpoint: async (p) => {
          checkpoint = p;
        },
      });
      expect(first.completed).toBe(false);
      expect(checkpoint?.chunksDone).toBe(1);
      // Fractional: progress moved within the first batch, before any sample finished.
      expect(progress.some((d) => d > 0 && d < 1)).toBe(true);
      // The stop fell inside chunk 2: none of its samples were kept.
      const keptAtCheckpoint = checkpoint!.kept.map((k) => k.length);
      expect(first.samples.length).toBeLessThanOrEqual(keptAtCheckpoint.reduce((a, b) => a + b, 0));
      const resumed = await generateSyntheticCorpus(model, codes, config, {}, checkpoint);
      expect(resumed.completed).toBe(true);
      expect(resumed.samples).toEqual(full.samples);
      expect([resumed.duplicates, resumed.empty]).toEqual([full.duplicates, full.empty]);
    } finally {
      disposeModel(model);
    }
  });
});
