/**
 * Knowledge-distillation loss of the DistilDP student (docs/METHOD.md step 3):
 *   loss = (1 - lambda) CE(hard labels) + lambda T^2 KL(p_teacher(T) || p_student(T)) + alpha MSE(P h_s, h_t)
 * Normalisation (stated, and unlike the reference code's `batchmean` over (B, T, V), which sums over
 * positions): every term is a mean over the REAL (non-pad) target positions of the batch; KL is the
 * full per-token sum over the vocabulary; MSE is the per-token mean over the teacher's hidden width.
 * So lambda trades per-token CE against per-token KL, and pads never contribute.
 * When the student and teacher widths differ, P is a learned linear projection (d_s -> d_t) with a
 * bias; when they are equal, P is the identity (no parameters), as in the paper.
 */
import * as tf from '@tensorflow/tfjs';
import type { TokenBatch } from '../model/losses';
import { tokenCrossEntropy } from '../model/losses';
import { linear } from '../model/ops';

export interface DistillationConfig {
  /** Weight of the soft-label term (paper: 0.4). */
  lambda: number;
  /** Softmax temperature of both distributions (paper: 1). */
  temperature: number;
  /** Weight of the hidden-state alignment (MSE) term; 0 turns it off. Default 0.1. */
  alpha: number;
}

export const DEFAULT_DISTILLATION: DistillationConfig = { lambda: 0.4, temperature: 1, alpha: 0.1 };

/** Teacher outputs for one batch, computed outside the gradient tape (constants for the student). */
export interface TeacherTargets {
  /** (B, T, V) teacher logits. */
  logits: tf.Tensor3D;
  /** (B, T, d_t) teacher final hidden state, when hidden alignment is on. */
  hidden?: tf.Tensor3D;
}

/** Per-token KL(p_t || p_s) at temperature T: (B, T). */
export function tokenKL(
  teacherLogits: tf.Tensor3D,
  studentLogits: tf.Tensor3D,
  temperature: number,
): tf.Tensor2D {
  return tf.tidy(() => {
    const logPt = tf.logSoftmax(tf.div(teacherLogits, temperature));
    const logPs = tf.logSoftmax(tf.div(studentLogits, temperature));
    return tf.sum(tf.mul(tf.exp(logPt), tf.sub(logPt, logPs)), -1) as tf.Tensor2D;
  });
}

/** Learned projection of student hidden states to the teacher's width. */
export interface HiddenProjection {
  weight: tf.Variable; // (d_s, d_t)
  bias: tf.Variable; // (d_t)
}

/** A projection initialised near a (truncated) identity, or null when the widths are equal. */
export function createProjection(
  studentWidth: number,
  teacherWidth: number,
  seed = 0,
): HiddenProjection | null {
  if (studentWidth === teacherWidth) return null;
  return tf.tidy(() => {
    const eye = tf.eye(studentWidth, teacherWidth);
    const w = tf.add(eye, tf.randomNormal([studentWidth, teacherWidth], 0, 0.02, 'float32', seed));
    return { weight: tf.variable(w, true), bias: tf.variable(tf.zeros([teacherWidth]), true) };
  });
}

/** Mean over real positions of a (B, T) per-token quantity. */
function maskedMean(x: tf.Tensor2D, mask: tf.Tensor2D): tf.Scalar {
  return tf.div(tf.sum(tf.mul(x, mask)), tf.maximum(tf.sum(mask), 1));
}

export interface DistillationTerms {
  total: tf.Scalar;
  ce: tf.Scalar;
  kl: tf.Scalar;
  mse: tf.Scalar;
}

/** The distillation loss and its terms, for student outputs and teacher targets on one batch. */
export function distillationLoss(
  studentLogits: tf.Tensor3D,
  studentHidden: tf.Tensor3D | undefined,
  teacher: TeacherTargets | null,
  batch: TokenBatch,
  projection: HiddenProjection | null,
  c: DistillationConfig,
): DistillationTerms {
  if (!teacher && (c.lambda > 0 || c.alpha > 0))
    throw new Error('distillation: lambda > 0 or alpha > 0 needs the teacher outputs');
  const ce = maskedMean(tokenCrossEntropy(studentLogits, batch.targets), batch.mask);
  const kl =
    teacher && c.lambda > 0
      ? maskedMean(tokenKL(teacher.logits, studentLogits, c.temperature), batch.mask)
      : tf.scalar(0);
  let mse: tf.Scalar = tf.scalar(0);
  if (c.alpha > 0) {
    if (!studentHidden || !teacher?.hidden)
      throw new Error('distillation: alpha > 0 needs student and teacher hidden states');
    const [b, t, ds] = studentHidden.shape;
    const dt = teacher.hidden.shape[2];
    const flat = tf.reshape(studentHidden, [b * t, ds]) as tf.Tensor2D;
    const projected = projection
      ? linear(flat, projection.weight as tf.Tensor2D, projection.bias as tf.Tensor1D)
      : flat;
    if (projected.shape[1] !== dt)
      throw new Error(`distillation: student width ${ds} != teacher width ${dt} and no projection`);
    const perToken = tf.reshape(
      tf.mean(tf.square(tf.sub(projected, tf.reshape(teacher.hidden, [b * t, dt]))), 1),
      [b, t],
    );
    mse = maskedMean(perToken as tf.Tensor2D, batch.mask);
  }
  const total = tf.addN([
    tf.mul(1 - c.lambda, ce),
    tf.mul(c.lambda * c.temperature * c.temperature, kl),
    tf.mul(c.alpha, mse),
  ]) as tf.Scalar;
  return { total, ce, kl, mse };
}

/** Per-example KD loss (B,) for DP training of a student on private data (DPKD baseline): each
 * example's mean over its own real tokens of (1 - lambda) CE + lambda T^2 KL. */
export function perExampleKDLoss(
  studentLogits: tf.Tensor3D,
  teacherLogits: tf.Tensor3D,
  batch: TokenBatch,
  c: Pick<DistillationConfig, 'lambda' | 'temperature'>,
): tf.Tensor1D {
  return tf.tidy(() => {
    const perToken = tf.add(
      tf.mul(1 - c.lambda, tokenCrossEntropy(studentLogits, batch.targets)),
      tf.mul(c.lambda * c.temperature * c.temperature, tokenKL(teacherLogits, studentLogits, c.temperature)),
    );
    const weights = tf.div(batch.mask, tf.maximum(tf.sum(batch.mask, 1, true), 1));
    return tf.sum(tf.mul(perToken, weights), 1) as tf.Tensor1D;
  });
}
