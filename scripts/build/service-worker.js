// Service worker of CLIP-IT Studio, so the studio opens and trains offline
// after its first load. The build prepends `PRECACHE` (see
// precache-plugin.ts): the cache version, a hash over every built file, and
// the URLs of those files.
/* global PRECACHE */

const CACHE_PREFIX = 'clip-it-studio-precache-';
const CACHE_NAME = CACHE_PREFIX + PRECACHE.version;

// Vite puts a content hash in every file name under assets/, so a cached copy is never stale.
const HASHED_ASSET = /\/assets\/[^/]+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE_NAME);
      await cache.addAll(PRECACHE.urls);
      await self.skipWaiting();
    })(),
  );
});

// A new build has a new version, so its worker removes the caches of older builds.
self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(CACHE_PREFIX) && name !== CACHE_NAME) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  if (new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(respond(request));
});

/**
 * Hashed assets come from the cache first. Everything else (the pages, the
 * demo CLIP, the favicon) goes to the network first, so a new build is seen
 * at once, and falls back to the cache when the network is unreachable.
 */
async function respond(request) {
  const cache = await caches.open(CACHE_NAME);

  // The server sends `Vary: Origin`, and module scripts carry an Origin header that the precache requests lacked.
  if (HASHED_ASSET.test(new URL(request.url).pathname)) {
    const cached = await cache.match(request, { ignoreVary: true });
    if (cached) return cached;
    return fetch(request);
  }

  try {
    return await fetch(request);
  } catch (error) {
    // Search parameters such as ?testHooks=1 do not change the page, so they are ignored when offline.
    const cached =
      (await cache.match(request, { ignoreSearch: true, ignoreVary: true })) ??
      (request.mode === 'navigate' ? await cache.match(self.registration.scope, { ignoreVary: true }) : undefined);
    if (cached) return cached;
    throw error;
  }
}
