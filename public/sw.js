/*
 * DistilDP's service worker: after the first load the app starts and runs without a network.
 * - install: caches every file listed in precache-manifest.json (written by the build: the HTML
 *   shell, JS and CSS chunks, the worker, the TF.js wasm binaries, the demo corpus, shipped models);
 * - fetch (same origin, GET): pages network-first (updates arrive when online), everything else
 *   cache-first (this build's cache, then an older build's, for tabs still running that build),
 *   caching what it fetches; other origins are never contacted (the CSP forbids it).
 * The cache is named after the build (the `build` parameter of this script's URL, the main chunk's
 * hashed name), so a new build installs a new cache.
 * Updates never take over a tab by themselves: a new version waits until every tab of the old one is
 * closed, or until a page asks it to activate ("reload to update"), which it refuses while any tab
 * holds the `distildp-run-active` Web Lock (src/ui/service-worker.ts). Old caches are deleted only
 * when no open page holds the `distildp-build-<build>` lock of their build.
 * Cached responses keep their headers, the Content-Security-Policy included. Lookups ignore
 * `Vary: Origin` (scripts with `crossorigin` send an Origin header the precache requests did not).
 */
const BUILD = new URL(self.location.href).searchParams.get('build') || 'dev';
const CACHE_PREFIX = 'distildp-';
const CACHE = `${CACHE_PREFIX}${BUILD}`;
const SCOPE = new URL(self.registration.scope);
const RUN_LOCK = 'distildp-run-active';
const BUILD_LOCK_PREFIX = 'distildp-build-';
const MATCH = { ignoreSearch: true, ignoreVary: true };

/** Names of the Web Locks held by this origin's pages, or null where the API is missing. */
async function heldLocks() {
  if (!self.navigator.locks) return null;
  const { held = [] } = await self.navigator.locks.query();
  return new Set(held.map((lock) => lock.name));
}

/** True while a tab's run is active (or when that cannot be known). */
async function runActive() {
  const held = await heldLocks();
  return held === null || held.has(RUN_LOCK);
}

/** Deletes the caches of other builds that no open page uses. */
async function deleteUnusedCaches() {
  const held = await heldLocks();
  if (held === null) return;
  for (const name of await caches.keys()) {
    if (!name.startsWith(CACHE_PREFIX) || name === CACHE) continue;
    if (!held.has(`${BUILD_LOCK_PREFIX}${name.slice(CACHE_PREFIX.length)}`)) await caches.delete(name);
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const res = await fetch(new URL('precache-manifest.json', SCOPE), { cache: 'no-store' });
      if (!res.ok) throw new Error(`precache manifest: HTTP ${res.status}`);
      const { files } = await res.json();
      const cache = await caches.open(CACHE);
      await cache.addAll(files.map((f) => new Request(new URL(f, SCOPE), { cache: 'reload' })));
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      await deleteUnusedCaches();
      // Only pages no worker controls yet (the very first visit): never one with an active run.
      if (!(await runActive())) await self.clients.claim();
    })(),
  );
});

self.addEventListener('message', (event) => {
  const type = event.data?.type;
  if (type === 'skip-waiting') {
    event.waitUntil(
      (async () => {
        if (await runActive()) {
          if (event.source) event.source.postMessage({ type: 'update-blocked' });
          return;
        }
        await self.skipWaiting();
      })(),
    );
  } else if (type === 'clean-caches') {
    event.waitUntil(deleteUnusedCaches());
  }
});

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (err) {
    const cached = (await cache.match(request, MATCH)) || (await cache.match(SCOPE.href));
    if (cached) return cached;
    throw err;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  // Hashed asset names: a hit in an older build's cache is the right file for a tab of that build.
  const cached = (await cache.match(request, MATCH)) || (await caches.match(request, MATCH));
  if (cached) return cached;
  const response = await fetch(request);
  // Static hosts answer a missing file with index.html: never cache that under another name.
  const html = (response.headers.get('content-type') || '').includes('text/html');
  if (response.ok && response.type === 'basic' && !html) await cache.put(request, response.clone());
  return response;
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (
    request.method !== 'GET' ||
    url.origin !== self.location.origin ||
    !url.pathname.startsWith(SCOPE.pathname)
  )
    return;
  if (url.pathname.endsWith('/precache-manifest.json')) return;
  event.respondWith(request.mode === 'navigate' ? networkFirst(request) : cacheFirst(request));
});
