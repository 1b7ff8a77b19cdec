/**
 * The budget panel's plan must be the run's: planRun (worker/plan.ts) against the privacy report
 * of an actual runPipeline run with the same documents and settings.
 */

import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RUN_SETTINGS, TINY_RUN_SETTINGS, validateSettings } from '../../src/contract/run-settings';
import { splitDocuments } from '../../src/data/split';
import { byteTokenizer } from '../../src/data/tokenizer-bytes';
import type { Document } from '../../src/data/types';
import { computeEpsilon } from '../../src/dp/accounting/index';
import { resolvePipelineConfig } from '../../src/pipeline/config';
import { disposeModel, loadModel } from '../../src/pipeline/models';
import { STANDARD_PROFILE } from '../../src/pipeline/profiles';
import { runPipeline } from '../../src/pipeline/run';
import { planRun } from '../../src/worker/plan';
import { pipelineConfigFor } from '../../src/worker/run-config';
import { useWasm } from './helpers/backend';

beforeAll(useWasm);

function documents(n: number, labelled: boolean): Document[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `d${i}`,
    text: `${i % 2 ? 'roses grow by the wall' : 'ships leave at dawn'} ${'and so on '.repeat(1 + (i % 3))}`.trim(),
    labels: labelled ? [i % 2 ? 'garden' : 'ships'] : [],
    source: 'test',
  }));
}

describe('run settings', () => {
  it('validates each field with a message for the form', () => {
    expect(validateSettings(DEFAULT_RUN_SETTINGS)).toEqual({});
    const bad = validateSettings({
      ...DEFAULT_RUN_SETTINGS,
      targetEpsilon: 0,
      delta: 1,
      clipNorm: Number.NaN,
      expectedBatchSize: 2.5,
      epochs: 0,
      baselines: ['magic' as never],
    });
    expect(Object.keys(bad).sort()).toEqual([
      'baselines',
      'clipNorm',
      'delta',
      'epochs',
      'expectedBatchSize',
      'targetEpsilon',
    ]);
    expect(() => pipelineConfigFor({ ...DEFAULT_RUN_SETTINGS, epochs: -1 })).toThrow(
      /invalid run settings: Epochs/,
    );
  });

  it('becomes a pipeline config: DistilDP first, then the chosen baselines in a fixed order', () => {
    const c = pipelineConfigFor({
      ...DEFAULT_RUN_SETTINGS,
      baselines: ['nonprivate', 'dpsgd'],
      delta: 1e-6,
      expectedBatchSize: 77,
      epochs: 5,
      clipNorm: 0.5,
    });
    expect(c.methods).toEqual(['distildp', 'dpsgd', 'nonprivate']);
    expect(c.delta).toBe(1e-6);
    // The user's budget settings override the standard profile's; the rest comes from the profile.
    expect(c.teacherDP).toMatchObject({
      expectedBatchSize: 77,
      epochs: 5,
      clipNorm: 0.5,
      microBatchSize: 16,
    });
    expect(c.studentDP).toMatchObject({ expectedBatchSize: 77, epochs: 5, clipNorm: 0.5 });
    expect(c.teacherDP.schedule.peak).toBe('auto'); // the recipe rule's
    // Left empty, batch and epochs are the profile's, or the recipe rule's ('auto').
    expect(DEFAULT_RUN_SETTINGS.expectedBatchSize).toBeNull();
    expect(DEFAULT_RUN_SETTINGS.epochs).toBeNull();
    const profile = resolvePipelineConfig(STANDARD_PROFILE).teacherDP;
    expect(pipelineConfigFor(DEFAULT_RUN_SETTINGS).teacherDP.expectedBatchSize).toBe(
      profile.expectedBatchSize,
    );
    expect(pipelineConfigFor(DEFAULT_RUN_SETTINGS).teacherDP.epochs).toBe(profile.epochs);
    expect(pipelineConfigFor(DEFAULT_RUN_SETTINGS).delta).toBeUndefined();
    expect(pipelineConfigFor(TINY_RUN_SETTINGS).synthetic?.samples).toBe(12);
  });
});

describe('planRun', () => {
  it('gives the sigma, q, steps, delta and epsilon that the run reports (with the DP histogram)', async () => {
    const docs = documents(40, true);
    const noAssets = async () => null;
    const teacher = await loadModel({ kind: 'preset', name: 'tiny' }, noAssets);
    const student = await loadModel({ kind: 'preset', name: 'tiny' }, noAssets);
    const settings = { ...TINY_RUN_SETTINGS, epochs: 1, useControlCodes: true };
    const { summary } = planRun({ documents: docs, tokenizer: byteTokenizer, contextLength: 64, settings });
    const result = await runPipeline({
      documents: docs,
      teacher,
      student,
      config: pipelineConfigFor(settings),
    });
    const report = result.reports[0];
    expect(report.method).toBe('distildp');
    const dpsgd = report.phases.at(-1)!;
    expect(summary.sigma).toBe(dpsgd.sigma);
    expect(summary.q).toBe(dpsgd.q);
    expect(summary.steps).toBe(dpsgd.steps);
    expect(summary.histogram?.sigma).toBe(report.phases[0].sigma);
    // What the histogram costs alone (shown in the plan): its phase by itself, at the same delta;
    // less than the curve's first point (histogram + one DP-SGD step).
    expect(summary.histogram?.epsilon).toBeCloseTo(
      computeEpsilon([report.phases[0]], report.accounting_delta, report.accountant as 'prv'),
      12,
    );
    expect(summary.histogram!.epsilon).toBeGreaterThan(0);
    expect(summary.histogram!.epsilon).toBeLessThan(summary.curve[0].epsilon);
    expect(summary.delta).toBeCloseTo(report.delta, 15);
    expect(summary.epsilon).toBeCloseTo(report.epsilon, 12);
    expect(summary.curve.at(-1)).toEqual({ step: summary.steps, epsilon: summary.epsilon });
    // Each document's split is its own (a keyed hash): here 31 training, 4 validation, 5 test;
    // q = 4 / 31; steps = ceil(1 / q) = 8.
    const split = splitDocuments(docs, { seed: settings.seed });
    expect(split.train.length).toBe(31);
    expect(summary.documents).toEqual({ total: 40, train: 31, validation: 4, test: 5 });
    expect(summary.steps).toBe(8);
    expect(summary.deltaRule).toBe('default');
    expect(summary.defaultDelta).toBeCloseTo(31 ** -1.1, 15);
    disposeModel(result.distildp!.student);
    disposeModel(result.distildp!.teacher);
    disposeModel(teacher);
    disposeModel(student);
  });

  it('control codes come from the setting, never from the data: labelled documents alone change nothing', () => {
    const plan = (settings: typeof TINY_RUN_SETTINGS) =>
      planRun({ documents: documents(40, true), tokenizer: byteTokenizer, contextLength: 64, settings })
        .summary;
    expect(plan(TINY_RUN_SETTINGS).useControlCodes).toBe(false);
    expect(plan(TINY_RUN_SETTINGS).histogram).toBeNull();
    const on = plan({ ...TINY_RUN_SETTINGS, useControlCodes: true });
    expect(on.useControlCodes).toBe(true);
    expect(on.histogram?.sigma).toBeGreaterThan(0);
  });

  it('without labels there is no histogram phase; a user delta >= 1/N is warned about', () => {
    const { summary } = planRun({
      documents: documents(40, false),
      tokenizer: byteTokenizer,
      contextLength: 64,
      settings: { ...TINY_RUN_SETTINGS, delta: 0.05 },
    });
    expect(summary.histogram).toBeNull();
    expect(summary.useControlCodes).toBe(false);
    expect(summary.deltaRule).toBe('user');
    expect(summary.deltaWarning).toMatch(/not below 1\/n = 0.0322/); // 1/31 training documents
    expect(() =>
      planRun({
        documents: documents(2, false),
        tokenizer: byteTokenizer,
        contextLength: 64,
        settings: TINY_RUN_SETTINGS,
      }),
    ).toThrow('need at least 3 documents (train, validation, test), found 2');
  });
});
