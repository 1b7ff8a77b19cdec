/**
 * Registers public/sw.js (production builds only: in the dev server the cache would serve stale
 * modules), which caches the app so it starts offline. Updates never take over a tab by themselves:
 * a new version waits, the page offers "reload to update" (app-update.ts), and the service worker
 * refuses to activate while any tab of this origin has an active run. Two Web Locks tell it what
 * tabs are doing (public/sw.js reads them with `navigator.locks.query()`):
 * - `distildp-build-<build>` (shared), held for the page's lifetime: which builds' caches are in use;
 * - `distildp-run-active` (shared), held while this tab's run is starting, running, pausing or
 *   cancelling: a run lazily loads chunks, which must come from its own build's cache.
 */
import { appUpdateStore, setUpdateWaiting } from './app-update';
import { isActive } from './run-readiness';
import { appStore } from './store';

export const RUN_LOCK = 'distildp-run-active';
export const BUILD_LOCK_PREFIX = 'distildp-build-';

type Release = () => void;

function holdLock(name: string): Release | null {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  if (!locks) return null;
  let release: Release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  void locks.request(name, { mode: 'shared' }, () => held).catch(() => undefined);
  return release;
}

let releaseRunLock: Release | null = null;

/** Holds the run lock while this tab's run is active (called on every store change). */
function followRun(active: boolean): void {
  if (active && !releaseRunLock) releaseRunLock = holdLock(RUN_LOCK) ?? (() => {});
  if (!active && releaseRunLock) {
    releaseRunLock();
    releaseRunLock = null;
  }
}

export function registerServiceWorker(log: (message: string) => void): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  // The main chunk's hashed name identifies the build: a new build registers a new worker script URL,
  // which installs a fresh cache.
  const build = new URL(import.meta.url).pathname.split('/').pop()?.replace(/\.js$/, '') ?? 'unknown';
  holdLock(`${BUILD_LOCK_PREFIX}${build}`);
  followRun(isActive(appStore.getState().run));
  appStore.subscribe((s) => followRun(isActive(s.run)));
  appUpdateStore.setState({ runActive: () => isActive(appStore.getState().run) });

  const container = navigator.serviceWorker;
  container.addEventListener('message', (event: MessageEvent<{ type?: string }>) => {
    if (event.data?.type === 'update-blocked') appUpdateStore.setState({ status: 'blocked' });
  });
  // Another tab applied the update: this tab keeps running its own build; offer the reload. (The
  // first worker claiming a page that had none is no update.)
  let controlled = container.controller !== null;
  container.addEventListener('controllerchange', () => {
    if (controlled) setUpdateWaiting(null);
    controlled = true;
  });

  const url = `${import.meta.env.BASE_URL}sw.js?build=${encodeURIComponent(build)}`;
  container
    .register(url, { scope: import.meta.env.BASE_URL })
    .then((registration) => {
      const check = () => {
        if (registration.waiting && container.controller) setUpdateWaiting(registration.waiting);
      };
      check();
      registration.addEventListener('updatefound', () => {
        registration.installing?.addEventListener('statechange', check);
      });
      // Caches of builds no open tab uses any more can go now that this page holds its build lock.
      container.controller?.postMessage({ type: 'clean-caches' });
    })
    .catch((err) => {
      log(`offline support unavailable: ${(err as Error).message}`);
    });
}
