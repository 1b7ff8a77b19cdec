import { formatDuration } from '../../contract/format';
import { etaSeconds } from '../eta';
import type { StageState } from '../run-slice';

/** A stage's progress bar with counts and the time left. */
export function StageProgress({ label, stage }: { label: string; stage: StageState | undefined }) {
  if (!stage) return <span className="hint">waiting</span>;
  if (stage.status === 'skipped')
    return <span className="hint">done before (restored from a checkpoint)</span>;
  const total = Math.max(stage.total, 1);
  const done = stage.status === 'done' ? total : Math.min(stage.done, total);
  const eta = stage.status === 'active' ? etaSeconds(stage.first, stage.last, stage.total) : null;
  return (
    <span className="stage-progress">
      <progress max={total} value={done} aria-label={`${label} progress`} />
      <span className="stage-counts">
        {stage.status === 'done'
          ? 'done'
          : stage.total > 0
            ? `${stage.done.toLocaleString('en-US')} / ${stage.total.toLocaleString('en-US')}`
            : 'starting…'}
        {eta !== null && <span data-testid="eta"> · about {formatDuration(eta)} left</span>}
      </span>
    </span>
  );
}
