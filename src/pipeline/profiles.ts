/**
 * Run sizes shared by the app and the CLI, so that `distildp pipeline --demo` and the app's
 * standard run are the same experiment. Type-only imports: the UI thread may read these too.
 *
 * The DP settings were chosen on the demo corpus's validation split (README.md,
 * "Results"): with ~640 training documents, large expected batches (q = 0.4) and a small
 * learning rate are what keep DP-SGD from being swamped by noise.
 */
import type { PipelineConfig } from './run';

export type RunProfileConfig = Omit<Partial<PipelineConfig>, 'epsilon' | 'delta' | 'methods' | 'seed'>;

/** Real runs (the shipped teacher and student; the demo corpus), minutes on 2 CPU cores. */
export const STANDARD_PROFILE: RunProfileConfig = {
  teacherDP: { expectedBatchSize: 256, epochs: 3, microBatchSize: 16, clipNorm: 1, schedule: { peak: 3e-4 } },
  studentDP: { expectedBatchSize: 256, epochs: 3, microBatchSize: 16, clipNorm: 1, schedule: { peak: 3e-4 } },
  histogram: { mode: 'dp', sigma: 10 },
  synthetic: { samples: 600, overGenerate: 2 },
  distill: { epochs: 2, batchSize: 16, learningRate: 1e-3 },
  distillation: { lambda: 0.4, temperature: 1, alpha: 0.1 },
  nonPrivate: { epochs: 1, batchSize: 16, learningRate: 1e-3 },
  // A DP step of the standard models takes seconds on a CPU: checkpoint every few of them.
  checkpointEvery: { dp: 2, train: 25 },
};

/** Seconds-long runs of the tiny test models (e2e tests, smoke checks). */
export const TINY_PROFILE: RunProfileConfig = {
  teacherDP: { expectedBatchSize: 4, epochs: 2, microBatchSize: 4, clipNorm: 1, schedule: { peak: 3e-3 } },
  studentDP: { expectedBatchSize: 4, epochs: 2, microBatchSize: 4, clipNorm: 1, schedule: { peak: 3e-3 } },
  histogram: { mode: 'dp', sigma: 2 },
  synthetic: { samples: 12, overGenerate: 1.5, generation: { maxLength: 48, batchSize: 16 } },
  distill: { epochs: 1, batchSize: 8, learningRate: 3e-3 },
  distillation: { lambda: 0.4, temperature: 1, alpha: 0.1 },
  nonPrivate: { epochs: 1, batchSize: 8, learningRate: 3e-3 },
  checkpointEvery: { dp: 2, train: 3 },
};
