import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Document } from '../../src/data/types';
import { computeEpsilon } from '../../src/dp/accounting/index';
import { cachedCausalMasks } from '../../src/model/ops';
import { MemoryCheckpoints, parseCheckpoint, serializeCheckpoint } from '../../src/pipeline/checkpoint';
import type { PipelineOptions } from '../../src/pipeline/config';
import { disposeModel, loadModel } from '../../src/pipeline/models';
import { ALL_METHODS } from '../../src/pipeline/results';
import { runPipeline } from '../../src/pipeline/run';
import { type BaseEvaluation, checkpointOf, STAGES } from '../../src/pipeline/stage-registry';
import { useWasm } from './helpers/backend';

beforeAll(useWasm);

function documents(n: number): Document[] {
  const topics = {
    garden: 'the roses and the tulips grow in the old garden by the wall. ',
    ships: 'the ships sail from the harbour at dawn with their cargo of tea. ',
  };
  return Array.from({ length: n }, (_, i) => {
    const label = i % 2 ? 'garden' : 'ships';
    return { id: `d${i}`, text: topics[label].repeat(1 + (i % 3)).trim(), labels: [label], source: 'test' };
  });
}

const small: PipelineOptions = {
  teacherDP: { expectedBatchSize: 8, epochs: 1, microBatchSize: 4, schedule: { peak: 3e-3 } },
  studentDP: { expectedBatchSize: 8, epochs: 1, microBatchSize: 4, schedule: { peak: 3e-3 } },
  synthetic: { samples: 12, overGenerate: 1.5, generation: { maxLength: 48, batchSize: 16 } },
  distill: { epochs: 1, batchSize: 8 },
  nonPrivate: { epochs: 1, batchSize: 8 },
  histogram: { mode: 'dp', sigma: 2 },
  checkpointEvery: { dp: 2, train: 3 },
  data: { textField: 'text', labelFields: ['label'], folderLabels: false, useControlCodes: true },
};

async function models() {
  const noAssets = async () => null;
  return {
    teacher: await loadModel({ kind: 'preset', name: 'tiny' }, noAssets),
    student: await loadModel({ kind: 'preset', name: 'tiny' }, noAssets),
  };
}

describe('pipeline runner', () => {
  it('runs DistilDP and every baseline; each DP epsilon is reproducible from its report and within budget', async () => {
    const { teacher, student } = await models();
    const before = tf.memory().numTensors - cachedCausalMasks();
    const samples: string[] = [];
    const validation: { series: string; step: number; perplexity: number }[] = [];
    const result = await runPipeline({
      documents: documents(60),
      teacher,
      student,
      config: { ...small, epsilon: 3, methods: [...ALL_METHODS], validation: { points: 3, maxWindows: 4 } },
      events: {
        sample: (_l, t) => void samples.push(t),
        validation: (m, role, e) =>
          void validation.push({ series: `${m}/${role}/${e.stage}`, step: e.step, perplexity: e.perplexity }),
      },
    });
    expect(result.stopped).toBe(false);
    const rows = result.results.map((r) => `${r.method}/${r.model}`).sort();
    expect(rows).toEqual(
      [
        'distildp/student',
        'distildp/teacher',
        'dpkd/student',
        'dpsgd/student',
        'nonprivate/student',
        'nonprivate/teacher',
        'opd/student',
        'synthetic/student',
      ].sort(),
    );
    // Students of the synthetic text carry its fidelity (control codes: the documents are labelled).
    for (const m of ['distildp', 'synthetic', 'opd']) {
      const f = result.results.find((r) => r.method === m && r.model === 'student')!.synthetic_fidelity!;
      expect(f.js_divergence).toBeGreaterThan(0);
      expect(f.js_divergence).toBeLessThanOrEqual(1);
      expect(f.control_code_fidelity).toBeGreaterThanOrEqual(0);
      expect(f.classifier_accuracy).toBeGreaterThan(0.5);
    }
    expect(result.results.find((r) => r.method === 'dpsgd')!.synthetic_fidelity).toBeUndefined();
    for (const r of result.results) expect(r.test_ppl).toBeGreaterThan(1);
    expect(result.reports.map((r) => r.method).sort()).toEqual([
      'distildp',
      'dpkd',
      'dpsgd',
      'opd',
      'synthetic',
    ]);
    for (const rep of result.reports) {
      expect(rep.epsilon).toBeLessThanOrEqual(3 + 1e-9);
      expect(rep.epsilon).toBeGreaterThan(2.5);
      expect(computeEpsilon(rep.phases, rep.accounting_delta, 'prv')).toBeCloseTo(rep.epsilon, 10);
      expect(rep.delta).toBeLessThanOrEqual(48 ** -1.1 * (1 + 1e-12));
      expect(rep.unit).toBe('document');
      expect(rep.secure_randomness).toBe(true);
    }
    const distildp = result.reports.find((r) => r.method === 'distildp')!;
    expect(distildp.phases).toHaveLength(2); // DP histogram + DP-SGD
    expect(distildp.threshold_delta).toBeGreaterThan(0);
    const dpkd = result.reports.find((r) => r.method === 'dpkd')!;
    expect(dpkd.phases).toHaveLength(2); // teacher at epsilon/2 + student, composed
    expect(samples.length).toBeGreaterThan(0);
    // Validation perplexity arrives during every training (teacher and student, DP and not).
    const trained = new Set(validation.map((v) => v.series));
    for (const s of [
      'distildp/teacher/teacher-dp',
      'distildp/student/distill',
      'synthetic/student/distill',
      'opd/student/distill',
      'dpsgd/student/student-dp',
      'dpkd/teacher/teacher-dp',
      'dpkd/student/student-dp',
      'nonprivate/teacher/fine-tune',
      'nonprivate/student/fine-tune',
    ]) {
      expect(trained.has(s), s).toBe(true);
    }
    for (const v of validation) expect(v.perplexity).toBeGreaterThan(1);
    expect(result.synthetic!.samples.length).toBeGreaterThan(0);
    disposeModel(result.distildp!.student);
    disposeModel(result.distildp!.teacher);
    // Only the cache of causal masks (one per sequence length seen) stays.
    expect(tf.memory().numTensors).toBe(before + cachedCausalMasks());
    disposeModel(teacher);
    disposeModel(student);
  });

  it('stops on request, saves its progress, and resumes without repeating a step or lowering epsilon', async () => {
    const { teacher, student } = await models();
    const checkpoints = new MemoryCheckpoints();
    const steps: number[] = [];
    const eps: number[] = [];
    let stopNow = false;
    const events = {
      dpStep: (_m: string, _r: string, r: { step: number; epsilon: number }) => {
        steps.push(r.step);
        eps.push(r.epsilon);
        if (r.step === 3) stopNow = true;
      },
      shouldStop: () => stopNow,
    };
    // The teacher trains LoRA adapters here, so their checkpoint (factors, frozen weights) is covered.
    // One joint teacher (per-code teachers resume in code-teachers.test.ts).
    const config: PipelineOptions = {
      ...small,
      methods: ['distildp'],
      codeTeachers: 'joint',
      teacherDP: { ...small.teacherDP, parameters: 'lora' },
    };
    const first = await runPipeline({
      documents: documents(60),
      teacher,
      student,
      config,
      events,
      checkpoints,
    });
    expect(first.stopped).toBe(true);
    const saved = await checkpoints.load(STAGES.distildpTeacher.key);
    expect(saved?.status).toBe('partial');
    // The record survives serialisation (what the browser writes to storage).
    const roundTrip = parseCheckpoint(serializeCheckpoint(saved!));
    expect(roundTrip.optimizer?.moments.size).toBe(saved!.optimizer!.moments.size);
    expect([...roundTrip.models!.model.arrays.get('wte.weight')!]).toEqual([
      ...saved!.models!.model.arrays.get('wte.weight')!,
    ]);
    // LoRA adapters: their factors and frozen weights are saved too.
    const loraKeys = Object.keys(roundTrip.extras ?? {});
    expect(loraKeys.some((k) => k.startsWith('lora.adapter.h.0.'))).toBe(true);
    expect(loraKeys.some((k) => k.startsWith('lora.base.h.0.'))).toBe(true);
    checkpoints.records.set(STAGES.distildpTeacher.key, roundTrip);
    stopNow = false;
    const second = await runPipeline({
      documents: documents(60),
      teacher,
      student,
      config,
      events,
      checkpoints,
    });
    expect(second.stopped).toBe(false);
    const total = (second.reports[0].phases.at(-1) as { steps: number }).steps;
    expect(steps).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    for (let i = 1; i < eps.length; i++) expect(eps[i]).toBeGreaterThanOrEqual(eps[i - 1]);
    const done = checkpointOf(STAGES.distildpTeacher, await checkpoints.load(STAGES.distildpTeacher.key));
    const history = done!.value.epsilonHistory;
    expect(history[0].step).toBe(1);
    expect(history.at(-1)!.step).toBe(total);
    // A third run finds every stage done and only re-reads results.
    const third = await runPipeline({ documents: documents(60), teacher, student, config, checkpoints });
    expect(third.results.map((r) => r.test_ppl)).toEqual(second.results.map((r) => r.test_ppl));
    for (const r of [second, third]) {
      disposeModel(r.distildp!.student);
      disposeModel(r.distildp!.teacher);
    }
    disposeModel(teacher);
    disposeModel(student);
  });

  it('evaluates the base models as a stage with progress, stops inside it, and skips it on resume', async () => {
    const { teacher, student } = await models();
    const checkpoints = new MemoryCheckpoints();
    const config = { ...small, methods: ['distildp' as const] };
    const progress: number[] = [];
    const stages: string[] = [];
    const bases: BaseEvaluation[] = [];
    let stopInBaseEvaluation = true;
    const events = {
      progress: (e: { method: string; stage: string; done: number }) => {
        if (e.method === 'shared' && e.stage === 'evaluate') progress.push(e.done);
      },
      stage: (e: { method: string; stage: string; status: string }) =>
        stages.push(`${e.method}/${e.stage}/${e.status}`),
      baseEvaluation: (b: BaseEvaluation) => bases.push(b),
      // Stop as soon as the first evaluation batch reported progress.
      shouldStop: () => stopInBaseEvaluation && progress.length > 0,
    };
    const first = await runPipeline({
      documents: documents(60),
      teacher,
      student,
      config,
      events,
      checkpoints,
    });
    expect(first.stopped).toBe(true);
    expect(first.base).toBeUndefined();
    expect(progress).toHaveLength(1);
    expect(stages).toEqual(['shared/evaluate/start']);
    expect(await checkpoints.load(STAGES.baseModels.key)).toBeUndefined();
    stopInBaseEvaluation = false;
    stages.length = 0;
    const second = await runPipeline({
      documents: documents(60),
      teacher,
      student,
      config,
      events,
      checkpoints,
    });
    expect(second.stopped).toBe(false);
    expect(stages.slice(0, 2)).toEqual(['shared/evaluate/start', 'shared/evaluate/end']);
    expect(bases).toHaveLength(1);
    expect(bases[0].teacher.perplexity).toBe(second.base?.teacher.perplexity);
    // Resumed again: the base models are read back, not evaluated again.
    stages.length = 0;
    const third = await runPipeline({
      documents: documents(60),
      teacher,
      student,
      config,
      events,
      checkpoints,
    });
    expect(stages[0]).toBe('shared/evaluate/skipped');
    expect(bases).toHaveLength(2);
    expect(bases[1]).toEqual(bases[0]);
    expect(third.base).toEqual(second.base);
    for (const r of [second, third]) {
      disposeModel(r.distildp!.student);
      disposeModel(r.distildp!.teacher);
    }
    disposeModel(teacher);
    disposeModel(student);
  });
});
