/**
 * The wasm kernel fixes (src/model/wasm-fixes.ts) against the ops' element-by-element definitions,
 * computed here in plain JavaScript (independent of TF.js), and against the TF.js kernels they
 * replace. The sizes cover both of copyRun's branches (runs shorter and longer than 32 elements).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  adjacentGroupSwap,
  gatherInto,
  installWasmKernelFixes,
  sliceInto,
  sumRowsInto,
  swapAxesInto,
  tileInto,
  uninstallWasmKernelFixes,
} from '../../src/model/wasm-fixes';
import { useWasm } from './helpers/backend';

beforeAll(useWasm);

function strides(shape: number[]): number[] {
  const s = new Array(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

function unravel(flat: number, shape: number[]): number[] {
  return strides(shape).map((st, i) => Math.floor(flat / st) % shape[i]);
}

/** tile by its definition: out[i_0, ..., i_r] = x[i_0 mod s_0, ..., i_r mod s_r]. */
function tileReference(x: number[], shape: number[], reps: number[]): number[] {
  const outShape = shape.map((d, i) => d * reps[i]);
  const n = outShape.reduce((a, b) => a * b, 1);
  const st = strides(shape);
  return Array.from(
    { length: n },
    (_, f) => x[unravel(f, outShape).reduce((acc, idx, i) => acc + (idx % shape[i]) * st[i], 0)],
  );
}

function values(n: number, seed: number): number[] {
  return Array.from({ length: n }, (_, i) => ((i * 37 + seed * 11) % 101) - 50);
}

/** `op` on v (shaped `shape`) as float32, int32 and bool (v > 0) gives `want` (as bool: want > 0). */
function expectEveryDtype(
  v: number[],
  shape: number[],
  op: (x: tf.Tensor) => tf.Tensor,
  want: number[],
  outShape: number[],
): void {
  for (const dtype of ['float32', 'int32'] as const) {
    const y = op(tf.tensor(v, shape, dtype));
    expect(y.shape).toEqual(outShape);
    expect(y.dtype).toBe(dtype);
    expect(Array.from(y.dataSync())).toEqual(want);
  }
  const b = op(
    tf.tensor(
      v.map((e) => e > 0),
      shape,
      'bool',
    ),
  );
  expect(b.dtype).toBe('bool');
  expect(Array.from(b.dataSync())).toEqual(want.map((e) => (e > 0 ? 1 : 0)));
}

const cases: Array<[number[], number[]]> = [
  [[5], [3]],
  [[5], [1]],
  [
    [4, 3],
    [2, 1],
  ],
  [
    [4, 3],
    [1, 3],
  ],
  [
    [4, 3],
    [3, 2],
  ],
  [
    [2, 3, 4],
    [2, 1, 3],
  ],
  [
    [2, 1, 3, 2],
    [1, 4, 2, 2],
  ],
  [
    [128, 16],
    [8, 1],
  ],
];

describe('wasm Tile fix', () => {
  it('is the installed kernel and matches the definition for float32, int32 and bool', () => {
    expect(tf.getBackend()).toBe('wasm');
    for (const [shape, reps] of cases) {
      const n = shape.reduce((a, b) => a * b, 1);
      const v = values(n, shape.length + reps[0]);
      const want = tileReference(v, shape, reps);
      expectEveryDtype(
        v,
        shape,
        (x) => tf.tile(x, reps),
        want,
        shape.map((d, i) => d * reps[i]),
      );
    }
  });

  it('gives an empty tensor for a zero repetition or an empty input', () => {
    expect(tf.tile(tf.ones([2, 3]), [0, 2]).shape).toEqual([0, 6]);
    expect(tf.tile(tf.ones([0, 3]), [2, 2]).shape).toEqual([0, 6]);
  });

  it('has the gradient of tile (a sum over the copies)', () => {
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const w = tf.tensor2d(values(24, 3), [4, 6]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.tile(t, [2, 2]), w)))(x);
    const wv = values(24, 3);
    const want = Array.from({ length: 6 }, (_, f) => {
      const [i, j] = [Math.floor(f / 3), f % 3];
      let s = 0;
      for (const a of [0, 1]) for (const b of [0, 1]) s += wv[(i + 2 * a) * 6 + (j + 3 * b)];
      return s;
    });
    expect(Array.from(g.dataSync())).toEqual(want);
  });

  it('tileInto writes the definition into a given array', () => {
    const shape = [3, 2, 2];
    const reps = [2, 3, 1];
    const v = values(12, 1);
    const out = new Float32Array(72);
    tileInto(Float32Array.from(v), shape, reps, out);
    expect(Array.from(out)).toEqual(tileReference(v, shape, reps));
  });
});

/** slice by its definition: out[i] = x[begin + i]. */
function sliceReference(v: number[], shape: number[], begin: number[], size: number[]): number[] {
  const n = size.reduce((a, b) => a * b, 1);
  const st = strides(shape);
  return Array.from(
    { length: n },
    (_, f) => v[unravel(f, size).reduce((acc, idx, i) => acc + (begin[i] + idx) * st[i], 0)],
  );
}

describe('wasm Slice fix', () => {
  const shape = [4, 3, 5, 2];
  const slices: Array<[number[], number[]]> = [
    [
      [1, 0, 0, 0],
      [2, 3, 5, 2],
    ], // contiguous: whole trailing axes
    [
      [2, 1, 0, 0],
      [1, 2, 5, 2],
    ], // contiguous: size 1 on the first axis
    [
      [0, 1, 2, 0],
      [4, 2, 3, 2],
    ], // strided runs of 6
    [
      [0, 0, 0, 1],
      [4, 3, 5, 1],
    ], // runs of 1
    [
      [3, 2, 4, 1],
      [1, 1, 1, 1],
    ],
    [
      [0, 0, 0, 0],
      [4, 3, 5, 2],
    ], // the whole tensor
    [
      [1, 1, 1, 0],
      [2, 0, 3, 2],
    ], // empty
  ];

  it('matches the definition at rank 4 for float32, int32 and bool', () => {
    const v = values(120, 2);
    for (const [begin, size] of slices) {
      const want = sliceReference(v, shape, begin, size);
      expectEveryDtype(v, shape, (x) => tf.slice(x, begin, size), want, size);
    }
  });

  it('matches the definition at ranks 1 to 3 and with a size of -1', () => {
    const v = values(60, 4);
    expect(Array.from(tf.slice(tf.tensor1d(v), [7], [5]).dataSync())).toEqual(v.slice(7, 12));
    expect(Array.from(tf.slice(tf.tensor2d(v, [6, 10]), [1, 3], [4, -1]).dataSync())).toEqual(
      sliceReference(v, [6, 10], [1, 3], [4, 7]),
    );
    expect(Array.from(tf.slice(tf.tensor3d(v, [3, 4, 5]), [0, 1, 1], [3, 2, 3]).dataSync())).toEqual(
      sliceReference(v, [3, 4, 5], [0, 1, 1], [3, 2, 3]),
    );
  });

  it('sliceInto writes the definition into a given array', () => {
    const v = values(120, 5);
    const out = new Int32Array(4 * 2 * 3 * 2);
    sliceInto(Int32Array.from(v), shape, [0, 1, 2, 0], [4, 2, 3, 2], out);
    expect(Array.from(out)).toEqual(sliceReference(v, shape, [0, 1, 2, 0], [4, 2, 3, 2]));
  });
});

describe('wasm SplitV fix', () => {
  it('splits along every axis into the definition', () => {
    const shape = [4, 6, 3];
    const v = values(72, 6);
    const x = tf.tensor3d(v, shape as [number, number, number]);
    for (const [axis, sizes] of [
      [0, [1, 3]],
      [1, [2, 1, 3]],
      [2, [1, 2]],
      [-1, [3]],
    ] as Array<[number, number[]]>) {
      const parts = tf.split(x, sizes, axis);
      const a = axis < 0 ? shape.length + axis : axis;
      let start = 0;
      parts.forEach((p, i) => {
        const begin = [0, 0, 0];
        const size = [...shape];
        begin[a] = start;
        size[a] = sizes[i];
        expect(p.shape).toEqual(size);
        expect(Array.from(p.dataSync())).toEqual(sliceReference(v, shape, begin, size));
        start += sizes[i];
      });
    }
    // An even split by count.
    const thirds = tf.split(tf.tensor2d(values(24, 1), [2, 12]), 3, 1);
    expect(Array.from(thirds[1].dataSync())).toEqual(sliceReference(values(24, 1), [2, 12], [0, 4], [2, 4]));
  });
});

describe('wasm GatherV2 fix', () => {
  it('gathers along every axis into the definition, indices of any shape', () => {
    const shape = [3, 4, 2];
    const v = values(24, 8);
    const st = strides(shape);
    for (const dtype of ['float32', 'int32'] as const) {
      const x = tf.tensor(v, shape, dtype);
      for (const axis of [0, 1, 2]) {
        const ids = [
          [1, 0],
          [shape[axis] - 1, 1],
          [0, 0],
        ];
        const y = tf.gather(x, tf.tensor2d(ids, [3, 2], 'int32'), axis);
        const outShape = [...shape.slice(0, axis), 3, 2, ...shape.slice(axis + 1)];
        expect(y.shape).toEqual(outShape);
        const flatIds = ids.flat();
        const want = Array.from({ length: y.size }, (_, f) => {
          const idx = unravel(f, outShape);
          const src = [...idx.slice(0, axis), flatIds[idx[axis] * 2 + idx[axis + 1]], ...idx.slice(axis + 2)];
          return v[src.reduce((acc, e, i) => acc + e * st[i], 0)];
        });
        expect(Array.from(y.dataSync())).toEqual(want);
      }
    }
  });

  it('gathers rows of 32 elements and more (copied by set, not by the loop)', () => {
    const v = values(5 * 40, 3);
    const y = tf.gather(tf.tensor2d(v, [5, 40]), tf.tensor1d([4, 0, 4], 'int32'));
    expect(y.shape).toEqual([3, 40]);
    expect(Array.from(y.dataSync())).toEqual([...v.slice(160, 200), ...v.slice(0, 40), ...v.slice(160, 200)]);
  });

  it('refuses an index out of range', () => {
    expect(() => tf.gather(tf.ones([3, 2]), tf.tensor1d([0, 3], 'int32'))).toThrow(/not in \[0, 2\]/);
    expect(() => tf.gather(tf.ones([3, 2]), tf.tensor1d([-1], 'int32'))).toThrow(/not in/);
  });

  it('gatherInto copies rows', () => {
    const out = new Float32Array(6);
    gatherInto(Float32Array.from([0, 1, 10, 11, 20, 21]), 1, 3, 2, Int32Array.from([2, 0, 2]), out);
    expect(Array.from(out)).toEqual([20, 21, 0, 1, 20, 21]);
  });
});

/** sum by its definition over a block of axes, in float64. */
function sumReference(v: number[], shape: number[], axes: number[]): number[] {
  const outShape = shape.filter((_, i) => !axes.includes(i));
  const out = new Array(outShape.reduce((a, b) => a * b, 1)).fill(0);
  const ost = strides(outShape);
  v.forEach((e, f) => {
    const kept = unravel(f, shape).filter((_, i) => !axes.includes(i));
    out[kept.reduce((acc, idx, i) => acc + idx * ost[i], 0)] += e;
  });
  return out;
}

describe('wasm Sum fix', () => {
  const cases: Array<[number[], number | number[], boolean]> = [
    [[640, 40], 0, false], // a bias gradient's column sum
    [[32, 20, 24], [0, 1], true],
    [[8, 8, 10, 20], [0, 1, 2], true],
    [[64, 40], 0, false], // fewer than 512 rows: TF.js' own kernel
    [[4, 16, 24], 1, false], // per-example row sums (a middle axis): TF.js' own kernel
    [[4, 16, 24], -2, true],
    [[2, 3, 5, 20], [1, 2], false],
    [[6, 8], 1, false], // the last axis: TF.js' own kernel
    [[6, 8, 4], 1, false], // inner 4 < 16: TF.js' own kernel
    [[3, 4, 20], [0, 2], false], // not consecutive: TF.js' own kernel
  ];

  it('matches the definition (float64) to float32 rounding, with keepDims and negative axes', () => {
    for (const [shape, axis, keepDims] of cases) {
      const v = values(
        shape.reduce((a, b) => a * b, 1),
        shape[0],
      ).map((e) => e / 7);
      const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? shape.length + a : a));
      const y = tf.sum(tf.tensor(v, shape), axis, keepDims);
      expect(y.shape).toEqual(
        keepDims
          ? shape.map((d, i) => (axes.includes(i) ? 1 : d))
          : shape.filter((_, i) => !axes.includes(i)),
      );
      const want = sumReference(v, shape, axes);
      Array.from(y.dataSync()).forEach((e, i) => {
        expect(Math.abs(e - want[i])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want[i])));
      });
    }
  });

  it('leaves int32 sums to TF.js, exactly', () => {
    const v = values(640 * 20, 1);
    expect(Array.from(tf.sum(tf.tensor2d(v, [640, 20], 'int32'), 0).dataSync())).toEqual(
      sumReference(v, [640, 20], [0]),
    );
  });

  it("agrees with TF.js' own kernel (which adds 1,024 rows in float32) to 1e-4", () => {
    const x = tf.tensor2d(
      values(1024 * 64, 2).map((e) => e / 3),
      [1024, 64],
    );
    const fixed = tf.sum(x, 0).dataSync();
    uninstallWasmKernelFixes();
    let own: ArrayLike<number>;
    try {
      own = tf.sum(x, 0).dataSync();
    } finally {
      installWasmKernelFixes();
    }
    Array.from(fixed).forEach((e, i) => {
      expect(Math.abs(e - own[i])).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(own[i])));
    });
  });

  it('sumRowsInto adds rows per outer block', () => {
    const out = new Float32Array(4);
    sumRowsInto(Float32Array.from([1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60]), 2, 3, 2, out);
    expect(Array.from(out)).toEqual([9, 12, 90, 120]);
  });
});

describe('wasm Identity fix', () => {
  it('a clone keeps its values after the original is disposed', () => {
    const x = tf.tensor1d([1, 2, 3]);
    const y = tf.clone(x);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
    y.dispose();
  });
});

/** transpose by its definition: out[i_0, ..., i_r] = x[j] with j[perm[k]] = i_k. */
function transposeReference(v: number[], shape: number[], perm: number[]): number[] {
  const outShape = perm.map((a) => shape[a]);
  const st = strides(shape);
  return Array.from(
    { length: v.length },
    (_, f) => v[unravel(f, outShape).reduce((acc, idx, k) => acc + idx * st[perm[k]], 0)],
  );
}

/** Every permutation of [0, n). */
function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) =>
    Array.from({ length: n }, (_, at) => [...p.slice(0, at), n - 1, ...p.slice(at)]),
  );
}

/** tf.transpose of values shaped `shape` gives the definition, for float32, int32 and bool. */
function expectTransposeEveryDtype(shape: number[], perm: number[], seed: number): void {
  const v = values(
    shape.reduce((a, b) => a * b, 1),
    seed,
  );
  expectEveryDtype(
    v,
    shape,
    (x) => tf.transpose(x, perm),
    transposeReference(v, shape, perm),
    perm.map((a) => shape[a]),
  );
}

describe('wasm Transpose fix', () => {
  it('matches the definition for every permutation up to rank 4 (TF.js below 512 rows)', () => {
    for (const shape of [
      [9, 13],
      [3, 11, 2],
      [2, 3, 4, 5],
    ])
      for (const perm of permutations(shape.length)) expectTransposeEveryDtype(shape, perm, shape.length);
  });

  it('matches the definition for float32, int32 and bool from 512 rows (the fix)', () => {
    // Rows m: 600; 520 per example; 8 x 64 = 512 (two axes moved behind one); 64 x 8 = 512 (two
    // behind two).
    for (const [shape, perm] of [
      [
        [600, 3],
        [1, 0],
      ],
      [
        [2, 520, 3],
        [0, 2, 1],
      ],
      [
        [2, 8, 64, 3],
        [0, 3, 1, 2],
      ],
      [
        [64, 8, 3, 2],
        [2, 3, 0, 1],
      ],
    ])
      expectTransposeEveryDtype(shape, perm, 3);
  });

  it('matches the definition across the 8-row groups and the 256-column blocks', () => {
    // 515 = 8 * 64 + 3 rows (a remainder), 260 columns (a second, partial column block).
    const shape = [515, 260];
    const v = values(515 * 260, 7);
    const y = tf.transpose(tf.tensor(v, shape));
    expect(y.shape).toEqual([260, 515]);
    expect(Array.from(y.dataSync())).toEqual(transposeReference(v, shape, [1, 0]));
  });

  it('gives an empty tensor for an empty input', () => {
    expect(tf.transpose(tf.ones([0, 3])).shape).toEqual([3, 0]);
    expect(tf.transpose(tf.ones([600, 0])).shape).toEqual([0, 600]);
    expect(tf.transpose(tf.ones([2, 600, 0]), [0, 2, 1]).shape).toEqual([2, 0, 600]);
  });

  it('has the gradient of transpose (the inverse permutation)', () => {
    const v = values(2 * 520 * 3, 5);
    const w = values(2 * 520 * 3, 6);
    const g = tf.grad((t: tf.Tensor) =>
      tf.sum(tf.mul(tf.transpose(t, [1, 2, 0]), tf.tensor(w, [520, 3, 2]))),
    )(tf.tensor(v, [2, 520, 3]));
    // d/dx[a, b, c] of sum_k y[k] w[k] with y[b, c, a] = x[a, b, c] is w[b, c, a].
    expect(Array.from(g.dataSync())).toEqual(transposeReference(w, [520, 3, 2], [2, 0, 1]));
  });

  it('adjacentGroupSwap recognises swaps of adjacent groups of axes only', () => {
    expect(adjacentGroupSwap([4, 3], [1, 0])).toEqual({ outer: 1, m: 4, n: 3, inner: 1 });
    expect(adjacentGroupSwap([2, 3, 4, 5], [0, 2, 1, 3])).toEqual({ outer: 2, m: 3, n: 4, inner: 5 });
    expect(adjacentGroupSwap([2, 3, 4, 5], [0, 3, 1, 2])).toEqual({ outer: 2, m: 12, n: 5, inner: 1 });
    expect(adjacentGroupSwap([2, 3, 4, 5], [2, 3, 0, 1])).toEqual({ outer: 1, m: 6, n: 20, inner: 1 });
    expect(adjacentGroupSwap([2, 3, 4], [0, 1, 2])).toBeNull();
    expect(adjacentGroupSwap([2, 3, 4], [2, 1, 0])).toBeNull();
    expect(adjacentGroupSwap([2, 3, 4, 5], [1, 0, 3, 2])).toBeNull();
  });

  it('swapAxesInto transposes each matrix of a batch into a given array', () => {
    const v = values(2 * 11 * 4, 8);
    const out = new Float32Array(v.length);
    swapAxesInto(Float32Array.from(v), 2, 11, 4, out);
    expect(Array.from(out)).toEqual(transposeReference(v, [2, 11, 4], [0, 2, 1]));
  });
});

describe('the fixes against TF.js 4.22 own wasm kernels', () => {
  it('give the same tensors as the kernels they replace', () => {
    const v = values(4 * 6 * 10, 9);
    const run = (): Array<{ shape: number[]; data: number[] }> =>
      tf.tidy(() => {
        const x = tf.tensor3d(v, [4, 6, 10]);
        const ids = tf.tensor1d([3, 0, 5, 5], 'int32');
        return [
          tf.tile(x, [2, 1, 3]),
          tf.slice(x, [1, 0, 0], [2, 6, 10]),
          tf.slice(x, [0, 2, 3], [4, 3, 5]),
          ...tf.split(x, [3, 7], 2),
          tf.gather(x, ids, 1),
          tf.gather(tf.reshape(x, [24, 10]), tf.tensor1d([23, 1], 'int32'), 0),
          tf.clone(x),
          tf.transpose(tf.tensor3d(values(2 * 520 * 3, 4), [2, 520, 3]), [0, 2, 1]),
          tf.transpose(tf.tensor2d(values(600 * 3, 2), [600, 3])),
        ].map((t) => ({ shape: t.shape, data: Array.from(t.dataSync()) }));
      });
    const fixed = run();
    const fixedKernels = ['Tile', 'Slice', 'SplitV', 'GatherV2', 'Identity', 'Sum', 'Transpose'].map(
      (name) => tf.getKernel(name, 'wasm')?.kernelFunc,
    );
    uninstallWasmKernelFixes();
    try {
      ['Tile', 'Slice', 'SplitV', 'GatherV2', 'Identity', 'Sum', 'Transpose'].forEach((name, k) => {
        expect(tf.getKernel(name, 'wasm')?.kernelFunc).not.toBe(fixedKernels[k]);
      });
      expect(run()).toEqual(fixed);
    } finally {
      installWasmKernelFixes();
    }
    expect(run()).toEqual(fixed);
  });
});
