import { formatDuration } from '../../contract/format';
import type { RunEstimate } from '../../contract/protocol';
import { stageKeyLabel } from '../labels';

/** The whole run's estimated time on this device, before it starts, with the stages it adds up. */
export function PlanEstimate({ estimate }: { estimate: RunEstimate | undefined }) {
  if (!estimate)
    return (
      <p className="hint" data-testid="plan-estimate" data-status="measuring">
        Estimating the run time (measuring this device's speed on the two models)…
      </p>
    );
  return (
    <details
      className="plan-estimate"
      data-testid="plan-estimate"
      data-seconds={Math.round(estimate.totalSeconds)}
    >
      <summary>
        Estimated run time on this device: <strong>about {formatDuration(estimate.totalSeconds)}</strong>
      </summary>
      <p className="hint">
        From the speed of a forward pass and of text generation measured just now with these models on this
        backend, and the work of each stage. The estimate is corrected while the run goes on.
      </p>
      <ul className="estimate-stages">
        {estimate.stages
          .filter((s) => s.seconds >= 0.5)
          .map((s) => (
            <li key={s.key}>
              {stageKeyLabel(s.key)}: about {formatDuration(s.seconds)}
            </li>
          ))}
      </ul>
    </details>
  );
}
