// Python's snapshot (vendor/pyodide/snapshot.bin, made by scripts/snapshot.mjs), read
// as soon as the pad works: static/app.js imports this module right after starting
// the pad, and static/python.mjs restores Python from it.
//
// On a repeat visit the service worker has the file cached; reading it from the cache
// directly takes a fraction of the time that asking through the worker does while the
// worker serves the rest of the start-up. Only this site's worker caches the file. While
// a new deploy waits to take over, two of its caches hold one, and caches.match takes
// the older: the version the page's other files come from.

let reading = read(new URL("../vendor/pyodide/snapshot.bin", import.meta.url));

/** The snapshot's memory (31 MB), or null when there is none or it is damaged. Handed
 * out once, so that nothing here keeps it once Python has copied it. */
export function takeMemory() {
  const memory = reading;
  reading = Promise.resolve(null);
  return memory;
}

async function read(url) {
  let response;
  try {
    response = (await fromWorkerCache(url)) ?? (await fetch(url));
  } catch {
    return null;
  }
  if (!response.ok) return null;
  try {
    const memory = withZeros(new Uint8Array(await response.arrayBuffer()));
    performance.mark("digitpad: Python's snapshot read");
    return memory;
  } catch (error) {
    console.warn(`digitpad: Python's snapshot could not be restored (${error}); starting afresh.`);
    return null;
  }
}

/** The worker's copy, or undefined (no worker yet, or storage off-limits to this page). */
async function fromWorkerCache(url) {
  try {
    return navigator.serviceWorker?.controller ? await caches.match(url.href) : undefined;
  } catch {
    return undefined;
  }
}

/** The memory, with the runs of zeros the file leaves out put back. */
function withZeros(file) {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (file.length < 12 || String.fromCharCode(...file.subarray(0, 4)) !== "DPS1") {
    throw new Error("not a digitpad snapshot");
  }
  const memory = new Uint8Array(view.getUint32(4, true));
  let at = 12;
  for (let pieces = view.getUint32(8, true); pieces > 0; pieces--) {
    const offset = view.getUint32(at, true);
    const length = view.getUint32(at + 4, true);
    if (at + 8 + length > file.length || offset + length > memory.length) throw new Error("the snapshot is cut short");
    memory.set(file.subarray(at + 8, at + 8 + length), offset);
    at += 8 + length;
  }
  return memory;
}
