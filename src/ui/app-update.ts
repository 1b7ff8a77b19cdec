/**
 * The "new version available" state of the page: a service worker of another build is installed and
 * waiting (service-worker.ts finds it). Applying it asks that worker to activate, then reloads once
 * it controls the page; never while this tab's run is active, and the worker itself refuses while
 * another tab's run is (it answers `update-blocked`).
 */
import { useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';

export type UpdateStatus = 'none' | 'available' | 'applying' | 'blocked';

interface AppUpdateState {
  status: UpdateStatus;
  /** The installed worker waiting to take over (null when another tab already activated it). */
  waiting: ServiceWorker | null;
  /** Whether this tab's run is active (set by service-worker.ts; false until registration). */
  runActive: () => boolean;
}

export const appUpdateStore = createStore<AppUpdateState>()(() => ({
  status: 'none',
  waiting: null,
  runActive: () => false,
}));

export function setUpdateWaiting(waiting: ServiceWorker | null): void {
  const { status } = appUpdateStore.getState();
  appUpdateStore.setState({ waiting, status: status === 'none' ? 'available' : status });
}

export function useAppUpdate<T>(selector: (s: AppUpdateState) => T): T {
  return useStore(appUpdateStore, selector);
}

/** Reloads into the new version; returns false (and does nothing) while this tab's run is active. */
export function applyUpdate(): boolean {
  const { waiting, runActive } = appUpdateStore.getState();
  if (runActive()) return false;
  appUpdateStore.setState({ status: 'applying' });
  if (!waiting || waiting.state === 'activated' || waiting.state === 'redundant') {
    window.location.reload();
    return true;
  }
  navigator.serviceWorker.addEventListener('controllerchange', () => window.location.reload(), {
    once: true,
  });
  waiting.postMessage({ type: 'skip-waiting' });
  return true;
}
