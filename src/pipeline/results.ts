/**
 * What a pipeline run produces for people: one result row per trained model and one privacy report
 * per DP method. Types and pure functions only: the worker contract (src/contract) names them, so
 * the UI reads them without loading the pipeline.
 */
import { computeEpsilon, type Phase } from '../dp/accounting/index';
import type { ParameterSelection } from '../dp/clipping';
import type { LoraConfig } from '../model/lora';
import type { PrivacyPlan } from '../train/dp-plan';
import type { PipelineConfig } from './config';
import type { HistogramMode, HistogramRelease } from './histogram';

export const ALL_METHODS = ['distildp', 'dpsgd', 'dpkd', 'synthetic', 'opd', 'nonprivate'] as const;
export type MethodName = (typeof ALL_METHODS)[number];

/** The kind of work a pipeline stage does (shown in progress events; see stage-registry.ts). */
export type StageName =
  | 'histogram'
  | 'teacher-dp'
  | 'generate'
  | 'distill'
  | 'student-dp'
  | 'fine-tune'
  | 'evaluate';
/** Whose stage it is: a method, or 'shared' for DistilDP's and synthetic-only's common stages. */
export type StageOwner = MethodName | 'shared';

export interface ResultRow {
  method: MethodName;
  model: 'student' | 'teacher';
  /** null for non-private rows (epsilon = infinity). */
  epsilon: number | null;
  delta: number | null;
  test_ppl: number;
  window_mean_ppl: number;
  bits_per_byte: number;
  /** Seconds of every stage this row needed (shared stages included). */
  wall_s: number;
  /**
   * For students that learned from the DP teacher's synthetic text: how much that text looks like
   * the held-out test text (fidelity.ts; local numbers, like the test perplexity).
   */
  synthetic_fidelity?: SyntheticFidelity;
}

/** Synthetic-text fidelity of a run (src/pipeline/fidelity.ts), measured on the test split. */
export interface SyntheticFidelity {
  /** Jensen-Shannon divergence (bits) of byte 3-grams: synthetic vs test text. */
  js_divergence: number;
  /** The same for as many bytes of real training text (the floor of sampling noise). */
  js_divergence_real: number;
  /** Share of synthetic samples a naive Bayes classifier assigns to their own control code. */
  control_code_fidelity?: number;
  /** That classifier's accuracy on the test split. */
  classifier_accuracy?: number;
}

/**
 * The neighbouring relation every guarantee here is stated for (as Opacus states its own): two
 * datasets are neighbours when one is the other with one document added or removed, and the number
 * of training documents N is public (the sampling rate q = expected batch / N and delta = 1/N^1.1
 * are computed from it). `num_documents` in a report is that N.
 */
export const NEIGHBOURING_RELATION =
  'add or remove one document (the privacy unit: one record, line, row or file); N = num_documents, the number of training documents, is treated as public';

/** What the guarantee covers, and what never leaves the device. */
export const GUARANTEE_SCOPE =
  'covers the training split (each document assigned by itself, by a keyed hash of its content) and everything released from it: the DP models, the synthetic corpus and the control-code histogram; held-out (validation and test) documents are used only for local evaluation, and numbers computed on them are local only';

/**
 * Settings the user made, public by declaration: how documents were read and whether their labels
 * prompt the teacher. Nothing here is read from the documents.
 */
export interface PublicChoices {
  text_field: string;
  label_fields: string[];
  folder_labels: boolean;
  use_labels_as_control_codes: boolean;
  /** 'none' without control codes. */
  histogram_mode: HistogramMode | 'none';
  /** The codes the user declared for 'uniform' mode. */
  declared_codes?: string[][];
}

export function publicChoices(c: Pick<PipelineConfig, 'data' | 'histogram'>): PublicChoices {
  const mode = c.data.useControlCodes ? c.histogram.mode : 'none';
  return {
    text_field: c.data.textField,
    label_fields: [...c.data.labelFields],
    folder_labels: c.data.folderLabels,
    use_labels_as_control_codes: c.data.useControlCodes,
    histogram_mode: mode,
    ...(mode === 'uniform' ? { declared_codes: c.histogram.codes ?? [] } : {}),
  };
}

/** Everything to reproduce a DP row's epsilon: `distildp epsilon --phases <phases> --delta <accounting_delta>`. */
export interface PrivacyReport {
  method: MethodName;
  epsilon: number;
  delta: number;
  accounting_delta: number;
  threshold_delta: number;
  accountant: string;
  phases: Phase[];
  sampling: 'poisson';
  unit: 'document';
  /** NEIGHBOURING_RELATION. */
  neighbouring_relation: string;
  /** GUARANTEE_SCOPE. */
  scope: string;
  clip_norm: number;
  /** The compute cap: the most windows of a sampled document used per step (the unit stays the document). */
  windows_per_document: number;
  /** What DP-SGD trained (a public choice): every parameter, biases + LayerNorms, or LoRA adapters. */
  trained_parameters: ParameterSelection;
  lora?: LoraConfig;
  /** N: training documents, public under the neighbouring relation. */
  num_documents: number;
  secure_randomness: boolean;
  histogram?: { mode: HistogramMode; sigma?: number; threshold?: number; codes_released: number };
  public_choices: PublicChoices;
  /**
   * DistilDP with per-code teachers: how many DP teachers were trained, one per released control
   * code, each on its own code's documents with `phases`' last phase. The parts are disjoint, so
   * the report's epsilon holds for all of them together (parallel composition).
   */
  code_teachers?: { count: number; composition: 'parallel' };
  reproduce: string;
}

/** The privacy report of a DP method from the plan of its last DP training (prior phases included). */
export function privacyReport(
  method: MethodName,
  plan: PrivacyPlan,
  thresholdDelta: number,
  choices: PublicChoices,
  histogram?: HistogramRelease,
  codeTeachers?: number,
): PrivacyReport {
  const phases = [...plan.priorPhases, { q: plan.q, sigma: plan.sigma, steps: plan.steps }];
  return {
    method,
    epsilon: computeEpsilon(phases, plan.delta, plan.accountant),
    delta: plan.delta + thresholdDelta,
    accounting_delta: plan.delta,
    threshold_delta: thresholdDelta,
    accountant: plan.accountant,
    phases,
    sampling: 'poisson',
    unit: 'document',
    neighbouring_relation: NEIGHBOURING_RELATION,
    scope: GUARANTEE_SCOPE,
    clip_norm: plan.clipNorm,
    windows_per_document: plan.windowsPerDocument,
    trained_parameters: plan.parameters,
    lora: plan.lora,
    num_documents: plan.numDocuments,
    secure_randomness: plan.secureRandomness,
    histogram: histogram
      ? {
          mode: histogram.mode,
          sigma: histogram.sigma,
          threshold: histogram.threshold,
          codes_released: histogram.codes.length,
        }
      : undefined,
    public_choices: choices,
    ...(codeTeachers ? { code_teachers: { count: codeTeachers, composition: 'parallel' as const } } : {}),
    reproduce: `distildp epsilon --phases '${JSON.stringify(phases)}' --delta ${plan.delta} --accountant ${plan.accountant} --json`,
  };
}
