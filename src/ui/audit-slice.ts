/**
 * UI state of the privacy audit: what was asked, progress (with an ETA), the result in words.
 * Pure reducer over worker events, like the other slices.
 */
import { auditExplanation, auditHeadline, auditViolatesClaim } from '../contract/audit-explain';
import type { AuditMethod, AuditMode, AuditReleasedRow, AuditReport } from '../contract/audit-protocol';
import type { WorkerEvent } from '../contract/protocol';
import { etaSeconds, type ProgressMark } from './eta';

export type AuditStatus = 'idle' | 'running' | 'stopping' | 'done' | 'stopped' | 'error';

export interface AuditProgressState {
  phase: string;
  done: number;
  total: number;
  /** The phase's first progress mark and the newest (worker clock), for the ETA. */
  first: ProgressMark;
  last: ProgressMark;
}

export interface AuditResultState {
  report: AuditReport;
  headline: string;
  explanation: string;
  violatesClaim: boolean;
  analysis: string;
  released: AuditReleasedRow[];
  noisyUpdate?: string;
}

export interface AuditState {
  status: AuditStatus;
  requestId: number;
  mode: AuditMode;
  method: AuditMethod;
  progress: AuditProgressState | null;
  result: AuditResultState | null;
  error: string | null;
}

export function initialAudit(): AuditState {
  return {
    status: 'idle',
    requestId: 0,
    mode: 'whitebox',
    method: 'distildp',
    progress: null,
    result: null,
    error: null,
  };
}

/** Seconds left in the current phase (null until it has a pace). */
export function auditEtaSeconds(p: AuditProgressState | null): number | null {
  return p ? etaSeconds(p.first, p.last, p.total) : null;
}

export function isAuditActive(audit: Pick<AuditState, 'status'> | undefined): boolean {
  return audit?.status === 'running' || audit?.status === 'stopping';
}

export function reduceAuditEvent(state: AuditState, event: WorkerEvent): AuditState | null {
  switch (event.type) {
    case 'auditProgress': {
      if (event.requestId !== state.requestId) return state;
      const mark = { time: event.time, done: event.done };
      const samePhase = state.progress?.phase === event.phase && event.done >= state.progress.done;
      return {
        ...state,
        progress: {
          phase: event.phase,
          done: event.done,
          total: event.total,
          first: samePhase && state.progress ? state.progress.first : mark,
          last: mark,
        },
      };
    }
    case 'auditResult': {
      if (event.requestId !== state.requestId) return state;
      if (!event.completed || !event.report) return { ...state, status: 'stopped', progress: null };
      const r = event.report;
      return {
        ...state,
        status: 'done',
        progress: null,
        result: {
          report: r,
          headline: auditHeadline(r),
          explanation: auditExplanation(r),
          violatesClaim: auditViolatesClaim(r),
          analysis: event.analysis ?? '',
          released: event.released ?? [],
          noisyUpdate: event.noisyUpdate,
        },
      };
    }
    case 'error':
      if (event.command !== 'audit') return null;
      return { ...state, status: 'error', progress: null, error: event.message };
    default:
      return null;
  }
}
