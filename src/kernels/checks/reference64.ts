/**
 * Naive float64 loops over plain arrays: the independent truth the TF.js twins and the WGSL
 * kernels are both checked against. Each example i uses only its first `lengths[i]` tokens, so a
 * match also shows that padded positions (G = 0) contribute nothing. Every norm also returns
 * sum |term|, the scale its rounding error is relative to (these sums can cancel).
 */

export interface Dims {
  examples: number;
  tokens: number;
}

export interface Ref64 {
  value: Float64Array;
  /** Per example, the sum of the absolute values of the summed terms. */
  magnitude: Float64Array;
}

function dot(x: ArrayLike<number>, xo: number, y: ArrayLike<number>, yo: number, n: number): number {
  let s = 0;
  for (let k = 0; k < n; k++) s += x[xo + k] * y[yo + k];
  return s;
}

/** sum over valid (t, s) of w(t, s) * (x_t . y_s), rows of width k. */
function pairSum(
  dims: Dims,
  lengths: number[],
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  k: number,
  weight: (i: number, t: number, s: number) => number,
): Ref64 {
  const value = new Float64Array(dims.examples);
  const magnitude = new Float64Array(dims.examples);
  for (let i = 0; i < dims.examples; i++) {
    for (let t = 0; t < lengths[i]; t++) {
      for (let s = 0; s < lengths[i]; s++) {
        const w = weight(i, t, s);
        if (w === 0) continue;
        const term = w * dot(x, (i * dims.tokens + t) * k, y, (i * dims.tokens + s) * k, k);
        value[i] += term;
        magnitude[i] += Math.abs(term);
      }
    }
  }
  return { value, magnitude };
}

export function ghostNormRef(
  dims: Dims,
  lengths: number[],
  a: ArrayLike<number>,
  d: number,
  g: ArrayLike<number>,
  p: number,
): Ref64 {
  const rowDot = (i: number, t: number, s: number) =>
    dot(g, (i * dims.tokens + t) * p, g, (i * dims.tokens + s) * p, p);
  return pairSum(dims, lengths, a, a, d, rowDot);
}

/** ||A_i^T G_i||_F^2 by forming the gradient in float64. */
export function directNormRef(
  dims: Dims,
  lengths: number[],
  a: ArrayLike<number>,
  d: number,
  g: ArrayLike<number>,
  p: number,
): Ref64 {
  const value = new Float64Array(dims.examples);
  for (let i = 0; i < dims.examples; i++) {
    const grad = weightSumRef(dims, [lengths[i]], a, d, g, p, [1], i);
    for (const v of grad) value[i] += v * v;
  }
  return { value, magnitude: value.slice() };
}

export function biasNormRef(dims: Dims, lengths: number[], g: ArrayLike<number>, p: number): Ref64 {
  const value = new Float64Array(dims.examples);
  for (let i = 0; i < dims.examples; i++) {
    const sum = biasSumRef(dims, [lengths[i]], g, p, [1], i);
    for (const v of sum) value[i] += v * v;
  }
  return { value, magnitude: value.slice() };
}

export function embeddingNormRef(
  dims: Dims,
  lengths: number[],
  ids: ArrayLike<number>,
  b: ArrayLike<number>,
  d: number,
): Ref64 {
  const same = (i: number, t: number, s: number) =>
    ids[i * dims.tokens + t] === ids[i * dims.tokens + s] ? 1 : 0;
  return pairSum(dims, lengths, b, b, d, same);
}

export function tiedCrossRef(
  dims: Dims,
  lengths: number[],
  gl: ArrayLike<number>,
  vocab: number,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  d: number,
  ids: ArrayLike<number>,
): Ref64 {
  const glAt = (i: number, t: number, s: number) =>
    gl[(i * dims.tokens + t) * vocab + ids[i * dims.tokens + s]];
  return pairSum(dims, lengths, a, b, d, glAt);
}

/**
 * sum over examples i (from `first`, lengths.length of them) of c_i A_i^T G_i, (d x p) row-major.
 */
export function weightSumRef(
  dims: Dims,
  lengths: number[],
  a: ArrayLike<number>,
  d: number,
  g: ArrayLike<number>,
  p: number,
  c: ArrayLike<number>,
  first = 0,
): Float64Array {
  const out = new Float64Array(d * p);
  lengths.forEach((len, e) => {
    const i = first + e;
    for (let t = 0; t < len; t++) {
      const row = i * dims.tokens + t;
      for (let j = 0; j < d; j++) {
        const aj = c[e] * a[row * d + j];
        for (let k = 0; k < p; k++) out[j * p + k] += aj * g[row * p + k];
      }
    }
  });
  return out;
}

/** sum over examples i (from `first`) of c_i sum_t g_{i,t}. */
export function biasSumRef(
  dims: Dims,
  lengths: number[],
  g: ArrayLike<number>,
  p: number,
  c: ArrayLike<number>,
  first = 0,
): Float64Array {
  const out = new Float64Array(p);
  lengths.forEach((len, e) => {
    const i = first + e;
    for (let t = 0; t < len; t++) {
      const row = i * dims.tokens + t;
      for (let k = 0; k < p; k++) out[k] += c[e] * g[row * p + k];
    }
  });
  return out;
}
