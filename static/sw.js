// Offline support: every file of one build, cached together under that build's version.
//
// scripts/build.py fills in VERSION (a hash of all the files it ships), PRECACHE
// (their paths, relative to this worker, so the app works from any subpath) and
// ON_DEMAND: the build's files that only some visits need (scripts/build.py says
// which), stored in the same cache the first time a page asks for one. A new deploy
// installs beside the old one and takes over only when the page asks (see
// static/app.js); it then deletes every older cache, so no page mixes two versions.

const VERSION = "__VERSION__";
const PRECACHE = __PRECACHE__;
const PRECACHE_BYTES = __PRECACHE_BYTES__; // their size, as stored (uncompressed)
const TELL_EVERY_MS = 250; // how often a first visit hears how much has arrived
const ON_DEMAND = new Set(__ON_DEMAND__.map((path) => new URL(path, self.location).href));
const PREFIX = "digitpad-";
const CACHE = `${PREFIX}${VERSION}`;

self.addEventListener("install", (event) => {
  event.waitUntil(precache());
});

/** Every file of the build into this version's cache, all or none. On a first visit the
 * page waits for this and then reads its files from the cache (static/app.js), so each
 * comes over the network once; the page hears of each file stored, and of the bytes
 * as they arrive, as progress: on a slow network a single file takes a minute. */
async function precache() {
  const cache = await caches.open(CACHE);
  const stop = new AbortController();
  let stored = 0;
  let received = 0;
  let told = 0;
  const progress = (bytes) => {
    received += bytes;
    if (performance.now() - told < TELL_EVERY_MS) return;
    told = performance.now();
    tell({ type: "digitpad:precaching", received, total: PRECACHE_BYTES });
  };
  try {
    await Promise.all(
      PRECACHE.map(async (path) => {
        // "no-cache": revalidated with the server, so never stale, yet what the page
        // has downloaded already comes back as a 304 instead of a second copy.
        const request = new Request(path, { cache: "no-cache", signal: stop.signal });
        const response = await fetch(request);
        if (!response.ok) throw new TypeError(`${path}: HTTP ${response.status}`);
        await Promise.all([cache.put(request, response.clone()), count(response, progress)]);
        stored += 1;
        tell({ type: "digitpad:precached", stored, files: PRECACHE.length });
      }),
    );
  } catch (error) {
    stop.abort(); // the rest is of no use: a version is cached whole or not at all
    await caches.delete(CACHE);
    throw error;
  }
}

/** Read a response's body (the cache stores a clone), calling progress(bytes) for each
 * piece as it arrives. */
async function count(response, progress) {
  const reader = response.body?.getReader();
  if (!reader) return;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    progress(value.byteLength);
  }
}

async function tell(message) {
  for (const client of await self.clients.matchAll({ includeUncontrolled: true, type: "window" })) {
    client.postMessage(message);
  }
}

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
      if (cached) return cached;
      const response = await fetch(request);
      if (response.status === 200 && ON_DEMAND.has(url.origin + url.pathname)) {
        // Stored beside the page's use of it; a cache that refuses it costs only that.
        event.waitUntil(cache.put(request, response.clone()).catch(() => {}));
      }
      return response;
    })(),
  );
});
