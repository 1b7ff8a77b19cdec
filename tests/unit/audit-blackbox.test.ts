import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditReleasedModels, blackboxCanaries } from '../../src/audit/blackbox';
import { sequenceLogLikelihoods } from '../../src/audit/likelihood';
import { canaryText, designSecretCanaries, exposureBits } from '../../src/audit/secrets';
import { gaussianFamily } from '../../src/audit/tradeoff';
import { auditExplanation, auditHeadline, auditViolatesClaim } from '../../src/contract/audit-explain';
import { documentWindows } from '../../src/data/windows';
import { recordTokens } from '../../src/pipeline/corpus';
import { fineTune } from '../../src/pipeline/model-tasks';
import { cloneModel, disposeModel, loadModel } from '../../src/pipeline/models';
import type { NoiseSeed } from '../../src/random/noise';
import { useWasm } from './helpers/backend';
import { runCli } from './helpers/cli';

beforeAll(useWasm);

const SEED: NoiseSeed = { key: [11, 22], stream: [33, 44] };
const tinyModel = () => loadModel({ kind: 'preset', name: 'tiny' }, async () => null);

describe('secret-string canaries', () => {
  it('are drawn from the audit seed: six digits, about half included, reproducible', () => {
    const a = designSecretCanaries(400, 50, SEED);
    const b = designSecretCanaries(400, 50, SEED);
    expect(a).toEqual(b);
    for (const s of [...a.secrets, ...a.candidates]) expect(s).toMatch(/^\d-\d-\d-\d-\d-\d$/);
    const inc = a.included.filter(Boolean).length;
    expect(inc).toBeGreaterThan(160);
    expect(inc).toBeLessThan(240);
    expect(designSecretCanaries(400, 50, { ...SEED, key: [12, 22] }).secrets).not.toEqual(a.secrets);
    expect(canaryText('1-2-3-4-5-6')).toBe('my account code is 1-2-3-4-5-6');
  });

  it('exposure: log2(K + 1) - log2(rank) (hand example)', () => {
    expect(exposureBits(5, [1, 2, 3])).toBeCloseTo(2, 12); // rank 1 of 4
    expect(exposureBits(2, [1, 2, 3])).toBeCloseTo(2 - Math.log2(3), 12); // ties count against it
    expect(exposureBits(0, [1, 2, 3])).toBeCloseTo(0, 12);
  });
});

describe('black-box scoring of released models', () => {
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
    const canaries = blackboxCanaries({ canaries: 48, candidates: 63, confidence: 0.95 }, SEED, []);
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
