/**
 * The pipeline's configuration: what each stage of every method is run with. DEFAULT_PIPELINE is
 * the library default; run profiles (src/pipeline/profiles.ts) and the user's options are laid
 * over it.
 */
import type { DistillationConfig } from '../train/distill';
import type { DPTrainingConfig } from '../train/dp-train';
import type { CorpusOptions } from './corpus';
import type { HistogramMode } from './histogram';
import type { MethodName } from './results';
import type { FineTuneConfig } from './stages';
import type { SyntheticConfig } from './synthetic';

export interface PipelineConfig {
  /** Total epsilon of every private method (default 2). */
  epsilon: number;
  /** Total delta (default 1 / N^1.1, N = training documents). */
  delta?: number;
  methods: MethodName[];
  seed: number;
  /** Documents held out for validation and test (default 10% each), and the control-code setting. */
  split: Required<Pick<CorpusOptions, 'validationFraction' | 'testFraction'>> &
    Pick<CorpusOptions, 'useControlCodes'>;
  /** DP-SGD of teachers (distildp, dpkd). */
  teacherDP: Partial<DPTrainingConfig>;
  /** DP-SGD of students (dpsgd, dpkd). */
  studentDP: Partial<DPTrainingConfig>;
  histogram: { mode: HistogramMode; sigma: number };
  synthetic: Partial<SyntheticConfig>;
  distill: Partial<FineTuneConfig>;
  distillation: Partial<DistillationConfig>;
  nonPrivate: Partial<FineTuneConfig>;
  /** Save a partial checkpoint every this many training steps (default 10 DP steps / 50 ordinary steps). */
  checkpointEvery: { dp: number; train: number };
  /**
   * Validation perplexity during training, for the live charts: about `points` evaluations per
   * training (and one at its end), each on at most `maxWindows` validation windows. Local only:
   * it is computed on private data and never exported. points = 0 turns it off.
   */
  validation: { points: number; maxWindows: number };
}

export const DEFAULT_PIPELINE: PipelineConfig = {
  epsilon: 2,
  methods: ['distildp'],
  seed: 1,
  split: { validationFraction: 0.1, testFraction: 0.1 },
  teacherDP: { expectedBatchSize: 64, epochs: 3, microBatchSize: 16, clipNorm: 1, schedule: { peak: 1e-3 } },
  studentDP: { expectedBatchSize: 64, epochs: 3, microBatchSize: 16, clipNorm: 1, schedule: { peak: 1e-3 } },
  histogram: { mode: 'dp', sigma: 10 },
  synthetic: { samples: 1000, overGenerate: 2 },
  distill: { epochs: 2, batchSize: 16, learningRate: 1e-3 },
  distillation: { lambda: 0.4, temperature: 1, alpha: 0.1 },
  nonPrivate: { epochs: 1, batchSize: 16, learningRate: 1e-3 },
  checkpointEvery: { dp: 10, train: 50 },
  validation: { points: 10, maxWindows: 32 },
};
