import { describe, expect, it } from 'vitest';
import type { MetricPoint, PlanSummary, ResultRow, WorkerEvent } from '../../src/contract/protocol';
import { newManifest } from '../../src/contract/run-manifest';
import { DEFAULT_RUN_SETTINGS } from '../../src/contract/run-settings';
import { epsilonSpent, runBlockers, runStatusText } from '../../src/ui/run-readiness';
import { appendPoints, initialRunState, type RunState, reduceRunEvent } from '../../src/ui/run-slice';
import { initialAppData } from '../../src/ui/store';

const pt = (series: string, step: number, values: Record<string, number> = { loss: step }): MetricPoint => ({
  series,
  stage: 'teacher-dp',
  step,
  values,
});

function apply(state: RunState, ...events: WorkerEvent[]): RunState {
  return events.reduce((s, e) => reduceRunEvent(s, e) ?? s, state);
}

const row = (method: ResultRow['method'], model: ResultRow['model'], ppl: number): ResultRow => ({
  method,
  model,
  epsilon: 2,
  delta: 1e-5,
  test_ppl: ppl,
  window_mean_ppl: ppl,
  bits_per_byte: 1,
  wall_s: 3,
});

describe('appendPoints', () => {
  it('appends, and replaces a series from the step where a resumed run goes back to', () => {
    let s = appendPoints([], {}, [pt('t', 1), pt('t', 2), pt('t', 3), pt('s', 1)]);
    s = appendPoints(s.points, s.lastStep, [pt('t', 4), pt('t', 5)]);
    expect(s.lastStep).toEqual({ t: 5, s: 1 });
    // The run resumed from a checkpoint at step 3: points 4 and 5 are redone with new values.
    s = appendPoints(s.points, s.lastStep, [pt('t', 4, { loss: 40 }), pt('s', 2)]);
    expect(s.points.filter((p) => p.series === 't').map((p) => [p.step, p.values.loss])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 40],
    ]);
    expect(s.points.filter((p) => p.series === 's').map((p) => p.step)).toEqual([1, 2]);
    expect(s.lastStep).toEqual({ t: 4, s: 2 });
  });

  it('keeps the newest `max` points', () => {
    const s = appendPoints(
      [],
      {},
      Array.from({ length: 10 }, (_, i) => pt('t', i + 1)),
      4,
    );
    expect(s.points.map((p) => p.step)).toEqual([7, 8, 9, 10]);
  });
});

describe('reduceRunEvent', () => {
  it('tracks stages in start order: active, progress marks, done, skipped, resumed', () => {
    const s = apply(
      initialRunState(),
      {
        type: 'stage',
        method: 'distildp',
        stage: 'teacher-dp',
        status: 'start',
        detail: 'resuming',
        time: 0,
      },
      { type: 'progress', method: 'distildp', stage: 'teacher-dp', done: 4, total: 10, time: 1000 },
      { type: 'progress', method: 'distildp', stage: 'teacher-dp', done: 6, total: 10, time: 2000 },
      { type: 'stage', method: 'distildp', stage: 'teacher-dp', status: 'end', time: 3000 },
      {
        type: 'stage',
        method: 'shared',
        stage: 'histogram',
        status: 'skipped',
        detail: 'done before',
        time: 3000,
      },
    );
    expect(s.stageOrder).toEqual(['distildp/teacher-dp', 'shared/histogram']);
    expect(s.stages['distildp/teacher-dp']).toMatchObject({
      status: 'done',
      done: 10,
      total: 10,
      detail: 'resuming',
      first: { time: 1000, done: 4 },
      last: { time: 2000, done: 6 },
    });
    expect(s.stages['shared/histogram'].status).toBe('skipped');
  });

  it('history replaces what was shown; results are upserted per method and model', () => {
    let s = apply(
      initialRunState(),
      { type: 'metrics', points: [pt('old', 1)] },
      { type: 'result', row: row('dpsgd', 'student', 9) },
    );
    s = apply(s, {
      type: 'history',
      runId: 'abcdef0123456789',
      points: [pt('t', 1), pt('t', 2)],
      samples: [{ labels: ['a'], text: 'x' }],
      results: [row('distildp', 'student', 5)],
      reports: [],
      dpPlans: [{ series: 't', target: 2, steps: 2, curve: [{ step: 2, epsilon: 2 }] }],
      settings: DEFAULT_RUN_SETTINGS,
    });
    expect(s.points.map((p) => p.series)).toEqual(['t', 't']);
    expect(s.lastStep).toEqual({ t: 2 });
    expect(s.results.map((r) => r.method)).toEqual(['distildp']);
    expect(s.dpPlans.t.steps).toBe(2);
    s = apply(
      s,
      { type: 'result', row: row('distildp', 'student', 4) },
      { type: 'result', row: row('distildp', 'teacher', 3) },
    );
    expect(s.results.map((r) => [r.model, r.test_ppl])).toEqual([
      ['student', 4],
      ['teacher', 3],
    ]);
  });

  it('a failed status carries its failure; other statuses clear it; unrelated events are not the run slice', () => {
    const failed = apply(initialRunState(), {
      type: 'runStatus',
      runId: 'abcdef0123456789',
      status: 'failed',
      failure: { kind: 'non-finite', message: 'diverged' },
    });
    expect(failed.failure?.kind).toBe('non-finite');
    expect(
      apply(failed, { type: 'runStatus', runId: 'abcdef0123456789', status: 'running' }).failure,
    ).toBeNull();
    expect(
      reduceRunEvent(initialRunState(), { type: 'log', level: 'info', message: 'x', time: 0 }),
    ).toBeNull();
  });
});

describe('run readiness and status', () => {
  it('lists what blocks a run until data, models and settings are ready', () => {
    const s = initialAppData('wasm', 'tiny', { teacher: 'tiny', student: 'tiny' });
    expect(runBlockers(s)).toEqual([
      'The compute backend is not ready.',
      'Add data: at least 3 documents.',
      'Load a teacher and a student model.',
    ]);
    const info = (tokenizer: 'bytes' | 'gpt2', vocabSize: number) =>
      ({ tokenizer, config: { vocabSize } }) as unknown as NonNullable<(typeof s.models)['teacher']['info']>;
    const ready = {
      ...s,
      backend: { ...s.backend, status: 'ready' as const },
      data: {
        ...s.data,
        status: 'ready' as const,
        summary: {
          files: [],
          totals: { files: 1, ok: 1, partial: 0, rejected: 0, documents: 3, tokens: 9, labels: [] },
          tokenizer: 'bytes',
        },
      },
      models: {
        teacher: { ...s.models.teacher, status: 'ready' as const, info: info('bytes', 258) },
        student: { ...s.models.student, status: 'ready' as const, info: info('gpt2', 50257) },
      },
    };
    expect(runBlockers(ready)).toEqual([expect.stringContaining('must share a tokenizer')]);
    ready.models.student.info = info('bytes', 258);
    expect(runBlockers(ready)).toEqual([]);
    expect(
      runBlockers({
        ...ready,
        budget: { ...ready.budget, settings: { ...ready.budget.settings, epochs: -1 } },
      }),
    ).toEqual(['Fix the privacy budget settings.']);
    // The privacy ledger: earlier runs on these documents block the run until the user confirms
    // exactly the total the plan shows (a changed plan needs a new confirmation).
    const ledger = (totalEpsilon: number) =>
      ({
        ledger: { priorRuns: 1, priorEpsilon: 2, runEpsilon: 2, totalEpsilon, totalDelta: 1e-5, delta: 1e-5 },
      }) as unknown as PlanSummary;
    const spent = { ...ready, budget: { ...ready.budget, plan: ledger(2.9) } };
    expect(runBlockers(spent)).toEqual([expect.stringContaining('confirm spending more')]);
    expect(runBlockers({ ...spent, budget: { ...spent.budget, spendConfirmedFor: 2.9 } })).toEqual([]);
    expect(
      runBlockers({ ...spent, budget: { ...spent.budget, plan: ledger(3.4), spendConfirmedFor: 2.9 } }),
    ).toHaveLength(1);
  });

  it('epsilon spent is the largest reading (manifest or live points), and the status line says it', () => {
    const manifest = newManifest({
      runId: 'abcdef0123456789',
      settings: DEFAULT_RUN_SETTINGS,
      models: { teacher: { kind: 'preset', name: 'tiny' }, student: { kind: 'preset', name: 'tiny' } },
      documents: 10,
      backend: 'wasm',
      now: 0,
    });
    manifest.epsilonSpent = { 'distildp/teacher': 0.7 };
    const run: RunState = {
      ...initialRunState(),
      status: 'paused',
      manifest,
      points: [pt('t', 1, { epsilon: 0.5 })],
    };
    expect(epsilonSpent(run)).toBe(0.7);
    expect(runStatusText(run, 2)).toBe('Paused: ε spent 0.700 of 2. Resume continues exactly from there.');
    run.points = [pt('t', 9, { epsilon: 0.9 })];
    expect(epsilonSpent(run)).toBe(0.9);
  });
});
