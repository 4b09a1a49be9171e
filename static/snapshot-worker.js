// Reads Python's snapshot (vendor/pyodide/snapshot.bin) for static/snapshot.js, off the
// page's main thread, and hands the memory over without a copy.
//
// Asked for {url, cached}: cached says the page has a service worker, whose cache then
// holds the file; reading it from that cache directly takes a fraction of the time of
// asking through the service worker while it serves the rest of the start-up. Only
// this site's service worker caches the file. While a new deploy waits to take over,
// two of its caches hold one, and caches.match takes the older: the version the page's
// other files come from.
//
// Answers {memory} (a Uint8Array, transferred), {} when there is no snapshot, or
// {error} when the file is not one; the page then starts Python the ordinary way.

self.onmessage = async ({ data: { url, cached } }) => {
  let response;
  try {
    response = (cached ? await caches.match(url) : undefined) ?? (await fetch(url));
  } catch {
    response = undefined;
  }
  if (!response?.ok) {
    postMessage({});
    return;
  }
  try {
    const memory = withZeros(new Uint8Array(await response.arrayBuffer()));
    postMessage({ memory }, [memory.buffer]);
  } catch (error) {
    postMessage({ error: String(error?.message ?? error) });
  }
};

/** The memory, with the runs of zeros the file leaves out put back (the format is in
 * scripts/snapshot.mjs). */
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
