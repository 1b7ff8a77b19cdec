/**
 * The white-box audit's gradient canaries: m fixed directions u_i in parameter space, each canary
 * included in the audit's training data with probability 1/2. All of it is drawn from one 128-bit
 * audit seed (crypto.getRandomValues unless a test passes one) through Philox streams that differ in
 * their stream word: inclusion bits, coordinates, weights. The seed is recorded with the audit's
 * result only (the canaries never enter a user's run).
 *
 * - 'dirac': u_i is one coordinate (Steinke et al.'s Dirac canary). Coordinates are distinct, and
 *   spread so that every parameter tensor holds some (half of the canaries split evenly across the
 *   tensors, capped at half of a tensor, the rest in proportion to size): a tensor left out of the
 *   norm is then hit by canaries whatever its size.
 * - 'random': u_i is a random unit vector on `support` coordinates drawn uniformly from the whole
 *   parameter space (supports disjoint, so canaries are exactly orthogonal).
 */

import { distinctIndices } from '../dp/sampler';
import { type NoiseSeed, philoxFillNormal, philoxUniform53 } from '../random/noise';

export type CanaryKind = 'dirac' | 'random';

export interface CanaryDesign {
  m: number;
  /** The secret membership bits. */
  included: boolean[];
  /** Coordinates per canary (1 for Dirac). */
  support: number;
  /** Entry j of canary i is element i * support + j: tensor (index into `tensors`), flat index, weight. */
  tensor: Int32Array;
  index: Int32Array;
  weight: Float64Array;
  tensors: { name: string; size: number }[];
}

/** A sub-stream of the audit seed (a different counter word: disjoint Philox blocks). */
export function auditStream(seed: NoiseSeed, purpose: number): NoiseSeed {
  return { key: [seed.key[0], seed.key[1]], stream: [seed.stream[0], (seed.stream[1] + purpose) >>> 0] };
}

const STREAM = { inclusion: 1, placement: 2, coordinates: 3, weights: 4 } as const;

/** Canaries per tensor for Dirac canaries (see the module comment). */
export function allocateDirac(sizes: readonly number[], m: number): number[] {
  const capacity = sizes.map((s) => Math.floor(s / 2));
  const total = capacity.reduce((a, b) => a + b, 0);
  if (m > total) throw new Error(`${m} Dirac canaries do not fit: at most ${total} for this model`);
  const even = Math.floor(m / 2 / sizes.length);
  const counts = capacity.map((c) => Math.min(c, even));
  let left = m - counts.reduce((a, b) => a + b, 0);
  while (left > 0) {
    const room = capacity.map((c, i) => c - counts[i]);
    const roomTotal = room.reduce((a, b) => a + b, 0);
    let given = 0;
    room.forEach((r, i) => {
      const share = Math.min(r, Math.floor((left * r) / roomTotal));
      counts[i] += share;
      given += share;
    });
    if (given === 0) {
      // Round-off left a few: one each to the tensors with the most room.
      const order = room.map((_, i) => i).sort((a, b) => room[b] - room[a]);
      for (let k = 0; k < left; k++) counts[order[k % order.length]]++;
      given = left;
    }
    left -= given;
  }
  return counts;
}

/** The secret membership bits: canary i is in the training data iff its uniform is below 1/2. */
export function canaryInclusion(seed: NoiseSeed, m: number): boolean[] {
  return Array.from(philoxUniform53(auditStream(seed, STREAM.inclusion), m), (u) => u < 0.5);
}

export function designCanaries(
  tensors: { name: string; size: number }[],
  m: number,
  kind: CanaryKind,
  seed: NoiseSeed,
  support = 16,
): CanaryDesign {
  if (!Number.isInteger(m) || m < 2) throw new Error(`an audit needs at least 2 canaries, got ${m}`);
  const s = kind === 'dirac' ? 1 : support;
  if (!Number.isInteger(s) || s < 1) throw new Error(`canary support must be an integer >= 1, got ${s}`);
  const included = canaryInclusion(seed, m);
  const tensor = new Int32Array(m * s);
  const index = new Int32Array(m * s);
  const weight = new Float64Array(m * s);
  if (kind === 'dirac') {
    const counts = allocateDirac(
      tensors.map((t) => t.size),
      m,
    );
    let i = 0;
    let offset = 0;
    counts.forEach((count, t) => {
      const uniforms = philoxUniform53(auditStream(seed, STREAM.coordinates), count, offset);
      offset += count;
      for (const flat of distinctIndices(tensors[t].size, count, uniforms)) {
        tensor[i] = t;
        index[i] = flat;
        weight[i] = 1;
        i++;
      }
    });
    // Canary ids in a random order, so that id carries no information about the tensor.
    const order = shuffled(m, philoxUniform53(auditStream(seed, STREAM.placement), m));
    return {
      m,
      included,
      support: 1,
      tensor: permute(tensor, order),
      index: permute(index, order),
      weight,
      tensors,
    };
  }
  const d = tensors.reduce((a, t) => a + t.size, 0);
  if (m * s > d) throw new Error(`${m} canaries x ${s} coordinates exceed the ${d} parameters`);
  const flat = distinctIndices(d, m * s, philoxUniform53(auditStream(seed, STREAM.coordinates), m * s));
  const order = shuffled(m * s, philoxUniform53(auditStream(seed, STREAM.placement), m * s));
  const starts = tensors.map((_, t) => tensors.slice(0, t).reduce((a, x) => a + x.size, 0));
  const normals = new Float32Array(m * s);
  philoxFillNormal(normals, 1, auditStream(seed, STREAM.weights));
  for (let i = 0; i < m; i++) {
    let norm = 0;
    for (let j = 0; j < s; j++) norm += normals[i * s + j] ** 2;
    norm = Math.sqrt(norm);
    for (let j = 0; j < s; j++) {
      const g = flat[order[i * s + j]];
      let t = 0;
      while (t + 1 < tensors.length && starts[t + 1] <= g) t++;
      tensor[i * s + j] = t;
      index[i * s + j] = g - starts[t];
      weight[i * s + j] = normals[i * s + j] / norm;
    }
  }
  return { m, included, support: s, tensor, index, weight, tensors };
}

/** A uniformly random permutation of 0..n-1 (Fisher-Yates on the given uniforms). */
function shuffled(n: number, uniforms: Float64Array): Int32Array {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(uniforms[i] * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

function permute(a: Int32Array, order: Int32Array): Int32Array {
  return Int32Array.from(order, (k) => a[k]);
}
