/**
 * Keeps the screen on while a run trains (Screen Wake Lock API, where available): a sleeping
 * laptop suspends the tab and the run with it. Released when the run stops; re-acquired when the
 * tab becomes visible again (the browser drops the lock when it is hidden).
 */
interface WakeLockLike {
  release(): Promise<void>;
}

let lock: WakeLockLike | null = null;
let wanted = false;

async function acquire(): Promise<void> {
  const api = (navigator as Navigator & { wakeLock?: { request(type: 'screen'): Promise<WakeLockLike> } })
    .wakeLock;
  if (!api || lock || document.visibilityState !== 'visible') return;
  try {
    lock = await api.request('screen');
  } catch {
    lock = null; // denied (e.g. battery saver): training continues, the screen may sleep
  }
}

export function keepScreenOn(on: boolean): void {
  wanted = on;
  if (on) void acquire();
  else if (lock) {
    const held = lock;
    lock = null;
    void held.release().catch(() => undefined);
  }
}

if (typeof document !== 'undefined') {
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && wanted) {
      lock = null;
      void acquire();
    }
  });
}
