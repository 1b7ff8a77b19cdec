import { applyUpdate, useAppUpdate } from '../app-update';
import { isActive } from '../run-readiness';
import { useAppStore } from '../store';

/** "A new version is available": reload on the user's word, never during this tab's run. */
export function UpdateBanner() {
  const status = useAppUpdate((s) => s.status);
  const running = useAppStore((s) => isActive(s.run));
  if (status === 'none') return null;
  const note = running
    ? 'Reloading now would interrupt your run: the update waits until it finishes or is paused.'
    : status === 'blocked'
      ? 'A run is active in another tab of this app: reload after it finishes.'
      : 'Reloading keeps your saved runs and documents.';
  return (
    <div className="update-banner" role="status" data-testid="update-banner" data-status={status}>
      <span>
        <strong>A new version of DistilDP is available.</strong> {note}
      </span>
      <button
        type="button"
        data-testid="update-reload"
        disabled={running || status === 'applying'}
        onClick={() => applyUpdate()}
      >
        {status === 'applying' ? 'Reloading…' : 'Reload to update'}
      </button>
    </div>
  );
}
