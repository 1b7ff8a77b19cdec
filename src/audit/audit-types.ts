/** The audit's request, inputs and report, and the corpus options of a run (shared by runAudit, the CLI and the worker). */
import type { Document } from '../data/types';
import type { DPFaults } from '../dp/faults';
import type { PipelineConfig } from '../pipeline/config';
import type { LoadedModel } from '../pipeline/models';
import type { NoiseSeed } from '../random/noise';
import type { ReleasedModelAudit } from './blackbox';
import type { WhiteboxConfig } from './whitebox';

export const AUDIT_MODES = ['whitebox', 'blackbox'] as const;
export const AUDIT_METHODS = ['dpsgd', 'distildp', 'nonprivate'] as const;
export type AuditMode = (typeof AUDIT_MODES)[number];
export type AuditMethod = (typeof AUDIT_METHODS)[number];

export interface AuditRequest {
  mode: AuditMode;
  method: AuditMethod;
  /** Canaries m (default: white-box 50000, at most a quarter of the trained parameters; black-box 128). */
  canaries?: number;
  /** Default 0.95. */
  confidence?: number;
  /** White-box canary kind and score. */
  whitebox?: Partial<Pick<WhiteboxConfig, 'kind' | 'score' | 'normRatio'>>;
}

export interface AuditProgress {
  phase: 'train' | 'generate' | 'distill' | 'score';
  done: number;
  total: number;
}

export interface AuditInputs {
  documents: Document[];
  /** Base models (left unchanged). */
  teacher: LoadedModel;
  student: LoadedModel;
  /**
   * The run's resolved config: its epsilon (the claim), delta, seed (the split), data choices and
   * every stage's settings, exactly as runPipeline would use them.
   */
  config: PipelineConfig;
  /** Audit randomness (default: crypto). */
  auditSeed?: NoiseSeed;
  /** TESTS AND BENCHMARKS ONLY (createTestFaults); white-box. */
  faults?: DPFaults;
  onProgress?: (p: AuditProgress) => void;
  shouldStop?: () => boolean;
  log?: (message: string) => void;
}

/** The JSON `distildp audit --json` prints (exactly these keys). */
export interface AuditReport {
  mode: AuditMode;
  method: AuditMethod;
  /** null for the non-private method (no claim: epsilon = infinity). */
  epsilon_claimed: number | null;
  delta: number;
  epsilon_lower_bound: number;
  confidence: number;
  canaries: number;
  guesses: number;
  correct: number;
  exposure_bits?: number;
  wall_s: number;
}

export interface AuditOutcome {
  report: AuditReport;
  /** Black-box: one row per released model. */
  released?: ReleasedModelAudit[];
  /** Which analysis gave the bound ('steinke' or 'fdp') and each one's best. */
  analysis: string;
  byAnalysis: Record<string, number>;
  completed: boolean;
  /** The audit seed (32 hex digits): reproduces this audit's canaries and membership bits. */
  seed: string;
  /** White-box: the noise path that was audited ('fused-webgpu' or 'cpu-noise'). */
  noisyUpdate?: string;
}

/** The corpus exactly as runPipeline prepares it for this config. */
export function corpusOptions(config: PipelineConfig, model: LoadedModel) {
  return {
    contextLength: model.config.contextLength,
    seed: config.seed,
    useControlCodes: config.data.useControlCodes,
    ...config.split,
  };
}
