import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  auditReleasedModels,
  blackboxCanaries,
  canaryExposures,
  canaryRecord,
} from '../../src/audit/blackbox';
import { auditStream } from '../../src/audit/canaries';
import { chanceExposureBits, exposureBits } from '../../src/audit/exposure';
import { sequenceLogLikelihoods } from '../../src/audit/likelihood';
import { canaryDocumentText, canarySentence, designSecretCanaries } from '../../src/audit/secrets';
import { gaussianFamily } from '../../src/audit/tradeoff';
import { auditExplanation, auditHeadline, auditViolatesClaim } from '../../src/contract/audit-explain';
import { documentWindows } from '../../src/data/windows';
import { recordTokens } from '../../src/pipeline/corpus';
import { fineTune } from '../../src/pipeline/model-tasks';
import { cloneModel, disposeModel, loadModel } from '../../src/pipeline/models';
import { type NoiseSeed, philoxUniform53 } from '../../src/random/noise';
import { useWasm } from './helpers/backend';
import { runCli } from './helpers/cli';

beforeAll(useWasm);

const SEED: NoiseSeed = { key: [11, 22], stream: [33, 44] };
const tinyModel = () => loadModel({ kind: 'preset', name: 'tiny' }, async () => null);

describe('secret-string canaries', () => {
  it('are drawn from the audit seed: six digits, a distinct made-up name each, about half included, reproducible', () => {
    const a = designSecretCanaries(400, 50, SEED);
    const b = designSecretCanaries(400, 50, SEED);
    expect(a).toEqual(b);
    for (const s of [...a.secrets, ...a.candidates]) expect(s).toMatch(/^\d-\d-\d-\d-\d-\d$/);
    for (const n of a.names) expect(n).toMatch(/^[A-Z][a-z]{5} [A-Z][a-z]{5}$/);
    expect(new Set(a.names).size).toBe(400);
    const inc = a.included.filter(Boolean).length;
    expect(inc).toBeGreaterThan(160);
    expect(inc).toBeLessThan(240);
    const other = designSecretCanaries(400, 50, { ...SEED, key: [12, 22] });
    expect(other.secrets).not.toEqual(a.secrets);
    expect(other.names).not.toEqual(a.names);
    expect(canarySentence('Bavomi Kelutar', '1-2-3-4-5-6')).toBe(
      'the account code of Bavomi Kelutar is 1-2-3-4-5-6.',
    );
    expect(canaryDocumentText('Bavomi Kelutar', '1-2-3-4-5-6', 2)).toBe(
      'the account code of Bavomi Kelutar is 1-2-3-4-5-6. the account code of Bavomi Kelutar is 1-2-3-4-5-6.',
    );
  });

  it('inserted canary documents: the included canaries only, each its sentence `repeats` times', () => {
    const c = blackboxCanaries({ canaries: 40, candidates: 3, repeats: 3 }, SEED, ['novel']);
    const inserted = c.design.included.flatMap((inc, i) => (inc ? [i] : []));
    expect(c.documents.map((d) => d.id)).toEqual(inserted.map((i) => `audit-canary#${i}`));
    c.documents.forEach((d, k) => {
      const i = inserted[k];
      expect(d.text).toBe(canaryDocumentText(c.design.names[i], c.design.secrets[i], 3));
      expect(d.labels).toEqual(['novel']);
    });
  });

  it("each canary's name and secret are decoded from the audit seed's own Philox streams (the secure RNG), independent of m", () => {
    // Hand decoding: a name is two words of three consonant-vowel syllables, one uniform per
    // letter from the seed's name stream (14); a secret is six digits, floor(10 u), from stream 12.
    const u = philoxUniform53(auditStream(SEED, 14), 24);
    const word = (from: number) => {
      let w = '';
      for (let k = from; k < from + 6; k += 2)
        w += 'bdfgklmnprstvz'[Math.floor(u[k] * 14)] + 'aeiou'[Math.floor(u[k + 1] * 5)];
      return w[0].toUpperCase() + w.slice(1);
    };
    const digits = philoxUniform53(auditStream(SEED, 12), 6);
    const a = designSecretCanaries(400, 50, SEED);
    expect(a.names.slice(0, 2)).toEqual([`${word(0)} ${word(6)}`, `${word(12)} ${word(18)}`]);
    expect(a.secrets[0]).toBe(Array.from(digits, (d) => Math.floor(d * 10)).join('-'));
    // A canary's name, secret and coin depend on the seed and its index, not on how many there are.
    const small = designSecretCanaries(100, 50, SEED);
    expect(small.names).toEqual(a.names.slice(0, 100));
    expect(small.secrets).toEqual(a.secrets.slice(0, 100));
    expect(small.included).toEqual(a.included.slice(0, 100));
  });

  it('a canary document repeats its own sentence and nothing else; repeats must be a whole number >= 1', () => {
    const c = blackboxCanaries({ canaries: 16, candidates: 3, repeats: 16 }, SEED, []);
    expect(c.documents.length).toBeGreaterThan(0);
    c.documents.forEach((d) => {
      const i = Number(d.id.split('#')[1]);
      const sentence = canarySentence(c.design.names[i], c.design.secrets[i]);
      const between = d.text.split(sentence); // 16 copies: 17 pieces, single spaces inside, nothing at the ends
      expect(between).toHaveLength(17);
      expect(new Set(between.slice(1, -1))).toEqual(new Set([' ']));
      expect(between[0] + between[16]).toBe('');
      // No other canary's name (its context) appears in it.
      for (const [j, name] of c.design.names.entries()) if (j !== i) expect(d.text).not.toContain(name);
    });
    for (const repeats of [0, 1.5, Number.NaN])
      expect(() => blackboxCanaries({ canaries: 4, candidates: 3, repeats }, SEED, [])).toThrow(/repeats/);
  });

  it('exposure: log2(K + 1) - log2(rank) (hand example)', () => {
    expect(exposureBits(5, [1, 2, 3])).toBeCloseTo(2, 12); // rank 1 of 4
    expect(exposureBits(2, [1, 2, 3])).toBeCloseTo(2 - Math.log2(3), 12); // ties count against it
    expect(exposureBits(0, [1, 2, 3])).toBeCloseTo(0, 12);
  });

  it('each secret is ranked among the candidates in its own context only (hand example, K = 3)', () => {
    const gains = {
      sentence: new Float64Array(2),
      secret: Float64Array.from([3, 0]),
      // Canary 0's context: [1, 2, 4]; canary 1's: [1, 2, 5].
      candidates: Float64Array.from([1, 2, 4, 1, 2, 5]),
    };
    const e = canaryExposures(gains);
    expect(e[0]).toBeCloseTo(2 - 1, 12); // rank 2 of 4 (ranked among all six: rank 3)
    expect(e[1]).toBeCloseTo(2 - 2, 12); // rank 4 of 4
  });

  it('chance exposure: the mean over a uniform rank (hand value for K = 1; every rank for K = 127)', () => {
    expect(chanceExposureBits(1)).toBeCloseTo(0.5, 12); // ranks 1, 2: (1 + 0) / 2
    const k = 127;
    const candidates = Array.from({ length: k }, (_, i) => i + 0.5);
    let sum = 0;
    for (let score = 0; score <= k; score++) sum += exposureBits(score, candidates);
    expect(chanceExposureBits(k)).toBeCloseTo(sum / (k + 1), 12);
    expect(chanceExposureBits(k)).toBeCloseTo(1.405, 3);
  });
});

describe('black-box scoring of released models', () => {
  it("a canary record's secret starts where it parts from its context (bytes: the space before the digits)", async () => {
    const m = await tinyModel();
    const tokenize = (text: string) =>
      recordTokens({ id: '', text, labels: ['speech'], source: '' }, m.tokenizer, true);
    const r = canaryRecord(tokenize, 'Bavomi Kelutar', '1-2-3-4-5-6');
    expect(r.tokens).toEqual(tokenize(canarySentence('Bavomi Kelutar', '1-2-3-4-5-6')));
    expect(m.tokenizer.decode(r.tokens.slice(r.secretFrom, -1))).toBe(' 1-2-3-4-5-6.');
    disposeModel(m);
  });

  it('the log-likelihood of a tail = whole sequence minus its head (independent of the scored-from mask)', async () => {
    const m = await tinyModel();
    const seqs = [
      [1, 5, 9, 2, 4, 4, 8],
      [7, 7, 7, 7, 7, 7],
    ];
    const from = [3, 5];
    const tails = await sequenceLogLikelihoods(m.params, m.config, seqs, m.tokenizer.padId, 2, from);
    const whole = await sequenceLogLikelihoods(m.params, m.config, seqs, m.tokenizer.padId, 2);
    const heads = await sequenceLogLikelihoods(
      m.params,
      m.config,
      seqs.map((s, i) => s.slice(0, from[i])),
      m.tokenizer.padId,
      2,
    );
    for (let i = 0; i < seqs.length; i++) {
      expect(tails[i]).toBeCloseTo(whole[i] - heads[i], 4);
      expect(tails[i]).toBeLessThan(0);
    }
    disposeModel(m);
  });

  it('sequence log-likelihoods equal a per-sequence loop', async () => {
    const m = await tinyModel();
    const seqs = [
      [1, 5, 9, 2],
      [7, 7, 7, 7, 7, 7],
      [3, 4],
    ];
    const batched = await sequenceLogLikelihoods(m.params, m.config, seqs, m.tokenizer.padId, 2);
    for (let i = 0; i < seqs.length; i++) {
      const [one] = await sequenceLogLikelihoods(m.params, m.config, [seqs[i]], m.tokenizer.padId, 1);
      expect(batched[i]).toBeCloseTo(one, 4);
      expect(one).toBeLessThan(0);
    }
    disposeModel(m);
  });

  it('a model that memorised the inserted secrets is caught; the untouched base model is not', async () => {
    const base = await tinyModel();
    const canaries = blackboxCanaries({ canaries: 48, candidates: 15, repeats: 1 }, SEED, []);
    // Non-private fine-tuning on the inserted canaries only, many passes: memorisation.
    const trained = await cloneModel(base, 'memoriser');
    const windows = canaries.documents.map(
      (d) => documentWindows(recordTokens(d, trained.tokenizer, false), trained.config.contextLength)[0],
    );
    await fineTune(trained, windows, {
      epochs: 60,
      batchSize: 8,
      learningRate: 1e-2,
      warmupSteps: 5,
      seed: 1,
    });
    const options = { delta: 1e-3, confidence: 0.95, family: gaussianFamily(1e-3) };
    const [leaky] = await auditReleasedModels(canaries, [{ model: trained, base }], false, options);
    expect(leaky.gainIncluded).toBeGreaterThan(leaky.gainExcluded);
    expect(leaky.exposureIncluded).toBeGreaterThan(leaky.exposureExcluded + 1);
    expect(leaky.bound.epsilon).toBeGreaterThan(0.5);
    const [none] = await auditReleasedModels(canaries, [{ model: base, base }], false, options);
    expect(none.bound.epsilon).toBe(0);
    expect(none.exposureIncluded).toBe(0);
    disposeModel(trained);
    disposeModel(base);
  });
});

describe('the audit in words', () => {
  const r = {
    mode: 'whitebox' as const,
    method: 'dpsgd' as const,
    epsilon_claimed: 2,
    epsilon_lower_bound: 0.713,
    confidence: 0.95,
    canaries: 2000,
  };
  it('headline and verdict', () => {
    expect(auditHeadline(r)).toBe('claimed epsilon 2.00; audited lower bound 0.71 (95%)');
    expect(auditViolatesClaim(r)).toBe(false);
    expect(auditExplanation(r)).toMatch(/found no leak beyond it/);
    expect(auditExplanation({ ...r, epsilon_lower_bound: 2.4 })).toMatch(/MORE than the promised 2.00/);
    expect(auditHeadline({ ...r, epsilon_claimed: null })).toMatch(/none \(not private\)/);
    const bb = { ...r, mode: 'blackbox' as const, canaries: 128, exposure_bits: 2.345 };
    expect(auditExplanation(bb)).toMatch(
      /2\.3 bits high on average among 127 random look-alike codes, where chance \(a code it never saw\) is 1\.4 bits/,
    );
  });
});

describe('distildp audit', () => {
  const run = runCli;

  it('--json prints exactly the issue keys (white-box, tiny models, a small corpus)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'distildp-audit-'));
    const file = join(dir, 'docs.jsonl');
    const words = ['river', 'stone', 'light', 'winter', 'market', 'garden', 'letter', 'harbour'];
    writeFileSync(
      file,
      Array.from({ length: 48 }, (_, i) =>
        JSON.stringify({ text: `${words[i % 8]} ${words[(i * 3) % 8]} number ${i} of the collection.` }),
      ).join('\n'),
    );
    const r = await run([
      'audit',
      '--data',
      file,
      '--profile',
      'tiny',
      '--teacher-init',
      'tiny',
      '--student-init',
      'tiny',
      '--canaries',
      '256',
      '--epsilon',
      '3',
      '--json',
    ]);
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(1);
    const json = JSON.parse(lines[0]);
    expect(Object.keys(json)).toEqual([
      'mode',
      'method',
      'epsilon_claimed',
      'delta',
      'epsilon_lower_bound',
      'confidence',
      'canaries',
      'guesses',
      'correct',
      'wall_s',
    ]);
    expect(json).toMatchObject({ mode: 'whitebox', method: 'dpsgd', confidence: 0.95, canaries: 256 });
    expect(json.epsilon_claimed).toBeLessThanOrEqual(3);
    expect(json.epsilon_lower_bound).toBeLessThanOrEqual(json.epsilon_claimed);
  });

  it('refuses white-box on the non-private method and unknown modes', async () => {
    expect((await run(['audit', '--mode', 'whitebox', '--method', 'nonprivate'])).code).toBe(2);
    expect((await run(['audit', '--mode', 'greybox'])).err).toMatch(/--mode is one of whitebox, blackbox/);
  });
});
