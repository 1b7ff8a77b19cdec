/**
 * Fused "pair" norms: per example i, sum over token pairs (t, s) of weight(t, s) * (x_t . y_s),
 * tiled so that no L x L matrix ever reaches global memory.
 *
 * - ghost:     x = y = A rows (width d), weight = g_t . g_s (G rows, width p)
 * - embedding: x = y = b rows (width d),  weight = [ids_t == ids_s]
 * - cross:     x = a rows, y = b rows,    weight = Gl[t, ids_s]  (tied embedding / LM head)
 *
 * A workgroup (16 x 16 invocations) owns a 32 x 32 block of (t, s) pairs of one example. Both dot
 * products are computed by streaming 32-wide column chunks of the rows through workgroup memory
 * (coalesced loads, padded rows against bank conflicts); every invocation keeps a 2 x 2 block of
 * dots in registers, multiplies, and the workgroup tree-reduces its 256 values to one partial sum.
 * The ghost and embedding sums are symmetric in (t, s): only blocks with bt <= bs are launched and
 * off-diagonal blocks count twice. Output: partial sums (B, blocks), or (B) when there is one block.
 */
import type { ProgramUniform, WebGPUProgram } from '../webgpu-backend';
import { workgroupTreeSum } from './row-sum';

export type PairNormMode = 'ghost' | 'embedding' | 'cross';

/** Tokens per block side; each invocation covers 2 x 2 pairs of the block. */
export const PAIR_BLOCK = 32;
/** Columns per chunk streamed through workgroup memory. */
const CHUNK = 32;
/** Row stride in workgroup memory (one float of padding avoids bank conflicts). */
const STRIDE = CHUNK + 1;

const VARIABLES: Record<PairNormMode, string[]> = {
  ghost: ['A', 'G'],
  embedding: ['Ids', 'Bg'],
  cross: ['Gl', 'A', 'Bg', 'Ids'],
};

export function pairBlockCount(l: number, mode: PairNormMode): number {
  const nb = Math.ceil(l / PAIR_BLOCK);
  return mode === 'cross' ? nb * nb : (nb * (nb + 1)) / 2;
}

/**
 * WGSL accumulating, into d00..d11, the dots of rows t0 + {ty, ty+16} of `left` with rows
 * s0 + {tx, tx+16} of `right` (both row-major (B*L, width)). Must run in uniform control flow.
 */
function blockDots(left: string, right: string, width: string, out: string): string {
  return `
    var ${out}00 = 0.0; var ${out}01 = 0.0; var ${out}10 = 0.0; var ${out}11 = 0.0;
    for (var k0 = 0; k0 < ${width}; k0 = k0 + ${CHUNK}) {
      for (var e = lid; e < ${PAIR_BLOCK * CHUNK}; e = e + 256) {
        let r = e / ${CHUNK};
        let c = e % ${CHUNK};
        let k = k0 + c;
        var lv = 0.0;
        var rv = 0.0;
        if (k < ${width}) {
          if (t0 + r < L) { lv = ${left}[(rowBase + t0 + r) * ${width} + k]; }
          if (s0 + r < L) { rv = ${right}[(rowBase + s0 + r) * ${width} + k]; }
        }
        tileT[r * ${STRIDE} + c] = lv;
        tileS[r * ${STRIDE} + c] = rv;
      }
      workgroupBarrier();
      for (var c = 0; c < ${CHUNK}; c = c + 1) {
        let x0 = tileT[ty * ${STRIDE} + c];
        let x1 = tileT[(ty + 16) * ${STRIDE} + c];
        let y0 = tileS[tx * ${STRIDE} + c];
        let y1 = tileS[(tx + 16) * ${STRIDE} + c];
        ${out}00 = ${out}00 + x0 * y0;
        ${out}01 = ${out}01 + x0 * y1;
        ${out}10 = ${out}10 + x1 * y0;
        ${out}11 = ${out}11 + x1 * y1;
      }
      workgroupBarrier();
    }`;
}

function blockCoordinates(mode: PairNormMode): string {
  if (mode === 'cross') {
    return `
    let bt = q / nb;
    let bs = q % nb;`;
  }
  // Upper-triangular enumeration q = bs (bs + 1) / 2 + bt, 0 <= bt <= bs; the float estimate
  // of bs is corrected with exact integer checks.
  return `
    var bs = i32((sqrt(8.0 * f32(q) + 1.0) - 1.0) * 0.5);
    loop { if ((bs + 1) * (bs + 2) / 2 <= q) { bs = bs + 1; } else { break; } }
    loop { if (bs * (bs + 1) / 2 > q) { bs = bs - 1; } else { break; } }
    let bt = q - bs * (bs + 1) / 2;`;
}

function combine(mode: PairNormMode): string {
  switch (mode) {
    case 'ghost':
      return `${blockDots('A', 'A', 'uniforms.aShape.z', 'x')}
    ${blockDots('G', 'G', 'uniforms.gShape.z', 'w')}
    let local = x00 * w00 + x01 * w01 + x10 * w10 + x11 * w11;`;
    case 'embedding':
      return `${blockDots('Bg', 'Bg', 'uniforms.bgShape.z', 'x')}
    var local = 0.0;
    for (var r = 0; r < 2; r = r + 1) {
      for (var c = 0; c < 2; c = c + 1) {
        let t = t0 + ty + 16 * r;
        let s = s0 + tx + 16 * c;
        if (t < L && s < L && Ids[rowBase + t] == Ids[rowBase + s]) {
          local = local + select(select(x11, x10, c == 0), select(x01, x00, c == 0), r == 0);
        }
      }
    }`;
    case 'cross':
      return `${blockDots('A', 'Bg', 'uniforms.aShape.z', 'x')}
    let V = uniforms.glShape.z;
    var local = 0.0;
    for (var r = 0; r < 2; r = r + 1) {
      for (var c = 0; c < 2; c = c + 1) {
        let t = t0 + ty + 16 * r;
        let s = s0 + tx + 16 * c;
        if (t < L && s < L) {
          let id = Ids[rowBase + s];
          // Out-of-range ids are a caller error; they contribute nothing rather than read out of bounds.
          if (id >= 0 && id < V) {
            let dot = select(select(x11, x10, c == 0), select(x01, x00, c == 0), r == 0);
            local = local + Gl[(rowBase + t) * V + id] * dot;
          }
        }
      }
    }`;
  }
}

export class PairNormProgram implements WebGPUProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [16, 16, 1];
  uniforms = 'blocksPerSide : i32,';
  private readonly mode: PairNormMode;

  /** Uniform data to pass to runWebGPUProgram with this program. */
  readonly uniformData: ProgramUniform[];

  constructor(mode: PairNormMode, examples: number, tokens: number) {
    this.mode = mode;
    this.variableNames = VARIABLES[mode];
    const blocks = pairBlockCount(tokens, mode);
    this.outputShape = blocks === 1 ? [examples] : [examples, blocks];
    this.dispatch = [blocks, examples, 1];
    this.shaderKey = `dpPairNorm_${mode}`;
    this.uniformData = [{ type: 'int32', data: [Math.ceil(tokens / PAIR_BLOCK)] }];
  }

  getUserCode(): string {
    const mode = this.mode;
    const tokensOf = mode === 'ghost' || mode === 'cross' ? 'uniforms.aShape.y' : 'uniforms.bgShape.y';
    const symmetric = mode !== 'cross';
    return `
  var<workgroup> tileT : array<f32, ${PAIR_BLOCK * STRIDE}>;
  var<workgroup> tileS : array<f32, ${PAIR_BLOCK * STRIDE}>;
  var<workgroup> red : array<f32, 256>;

  fn main(index : i32) {
    let q = i32(workgroupId.x);
    let example = i32(workgroupId.y);
    let blocks = i32(numWorkgroups.x);
    let nb = uniforms.blocksPerSide;
    let L = ${tokensOf};
    let rowBase = example * L;
    let tx = i32(localId.x);
    let ty = i32(localId.y);
    let lid = i32(localIndex);
    ${blockCoordinates(mode)}
    let t0 = bt * ${PAIR_BLOCK};
    let s0 = bs * ${PAIR_BLOCK};
    ${combine(mode)}
    red[lid] = local;
    ${workgroupTreeSum('red', 'lid')}
    if (lid == 0) {
      let weight = ${symmetric ? 'select(2.0, 1.0, bt == bs)' : '1.0'};
      setOutputAtIndex(example * blocks + q, red[0] * weight);
    }
  }`;
  }
}
