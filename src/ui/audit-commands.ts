/** The privacy audit as worker commands: start it on the current data, models and budget settings, stop it. */
import type { AuditMethod, AuditMode } from '../contract/protocol';
import { appStore } from './store';
import { keepScreenOn } from './wake-lock';
import { send } from './worker-client';

export function startAudit(mode: AuditMode, method: AuditMethod): void {
  const s = appStore.getState();
  keepScreenOn(true);
  const requestId = s.auditRequested(mode, method);
  send({ type: 'audit', requestId, settings: s.budget.settings, mode, method });
}

export function stopAudit(): void {
  appStore.getState().auditStopping();
  send({ type: 'stopAudit' });
}
