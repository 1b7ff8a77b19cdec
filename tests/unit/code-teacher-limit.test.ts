/**
 * The rule for one DP teacher per control code vs one for all (code-teacher-limit.ts): the weight
 * count it uses is the loaded model's, and GPT-2-sized teachers fall back as the limit says.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { countParameters, makeConfig } from '../../src/model/config';
import {
  PER_CODE_TEACHERS_MAX_BYTES,
  perCodeTeacherBytes,
  usesPerCodeTeachers,
} from '../../src/pipeline/code-teacher-limit';
import { disposeModel, loadModel } from '../../src/pipeline/models';
import { useWasm } from './helpers/backend';

beforeAll(useWasm);

describe('per-code teachers or one', () => {
  it("counts the weights the loaded model holds (the config's count is the tensors' sizes)", async () => {
    for (const name of ['tiny', 'teacher']) {
      const m = await loadModel({ kind: 'preset', name }, async () => null);
      try {
        const held = [...m.params.values()].reduce((a, p) => a + p.size, 0);
        expect(countParameters(m.config)).toBe(held);
      } finally {
        disposeModel(m);
      }
    }
  });

  it('falls back to one teacher when the teachers and their average would not fit', () => {
    const gpt2 = countParameters(
      makeConfig({ vocabSize: 50257, contextLength: 1024, nLayer: 12, nHead: 12, nEmbd: 768 }),
    );
    const distil = countParameters(
      makeConfig({ vocabSize: 50257, contextLength: 1024, nLayer: 6, nHead: 12, nEmbd: 768 }),
    );
    expect(gpt2).toBe(124_439_808); // GPT-2 small, as Hugging Face counts it
    expect(perCodeTeacherBytes(gpt2, 2)).toBe(3 * gpt2 * 4);
    // GPT-2 small: two codes fit (3 x 498 MB = 1.49 GB), three do not (1.99 GB > 1.5 GiB).
    expect(usesPerCodeTeachers('per-code', 2, gpt2)).toBe(true);
    expect(usesPerCodeTeachers('per-code', 3, gpt2)).toBe(false);
    // distilgpt2: up to three codes.
    expect(usesPerCodeTeachers('per-code', 3, distil)).toBe(true);
    expect(usesPerCodeTeachers('per-code', 4, distil)).toBe(false);
    expect(perCodeTeacherBytes(distil, 4)).toBeGreaterThan(PER_CODE_TEACHERS_MAX_BYTES);
    // Never with one code or with 'joint'.
    expect(usesPerCodeTeachers('per-code', 1, 1_000)).toBe(false);
    expect(usesPerCodeTeachers('joint', 3, 1_000)).toBe(false);
  });
});
