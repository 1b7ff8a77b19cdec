/**
 * Events the worker sends while a run is being set up (see protocol.ts): the backend is ready,
 * files were ingested (summaries only, never the text), models loaded or refused, the privacy plan.
 */

import type { FieldProposal } from '../data/records';
import type { TokenizerKind } from '../data/tokenizer';
import type { FileReport } from '../data/types';
import type { ParameterSelection } from '../dp/clipping';
import type { ModelMemory } from '../io/memory-estimate';
import type { BackendInfo, BackendName } from '../model/backend';
import type { GPTConfig } from '../model/config';
import type { LoraConfig } from '../model/lora';
import type { RunEstimate } from '../pipeline/estimate';
import type { LedgerComposition } from '../pipeline/ledger';
import type { ModelRole } from './commands';

export interface ReadyEvent {
  type: 'ready';
  backendInfo: BackendInfo;
}

/** Totals over all files of one ingest. */
export interface IngestTotals {
  files: number;
  ok: number;
  partial: number;
  rejected: number;
  documents: number;
  /** Tokens under the tokenizer the worker used (bytes: UTF-8 bytes of each document). */
  tokens: number;
  /** Distinct labels over all documents, sorted. */
  labels: string[];
}

/** Documents per split (seeded, over documents: the privacy units). */
export interface SplitSizes {
  train: number;
  validation: number;
  test: number;
}

export interface IngestSummary {
  files: FileReport[];
  totals: IngestTotals;
  /** Name of the tokenizer that produced the token counts. */
  tokenizer: string;
  /** How the documents will be split for training (absent with no documents). */
  split?: SplitSizes;
  /**
   * The record files' field names and a guess at the text and label fields, for the user to
   * confirm in the Data panel (never applied by itself). Absent without record files.
   */
  proposal?: FieldProposal;
}

export interface IngestedEvent {
  type: 'ingested';
  requestId: number;
  summary: IngestSummary;
}

/** The device limits a model is checked against (whichever are known). */
export interface DeviceLimits {
  backend: BackendName;
  /** navigator.deviceMemory: approximate RAM in GiB (Chrome reports at most 8). */
  deviceMemoryGiB?: number;
  /** WebGPU adapter limits. */
  maxBufferSize?: number;
  maxStorageBufferBindingSize?: number;
}

export interface ModelInfo {
  role: ModelRole;
  name: string;
  origin: 'pretrained' | 'random-init' | 'imported';
  config: GPTConfig;
  parameters: number;
  tokenizer: TokenizerKind;
  memory: ModelMemory;
  limits: DeviceLimits;
  warnings: string[];
}

export interface ModelLoadedEvent {
  type: 'model';
  requestId: number;
  role: ModelRole;
  info: ModelInfo;
}

/** A model could not be loaded: invalid folder (the importer's precise message) or too big (`refused`). */
export interface ModelErrorEvent {
  type: 'modelError';
  requestId: number;
  role: ModelRole;
  message: string;
  refused: boolean;
}

export interface PlanSummary {
  documents: { total: number; train: number; validation: number; test: number };
  /** Training documents with at least one window (shorter ones are left out of training). */
  trainUsable: number;
  useControlCodes: boolean;
  controlCodes: number;
  targetEpsilon: number;
  sigma: number;
  q: number;
  steps: number;
  /** Total delta of the run, and how it was chosen. */
  delta: number;
  deltaRule: 'default' | 'user';
  /** 1 / N^1.1 for this N. */
  defaultDelta: number;
  deltaWarning: string | null;
  /**
   * The DP control-code histogram composed before DP-SGD (null without control codes); `epsilon`
   * is what it costs alone at the run's accounting delta (where the expected curve starts).
   */
  histogram: { sigma: number; deltaThreshold: number; epsilon: number } | null;
  accountant: string;
  clipNorm: number;
  /** The DP teacher's expected batch and epochs (the user's, or the recipe rule's). */
  expectedBatchSize: number;
  epochs: number;
  /** How the DP teacher trains (src/pipeline/recipe.ts): public choices, shown before the run. */
  recipe: {
    /** 'rule' when batch and epochs both come from the recipe rule. */
    batchAndEpochs: 'rule' | 'user';
    parameters: ParameterSelection;
    lora?: LoraConfig;
    learningRate: number;
    /** The compute cap: the most windows (of contextLength tokens) of a sampled document per step. */
    windowsPerDocument: number;
    contextLength: number;
  };
  /** Epsilon after all steps (<= target). */
  epsilon: number;
  /** Expected epsilon spent vs DP-SGD step (prior phases included). */
  curve: { step: number; epsilon: number }[];
  warnings: string[];
  /**
   * The privacy ledger of this browser: what earlier runs on these training documents spent,
   * composed with this run's planned releases (every DP method it runs). Local only.
   */
  ledger?: LedgerComposition;
  /** How long the run will take on this device (measured speed x the run's work), per stage. */
  estimate?: RunEstimate;
}

export interface PlanEvent {
  type: 'plan';
  requestId: number;
  plan: PlanSummary;
}

export type { ModelMemory };
