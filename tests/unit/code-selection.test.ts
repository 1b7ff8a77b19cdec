import { beforeAll, describe, expect, it } from 'vitest';
import { paramsFromArrays } from '../../src/model/params';
import { disposeModel, loadModel } from '../../src/pipeline/models';
import {
  distinctSelectionApplies,
  generateSyntheticCorpus,
  type SyntheticProgress,
} from '../../src/pipeline/synthetic';
import { useWasm } from './helpers/backend';

beforeAll(useWasm);

const noAssets = async () => null;
const A = 'a'.charCodeAt(0);
const B = 'b'.charCodeAt(0);

describe("codeSelection 'distinct'", () => {
  // Zero weights but the final LayerNorm bias (all ones): logit t = strength x d for the favoured
  // token, 0.7 x that for the second, 0 for every other, whatever the input. The base model (all
  // zeros) is uniform.
  async function models(strength: number) {
    const base = await loadModel({ kind: 'preset', name: 'tiny' }, noAssets);
    const d = base.config.nEmbd;
    const favouring = (token: number | null, second?: number) => {
      const arrays = new Map([...base.params].map(([n, v]) => [n, new Float32Array(v.size)]));
      if (token !== null) {
        arrays.get('ln_f.bias')!.fill(1);
        arrays.get('wte.weight')!.fill(strength, token * d, (token + 1) * d);
        if (second !== undefined)
          arrays.get('wte.weight')!.fill(0.7 * strength, second * d, (second + 1) * d);
      }
      return { params: paramsFromArrays(base.config, arrays) };
    };
    const reference = favouring(null);
    const teachers = new Map([
      ['["a"]', favouring(A, B)],
      ['["b"]', favouring(B)],
    ]);
    const average = { ...base, params: favouring(null).params };
    const dispose = () => {
      for (const m of [reference, average, ...teachers.values()])
        for (const v of m.params.values()) v.dispose();
      disposeModel(base);
    };
    return { base, reference, teachers, average, dispose };
  }
  const codes = [
    { labels: ['a'], weight: 1 },
    { labels: ['b'], weight: 1 },
  ];

  it("keeps each code's samples the other code's teacher finds least likely (here: a saved run's unscored samples)", async () => {
    const m = await models(0.1);
    try {
      // Every prompt generated already (one chunk of 2 x 3 prompts); nothing scored yet.
      const resume: SyntheticProgress = {
        chunksDone: 1,
        kept: [
          [
            { labels: ['a'], text: 'abab' },
            { labels: ['a'], text: 'bbbb' },
            { labels: ['a'], text: 'aaaa' },
          ],
          [
            { labels: ['b'], text: 'aaab' },
            { labels: ['b'], text: 'bbbb' },
            { labels: ['b'], text: 'abba' },
          ],
        ],
        empty: 0,
        duplicates: 0,
      };
      const config = { samples: 2, distinctOverGenerate: 3, codeGuidance: 0 };
      const write = (codeSelection: 'random' | 'distinct', reference = true) =>
        generateSyntheticCorpus(
          m.average,
          codes,
          { ...config, codeSelection },
          {},
          resume,
          reference ? { teachers: m.teachers, reference: m.reference } : { teachers: m.teachers },
        );
      const distinct = await write('distinct');
      const text = (corpus: Awaited<typeof distinct>, code: string) =>
        corpus.samples.filter((s) => s.labels[0] === code).map((s) => s.text);
      expect(text(distinct, 'a')).toEqual(['aaaa']); // the 'b' teacher likes it least
      expect(text(distinct, 'b')).toEqual(['bbbb']);
      // The scores against a closed form: every logit is input-independent, so a text's mean token
      // log-probability is the mean of log softmax over its tokens, and the base model's is -log V.
      const { vocabSize: V, nEmbd: d } = m.base.config;
      const sd = 0.1 * d;
      const [aScore, bScore] = ['a', 'b'].map(
        (code) => distinct.samples.find((s) => s.labels[0] === code)!.otherCodeScore!,
      );
      // 'aaaa' (code a) under the 'b' teacher: logit s d for b, 0 for the rest.
      expect(aScore).toBeCloseTo(Math.log(V) - Math.log(Math.exp(sd) + V - 1), 4);
      // 'bbbb' (code b) under the 'a' teacher: s d for a, 0.7 s d for b, 0 for the rest.
      expect(bScore).toBeCloseTo(
        Math.log(V) + 0.7 * sd - Math.log(Math.exp(sd) + Math.exp(0.7 * sd) + V - 2),
        4,
      );
      // Random choice (or no base model to compare with) does not score, and picks by the seed.
      for (const random of [await write('random'), await write('distinct', false)]) {
        expect(random.samples.every((s) => s.otherCodeScore === undefined)).toBe(true);
        expect(random.samples).toHaveLength(2);
      }
      await expect(write('loudest' as 'random')).rejects.toThrow(
        /codeSelection must be 'random' or 'distinct'/,
      );
    } finally {
      m.dispose();
    }
  });

  it('scores every sample with its chunk and keeps the lowest scores of each code', async () => {
    const m = await models(0.1);
    try {
      let saved: SyntheticProgress | undefined;
      const corpus = await generateSyntheticCorpus(
        m.average,
        codes,
        {
          samples: 8,
          overGenerate: 5, // not this: 'distinct' chooses from its own pool
          distinctOverGenerate: 3,
          codeGuidance: 0,
          codeSelection: 'distinct',
          generation: { maxLength: 12 },
        },
        {
          checkpoint: async (p) => {
            saved = p;
          },
        },
        undefined,
        { teachers: m.teachers, reference: m.reference },
      );
      expect(saved).toBeDefined();
      expect(corpus.generated).toBe(2 * 4 * 3);
      // The 'a' teacher also likes 'b' (0.7), the 'b' teacher only 'b': of the 'a' samples, those
      // with fewer b's are kept.
      const share = (texts: string[]) => {
        const all = texts.join('');
        return all.split('').filter((ch) => ch === 'b').length / all.length;
      };
      const aKept = saved!.kept[0].map((s) => s.text);
      const aChosen = corpus.samples.filter((s) => s.labels[0] === 'a').map((s) => s.text);
      expect(share(aKept)).toBeGreaterThan(0.05);
      expect(share(aChosen)).toBeLessThan(share(aKept));
      for (const [ci, code] of ['a', 'b'].entries()) {
        const kept = saved!.kept[ci];
        expect(kept.length).toBeGreaterThan(4);
        expect(kept.every((s) => Number.isFinite(s.otherCodeScore))).toBe(true);
        const lowest = [...kept].sort((x, y) => x.otherCodeScore! - y.otherCodeScore!).slice(0, 4);
        const chosen = corpus.samples.filter((s) => s.labels[0] === code);
        const scores = (xs: typeof kept) => xs.map((s) => s.otherCodeScore!).sort((x, y) => x - y);
        expect(scores(chosen)).toEqual(scores(lowest));
        expect(scores(kept).at(-1)).toBeGreaterThan(scores(kept)[0]); // the scores do tell samples apart
      }
    } finally {
      m.dispose();
    }
  });

  it('applies only with two or more per-code teachers; otherwise chooses at random from overGenerate', async () => {
    expect(distinctSelectionApplies('distinct', 2)).toBe(true);
    expect(distinctSelectionApplies('distinct', 1)).toBe(false);
    expect(distinctSelectionApplies('distinct', 0)).toBe(false);
    expect(distinctSelectionApplies('random', 3)).toBe(false);
    const m = await models(0.1);
    try {
      // One teacher writes both codes (no per-code teachers): 'distinct' asked for, random used.
      const corpus = await generateSyntheticCorpus(m.average, codes, {
        samples: 8,
        overGenerate: 2,
        distinctOverGenerate: 3,
        codeSelection: 'distinct',
        generation: { maxLength: 12 },
      });
      expect(corpus.generated).toBe(2 * 4 * 2);
      expect(corpus.samples).toHaveLength(8);
      expect(corpus.samples.every((s) => s.otherCodeScore === undefined)).toBe(true);
    } finally {
      m.dispose();
    }
  });
});
