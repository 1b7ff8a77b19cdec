/**
 * The slow audits of issue 10 (README.md, "Privacy audit"), a benchmark and never a CI test:
 *   npx tsx scripts/audit-bench.ts soundness [--seeds 20]   tiny model, settings A and B of
 *       tests/unit/audit-whitebox.test.ts: the correct code and every test-only fault, per seed
 *       with fresh crypto-seeded DP noise and audit randomness;
 *   npx tsx scripts/audit-bench.ts power [--epsilons 1,2,4,8] [--canaries 50000] [--runs 1] [--full-batch]   the
 *       shipped student on the demo corpus at the app's standard DP-SGD settings (the recipe rule:
 *       q = 4%, 3 epochs, ~76 steps on the demo corpus),
 *       or full batch on 64 of its documents (5 steps): bound / claim (also the bound of the aligned
 *       score with the grid of guess counts, the analysis before the pre-registered guess count);
 *   npx tsx scripts/audit-bench.ts ideal [--canaries 50000] [--runs 10] [--full-batch]   the same
 *       settings' claimed mechanism simulated exactly (no model, no data): the ceiling of the analysis;
 *   npx tsx scripts/audit-bench.ts student-faults [--canaries 10000]   the shipped student, full batch
 *       on 64 demo documents, 5 steps, claimed epsilon 2: correct code and the faults.
 * Each audit prints one JSON line. Faults come from createTestFaults here, in a script the app and
 * the CLI cannot reach; no option of `distildp` enables them.
 */
import { epsilonLowerBound } from '../src/audit/bound';
import { idealScores, planGuesses } from '../src/audit/guess-plan';
import { dpsgdFamily } from '../src/audit/tradeoff';
import { whiteboxAudit } from '../src/audit/whitebox';
import { ingestPath } from '../src/cli/fs-data';
import { loadModelArg } from '../src/cli/models';
import { createTestFaults, type DPFaultSwitches } from '../src/dp/faults';
import { initBackend } from '../src/model/backend';
import { makeConfig } from '../src/model/config';
import { disposeParams, initParams } from '../src/model/params';
import { resolvePipelineConfig } from '../src/pipeline/config';
import { prepareCorpus } from '../src/pipeline/corpus';
import { cloneModel, disposeModel } from '../src/pipeline/models';
import { STANDARD_PROFILE } from '../src/pipeline/profiles';
import { resolveRecipe } from '../src/pipeline/recipe';
import { seededUniform } from '../src/random/seeded';
import { planPrivacy } from '../src/train/dp-plan';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};

const FAULTS: Record<string, DPFaultSwitches> = {
  'noise x0.5': { noiseScale: 0.5 },
  'clipping disabled': { disableClipping: true },
  'h.0.mlp.c_fc.weight left out of the norm': { excludeFromNorm: 'h.0.mlp.c_fc.weight' },
  'realised batch, noise per micro-batch': { realisedBatchPerMicroBatchNoise: true },
};

function emit(row: object): void {
  process.stdout.write(`${JSON.stringify(row)}\n`);
}

/** The tiny random model and random-token documents of the unit test's settings A and B. */
async function soundness(seeds: number): Promise<void> {
  const config = makeConfig({ vocabSize: 13, contextLength: 8, nLayer: 2, nHead: 2, nEmbd: 32 });
  let s = 1;
  const rand = (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
  const docs = (n: number) =>
    Array.from({ length: n }, (_, d) => [Array.from({ length: 5 + (d % 4) }, () => rand(13))]);
  const settings = {
    A: {
      docs: docs(32),
      canaries: 8000,
      training: { expectedBatchSize: 32, epochs: 5, microBatchSize: 16 },
      faults: ['noise x0.5', 'clipping disabled', 'h.0.mlp.c_fc.weight left out of the norm'],
    },
    B: {
      docs: docs(256),
      canaries: 128,
      training: { expectedBatchSize: 256, epochs: 5, microBatchSize: 8 },
      faults: ['realised batch, noise per micro-batch'],
    },
  };
  for (let seed = 0; seed < seeds; seed++) {
    for (const [name, st] of Object.entries(settings)) {
      for (const fault of [null, ...st.faults]) {
        const params = initParams(config, 1000 + seed);
        const training = { ...st.training, targetEpsilon: 2, delta: 1e-5, schedule: { peak: 1e-3 } };
        const plan = planPrivacy(st.docs.length, training);
        const t0 = performance.now();
        const r = await whiteboxAudit({
          params,
          config,
          documentWindows: st.docs,
          padId: 0,
          plan,
          training,
          audit: { canaries: st.canaries },
          faults: fault ? createTestFaults(FAULTS[fault]) : undefined,
        });
        disposeParams(params);
        emit({
          bench: 'soundness',
          setting: name,
          seed,
          fault: fault ?? 'none',
          claimed: r.epsilonClaimed,
          bound: r.bound.epsilon,
          flagged: r.bound.epsilon > r.epsilonClaimed,
          guesses: r.bound.guesses,
          correct: r.bound.correct,
          analysis: r.bound.analysis,
          wall_s: (performance.now() - t0) / 1000,
        });
      }
    }
  }
}

/**
 * The app's standard DP-SGD student training for N documents at epsilon (the recipe rule fills in
 * batch, epochs and learning rate, as in a run), or full batch for 5 epochs.
 */
function standardStudentDP(n: number, epsilon: number, fullBatch: boolean) {
  const recipe = resolveRecipe(resolvePipelineConfig(STANDARD_PROFILE).studentDP, n, epsilon);
  return {
    ...recipe,
    ...(fullBatch ? { expectedBatchSize: n, epochs: 5 } : {}),
    targetEpsilon: epsilon,
  };
}

/** The shipped student and the demo corpus; `documents` limits the training split. */
async function studentAudits(o: {
  bench: string;
  epsilons: number[];
  canaries: number;
  documents?: number;
  fullBatch: boolean;
  faults: (string | null)[];
  /** Audits per epsilon (fresh DP noise and audit randomness each). */
  runs?: number;
}): Promise<void> {
  const base = await loadModelArg('student', (m) => process.stderr.write(`${m}\n`));
  const ingest = ingestPath('public/demo/demo-corpus.jsonl', (m) => process.stderr.write(`${m}\n`), 3);
  const corpus = prepareCorpus(ingest.documents, base.tokenizer, {
    contextLength: base.config.contextLength,
    seed: 1,
    useControlCodes: true,
  });
  const windows = corpus.trainDocumentWindows.slice(0, o.documents ?? corpus.trainDocumentWindows.length);
  for (const eps of o.epsilons.flatMap((e) => Array<number>(o.runs ?? 1).fill(e))) {
    for (const fault of o.faults) {
      const training = standardStudentDP(windows.length, eps, o.fullBatch);
      const plan = planPrivacy(windows.length, training);
      const model = await cloneModel(base);
      const t0 = performance.now();
      const r = await whiteboxAudit({
        params: model.params,
        config: model.config,
        documentWindows: windows,
        padId: model.tokenizer.padId,
        plan,
        training,
        audit: { canaries: o.canaries },
        faults: fault ? createTestFaults(FAULTS[fault]) : undefined,
        onStep: (step, total) =>
          process.stderr.write(`${o.bench} eps ${eps} ${fault ?? ''} step ${step}/${total}\n`),
      });
      disposeModel(model);
      // Before this change: the aligned score, the fixed grid of guess counts (Bonferroni).
      const family = dpsgdFamily({ q: plan.q, steps: r.steps, delta: plan.delta });
      const grid = epsilonLowerBound(r.scores.aligned, r.included, { delta: plan.delta, family });
      emit({
        bench: o.bench,
        documents: windows.length,
        q: plan.q,
        sigma: plan.sigma,
        steps: plan.steps,
        delta: plan.delta,
        canaries: r.canaries,
        fault: fault ?? 'none',
        claimed: r.epsilonClaimed,
        bound: r.bound.epsilon,
        ratio: r.bound.epsilon / r.epsilonClaimed,
        guesses: r.bound.guesses,
        correct: r.bound.correct,
        by_analysis: r.bound.byAnalysis,
        bound_grid_aligned: grid.epsilon,
        noisy_update: r.noisyUpdate,
        wall_s: (performance.now() - t0) / 1000,
      });
    }
  }
  disposeModel(base);
}

/** The claimed mechanism itself at the power settings: planned guesses vs the grid, per score. */
function ideal(o: { canaries: number; runs: number; fullBatch: boolean; epsilons: number[] }): void {
  const documents = o.fullBatch ? 64 : Number(opt('docs', '655'));
  const uniform = seededUniform(77);
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  for (const eps of o.epsilons) {
    const training = standardStudentDP(documents, eps, o.fullBatch);
    const plan = planPrivacy(documents, training);
    const family = dpsgdFamily({ q: plan.q, steps: plan.steps, delta: plan.delta });
    const claimed = family.epsilon(1 / plan.sigma);
    const mech = { q: plan.q, sigma: plan.sigma, steps: plan.steps };
    for (const score of ['aligned', 'likelihood'] as const) {
      const guesses = planGuesses(mech, family, o.canaries, score, { delta: plan.delta, confidence: 0.95 });
      const planned: number[] = [];
      const grid: number[] = [];
      for (let r = 0; r < o.runs; r++) {
        const { scores, included } = idealScores(mech, o.canaries, score, uniform);
        const options = { delta: plan.delta, family };
        planned.push(
          epsilonLowerBound(scores, included, { ...options, hypotheses: guesses.hypotheses }).epsilon,
        );
        grid.push(epsilonLowerBound(scores, included, options).epsilon);
      }
      emit({
        bench: o.fullBatch ? 'ideal-full-batch' : 'ideal',
        documents,
        q: plan.q,
        sigma: plan.sigma,
        steps: plan.steps,
        delta: plan.delta,
        canaries: o.canaries,
        score,
        claimed,
        planned_guesses: guesses.hypotheses[0].top,
        ratio_planned_median: median(planned) / claimed,
        ratio_planned_range: [Math.min(...planned) / claimed, Math.max(...planned) / claimed],
        ratio_grid_median: median(grid) / claimed,
        above_claim: planned.filter((b) => b > claimed).length + grid.filter((b) => b > claimed).length,
        runs: o.runs,
      });
    }
  }
}

await initBackend();
const what = args[0];
if (what === 'soundness') await soundness(Number(opt('seeds', '20')));
else if (what === 'power')
  await studentAudits({
    bench: args.includes('--full-batch') ? 'power-full-batch' : 'power',
    epsilons: opt('epsilons', '1,2,4,8').split(',').map(Number),
    canaries: Number(opt('canaries', '50000')),
    documents: args.includes('--full-batch') ? 64 : undefined,
    fullBatch: args.includes('--full-batch'),
    faults: [null],
    runs: Number(opt('runs', '1')),
  });
else if (what === 'ideal')
  ideal({
    canaries: Number(opt('canaries', '50000')),
    runs: Number(opt('runs', '10')),
    fullBatch: args.includes('--full-batch'),
    epsilons: opt('epsilons', '1,2,4,8').split(',').map(Number),
  });
else if (what === 'student-faults')
  await studentAudits({
    bench: 'student-faults',
    epsilons: [2],
    canaries: Number(opt('canaries', '10000')),
    documents: 64,
    fullBatch: true,
    faults: [null, 'noise x0.5', 'clipping disabled', 'h.0.mlp.c_fc.weight left out of the norm'],
  });
else {
  process.stderr.write(
    'usage: npx tsx scripts/audit-bench.ts soundness|power|ideal|student-faults [options]\n',
  );
  process.exitCode = 2;
}
