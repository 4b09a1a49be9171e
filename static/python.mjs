// Pyodide for PyScript (pyscript.toml's `interpreter`), restored from the snapshot that
// scripts/snapshot.mjs makes at build time: an interpreter that has already started
// and imported the page's Python. Restoring it skips most of Python's start-up.
//
// static/app.js imports this module before PyScript, so the restore starts as soon as
// the snapshot has been read (static/snapshot.js), while PyScript is still loading its
// own modules and config; PyScript then gets the restored interpreter.
//
// Anything wrong with the snapshot (missing, damaged, from another Pyodide) only
// costs time: Pyodide then starts the ordinary way, from the whole standard library
// (python_stdlib.zip), which the service worker leaves to be fetched only then.

import { loadPyodide as startPyodide, version } from "../vendor/pyodide/pyodide.mjs";
import { takeMemory } from "./snapshot.js";

export { version };

// PyScript would look for Pyodide's files next to this module.
const indexURL = new URL("../vendor/pyodide/", import.meta.url).href;

// Pyodide's module makes a one-page shared WebAssembly.Memory as it loads, only for
// Atomics.wait, which a page's main thread may not call in any case. Outside
// cross-origin isolation, shared memory is deprecated (Chromium warns, Lighthouse marks
// the page down) and due to be refused, which would stop Pyodide from loading. There
// the memory is made unshared: the wait fails as it does on the main thread now.
if (!globalThis.crossOriginIsolated) {
  WebAssembly.Memory = new Proxy(WebAssembly.Memory, {
    construct(Memory, [descriptor, ...rest]) {
      return Reflect.construct(Memory, [descriptor?.shared ? { ...descriptor, shared: false } : descriptor, ...rest]);
    },
  });
}

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
  const memory = await takeMemory();
  if (!memory) return null;
  try {
    // Python then reads from the standard library only what it has not imported
    // already (scripts/_stdlib_later.py), and the snapshot was taken with that zip.
    const stdLibURL = `${indexURL}python_later.zip`;
    const pyodide = await startPyodide({ indexURL, stdLibURL, _loadSnapshot: memory });
    performance.mark("digitpad: Python restored from its snapshot");
    return pyodide;
  } catch (error) {
    console.warn(`digitpad: Python's snapshot could not be restored (${error}); starting afresh.`);
    return null;
  }
}
