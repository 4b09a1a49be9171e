// Offline support: every file of one build, cached together under that build's version.
//
// scripts/build.py fills in VERSION (a hash of all the files it ships) and PRECACHE
// (their paths, relative to this worker, so the app works from any subpath). A new
// deploy installs beside the old one and takes over only when the page asks (see
// static/app.js); it then deletes every older cache, so no page mixes two versions.

const VERSION = "__VERSION__";
const PRECACHE = __PRECACHE__;
const PREFIX = "digitpad-";
const CACHE = `${PREFIX}${VERSION}`;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) =>
      // "no-cache": revalidated with the server, so never stale, yet what the page has
      // just downloaded comes back as a 304 instead of a second copy.
      cache.addAll(PRECACHE.map((path) => new Request(path, { cache: "no-cache" }))),
    ),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(
        names.filter((name) => name.startsWith(PREFIX) && name !== CACHE).map((name) => caches.delete(name)),
      );
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "activate") self.skipWaiting();
});

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      // index.html?anything is still the page. Matching with ignoreSearch scans the
      // whole cache, several times slower than an exact match, and a start asks for
      // some forty files at once: so only what no exact match serves is looked up so.
      const cached =
        (await cache.match(request)) ??
        (url.search ? await cache.match(request, { ignoreSearch: true }) : undefined);
      return cached ?? fetch(request);
    })(),
  );
});
