import { formatDuration } from '../../contract/format';
import { etaSeconds } from '../eta';
import type { StageState } from '../run-slice';

/**
 * A stage's progress bar with counts and the time left: measured from its progress once it has a
 * rate, from the run's estimate before that (marked "estimated"), so no stage sits at "starting"
 * without a time.
 */
export function StageProgress({
  label,
  stage,
  estimateLeft,
}: {
  label: string;
  stage: StageState | undefined;
  /** Seconds left by the run's estimate (scaled by what the run measured so far). */
  estimateLeft?: number | null;
}) {
  if (!stage)
    return (
      <span className="hint">
        waiting
        {estimateLeft && estimateLeft >= 1 ? ` (about ${formatDuration(estimateLeft)} when it runs)` : ''}
      </span>
    );
  if (stage.status === 'skipped')
    return <span className="hint">done before (restored from a checkpoint)</span>;
  const total = Math.max(stage.total, 1);
  const done = stage.status === 'done' ? total : Math.min(stage.done, total);
  const measured = stage.status === 'active' ? etaSeconds(stage.first, stage.last, stage.total) : null;
  const eta = measured ?? (stage.status === 'active' && estimateLeft ? estimateLeft : null);
  const count = (v: number) => Math.floor(v).toLocaleString('en-US');
  return (
    <span className="stage-progress">
      <progress max={total} value={done} aria-label={`${label} progress`} />
      <span className="stage-counts">
        {stage.status === 'done'
          ? 'done'
          : stage.total > 0
            ? `${count(stage.done)} / ${count(stage.total)}`
            : 'starting'}
        {eta !== null && (
          <span data-testid="eta" data-source={measured !== null ? 'measured' : 'estimate'}>
            {' '}
            · about {formatDuration(eta)} left{measured === null ? ' (estimated)' : ''}
          </span>
        )}
      </span>
    </span>
  );
}
