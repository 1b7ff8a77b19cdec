/**
 * Whether the Run button can start a run, and the status line of a run: pure functions of the
 * store, so the rules are unit-tested.
 */

import { maxEpsilon } from '../contract/run-manifest';
import { validateSettings } from '../contract/run-settings';
import type { RunState } from './run-slice';
import { modelsIncompatibility, spendConfirmed } from './setup-slices';
import type { AppData } from './store';

/** Why a run cannot start now (empty when it can). */
export function runBlockers(s: Pick<AppData, 'backend' | 'data' | 'models' | 'budget' | 'run'>): string[] {
  const out: string[] = [];
  if (s.backend.status !== 'ready') out.push('The compute backend is not ready.');
  const docs = s.data.summary?.totals.documents ?? 0;
  if (s.data.status !== 'ready' || docs < 3) out.push('Add data: at least 3 documents.');
  if (s.models.teacher.status !== 'ready' || s.models.student.status !== 'ready')
    out.push('Load a teacher and a student model.');
  const incompatible = modelsIncompatibility(s.models);
  if (incompatible) out.push(incompatible);
  if (Object.keys(validateSettings(s.budget.settings)).length) out.push('Fix the privacy budget settings.');
  if (s.budget.planStatus === 'error' && s.budget.planError) out.push(s.budget.planError);
  if (!spendConfirmed(s.budget))
    out.push(
      'Earlier runs spent privacy budget on these documents: confirm spending more in the budget panel.',
    );
  if (isActive(s.run)) out.push('A run is in progress.');
  return out;
}

export function isActive(run: Pick<RunState, 'status'>): boolean {
  return (
    run.status === 'starting' ||
    run.status === 'running' ||
    run.status === 'pausing' ||
    run.status === 'cancelling'
  );
}

/** The newest epsilon reading of a run (the largest over its DP trainings; never decreases). */
export function epsilonSpent(run: Pick<RunState, 'points' | 'manifest'>): number {
  let eps = run.manifest ? maxEpsilon(run.manifest) : 0;
  for (const p of run.points) {
    const e = p.values.epsilon;
    if (e !== undefined && e > eps) eps = e;
  }
  return eps;
}

const timeFormat = new Intl.DateTimeFormat('en-GB', {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

export function runStatusText(run: RunState, target: number): string {
  const eps = epsilonSpent(run);
  const spent = `ε spent ${eps.toFixed(3)} of ${target}`;
  const checkpoint = run.manifest?.checkpoint
    ? `; last checkpoint ${run.manifest.checkpoint.stage} at ${timeFormat.format(run.manifest.checkpoint.at)}`
    : '';
  switch (run.status) {
    case 'idle':
      return run.results.length ? 'Showing a saved run.' : 'Not started.';
    case 'starting':
      return 'Starting…';
    case 'running':
      return `Running: ${spent}${checkpoint}.`;
    case 'pausing':
      return 'Pausing at the next step (saving a checkpoint)…';
    case 'paused':
      return `Paused: ${spent}${checkpoint}. Resume continues exactly from there.`;
    case 'cancelling':
      return 'Cancelling…';
    case 'cancelled':
      return 'Cancelled: its checkpoints and stored documents were deleted.';
    case 'completed':
      return `Finished: ${spent}. Results and downloads are below.`;
    case 'failed':
      return `Stopped by a failure${checkpoint}.`;
  }
}
