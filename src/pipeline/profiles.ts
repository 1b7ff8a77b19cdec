/**
 * Run sizes shared by the app and the CLI, so that `distildp pipeline --demo` and the app's
 * standard run are the same experiment. Type-only imports: the UI thread may read these too.
 *
 * Chosen on the demo corpus's VALIDATION split (README.md, "Results"; never on test):
 * - DP: with ~640 training documents, large expected batches (q = 0.4) are what keep DP-SGD from
 *   being swamped by noise. Learning rate: 3e-4 for the student (4.917 vs 4.934 at 1e-3), 1e-3 for
 *   the teacher (4.370 vs 4.380 at 3e-4).
 * - Synthetic text: the teacher's own distribution (no top-k/top-p truncation). Distillation then
 *   minimises the sequence-level KL to the teacher; truncated sampling (the paper's top-k 50,
 *   top-p 0.9, the library default) gave a worse student (validation PPL 4.910 vs 4.862).
 * - Distillation: mostly soft labels (lambda 0.9, T 1) at a small learning rate. The paper's
 *   lambda 0.4 at lr 1e-3 fits the quirks of ~1000 short synthetic samples (5.12 on validation,
 *   worse than the base student's 4.95); T = 2 (4.916) and hidden-state alignment (alpha 0.1:
 *   4.871) did not help; 2000 samples or 4 epochs gained < 0.01 for twice the time.
 */
import type { PipelineOptions } from './config';

export type RunProfileConfig = Omit<PipelineOptions, 'epsilon' | 'delta' | 'methods' | 'seed'>;

/** Real runs (the shipped teacher and student; the demo corpus), minutes on 2 CPU cores. */
export const STANDARD_PROFILE = {
  teacherDP: { expectedBatchSize: 256, epochs: 2, microBatchSize: 16, clipNorm: 1, schedule: { peak: 1e-3 } },
  studentDP: { expectedBatchSize: 256, epochs: 2, microBatchSize: 16, clipNorm: 1, schedule: { peak: 3e-4 } },
  histogram: { mode: 'dp', sigma: 10 },
  synthetic: { samples: 1000, overGenerate: 1.2, generation: { topK: 0, topP: 1 } },
  distill: { epochs: 2, batchSize: 16, learningRate: 3e-4 },
  distillation: { lambda: 0.9, temperature: 1, alpha: 0 },
  // Half an epoch: the non-private rows are upper bounds, and a full epoch of both models costs minutes.
  nonPrivate: { epochs: 0.5, batchSize: 16, learningRate: 1e-3 },
  // A DP step of the standard models takes seconds on a CPU: checkpoint every few of them.
  checkpointEvery: { dp: 2, train: 25 },
} satisfies RunProfileConfig;

/** Seconds-long runs of the tiny test models (e2e tests, smoke checks). */
export const TINY_PROFILE = {
  teacherDP: { expectedBatchSize: 4, epochs: 2, microBatchSize: 4, clipNorm: 1, schedule: { peak: 3e-3 } },
  studentDP: { expectedBatchSize: 4, epochs: 2, microBatchSize: 4, clipNorm: 1, schedule: { peak: 3e-3 } },
  histogram: { mode: 'dp', sigma: 2 },
  synthetic: { samples: 12, overGenerate: 1.5, generation: { maxLength: 48, batchSize: 16 } },
  distill: { epochs: 1, batchSize: 8, learningRate: 3e-3 },
  distillation: { lambda: 0.4, temperature: 1, alpha: 0.1 },
  nonPrivate: { epochs: 1, batchSize: 8, learningRate: 3e-3 },
  checkpointEvery: { dp: 2, train: 3 },
} satisfies RunProfileConfig;
