/**
 * What the user does with runs, as worker commands: start (asking first when exactly this run was
 * saved before), pause, resume, cancel and delete (each destructive one behind a confirmation),
 * open a saved run, and export. Components call these; the store only holds state.
 */
import type { ExportKind, RunExistsEvent } from '../contract/protocol';
import { maxEpsilon } from '../contract/run-manifest';
import { ask, confirmAction } from './confirm';
import { dateFormat } from './run-text';
import { appStore } from './store';
import { send } from './worker-client';

/**
 * Starts a run with the budget panel's settings. `ifSaved`: what the worker does when exactly
 * this run (same documents, models and settings) is saved already: 'ask' (the default) answers
 * with runExists and starts nothing; 'continue' continues it; 'new' starts a separate new run.
 */
export function startRun(ifSaved: 'ask' | 'continue' | 'new' = 'ask'): void {
  const s = appStore.getState();
  // Persistence can only be requested from the page (not the worker); the browser may then keep
  // checkpoints under storage pressure.
  void navigator.storage
    ?.persist?.()
    .then((granted) => appStore.getState().setPersisted(granted))
    .catch(() => appStore.getState().setPersisted(false));
  s.runStarting(s.budget.settings);
  send({
    type: 'start',
    settings: s.budget.settings,
    ifSaved,
    confirmSpend: s.budget.spendConfirmedFor !== null,
  });
}

/** The worker found this exact run saved: say so, and let the user choose. */
export async function onRunExists(event: RunExistsEvent): Promise<void> {
  const m = event.manifest;
  const finished = m.status === 'completed';
  const ledger = appStore.getState().budget.plan?.ledger;
  const composed =
    ledger && ledger.priorRuns > 0
      ? ` The privacy ledger of this browser counts ε = ${ledger.totalEpsilon.toFixed(3)} on these documents with a new run (composed).`
      : ' A second run on the same documents is a second release of them: together the two runs cost up to twice the ε.';
  const answer = await ask({
    title: finished ? 'You ran exactly this before' : 'This run is saved, unfinished',
    message: finished
      ? `A run with the same documents, models and settings finished ${dateFormat.format(m.updatedAt)} at ε = ${maxEpsilon(m).toFixed(3)}. You can show it again, or start a new run: new DP noise, new results.${composed}`
      : `A run with the same documents, models and settings was saved ${dateFormat.format(m.updatedAt)} (ε spent so far ${maxEpsilon(m).toFixed(3)}). Continue it from its last checkpoint, or start a new run beside it.`,
    confirmLabel: 'Start a new run',
    alternativeLabel: finished ? 'Show that run' : 'Continue it',
    cancelLabel: 'Do nothing',
  });
  if (answer === 'confirm') startRun('new');
  else if (answer === 'alternative') {
    if (finished) openRun(m.runId);
    else startRun('continue');
  }
}

export function pauseRun(): void {
  send({ type: 'pause' });
}

export function resumeRun(runId: string): void {
  const s = appStore.getState();
  s.runRequested('starting', s.run.runId === runId ? s.run.settings : null, runId);
  send({ type: 'resume', runId });
}

export function cancelRun(runId?: string): void {
  send({ type: 'cancel', runId });
}

export function openRun(runId: string): void {
  appStore.getState().runRequested('idle', null, runId);
  send({ type: 'openRun', runId });
}

export function exportRun(what: ExportKind): void {
  const { run, exportChoices } = appStore.getState();
  if (!run.runId) return;
  appStore.getState().setExportStatus(what, 'building');
  const description = exportChoices.dataDescription.trim();
  send({
    type: 'export',
    runId: run.runId,
    what,
    dtype: exportChoices.dtype,
    ...(description ? { dataDescription: description } : {}),
  });
}

export async function askCancelRun(runId: string | undefined): Promise<void> {
  const ok = await confirmAction({
    title: 'Cancel this run?',
    message:
      'The run stops within seconds and is deleted: its checkpoints, its charts and results, and the copy of your documents stored with it. It cannot be resumed. (Pause keeps everything.)',
    confirmLabel: 'Cancel and delete the run',
    cancelLabel: 'Keep running',
    danger: true,
  });
  if (ok) cancelRun(runId);
}

export async function askDeleteRun(runId: string, what: 'unfinished' | 'finished'): Promise<boolean> {
  const ok = await confirmAction({
    title: what === 'unfinished' ? 'Discard this unfinished run?' : 'Delete this run?',
    message:
      what === 'unfinished'
        ? 'Its checkpoints and the copy of your documents stored with it are deleted from this browser: it can no longer be resumed.'
        : 'Its models, synthetic text, charts, results and privacy reports and the copy of your documents stored with it are deleted from this browser. Download anything you want to keep first.',
    confirmLabel: what === 'unfinished' ? 'Discard it' : 'Delete it',
    danger: true,
  });
  if (ok) cancelRun(runId);
  return ok;
}
