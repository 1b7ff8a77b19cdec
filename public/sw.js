/*
 * DistilDP's service worker: after the first load the app starts and runs without a network.
 * - install: caches every file listed in precache-manifest.json (written by the build: the HTML
 *   shell, JS and CSS chunks, the worker, the TF.js wasm binaries, the demo corpus, shipped models);
 * - fetch (same origin, GET): pages network-first (updates arrive when online), everything else
 *   cache-first, caching what it fetches; other origins are never contacted (the CSP forbids it).
 * The cache is named after the build (the `build` parameter of this script's URL, the main chunk's
 * hashed name), so a new build installs a new cache and the old ones are deleted on activation.
 * Cached responses keep their headers, the Content-Security-Policy included. Lookups ignore
 * `Vary: Origin` (scripts with `crossorigin` send an Origin header the precache requests did not).
 */
const BUILD = new URL(self.location.href).searchParams.get('build') || 'dev';
const CACHE_PREFIX = 'distildp-';
const CACHE = `${CACHE_PREFIX}${BUILD}`;
const SCOPE = new URL(self.registration.scope);

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const res = await fetch(new URL('precache-manifest.json', SCOPE), { cache: 'no-store' });
      if (!res.ok) throw new Error(`precache manifest: HTTP ${res.status}`);
      const { files } = await res.json();
      const cache = await caches.open(CACHE);
      await cache.addAll(files.map((f) => new Request(new URL(f, SCOPE), { cache: 'reload' })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(CACHE_PREFIX) && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (err) {
    const cached =
      (await cache.match(request, { ignoreSearch: true, ignoreVary: true })) ||
      (await cache.match(SCOPE.href));
    if (cached) return cached;
    throw err;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request, { ignoreSearch: true, ignoreVary: true });
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
