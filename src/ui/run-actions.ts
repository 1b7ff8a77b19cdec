/**
 * The destructive run actions, each behind a confirmation: cancelling the live run and discarding
 * or deleting a saved one delete its checkpoints and its stored copy of the documents.
 */

import { confirmAction } from './confirm';
import { cancelRun } from './controller';

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
