/**
 * Time left in the whole run: the plan's per-stage estimate (measured device speed x work), with
 * what the run has measured laid over it. A stage with a progress rate uses that rate; the stages
 * still to come are scaled by how far the finished (or running) stages were from their estimates,
 * so a device that is twice as slow as probed shows twice the time after the first stage.
 */
import type { RunEstimate, StageEstimate } from '../contract/protocol';
import { etaSeconds } from './eta';
import type { StageState } from './run-slice';

/** Correction factors are kept within this range (one odd stage must not explode the estimate). */
const MIN_FACTOR = 0.2;
const MAX_FACTOR = 5;

export interface RunEta {
  /** Seconds left (estimated). */
  remaining: number;
  /** Share of the run's estimated work done, 0..1 (the tab title's percentage). */
  fraction: number;
  /** measured / estimated so far (1 before anything was measured). */
  factor: number;
}

function doneShare(stage: StageState | undefined): number {
  if (!stage) return 0;
  if (stage.status === 'done' || stage.status === 'skipped') return 1;
  return stage.total > 0 ? Math.min(1, stage.done / stage.total) : 0;
}

/** How much slower (> 1) or faster the device is than estimated, from what this run measured. */
export function speedFactor(estimate: readonly StageEstimate[], stages: Record<string, StageState>): number {
  let measured = 0;
  let expected = 0;
  for (const e of estimate) {
    const s = stages[e.key];
    if (!s || e.seconds <= 0) continue;
    if (s.status === 'done' && s.startedAt !== undefined && s.endedAt !== undefined) {
      measured += (s.endedAt - s.startedAt) / 1000;
      expected += e.seconds;
    } else if (s.status === 'active') {
      // The running stage: its own rate predicts its total time.
      const left = etaSeconds(s.first, s.last, s.total);
      if (left !== null && s.first && s.last && s.total > 0) {
        measured += (s.last.time - s.first.time) / 1000 + left;
        expected += e.seconds;
      }
    }
  }
  if (expected <= 0 || measured <= 0) return 1;
  return Math.min(MAX_FACTOR, Math.max(MIN_FACTOR, measured / expected));
}

/** The estimated seconds left in one stage, before it has a rate of its own. */
export function stageEstimateLeft(e: StageEstimate, stage: StageState | undefined, factor: number): number {
  return e.seconds * factor * (1 - doneShare(stage));
}

export function runEta(estimate: RunEstimate, stages: Record<string, StageState>): RunEta {
  const factor = speedFactor(estimate.stages, stages);
  let remaining = 0;
  let done = 0;
  for (const e of estimate.stages) {
    const s = stages[e.key];
    done += e.seconds * doneShare(s);
    if (s?.status === 'done' || s?.status === 'skipped') continue;
    const measured = s?.status === 'active' ? etaSeconds(s.first, s.last, s.total) : null;
    remaining += measured ?? stageEstimateLeft(e, s, factor);
  }
  const total = estimate.totalSeconds;
  return { remaining, fraction: total > 0 ? Math.min(1, done / total) : 0, factor };
}
