import { useShallow } from 'zustand/react/shallow';
import { formatDuration } from '../../contract/format';
import { runEta } from '../run-eta';
import { turnNotificationsOff, turnNotificationsOn, useNotifyState } from '../run-watch';
import { useAppStore } from '../store';

/** The whole run's time left while it runs (from the estimate and what was measured so far). */
export function RunEtaLine() {
  const { estimate, stages, status } = useAppStore(
    useShallow((s) => ({ estimate: s.run.estimate, stages: s.run.stages, status: s.run.status })),
  );
  if (!estimate || !(status === 'running' || status === 'pausing')) return null;
  const eta = runEta(estimate, stages);
  return (
    <p className="run-eta" data-testid="run-eta" data-remaining={Math.round(eta.remaining)}>
      Whole run: about {formatDuration(eta.remaining)} left ({Math.floor(100 * eta.fraction)} % done;
      estimated from this device's speed{eta.factor !== 1 ? ', corrected by the stages measured so far' : ''}
      ).
    </p>
  );
}

/** Opt-in to a system notification when a long run ends (the browser asks once; a refusal is final). */
export function NotifyToggle() {
  const state = useNotifyState();
  if (state === 'unsupported') return null;
  if (state === 'denied')
    return (
      <p className="hint" data-testid="notify-denied">
        Notifications are blocked for this page in the browser's settings: the tab title shows the progress
        instead.
      </p>
    );
  return (
    <label className="notify-toggle">
      <input
        type="checkbox"
        data-testid="notify-toggle"
        checked={state === 'on'}
        onChange={(e) => (e.currentTarget.checked ? void turnNotificationsOn() : turnNotificationsOff())}
      />
      Notify me when a long run ends (the browser asks for permission first)
    </label>
  );
}
