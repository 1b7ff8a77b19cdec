/** Input checks shared by the WGSL and twin paths: clear errors before anything is dispatched. */
import type * as tf from '@tensorflow/tfjs';

function shapeText(t: tf.Tensor): string {
  return `[${t.shape.join(', ')}]`;
}

export function expectRank(op: string, name: string, t: tf.Tensor, rank: number, dtype = 'float32'): void {
  if (t.rank !== rank) throw new Error(`${op}: ${name} must have rank ${rank}, got shape ${shapeText(t)}`);
  if (t.dtype !== dtype) throw new Error(`${op}: ${name} must be ${dtype}, got ${t.dtype}`);
  if (t.shape.some((n) => n < 1)) throw new Error(`${op}: ${name} has an empty dimension ${shapeText(t)}`);
}

/** The leading (examples, tokens) dimensions of two per-token tensors must agree. */
export function expectSameTokens(op: string, names: [string, string], x: tf.Tensor, y: tf.Tensor): void {
  if (x.shape[0] !== y.shape[0] || x.shape[1] !== y.shape[1]) {
    throw new Error(
      `${op}: ${names[0]} ${shapeText(x)} and ${names[1]} ${shapeText(y)} must share (examples, tokens)`,
    );
  }
}

/** A (B, L, d) layer input and G (B, L, p) output gradient of one linear layer. */
export function checkLinearPair(op: string, a: tf.Tensor, g: tf.Tensor): void {
  expectRank(op, 'A', a, 3);
  expectRank(op, 'G', g, 3);
  expectSameTokens(op, ['A', 'G'], a, g);
}

/** Clip factors c (B,) for B examples. */
export function checkClipFactors(op: string, c: tf.Tensor, examples: number): void {
  expectRank(op, 'c', c, 1);
  if (c.shape[0] !== examples) {
    throw new Error(`${op}: c has ${c.shape[0]} clip factors for ${examples} examples`);
  }
}

export function checkAccumulator(op: string, acc: tf.Tensor, shape: number[]): void {
  if (acc.dtype !== 'float32') throw new Error(`${op}: accumulator must be float32, got ${acc.dtype}`);
  if (acc.shape.length !== shape.length || acc.shape.some((n, i) => n !== shape[i])) {
    throw new Error(`${op}: accumulator has shape ${shapeText(acc)}, expected [${shape.join(', ')}]`);
  }
}
