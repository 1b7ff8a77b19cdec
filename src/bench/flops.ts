/**
 * Model FLOPs of a GPT-2 training step, the numerator of `fraction_of_peak` (often called MFU):
 * only the matrix products the model needs, counted as 2 FLOPs per multiply-add, whatever the DP
 * book-keeping adds on top (its per-example norms are overhead, not useful work).
 *
 * Per token and layer the forward pass multiplies by c_attn (d x 3d), attn.c_proj (d x d),
 * mlp.c_fc (d x 4d) and mlp.c_proj (4d x d): 2 * 12 d^2; attention computes Q K^T and P V over
 * all T positions (the causal mask is additive, the masked half is computed too): 2 * 2 T d. The
 * LM head is 2 d V per token. The backward pass costs twice the forward (input and weight
 * gradients), so a training step is 3x the forward.
 */
import type { GPTConfig } from '../model/config';

/** Forward FLOPs per token of a sequence of `seqLen` tokens. */
export function forwardFlopsPerToken(config: GPTConfig, seqLen: number): number {
  const { nEmbd: d, nLayer: l, vocabSize: v } = config;
  return l * (2 * 12 * d * d + 2 * 2 * seqLen * d) + 2 * d * v;
}

/** FLOPs of one training step (forward + backward) over `batch` sequences of `seqLen` tokens. */
export function trainingStepFlops(config: GPTConfig, batch: number, seqLen: number): number {
  return 3 * batch * seqLen * forwardFlopsPerToken(config, seqLen);
}
