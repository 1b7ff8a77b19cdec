/**
 * Registers public/sw.js, which caches the app shell, its assets, the wasm binaries, the shipped
 * models and the demo corpus on the first load, so the app starts offline afterwards. Production
 * builds only: in the dev server the cache would serve stale modules.
 */
export function registerServiceWorker(log: (message: string) => void): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  // The main chunk's hashed name identifies the build: a new build registers a new worker script URL,
  // which installs a fresh cache.
  const build = new URL(import.meta.url).pathname.split('/').pop()?.replace(/\.js$/, '') ?? 'unknown';
  const url = `${import.meta.env.BASE_URL}sw.js?build=${encodeURIComponent(build)}`;
  navigator.serviceWorker.register(url, { scope: import.meta.env.BASE_URL }).catch((err) => {
    log(`offline support unavailable: ${(err as Error).message}`);
  });
}
