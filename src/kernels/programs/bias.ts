/**
 * Bias gradients, two uses:
 * - biasNorm: per example i, ||sum_t g_t||^2. A workgroup owns 64 columns of one example;
 *   4 lanes of 64 invocations stride over the tokens (each load instruction reads 64 consecutive
 *   floats), the lanes are added, squared and tree-reduced: partial sums (B, column blocks).
 * - biasAccumulate: out (p) = base + sum_i c_i sum_t g_{i,t}, the same column-parallel sum over
 *   all B*L rows with clip factors; `biasAccumulateInPlace` reads base from the output buffer.
 */
import type { WebGPUProgram } from '../webgpu-backend';

const COLS = 64;
const LANES = 4;

export type BiasMode = 'biasNorm' | 'biasAccumulate' | 'biasAccumulateInPlace';

export function biasColumnBlocks(p: number): number {
  return Math.ceil(p / COLS);
}

export class BiasProgram implements WebGPUProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [COLS, LANES, 1];
  private readonly mode: BiasMode;

  constructor(mode: BiasMode, examples: number, p: number) {
    this.mode = mode;
    const blocks = biasColumnBlocks(p);
    if (mode === 'biasNorm') {
      this.variableNames = ['G'];
      this.outputShape = blocks === 1 ? [examples] : [examples, blocks];
      this.dispatch = [blocks, examples, 1];
    } else {
      this.variableNames = mode === 'biasAccumulate' ? ['G', 'C', 'Acc'] : ['G', 'C'];
      this.outputShape = [p];
      this.dispatch = [blocks, 1, 1];
    }
    this.shaderKey = `dpBias_${mode}`;
  }

  getUserCode(): string {
    const norm = this.mode === 'biasNorm';
    const finish = norm
      ? `
    if (ty == 0) {
      colSum[tx] = v * v;
    }
    workgroupBarrier();
    for (var stride = ${COLS / 2}; stride > 0; stride = stride / 2) {
      if (lid < stride) { colSum[lid] = colSum[lid] + colSum[lid + stride]; }
      workgroupBarrier();
    }
    if (lid == 0) {
      setOutputAtIndex(i32(workgroupId.y) * i32(numWorkgroups.x) + i32(workgroupId.x), colSum[0]);
    }`
      : `
    if (ty == 0 && k < P) {
      result[k] = ${this.mode === 'biasAccumulate' ? 'Acc[k]' : 'result[k]'} + v;
    }`;
    return `
  var<workgroup> colSum : array<f32, ${COLS * LANES}>;

  fn main(index : i32) {
    let L = uniforms.gShape.y;
    let P = uniforms.gShape.z;
    let tx = i32(localId.x);
    let ty = i32(localId.y);
    let lid = i32(localIndex);
    let k = i32(workgroupId.x) * ${COLS} + tx;
    let rowBase = ${norm ? 'i32(workgroupId.y) * L' : '0'};
    let rows = ${norm ? 'L' : 'uniforms.gShape.x * L'};
    var s = 0.0;
    if (k < P) {
      for (var n = ty; n < rows; n = n + ${LANES}) {
        s = s + G[(rowBase + n) * P + k]${norm ? '' : ' * C[n / L]'};
      }
    }
    colSum[ty * ${COLS} + tx] = s;
    workgroupBarrier();
    var v = 0.0;
    if (ty == 0) {
      for (var lane = 0; lane < ${LANES}; lane = lane + 1) { v = v + colSum[lane * ${COLS} + tx]; }
    }
    workgroupBarrier();
    ${finish}
  }`;
  }
}
