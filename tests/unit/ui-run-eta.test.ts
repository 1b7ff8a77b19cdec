import { describe, expect, it } from 'vitest';
import { PER_CODE_TEACHERS_MAX_BYTES, usesPerCodeTeachers } from '../../src/pipeline/code-teacher-limit';
import { resolvePipelineConfig } from '../../src/pipeline/config';
import {
  DISTILL_OVERHEAD,
  DP_OVER_FORWARD,
  EVALUATE_OVERHEAD,
  estimateRun,
  GENERATED_SHARE,
  TRAIN_OVER_FORWARD,
} from '../../src/pipeline/estimate';
import { runEta, speedFactor } from '../../src/ui/run-eta';
import type { StageState } from '../../src/ui/run-slice';
import { endNotice, tabTitle } from '../../src/ui/run-watch';

describe('estimateRun (work x measured speed)', () => {
  it('matches a hand-computed run', () => {
    const config = resolvePipelineConfig({
      methods: ['distildp'],
      synthetic: { samples: 10, overGenerate: 2, generation: { maxLength: 20, batchSize: 4 } },
      distill: { epochs: 1 },
      validation: { points: 0, maxWindows: 0 },
    });
    const shape = {
      trainDocumentTokens: [100, 300],
      trainTokens: 400,
      trainWindows: 4,
      testTokens: 50,
      validationSliceTokens: 0,
      contextLength: 64,
      promptTokens: 4,
      controlCodes: 2,
      teacherParameters: 1_000,
    };
    const est = estimateRun({
      config,
      shape,
      speed: { forwardPerToken: { teacher: 0.01, student: 0.002 }, generateStep: 0.5, generateBatch: 4 },
      dp: { distildpTeacher: { steps: 3, q: 0.5 } },
    });
    const seconds = Object.fromEntries(est.stages.map((s) => [s.key, s.seconds]));
    // Base models: 50 test tokens through each model.
    expect(seconds['shared/evaluate']).toBeCloseTo(EVALUATE_OVERHEAD * 50 * 0.012, 12);
    // DP teacher: 3 steps x q 0.5 x 400 tokens, a DP token costing DP_OVER_FORWARD forward passes.
    expect(seconds['distildp/teacher-dp']).toBeCloseTo(3 * 0.5 * 400 * DP_OVER_FORWARD * 0.01, 12);
    // Generation: 20 prompts in batches of 4, plus one batch per extra code; 16 new tokens each;
    // two forward passes per step (2 codes: per-code teachers, each guided against their average);
    // then 'distinct' selection scores every sample (4 + 16 x share tokens) under the other code's
    // teacher and the base model: 2 forward passes of the teacher.
    const scoring = 2 * 20 * (4 + 16 * GENERATED_SHARE) * 0.01;
    expect(seconds['shared/generate']).toBeCloseTo(2 * (5 + 1) * 16 * GENERATED_SHARE * 0.5 + scoring, 12);
    // One joint teacher (or no guidance and random selection, or per-code teachers asked for but
    // too large, so the run falls back to one): one forward pass per step, no scoring.
    const tooLarge = PER_CODE_TEACHERS_MAX_BYTES / (3 * 4) + 1; // 2 teachers + their average, float32
    expect(usesPerCodeTeachers('per-code', 2, tooLarge - 2)).toBe(true);
    expect(usesPerCodeTeachers('per-code', 2, tooLarge)).toBe(false);
    for (const [over, teacherParameters] of [
      [{ codeTeachers: 'joint' as const }, 1_000],
      [{ synthetic: { codeGuidance: 0, codeSelection: 'random' as const } }, 1_000],
      [{}, tooLarge],
    ] as const) {
      const plain = estimateRun({
        config: resolvePipelineConfig(config, over),
        shape: { ...shape, teacherParameters },
        speed: { forwardPerToken: { teacher: 0.01, student: 0.002 }, generateStep: 0.5, generateBatch: 4 },
        dp: { distildpTeacher: { steps: 3, q: 0.5 } },
      });
      expect(plain.stages.find((st) => st.key === 'shared/generate')!.seconds).toBeCloseTo(
        (5 + 1) * 16 * GENERATED_SHARE * 0.5,
        12,
      );
    }
    // Distillation: 10 samples of 4 + 16 * share tokens, student training + teacher forward.
    const tokens = 10 * (4 + 16 * GENERATED_SHARE);
    expect(seconds['distildp/distill']).toBeCloseTo(
      DISTILL_OVERHEAD * tokens * (TRAIN_OVER_FORWARD * 0.002 + 0.01),
      12,
    );
    // Evaluation of the student and of the teacher.
    expect(seconds['distildp/evaluate']).toBeCloseTo(EVALUATE_OVERHEAD * (50 * 0.002 + 50 * 0.01), 12);
    expect(est.totalSeconds).toBeCloseTo(
      Object.values(seconds).reduce((a, b) => a + b, 0),
      12,
    );
  });
});

const stage = (s: Partial<StageState>): StageState => ({
  method: 'distildp',
  stage: 'teacher-dp',
  status: 'active',
  done: 0,
  total: 0,
  ...s,
});

describe('runEta', () => {
  const estimate = {
    stages: [
      { key: 'a/x', owner: 'shared' as const, stage: 'evaluate' as const, seconds: 10 },
      { key: 'b/y', owner: 'distildp' as const, stage: 'teacher-dp' as const, seconds: 100 },
      { key: 'c/z', owner: 'shared' as const, stage: 'generate' as const, seconds: 50 },
    ],
    totalSeconds: 160,
  };

  it('before anything ran: the estimate itself', () => {
    expect(runEta(estimate, {})).toEqual({ remaining: 160, fraction: 0, factor: 1 });
  });

  it('scales what is left by how slow the finished stages were, and uses a running stage own rate', () => {
    // Stage a took 20 s instead of 10: the device is twice as slow.
    const stages = {
      'a/x': stage({ status: 'done', total: 4, done: 4, startedAt: 0, endedAt: 20_000 }),
      'b/y': stage({ total: 10, done: 0, startedAt: 20_000 }),
    };
    expect(speedFactor(estimate.stages, stages)).toBe(2);
    const before = runEta(estimate, stages);
    expect(before.remaining).toBe(2 * 100 + 2 * 50);
    expect(before.fraction).toBeCloseTo(10 / 160, 12);
    // b has a rate now: 2 of 10 steps in 30 s -> 120 s left for b; c scaled by the measured factor.
    stages['b/y'] = stage({
      total: 10,
      done: 2,
      startedAt: 20_000,
      first: { time: 20_000, done: 0 },
      last: { time: 50_000, done: 2 },
    });
    const during = runEta(estimate, stages);
    // factor = (20 + 30 + 120) / (10 + 100) = 170 / 110
    expect(during.factor).toBeCloseTo(170 / 110, 12);
    expect(during.remaining).toBeCloseTo(120 + 50 * (170 / 110), 9);
    expect(during.fraction).toBeCloseTo((10 + 100 * 0.2) / 160, 12);
  });

  it('skipped stages (restored from a checkpoint) count as done', () => {
    expect(
      runEta(estimate, { 'a/x': stage({ status: 'skipped' }), 'b/y': stage({ status: 'skipped' }) })
        .remaining,
    ).toBe(50);
  });
});

describe('tab title and end-of-run notice', () => {
  it('shows the progress and the stage while running, and the outcome after', () => {
    expect(tabTitle('running', 0.374, 'DP teacher (DP-SGD)')).toBe('37% · DP teacher (DP-SGD) · DistilDP');
    expect(tabTitle('running', null, null)).toBe('Running · DistilDP');
    expect(tabTitle('completed', 1, null)).toBe('✓ Finished · DistilDP');
    expect(tabTitle('idle', null, null)).toBe('DistilDP');
  });

  it('notifies only for long runs that finished or failed', () => {
    expect(endNotice('completed', 30, 'standard', 1.99)).toBeNull();
    expect(endNotice('completed', 61, 'standard', 1.99)?.body).toContain('ε spent 1.990');
    expect(endNotice('failed', 61, 'standard', 1)?.title).toContain('stopped');
    expect(endNotice('cancelled', 600, 'standard', 1)).toBeNull();
    expect(endNotice('completed', 2, 'tiny', 1)).not.toBeNull();
  });
});

describe('try your model (UI state)', () => {
  it('follows its own request only and ends on done; an error of generateText is shown', async () => {
    const { reduceTryEvent, tryStore, trySettingsErrors, DEFAULT_TRY_SETTINGS } = await import(
      '../../src/ui/try-model'
    );
    const s = { ...tryStore.getState(), requestId: 3, status: 'generating' as const };
    const event = {
      type: 'generatedText' as const,
      requestId: 3,
      text: 'ab',
      tokens: 2,
      done: false,
      promptTruncated: false,
    };
    expect(reduceTryEvent(s, { ...event, requestId: 2 })).toBeNull();
    expect(reduceTryEvent(s, event)).toMatchObject({ text: 'ab', status: 'generating' });
    expect(reduceTryEvent(s, { ...event, done: true, finish: 'eot' })).toMatchObject({
      status: 'idle',
      finish: 'eot',
    });
    expect(reduceTryEvent(s, { type: 'error', command: 'generateText', message: 'no' })).toEqual({
      status: 'error',
      error: 'no',
    });
    expect(reduceTryEvent(s, { type: 'error', command: 'plan', message: 'no' })).toBeNull();
    expect(trySettingsErrors(DEFAULT_TRY_SETTINGS, 64)).toEqual([]);
    expect(trySettingsErrors({ ...DEFAULT_TRY_SETTINGS, maxNewTokens: 64, topP: 0 }, 64)).toHaveLength(2);
  });
});
