import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Document } from '../../src/data/types';
import { computeEpsilon } from '../../src/dp/accounting/index';
import { cachedCausalMasks } from '../../src/model/ops';
import { paramsFromArrays } from '../../src/model/params';
import { MemoryCheckpoints } from '../../src/pipeline/checkpoint';
import { averageWeights } from '../../src/pipeline/code-teachers';
import type { PipelineOptions } from '../../src/pipeline/config';
import { modelCard } from '../../src/pipeline/model-card';
import { disposeModel, loadModel } from '../../src/pipeline/models';
import { privacyReportDocument } from '../../src/pipeline/privacy-report';
import { runPipeline } from '../../src/pipeline/run';
import { checkpointOf, dpStageOfKey, STAGES } from '../../src/pipeline/stage-registry';
import { generateSyntheticCorpus } from '../../src/pipeline/synthetic';
import { useWasm } from './helpers/backend';

beforeAll(useWasm);

const noAssets = async () => null;

describe('averageWeights', () => {
  it('is the weighted mean, equal weights when none is positive, and refuses mismatched sets', () => {
    const a = new Map([['w', new Float32Array([1, 2])]]);
    const b = new Map([['w', new Float32Array([3, 6])]]);
    expect([...averageWeights([a, b], [3, 1]).get('w')!]).toEqual([1.5, 3]);
    expect([...averageWeights([a, b], [0, -2]).get('w')!]).toEqual([2, 4]);
    expect([...averageWeights([a, b], [Number.NaN, 5]).get('w')!]).toEqual([3, 6]);
    expect(() => averageWeights([a, new Map([['w', new Float32Array(3)]])], [1, 1])).toThrow(/w differs/);
    expect(() => averageWeights([a], [1, 1])).toThrow(/one weight per set/);
  });
});

describe('synthetic corpus with per-code teachers', () => {
  it("each code's samples come from its own teacher; a code without one is refused", async () => {
    const base = await loadModel({ kind: 'preset', name: 'tiny' }, noAssets);
    const zeros = new Map([...base.params].map(([n, v]) => [n, new Float32Array(v.size)]));
    // Zero weights: every logit 0, so greedy decoding writes token 0. The 'ships' teacher's final
    // LayerNorm bias equals the embedding row of token 7: only token 7 gets a positive logit.
    const shipsArrays = new Map([...zeros].map(([n, v]) => [n, v.slice()]));
    const d = base.config.nEmbd;
    const bias = shipsArrays.get('ln_f.bias')!;
    const wte = shipsArrays.get('wte.weight')!;
    for (let i = 0; i < d; i++) bias[i] = wte[7 * d + i] = 1;
    const average = { ...base, params: paramsFromArrays(base.config, zeros) };
    const garden = { params: paramsFromArrays(base.config, zeros) };
    const ships = { params: paramsFromArrays(base.config, shipsArrays) };
    try {
      const codes = [
        { labels: ['ships'], weight: 1 },
        { labels: ['garden'], weight: 1 },
      ];
      const config = {
        samples: 4,
        overGenerate: 1,
        codeGuidance: 2,
        generation: { maxLength: 16, temperature: 0 },
      };
      const teachers = new Map([
        ['["garden"]', garden],
        ['["ships"]', ships],
      ]);
      const corpus = await generateSyntheticCorpus(average, codes, config, {}, undefined, { teachers });
      const byCode = (c: string) => corpus.samples.filter((s) => s.labels[0] === c).map((s) => s.text);
      expect(byCode('garden').every((t) => /^\0+$/.test(t))).toBe(true);
      expect(byCode('ships').every((t) => t.length > 0 && [...t].every((ch) => ch.charCodeAt(0) === 7))).toBe(
        true,
      );
      expect(byCode('garden').length + byCode('ships').length).toBe(corpus.samples.length);
      await expect(
        generateSyntheticCorpus(average, codes, config, {}, undefined, {
          teachers: new Map([['["garden"]', garden]]),
        }),
      ).rejects.toThrow(/no teacher for control code ships/);
      await expect(
        generateSyntheticCorpus(average, codes, { ...config, codeGuidance: -1 }, {}, undefined, { teachers }),
      ).rejects.toThrow(/codeGuidance/);
    } finally {
      for (const m of [average, garden, ships]) for (const v of m.params.values()) v.dispose();
      disposeModel(base);
    }
  });

  it('codeGuidancePlausibility reaches the writers: guidance re-ranks only tokens the code teacher finds plausible', async () => {
    const base = await loadModel({ kind: 'preset', name: 'tiny' }, noAssets);
    const d = base.config.nEmbd;
    // Zero weights but the final LayerNorm bias (all ones), so logit t = sum of wte row t (A = 65,
    // B = 66). The code's teacher: token A at d, token B at 0.9 d; the average: A at d, B at 0.
    // Guidance w = 2 lifts token B to 0.9 d + 2 (0.9 d - 0) = 2.7 d, above token A (d + 0), but
    // under the code's teacher token B is exp(-0.1 d) as likely as token A: below a floor of 0.99.
    const shaped = (rowB: number) => {
      const arrays = new Map([...base.params].map(([n, v]) => [n, new Float32Array(v.size)]));
      const wte = arrays.get('wte.weight')!;
      arrays.get('ln_f.bias')!.fill(1);
      for (let i = 0; i < d; i++) {
        wte[65 * d + i] = 1;
        wte[66 * d + i] = rowB;
      }
      return paramsFromArrays(base.config, arrays);
    };
    expect(Math.exp(-0.1 * d)).toBeLessThan(0.99);
    const average = { ...base, params: shaped(0) };
    const own = { params: shaped(0.9) };
    try {
      const codes = [{ labels: ['ships'], weight: 1 }];
      const teachers = new Map([['["ships"]', own]]);
      const write = async (codeGuidancePlausibility: number) => {
        const config = {
          samples: 2,
          overGenerate: 1,
          codeGuidance: 2,
          codeGuidancePlausibility,
          generation: { maxLength: 12, temperature: 0 },
        };
        const corpus = await generateSyntheticCorpus(average, codes, config, {}, undefined, { teachers });
        return corpus.samples.map((s) => [...new Set([...s.text].map((ch) => ch.charCodeAt(0)))]);
      };
      expect(await write(0)).toEqual([[66]]); // guided: the implausible token wins (one distinct sample)
      expect(await write(0.99)).toEqual([[65]]); // the floor leaves the teacher's own choice
      await expect(write(1)).rejects.toThrow(/guidancePlausibility must be in \[0, 1\)/);
    } finally {
      for (const m of [average, own]) for (const v of m.params.values()) v.dispose();
      disposeModel(base);
    }
  });
});

function documents(
  n: number,
  gardenText = 'the roses and the tulips grow in the old garden by the wall. ',
): Document[] {
  const topics = {
    garden: gardenText,
    ships: 'the ships sail from the harbour at dawn with their cargo of tea. ',
  };
  return Array.from({ length: n }, (_, i) => {
    const label = i % 2 ? 'garden' : 'ships';
    return { id: `d${i}`, text: topics[label].repeat(1 + (i % 3)).trim(), labels: [label], source: 'test' };
  });
}

// Fixed-seed noise and sampling (tests only) so that two runs can be compared bit for bit.
const config: PipelineOptions = {
  methods: ['distildp'],
  teacherDP: { expectedBatchSize: 8, epochs: 1, microBatchSize: 4, insecureFixedSeedForTestsOnly: 11 },
  synthetic: { samples: 12, overGenerate: 1.5, generation: { maxLength: 48, batchSize: 16 } },
  distill: { epochs: 1, batchSize: 8 },
  histogram: { mode: 'dp', sigma: 2 },
  checkpointEvery: { dp: 2, train: 3 },
  data: { textField: 'text', labelFields: ['label'], folderLabels: false, useControlCodes: true },
};

async function teacherCheckpoints(docs: Document[], stopAtGeneration: boolean, stopInSecondPart = false) {
  const noAssets2 = async () => null;
  const teacher = await loadModel({ kind: 'preset', name: 'tiny' }, noAssets2);
  const student = await loadModel({ kind: 'preset', name: 'tiny' }, noAssets2);
  const checkpoints = new MemoryCheckpoints();
  const steps: { step: number; total: number; epsilon: number }[] = [];
  let stop = false;
  let stopped = false;
  const run = () =>
    runPipeline({
      documents: docs,
      teacher,
      student,
      config,
      checkpoints,
      events: {
        dpStep: (_m, _r, r) => {
          steps.push({ step: r.step, total: r.totalSteps, epsilon: r.epsilon });
          // Stop (once) two steps into the second code's teacher, then resume below.
          if (stopInSecondPart && !stopped && r.step === r.totalSteps / 2 + 2) stop = stopped = true;
        },
        stage: (e) => {
          if (stopAtGeneration && e.stage === 'generate') stop = true;
        },
        shouldStop: () => stop,
      },
    });
  let result = await run();
  if (stopInSecondPart) {
    expect(result.stopped).toBe(true);
    expect(
      checkpointOf(STAGES.codeTeacher(1), await checkpoints.load(STAGES.codeTeacher(1).key))?.status,
    ).toBe('partial');
    stop = false;
    result = await run();
  }
  const part = async (i: number) => (await checkpoints.load(STAGES.codeTeacher(i).key))!.models!.model.arrays;
  const out = {
    result,
    steps,
    garden: await part(0),
    ships: await part(1),
    average: (await checkpoints.load(STAGES.distildpTeacher.key))!,
    histogram: checkpointOf(STAGES.histogram, await checkpoints.load(STAGES.histogram.key))!.value,
  };
  if (result.distildp) {
    disposeModel(result.distildp.student);
    disposeModel(result.distildp.teacher);
  }
  disposeModel(teacher);
  disposeModel(student);
  return out;
}

describe('per-code DP teachers in the pipeline', () => {
  it("each code's teacher sees only its code's documents; the run's teacher is their weighted average; one epsilon", async () => {
    const before = tf.memory().numTensors - cachedCausalMasks();
    const a = await teacherCheckpoints(documents(60), false);
    expect(a.result.stopped).toBe(false);
    expect(a.histogram.codes.map((c) => c.labels[0]).sort()).toEqual(['garden', 'ships']);
    // Changing every garden document changes the garden teacher only (parallel composition's premise).
    const b = await teacherCheckpoints(documents(60, 'a quite different text about bees and honey. '), true);
    expect(b.result.stopped).toBe(true);
    for (const [name, values] of a.ships) expect(b.ships.get(name), name).toEqual(values);
    expect([...a.garden].some(([name, v]) => v.some((x, i) => x !== b.garden.get(name)![i]))).toBe(true);
    // The run's DP teacher: the parts averaged with the released histogram's weights.
    const w = Object.fromEntries(a.histogram.codes.map((c) => [c.labels[0], c.weight]));
    const expected = averageWeights([a.garden, a.ships], [w.garden, w.ships]);
    expect(a.average.status).toBe('done');
    for (const [name, values] of expected) {
      const got = a.average.models!.model.arrays.get(name)!;
      for (let i = 0; i < values.length; i += 7) expect(got[i]).toBeCloseTo(values[i], 6);
    }
    // Charted as one training of 2 x steps, epsilon never down; the report is the plan's, once.
    const report = a.result.reports.find((r) => r.method === 'distildp')!;
    const steps = (report.phases.at(-1) as { steps: number }).steps;
    expect(a.steps.map((s) => s.step)).toEqual(Array.from({ length: 2 * steps }, (_, i) => i + 1));
    expect(a.steps.every((s) => s.total === 2 * steps)).toBe(true);
    for (let i = 1; i < a.steps.length; i++)
      expect(a.steps[i].epsilon).toBeGreaterThanOrEqual(a.steps[i - 1].epsilon);
    expect(report.code_teachers).toEqual({ count: 2, composition: 'parallel' });
    expect(report.phases).toHaveLength(2); // the histogram, then one DP-SGD phase for all parts
    expect(computeEpsilon(report.phases, report.accounting_delta, 'prv')).toBeCloseTo(report.epsilon, 10);
    expect(report.epsilon).toBeLessThanOrEqual(2 + 1e-9);
    expect(a.steps.at(-1)!.epsilon).toBeCloseTo(report.epsilon, 6);
    // The exported teacher's model card says what it is.
    const doc = privacyReportDocument('0123456789abcdef', a.result.reports, new Date(0));
    const tiny = await loadModel({ kind: 'preset', name: 'tiny' }, noAssets);
    const card = modelCard({
      role: 'teacher',
      config: tiny.config,
      tokenizer: tiny.tokenizer,
      dtype: 'F32',
      report: doc,
    });
    disposeModel(tiny);
    expect(card).toContain('The teacher is the weighted average of 2 DP teachers, one per control code');
    // The parts' checkpoints are charted as DistilDP's teacher.
    expect(dpStageOfKey(STAGES.codeTeacher(1).key)).toMatchObject({ owner: 'distildp', role: 'teacher' });
    expect(tf.memory().numTensors).toBe(before + cachedCausalMasks()); // no model left behind
  });

  it('refuses to resume, with per-code teachers, a run saved halfway through one joint teacher', async () => {
    const teacher = await loadModel({ kind: 'preset', name: 'tiny' }, noAssets);
    const student = await loadModel({ kind: 'preset', name: 'tiny' }, noAssets);
    const checkpoints = new MemoryCheckpoints();
    let stop = false;
    const common = { documents: documents(60), teacher, student, checkpoints };
    const first = await runPipeline({
      ...common,
      config: { ...config, codeTeachers: 'joint' },
      events: {
        dpStep: (_m, _r, r) => {
          stop = r.step >= 2;
        },
        shouldStop: () => stop,
      },
    });
    expect(first.stopped).toBe(true);
    expect((await checkpoints.load(STAGES.distildpTeacher.key))?.status).toBe('partial');
    await expect(runPipeline({ ...common, config })).rejects.toThrow(
      /saved while training one teacher for all codes; resume it with code teachers 'joint'/,
    );
    disposeModel(teacher);
    disposeModel(student);
  });

  it('stopped inside the second code teacher: resumes there, the finished first teacher kept as it was', async () => {
    const whole = await teacherCheckpoints(documents(60), true);
    const resumed = await teacherCheckpoints(documents(60), true, true);
    const total = whole.steps.length;
    // No step repeated or skipped across the stop (the fixed-seed noise restarts on resume, so the
    // resumed part's weights are not compared: a resume continues the run, it does not replay it).
    expect(resumed.steps.map((s) => s.step)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    for (const [name, values] of whole.garden) expect(resumed.garden.get(name), name).toEqual(values);
    expect(resumed.average.status).toBe('done');
  });
});
