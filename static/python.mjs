// Pyodide for PyScript (pyscript.toml's `interpreter`), restored from the snapshot that
// scripts/snapshot.mjs makes at build time: an interpreter that has already started
// and imported the page's Python. Restoring it skips most of Python's start-up.
//
// static/app.js imports this module first thing, so the restore starts as soon as the
// snapshot has arrived, while PyScript is still loading its own modules and config;
// PyScript then gets the restored interpreter.
//
// Anything wrong with the snapshot (missing, damaged, from another Pyodide) only
// costs time: Pyodide then starts the ordinary way.

import { loadPyodide as startPyodide, version } from "../vendor/pyodide/pyodide.mjs";

export { version };

// PyScript would look for Pyodide's files next to this module.
const indexURL = new URL("../vendor/pyodide/", import.meta.url).href;
const restored = restore();

/** PyScript's way in: the restored interpreter, or a fresh one. */
export async function loadPyodide(options = {}) {
  const pyodide = await restored;
  if (!pyodide) return startPyodide({ ...options, indexURL });
  // The only options PyScript passes besides indexURL.
  if (options.stdout) pyodide.setStdout({ batched: options.stdout });
  if (options.stderr) pyodide.setStderr({ batched: options.stderr });
  return pyodide;
}

/** Python restored from the snapshot, or null. */
async function restore() {
  const memory = await fetchSnapshot(new URL("snapshot.bin", indexURL));
  if (!memory) return null;
  try {
    const pyodide = await startPyodide({ indexURL, _loadSnapshot: memory });
    performance.mark("digitpad: Python restored from its snapshot");
    return pyodide;
  } catch (error) {
    console.warn(`digitpad: Python's snapshot could not be restored (${error}); starting afresh.`);
    return null;
  }
}

/** The snapshot's memory, or null (scripts/snapshot.mjs describes the file). */
async function fetchSnapshot(url) {
  let response;
  try {
    response = await fetch(url);
  } catch {
    return null;
  }
  if (!response.ok) return null;
  try {
    return withZeros(new Uint8Array(await response.arrayBuffer()));
  } catch (error) {
    console.warn(`digitpad: Python's snapshot could not be restored (${error}); starting afresh.`);
    return null;
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
