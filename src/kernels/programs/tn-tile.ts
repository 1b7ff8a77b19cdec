/**
 * Tiled A^T G products over token rows, two uses:
 * - directNorm: per example i, ||A_i^T G_i||_F^2. A workgroup owns a 64 x 64 tile of the
 *   (d x p) per-example gradient, accumulates it over the example's L rows, squares and
 *   tree-reduces it: partial sums (B, tiles); the gradient tile never leaves the workgroup.
 * - accumulate: out (d, p) = base + sum_i c_i A_i^T G_i, i.e. a matmul reducing over the B*L
 *   rows with every row of A scaled by its example's clip factor. `inPlace` reads base from the
 *   output buffer itself (each element is read and written by the same invocation), otherwise
 *   from the input `Acc`.
 *
 * 16 x 16 invocations, each owning a 4 x 4 register block (strided by 16 so that reads of
 * workgroup memory and writes of the output are coalesced); rows stream through workgroup memory
 * 16 at a time, with 64 consecutive columns per row (coalesced global loads).
 */
import type { WebGPUProgram } from '../webgpu-backend';
import { workgroupTreeSum } from './row-sum';

export const TN_TILE = 64;
const ROWS = 16;

export type TnTileMode = 'directNorm' | 'accumulate' | 'accumulateInPlace';

export function tnTileCounts(d: number, p: number): { tilesD: number; tilesP: number } {
  return { tilesD: Math.ceil(d / TN_TILE), tilesP: Math.ceil(p / TN_TILE) };
}

export class TnTileProgram implements WebGPUProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [16, 16, 1];
  private readonly mode: TnTileMode;

  constructor(mode: TnTileMode, examples: number, d: number, p: number) {
    this.mode = mode;
    const { tilesD, tilesP } = tnTileCounts(d, p);
    if (mode === 'directNorm') {
      this.variableNames = ['A', 'G'];
      const tiles = tilesD * tilesP;
      this.outputShape = tiles === 1 ? [examples] : [examples, tiles];
      this.dispatch = [tilesP, tilesD, examples];
    } else {
      this.variableNames = mode === 'accumulate' ? ['A', 'G', 'C', 'Acc'] : ['A', 'G', 'C'];
      this.outputShape = [d, p];
      this.dispatch = [tilesP, tilesD, 1];
    }
    this.shaderKey = `dpTnTile_${mode}`;
  }

  getUserCode(): string {
    const norm = this.mode === 'directNorm';
    const rowCount = norm ? 'L' : 'uniforms.aShape.x * L';
    const rowBase = norm ? 'i32(workgroupId.z) * L' : '0';
    const scale = norm ? '' : ' * C[row / L]';
    const base = this.mode === 'accumulate' ? 'Acc[idx]' : 'result[idx]';
    const finish = norm
      ? `
        var local = 0.0;
        for (var m = 0; m < 16; m = m + 1) { local = local + acc[m] * acc[m]; }
        red[lid] = local;
        ${workgroupTreeSum('red', 'lid')}
        if (lid == 0) {
          let tiles = i32(numWorkgroups.x * numWorkgroups.y);
          let tile = i32(workgroupId.y * numWorkgroups.x + workgroupId.x);
          setOutputAtIndex(i32(workgroupId.z) * tiles + tile, red[0]);
        }`
      : `
        for (var r = 0; r < 4; r = r + 1) {
          let j = j0 + ty + 16 * r;
          for (var c = 0; c < 4; c = c + 1) {
            let k = k0 + tx + 16 * c;
            if (j < D && k < P) {
              let idx = j * P + k;
              result[idx] = ${base} + acc[r * 4 + c];
            }
          }
        }`;
    return `
  var<workgroup> tileA : array<f32, ${ROWS * TN_TILE}>;
  var<workgroup> tileG : array<f32, ${ROWS * TN_TILE}>;
  ${norm ? 'var<workgroup> red : array<f32, 256>;' : ''}

  fn main(index : i32) {
    let L = uniforms.aShape.y;
    let D = uniforms.aShape.z;
    let P = uniforms.gShape.z;
    let rows = ${rowCount};
    let rowBase = ${rowBase};
    let k0 = i32(workgroupId.x) * ${TN_TILE};
    let j0 = i32(workgroupId.y) * ${TN_TILE};
    let tx = i32(localId.x);
    let ty = i32(localId.y);
    let lid = i32(localIndex);
    var acc : array<f32, 16>;
    for (var n0 = 0; n0 < rows; n0 = n0 + ${ROWS}) {
      for (var e = lid; e < ${ROWS * TN_TILE}; e = e + 256) {
        let n = n0 + e / ${TN_TILE};
        let col = e % ${TN_TILE};
        var av = 0.0;
        var gv = 0.0;
        if (n < rows) {
          let row = rowBase + n;
          if (j0 + col < D) { av = A[row * D + j0 + col]${scale}; }
          if (k0 + col < P) { gv = G[row * P + k0 + col]; }
        }
        tileA[e] = av;
        tileG[e] = gv;
      }
      workgroupBarrier();
      for (var r = 0; r < ${ROWS}; r = r + 1) {
        let a0 = tileA[r * ${TN_TILE} + ty];
        let a1 = tileA[r * ${TN_TILE} + ty + 16];
        let a2 = tileA[r * ${TN_TILE} + ty + 32];
        let a3 = tileA[r * ${TN_TILE} + ty + 48];
        for (var c = 0; c < 4; c = c + 1) {
          let g = tileG[r * ${TN_TILE} + tx + 16 * c];
          acc[c] = acc[c] + a0 * g;
          acc[4 + c] = acc[4 + c] + a1 * g;
          acc[8 + c] = acc[8 + c] + a2 * g;
          acc[12 + c] = acc[12 + c] + a3 * g;
        }
      }
      workgroupBarrier();
    }
    ${finish}
  }`;
  }
}
