/**
 * Checks of the norm and clipped-sum kernels, shared by tests/kernels/*.test.ts (Node, Dawn) and
 * the browser page kernel-check.html (Chromium): the WGSL kernel (when the backend is webgpu), its
 * TF.js twin and a float64 loop (reference64.ts) are compared pairwise.
 */
import * as tf from '@tensorflow/tfjs';
import {
  accumulateClippedBias,
  accumulateClippedWeight,
  clippedBiasSum,
  clippedWeightSum,
} from '../accumulate';
import { biasNormSq, directNormSq, embeddingNormSq, ghostNormSq, tiedCrossSum } from '../norms';
import {
  biasNormSqTwin,
  clippedBiasSumTwin,
  clippedWeightSumTwin,
  directNormSqTwin,
  embeddingNormSqTwin,
  ghostNormSqTwin,
  tiedCrossSumTwin,
} from '../twins';
import { webgpuActive } from '../webgpu-backend';
import { type CaseData, caseLabel, makeCaseData, mulberry32, type NormCase } from './cases';
import type { CheckResult, KernelCheck } from './check-result';
import * as ref from './reference64';

/** Relative error bound for norms and sums (float32 kernels against float64 truth). */
export const SUM_TOLERANCE = 1e-5;

async function take(t: tf.Tensor): Promise<Float64Array> {
  // Never dataSync on webgpu (docs/ARCHITECTURE.md, "TF.js traps"): it breaks SwiftShader.
  const v = await t.data();
  t.dispose();
  return Float64Array.from(v);
}

/** max_i |x_i - y_i| / scale_i, with 0/0 = 0 and x/0 = Infinity. */
function maxScaledError(x: ArrayLike<number>, y: ArrayLike<number>, scale: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    const diff = Math.abs(x[i] - y[i]);
    const e = diff === 0 ? 0 : scale[i] > 0 ? diff / scale[i] : Number.POSITIVE_INFINITY;
    worst = Math.max(worst, e);
  }
  return worst;
}

/** Normwise error of a sum: max |x - y| / max |y|. */
function normwiseError(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < x.length; i++) {
    diff = Math.max(diff, Math.abs(x[i] - y[i]));
    scale = Math.max(scale, Math.abs(y[i]));
  }
  return diff === 0 ? 0 : diff / scale;
}

function result(name: string, errors: Record<string, number>, detail: string): CheckResult {
  const pass = Object.values(errors).every((e) => e <= SUM_TOLERANCE);
  return { name, pass, tolerance: SUM_TOLERANCE, errors, detail };
}

interface Tensors {
  a: tf.Tensor3D;
  g: tf.Tensor3D;
  b: tf.Tensor3D;
  gl: tf.Tensor3D;
  ids: tf.Tensor2D;
  c: tf.Tensor1D;
}

function toTensors(c: NormCase, data: CaseData): Tensors {
  const { examples: bSize, tokens: l } = c;
  return {
    a: tf.tensor3d(data.a, [bSize, l, c.d]),
    g: tf.tensor3d(data.g, [bSize, l, c.p]),
    b: tf.tensor3d(data.b, [bSize, l, c.d]),
    gl: tf.tensor3d(data.gl, [bSize, l, c.vocab]),
    ids: tf.tensor2d(data.ids, [bSize, l], 'int32'),
    c: tf.tensor1d(data.c),
  };
}

type NormKernel = {
  label: string;
  wgsl: (t: Tensors) => tf.Tensor1D;
  twin: (t: Tensors) => tf.Tensor1D;
  reference: (c: NormCase, data: CaseData) => ref.Ref64;
};

const NORM_KERNELS: NormKernel[] = [
  {
    label: 'ghost norm',
    wgsl: (t) => ghostNormSq(t.a, t.g),
    twin: (t) => ghostNormSqTwin(t.a, t.g),
    reference: (c, x) => ref.ghostNormRef(dimsOf(c), x.lengths, x.a, c.d, x.g, c.p),
  },
  {
    label: 'direct norm',
    wgsl: (t) => directNormSq(t.a, t.g),
    twin: (t) => directNormSqTwin(t.a, t.g),
    reference: (c, x) => ref.directNormRef(dimsOf(c), x.lengths, x.a, c.d, x.g, c.p),
  },
  {
    label: 'bias norm',
    wgsl: (t) => biasNormSq(t.g),
    twin: (t) => biasNormSqTwin(t.g),
    reference: (c, x) => ref.biasNormRef(dimsOf(c), x.lengths, x.g, c.p),
  },
  {
    label: 'embedding norm',
    wgsl: (t) => embeddingNormSq(t.ids, t.b),
    twin: (t) => embeddingNormSqTwin(t.ids, t.b),
    reference: (c, x) => ref.embeddingNormRef(dimsOf(c), x.lengths, x.ids, x.b, c.d),
  },
  {
    label: 'tied cross sum',
    wgsl: (t) => tiedCrossSum(t.gl, t.a, t.b, t.ids),
    twin: (t) => tiedCrossSumTwin(t.gl, t.a, t.b, t.ids),
    reference: (c, x) => ref.tiedCrossRef(dimsOf(c), x.lengths, x.gl, c.vocab, x.a, x.b, c.d, x.ids),
  },
];

function dimsOf(c: NormCase): ref.Dims {
  return { examples: c.examples, tokens: c.tokens };
}

/**
 * Per-example norms: errors are relative to each example's value ("rel") and, since these sums
 * of signed terms can cancel, to the sum of |terms| ("scaled"). Norms of squares (direct, bias)
 * and the ghost/embedding norms must meet the bound in "rel"; the signed tied cross sum in "scaled".
 */
async function checkNorm(kernel: NormKernel, c: NormCase, seed: number): Promise<CheckResult> {
  const data = makeCaseData(c, seed);
  const truth = kernel.reference(c, data);
  const absTruth = truth.value.map(Math.abs);
  const t = toTensors(c, data);
  try {
    const twin = await take(kernel.twin(t));
    const errors: Record<string, number> = {};
    const signed = kernel.label === 'tied cross sum';
    const measure = signed ? 'scaled' : 'rel';
    const scale = signed ? truth.magnitude : absTruth;
    errors[`twin_vs_f64_${measure}`] = maxScaledError(twin, truth.value, scale);
    if (webgpuActive()) {
      const wgsl = await take(kernel.wgsl(t));
      errors[`wgsl_vs_twin_${measure}`] = maxScaledError(wgsl, twin, scale);
      errors[`wgsl_vs_f64_${measure}`] = maxScaledError(wgsl, truth.value, scale);
      if (signed) errors.wgsl_vs_f64_rel_info = maxScaledError(wgsl, truth.value, absTruth);
    }
    const passing = Object.fromEntries(Object.entries(errors).filter(([k]) => !k.endsWith('_info')));
    const r = result(`${kernel.label} ${caseLabel(c)}`, passing, `lengths ${data.lengths.join(',')}`);
    return { ...r, errors };
  } finally {
    tf.dispose(Object.values(t));
  }
}

export function normChecks(cases: NormCase[], seed = 1): KernelCheck[] {
  return cases.flatMap((c, ci) =>
    NORM_KERNELS.map((k) => ({
      name: `${k.label} ${caseLabel(c)}`,
      run: () => checkNorm(k, c, seed + ci),
    })),
  );
}

/** Functional sums with a random base: WGSL (webgpu) vs twin vs float64. */
async function checkSums(c: NormCase, seed: number): Promise<CheckResult> {
  const data = makeCaseData(c, seed);
  const dims = dimsOf(c);
  const rng = mulberry32(seed + 99);
  const baseW = Float32Array.from({ length: c.d * c.p }, () => 2 * rng() - 1);
  const baseB = Float32Array.from({ length: c.p }, () => 2 * rng() - 1);
  const wantW = ref
    .weightSumRef(dims, data.lengths, data.a, c.d, data.g, c.p, data.c)
    .map((v, i) => v + baseW[i]);
  const wantB = ref.biasSumRef(dims, data.lengths, data.g, c.p, data.c).map((v, i) => v + baseB[i]);
  const t = toTensors(c, data);
  const bw = tf.tensor2d(baseW, [c.d, c.p]);
  const bb = tf.tensor1d(baseB);
  try {
    const twinW = await take(clippedWeightSumTwin(t.a, t.g, t.c, bw));
    const twinB = await take(clippedBiasSumTwin(t.g, t.c, bb));
    const errors: Record<string, number> = {
      weight_twin_vs_f64: normwiseError(twinW, wantW),
      bias_twin_vs_f64: normwiseError(twinB, wantB),
    };
    if (webgpuActive()) {
      const w = await take(clippedWeightSum(t.a, t.g, t.c, bw));
      const b = await take(clippedBiasSum(t.g, t.c, bb));
      errors.weight_wgsl_vs_twin = normwiseError(w, twinW);
      errors.weight_wgsl_vs_f64 = normwiseError(w, wantW);
      errors.bias_wgsl_vs_twin = normwiseError(b, twinB);
      errors.bias_wgsl_vs_f64 = normwiseError(b, wantB);
    }
    return result(`clipped sums ${caseLabel(c)}`, errors, 'normwise max|x-y|/max|y|');
  } finally {
    tf.dispose([...Object.values(t), bw, bb]);
  }
}

/**
 * In-place accumulation into variables over two micro-batches, reading in between (a read caches
 * values on the CPU; the second read must see the second update). On webgpu the update must
 * really be in place.
 */
async function checkAccumulation(c: NormCase, seed: number): Promise<CheckResult> {
  const dims = dimsOf(c);
  const batches = [makeCaseData(c, seed), makeCaseData(c, seed + 7)];
  const initW = tf.zeros([c.d, c.p]);
  const initB = tf.zeros([c.p]);
  const accW = tf.variable(initW);
  const accB = tf.variable(initB);
  tf.dispose([initW, initB]);
  const wantW = new Float64Array(c.d * c.p);
  const wantB = new Float64Array(c.p);
  const errors: Record<string, number> = {};
  const inPlace: boolean[] = [];
  try {
    for (const [step, data] of batches.entries()) {
      const t = toTensors(c, data);
      inPlace.push(accumulateClippedWeight(accW, t.a, t.g, t.c), accumulateClippedBias(accB, t.g, t.c));
      tf.dispose(Object.values(t));
      ref.weightSumRef(dims, data.lengths, data.a, c.d, data.g, c.p, data.c).forEach((v, i) => {
        wantW[i] += v;
      });
      ref.biasSumRef(dims, data.lengths, data.g, c.p, data.c).forEach((v, i) => {
        wantB[i] += v;
      });
      errors[`weight_after_${step + 1}_vs_f64`] = normwiseError(await accW.data(), wantW);
      errors[`bias_after_${step + 1}_vs_f64`] = normwiseError(await accB.data(), wantB);
    }
    // A variable sharing its buffer (here with a clone) must not be written in place.
    const shared = tf.clone(accW);
    const before = Float32Array.from(await shared.data());
    const t = toTensors(c, batches[0]);
    const sharedInPlace = accumulateClippedWeight(accW, t.a, t.g, t.c);
    tf.dispose(Object.values(t));
    const after = await shared.data();
    errors.clone_changed_elements = before.filter((x, i) => x !== after[i]).length;
    errors.shared_buffer_written_in_place = sharedInPlace ? 1 : 0;
    shared.dispose();
  } finally {
    tf.dispose([accW, accB]);
  }
  const r = result(`accumulate in place ${caseLabel(c)}`, errors, `in place: ${inPlace.join(',')}`);
  const expectInPlace = webgpuActive();
  const inPlaceOk = inPlace.every((x) => x === expectInPlace);
  return { ...r, pass: r.pass && inPlaceOk };
}

/** Shader keys of every WGSL program the checks above must have compiled (and so run). */
export const EXPECTED_PROGRAMS = [
  'dpPairNorm_ghost',
  'dpPairNorm_embedding',
  'dpPairNorm_cross',
  'dpTnTile_directNorm',
  'dpTnTile_accumulate_',
  'dpTnTile_accumulateInPlace',
  'dpBias_biasNorm',
  'dpBias_biasAccumulate_',
  'dpBias_biasAccumulateInPlace',
  'dpRowSum',
];

/** On webgpu: every program in EXPECTED_PROGRAMS is in the backend's pipeline cache. */
export const programCoverageCheck: KernelCheck = {
  name: 'every WGSL program was compiled and run',
  run: async () => {
    const cache =
      (tf.backend() as unknown as { pipelineCache?: Record<string, unknown> }).pipelineCache ?? {};
    const keys = Object.keys(cache);
    const missing = EXPECTED_PROGRAMS.filter((p) => !keys.some((k) => k.startsWith(p)));
    return {
      name: 'every WGSL program was compiled and run',
      pass: webgpuActive() && missing.length === 0,
      tolerance: 0,
      errors: { missing_programs: missing.length },
      detail: missing.length ? `missing: ${missing.join(', ')}` : `${EXPECTED_PROGRAMS.length} programs`,
    };
  },
};

export function sumChecks(cases: NormCase[], seed = 101): KernelCheck[] {
  return cases.flatMap((c, ci) => [
    { name: `clipped sums ${caseLabel(c)}`, run: () => checkSums(c, seed + ci) },
    { name: `accumulate in place ${caseLabel(c)}`, run: () => checkAccumulation(c, seed + 50 + ci) },
  ]);
}
