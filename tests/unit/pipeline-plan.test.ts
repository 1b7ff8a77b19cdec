/**
 * The run's privacy plan (pipeline/plan.ts) is what both the pipeline and the budget panel use:
 * delta, the histogram's phase and delta share, and each DP training's calibrated noise, checked
 * against planPrivacy called by hand; a resumed run whose saved histogram release does not match
 * the plan is refused (its phase would go unaccounted).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Document } from '../../src/data/types';
import { defaultDelta } from '../../src/dp/accounting/index';
import { MemoryCheckpoints } from '../../src/pipeline/checkpoint';
import { DEFAULT_PIPELINE, type PipelineConfig, resolvePipelineConfig } from '../../src/pipeline/config';
import { disposeModel, loadModel } from '../../src/pipeline/models';
import { planPipelinePrivacy, thresholdDeltaOf } from '../../src/pipeline/plan';
import { runPipeline } from '../../src/pipeline/run';
import { STAGES } from '../../src/pipeline/stage-registry';
import { planPrivacy } from '../../src/train/dp-plan';
import { useWasm } from './helpers/backend';

beforeAll(useWasm);

const config: PipelineConfig = resolvePipelineConfig({
  epsilon: 3,
  teacherDP: { expectedBatchSize: 8, epochs: 1 },
  studentDP: { expectedBatchSize: 4, epochs: 2 },
  histogram: { mode: 'dp', sigma: 4 },
  data: { ...DEFAULT_PIPELINE.data, labelFields: ['label'], useControlCodes: true },
});

describe('planPipelinePrivacy', () => {
  it('composes the DP histogram phase before the DP teacher and spends 1% of delta on the code set', () => {
    const p = planPipelinePrivacy(config, { trainDocuments: 48, useControlCodes: true });
    expect(p.delta).toBe(defaultDelta(48));
    expect(p.histogram).toEqual({
      mode: 'dp',
      sigma: 4,
      phases: [{ q: 1, sigma: 4, steps: 1 }],
      deltaThreshold: p.delta / 100,
    });
    expect(thresholdDeltaOf(p.delta)).toBe(p.delta / 100);
    const teacher = p.distildpTeacher();
    const byHand = planPrivacy(
      48,
      { ...p.training.teacher, targetEpsilon: 3, delta: p.delta - p.delta / 100 },
      [{ q: 1, sigma: 4, steps: 1 }],
    );
    expect(teacher).toEqual(byHand);
    expect(p.distildpTeacher()).toBe(teacher); // calibrated once
    expect(teacher.epsilon).toBeLessThanOrEqual(3);
  });

  it('plans DP-SGD at epsilon and DPKD as epsilon/2 then a composed student; uniform and unlabelled cost nothing', () => {
    const p = planPipelinePrivacy({ ...config, delta: 1e-3 }, { trainDocuments: 48, useControlCodes: true });
    expect(p.delta).toBe(1e-3);
    expect(p.dpsgdStudent()).toEqual(
      planPrivacy(48, { ...p.training.student, targetEpsilon: 3, delta: 1e-3 }),
    );
    const { teacher, student } = p.dpkd();
    expect(teacher).toEqual(planPrivacy(48, { ...p.training.teacher, targetEpsilon: 1.5, delta: 1e-3 }));
    expect(student.priorPhases).toEqual([{ q: teacher.q, sigma: teacher.sigma, steps: teacher.steps }]);
    expect(student.epsilon).toBeLessThanOrEqual(3);
    const uniform = planPipelinePrivacy(
      { ...config, histogram: { mode: 'uniform', sigma: 4 } },
      { trainDocuments: 48, useControlCodes: true },
    );
    expect(uniform.histogram).toEqual({ mode: 'uniform', phases: [], deltaThreshold: 0 });
    expect(uniform.distildpTeacher().priorPhases).toEqual([]);
    expect(planPipelinePrivacy(config, { trainDocuments: 48, useControlCodes: false }).histogram).toBeNull();
  });
});

describe('a resumed run', () => {
  it('refuses a saved histogram release made under other settings', async () => {
    const noAssets = async () => null;
    const teacher = await loadModel({ kind: 'preset', name: 'tiny' }, noAssets);
    const student = await loadModel({ kind: 'preset', name: 'tiny' }, noAssets);
    const documents: Document[] = Array.from({ length: 30 }, (_, i) => ({
      id: `d${i}`,
      text: `document number ${i} about ${i % 2 ? 'gardens' : 'ships'} and more words`,
      labels: [i % 2 ? 'garden' : 'ships'],
      source: 'test',
    }));
    const checkpoints = new MemoryCheckpoints();
    // Saved by a run whose histogram sigma was 2; this run plans sigma 4.
    await checkpoints.save(STAGES.histogram.key, {
      status: 'done',
      value: {
        mode: 'dp',
        codes: [{ labels: ['garden'], weight: 12 }],
        phases: [{ q: 1, sigma: 2, steps: 1 }],
        deltaThreshold: defaultDelta(24) / 100,
        droppedCodes: 0,
        seconds: 0,
      },
    });
    await expect(
      runPipeline({ documents, teacher, student, config: { ...config, methods: ['distildp'] }, checkpoints }),
    ).rejects.toThrow('shared/histogram: the histogram settings changed since this run was saved');
    disposeModel(teacher);
    disposeModel(student);
  });
});
