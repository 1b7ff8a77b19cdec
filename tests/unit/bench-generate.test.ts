/** `distildp bench generate` at GPT-2's vocabulary, on a tiny run (seconds): the JSON it reports. */
import { beforeAll, describe, expect, it } from 'vitest';
import { GPT2_VOCAB_GENERATE_CONFIGS, runGenerateBenchmark } from '../../src/bench/generate-bench';
import { useWasm } from './helpers/backend';

beforeAll(useWasm);

describe('generation benchmark', () => {
  it('samples over 50,257 logits with and without the KV cache, every row to full length', async () => {
    const r = await runGenerateBenchmark('gpt2-vocab', {
      batch: 2,
      tokens: 8,
      repeats: 1,
      nocacheRepeats: 1,
    });
    expect(r.model.vocabSize).toBe(50257);
    expect(r.generated_per_run).toBe(2 * (8 - r.prompt_tokens));
    expect(r.kv_tokens_per_s).toBeCloseTo((r.generated_per_run / r.samples_ms.kv[0]) * 1000, 6);
    expect(r.speedup).toBeCloseTo(r.kv_tokens_per_s / r.nocache_tokens_per_s, 9);
  });

  it('names its configs and refuses unknown ones', async () => {
    expect(GPT2_VOCAB_GENERATE_CONFIGS.distilgpt2.config).toMatchObject({
      nLayer: 6,
      nEmbd: 768,
      vocabSize: 50257,
    });
    await expect(runGenerateBenchmark('huge')).rejects.toThrow(/unknown generate benchmark config "huge"/);
  });
});
