/**
 * Messages of the app's privacy audit (src/audit), exported with the others by protocol.ts. Type-only imports:
 * the UI imports this. Nothing here carries a canary, a secret or the audit seed: only numbers.
 */
import type { AuditMethod, AuditMode, AuditProgress, AuditReport } from '../audit/audit-types';
import type { RunSettings } from './run-settings';

export type { AuditMethod, AuditMode, AuditReport };

/** Run the audit on the current data and models with these (run) settings. */
export interface AuditCommand {
  type: 'audit';
  requestId: number;
  settings: RunSettings;
  mode: AuditMode;
  method: AuditMethod;
}

/** Stop the audit at the next training step (its result is then discarded). */
export interface StopAuditCommand {
  type: 'stopAudit';
}

export interface AuditProgressEvent {
  type: 'auditProgress';
  requestId: number;
  phase: AuditProgress['phase'];
  done: number;
  total: number;
  /** Worker time (ms since the epoch), for the ETA. */
  time: number;
}

/** One released model's black-box numbers. */
export interface AuditReleasedRow {
  model: string;
  bound: number;
  exposureIncluded: number;
  exposureExcluded: number;
}

export interface AuditResultEvent {
  type: 'auditResult';
  requestId: number;
  /** False when the audit was stopped before the end (no result then). */
  completed: boolean;
  report?: AuditReport;
  analysis?: string;
  released?: AuditReleasedRow[];
  /** Which noise path the white-box audit exercised (fused-webgpu or cpu-noise). */
  noisyUpdate?: string;
}
