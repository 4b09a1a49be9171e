// Reads Python's snapshot (vendor/pyodide/snapshot.bin) for static/snapshot.js, off the
// page's main thread, and hands the memory over without a copy.
//
// Asked for {url, wasm, cached}: the snapshot's URL and pyodide.asm.wasm's, whose data
// the snapshot leaves out (static/snapshot-format.mjs). cached says the page has a
// service worker, whose cache then holds both files; reading them from that cache
// directly takes a fraction of the time of asking through the service worker while it
// serves the rest of the start-up. Only this site's service worker caches them. While
// a new deploy waits to take over, two of its caches hold them, and caches.match takes
// the older: the version the page's other files come from.
//
// A page no service worker serves (one that failed to install, a private window that
// allows none) fetches the wasm here and again for Pyodide: a browser with an HTTP
// cache answers the second from it, one without downloads it twice.
//
// Answers {memory} (a Uint8Array, transferred), {} when there is no snapshot, or
// {error} when the file is not one; the page then starts Python the ordinary way.

import { decode } from "./snapshot-format.mjs";

self.onmessage = async ({ data: { url, wasm, cached } }) => {
  const [file, module] = await Promise.all([read(url, cached), read(wasm, cached)]);
  if (!file) {
    postMessage({});
    return;
  }
  try {
    if (!module) throw new Error("pyodide.asm.wasm could not be read");
    const memory = decode(file, module);
    postMessage({ memory }, [memory.buffer]);
  } catch (error) {
    postMessage({ error: String(error?.message ?? error) });
  }
};

/** The file's bytes, or null when it cannot be had. */
async function read(url, cached) {
  try {
    const response = (cached ? await caches.match(url) : undefined) ?? (await fetch(url));
    return response.ok ? new Uint8Array(await response.arrayBuffer()) : null;
  } catch {
    return null;
  }
}
