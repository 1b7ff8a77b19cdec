import { describe, expect, it } from 'vitest';
import type { AuditReport } from '../../src/contract/audit-protocol';
import {
  type AuditState,
  auditEtaSeconds,
  initialAudit,
  isAuditActive,
  reduceAuditEvent,
} from '../../src/ui/audit-slice';
import { runBlockers } from '../../src/ui/run-readiness';
import { createAppStore, initialAppData } from '../../src/ui/store';

const report: AuditReport = {
  mode: 'whitebox',
  method: 'distildp',
  epsilon_claimed: 2,
  delta: 1e-3,
  epsilon_lower_bound: 0.634,
  confidence: 0.95,
  canaries: 2000,
  guesses: 62,
  correct: 61,
  wall_s: 71,
};

describe('audit slice', () => {
  it('request -> progress (with ETA) -> result in words; stale answers are ignored', () => {
    const store = createAppStore(initialAppData());
    const id = store.getState().auditRequested('whitebox', 'distildp');
    expect(isAuditActive(store.getState().audit)).toBe(true);
    const apply = store.getState().applyWorkerEvent;
    apply({ type: 'auditProgress', requestId: id, phase: 'train', done: 1, total: 5, time: 10_000 });
    apply({ type: 'auditProgress', requestId: id, phase: 'train', done: 3, total: 5, time: 30_000 });
    expect(auditEtaSeconds(store.getState().audit.progress)).toBeCloseTo(20, 9); // 10 s per step, 2 left
    apply({
      type: 'auditResult',
      requestId: id + 1,
      completed: true,
      report: { ...report, epsilon_lower_bound: 9 },
    });
    expect(store.getState().audit.status).toBe('running');
    apply({
      type: 'auditResult',
      requestId: id,
      completed: true,
      report,
      analysis: 'fdp',
      noisyUpdate: 'cpu-noise',
    });
    const a = store.getState().audit;
    expect(a.status).toBe('done');
    expect(a.result?.headline).toBe('claimed epsilon 2.00; audited lower bound 0.63 (95%)');
    expect(a.result?.violatesClaim).toBe(false);
    expect(a.result?.explanation).toMatch(/2000 made-up test records/);
  });

  it('a stopped audit has no result; a worker error on the audit is shown', () => {
    let s: AuditState = { ...initialAudit(), status: 'running', requestId: 4 };
    s = reduceAuditEvent(s, { type: 'auditResult', requestId: 4, completed: false }) ?? s;
    expect(s.status).toBe('stopped');
    expect(s.result).toBeNull();
    const e = reduceAuditEvent(s, { type: 'error', command: 'audit', message: 'boom' });
    expect(e?.status).toBe('error');
    expect(reduceAuditEvent(s, { type: 'error', command: 'start', message: 'x' })).toBeNull();
  });

  it('a run cannot start while an audit is in progress', () => {
    const data = initialAppData();
    const audit = { ...data.audit, status: 'running' as const };
    expect(runBlockers({ ...data, audit })).toContain('A privacy audit is in progress.');
    expect(runBlockers(data)).not.toContain('A privacy audit is in progress.');
  });
});
