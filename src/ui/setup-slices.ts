/**
 * The slices the user sets up before a run: the two base models and the privacy budget (settings
 * and the worker's plan for them). Pure reducers over worker events, like the run slice.
 */
import type { ModelInfo, ModelRole, PlanSummary, WorkerEvent } from '../contract/protocol';
import type { RunSettings } from '../contract/run-settings';

/** What the user picked for a role; the folder's bytes are read again when it is (re)loaded. */
export type ModelChoice = { kind: 'preset'; name: string } | { kind: 'hf-folder'; name: string };

export interface ModelSlot {
  choice: ModelChoice;
  status: 'idle' | 'loading' | 'ready' | 'error';
  /** Id of the newest load of this role; older answers are ignored. */
  requestId: number;
  info: ModelInfo | null;
  error: string | null;
  /** The error is a refusal (the model does not fit this device), not an invalid model. */
  refused: boolean;
}

export type ModelsState = Record<ModelRole, ModelSlot>;

export function initialModels(presets: Record<ModelRole, string>): ModelsState {
  const slot = (name: string): ModelSlot => ({
    choice: { kind: 'preset', name },
    status: 'idle',
    requestId: 0,
    info: null,
    error: null,
    refused: false,
  });
  return { teacher: slot(presets.teacher), student: slot(presets.student) };
}

export function reduceModelsEvent(state: ModelsState, event: WorkerEvent): ModelsState | null {
  switch (event.type) {
    case 'model': {
      const slot = state[event.role];
      if (event.requestId !== slot.requestId) return state;
      return {
        ...state,
        [event.role]: { ...slot, status: 'ready', info: event.info, error: null, refused: false },
      };
    }
    case 'modelError': {
      const slot = state[event.role];
      if (event.requestId !== slot.requestId) return state;
      return {
        ...state,
        [event.role]: { ...slot, status: 'error', info: null, error: event.message, refused: event.refused },
      };
    }
    case 'error': {
      if (event.command !== 'loadModels') return null;
      const fail = (slot: ModelSlot): ModelSlot =>
        slot.status === 'loading' && slot.requestId === event.requestId
          ? { ...slot, status: 'error', error: event.message, refused: false }
          : slot;
      return { teacher: fail(state.teacher), student: fail(state.student) };
    }
    default:
      return null;
  }
}

/** Teacher and student must share a tokenizer: distillation compares their distributions. */
export function modelsIncompatibility(models: ModelsState): string | null {
  const t = models.teacher.info;
  const s = models.student.info;
  if (!t || !s) return null;
  if (t.tokenizer !== s.tokenizer || t.config.vocabSize !== s.config.vocabSize) {
    return `The teacher (${t.tokenizer}, vocabulary ${t.config.vocabSize}) and the student (${s.tokenizer}, vocabulary ${s.config.vocabSize}) must share a tokenizer.`;
  }
  return null;
}

export interface BudgetState {
  settings: RunSettings;
  plan: PlanSummary | null;
  planStatus: 'idle' | 'computing' | 'ready' | 'error';
  planError: string | null;
  /** Id of the newest plan request. */
  requestId: number;
  /**
   * The total epsilon (earlier runs on these documents and this run, composed) the user agreed to
   * spend; a run on documents with earlier spending starts only when it matches the plan's.
   */
  spendConfirmedFor: number | null;
}

export function initialBudget(settings: RunSettings): BudgetState {
  return { settings, plan: null, planStatus: 'idle', planError: null, requestId: 0, spendConfirmedFor: null };
}

export function reduceBudgetEvent(state: BudgetState, event: WorkerEvent): BudgetState | null {
  if (event.type === 'plan') {
    if (event.requestId !== state.requestId) return state;
    return { ...state, plan: event.plan, planStatus: 'ready', planError: null };
  }
  if (event.type === 'error' && event.command === 'plan') {
    if (event.requestId !== state.requestId) return state;
    return { ...state, plan: null, planStatus: 'error', planError: event.message };
  }
  return null;
}

/** The privacy ledger's earlier spending on these documents, when there is any to confirm. */
export function spendToConfirm(budget: Pick<BudgetState, 'plan'>): number | null {
  const ledger = budget.plan?.ledger;
  return ledger && ledger.priorRuns > 0 ? ledger.totalEpsilon : null;
}

/** Whether the user confirmed exactly the spending the current plan shows (or none is needed). */
export function spendConfirmed(budget: Pick<BudgetState, 'plan' | 'spendConfirmedFor'>): boolean {
  const total = spendToConfirm(budget);
  return total === null || budget.spendConfirmedFor === total;
}
