/**
 * Sums each row of a (rows, cols) float32 matrix: one workgroup per row, a strided pass over the
 * columns and a tree reduction in workgroup memory. Used to finish the per-example norms, whose
 * first pass writes one partial sum per workgroup tile.
 */
import type { WebGPUProgram } from '../webgpu-backend';

const THREADS = 256;

export class RowSumProgram implements WebGPUProgram {
  variableNames = ['X'];
  outputShape: number[];
  shaderKey = 'dpRowSum';
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [THREADS, 1, 1];

  constructor(rows: number) {
    this.outputShape = [rows];
    this.dispatch = [rows, 1, 1];
  }

  getUserCode(): string {
    return `
      var<workgroup> rowPartial : array<f32, ${THREADS}>;

      fn main(index : i32) {
        let row = i32(workgroupId.x);
        let cols = uniforms.xShape.y;
        let lid = i32(localIndex);
        var s = 0.0;
        for (var c = lid; c < cols; c = c + ${THREADS}) {
          s = s + X[row * cols + c];
        }
        rowPartial[lid] = s;
        workgroupBarrier();
        for (var stride = ${THREADS / 2}; stride > 0; stride = stride / 2) {
          if (lid < stride) {
            rowPartial[lid] = rowPartial[lid] + rowPartial[lid + stride];
          }
          workgroupBarrier();
        }
        if (lid == 0) {
          setOutputAtIndex(row, rowPartial[0]);
        }
      }
    `;
  }
}

/** WGSL: tree-sums `red[0..256)` into red[0]; every invocation of the workgroup must call it. */
export function workgroupTreeSum(red: string, lid: string): string {
  return `
    workgroupBarrier();
    for (var stride = ${THREADS / 2}; stride > 0; stride = stride / 2) {
      if (${lid} < stride) {
        ${red}[${lid}] = ${red}[${lid}] + ${red}[${lid} + stride];
      }
      workgroupBarrier();
    }`;
}
