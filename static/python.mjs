// Pyodide for PyScript (pyscript.toml's `interpreter`), started from the snapshot that
// scripts/snapshot.mjs makes at build time: an interpreter that has already started
// and imported the page's Python. Restoring it skips most of Python's start-up.
//
// Anything wrong with the snapshot (missing, damaged, from another Pyodide) only
// costs time: Pyodide then starts the ordinary way.

import { loadPyodide as startPyodide, version } from "../vendor/pyodide/pyodide.mjs";

export { version };

// PyScript would look for Pyodide's files next to this module.
const indexURL = new URL("../vendor/pyodide/", import.meta.url).href;
const snapshot = fetchSnapshot(new URL("snapshot.bin.gz", indexURL));

export async function loadPyodide(options = {}) {
  const memory = await snapshot;
  if (memory) {
    try {
      const pyodide = await startPyodide({ ...options, indexURL, _loadSnapshot: memory });
      performance.mark("digitpad: Python restored from its snapshot");
      return pyodide;
    } catch (error) {
      console.warn(`digitpad: Python's snapshot could not be restored (${error}); starting afresh.`);
    }
  }
  return startPyodide({ ...options, indexURL });
}

/** The snapshot's bytes, or null. A server may already have undone the gzip. */
async function fetchSnapshot(url) {
  let response;
  try {
    response = await fetch(url);
  } catch {
    return null;
  }
  if (!response.ok) return null;
  try {
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (error) {
    console.warn(`digitpad: Python's snapshot could not be restored (${error}); starting afresh.`);
    return null;
  }
}
