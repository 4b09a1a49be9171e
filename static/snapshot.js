// Python's snapshot (vendor/pyodide/snapshot.bin, made by scripts/snapshot.mjs), read
// as soon as the pad works: static/app.js imports this module right after starting
// the pad, and static/python.mjs restores Python from it.
//
// A worker of its own reads the file (static/snapshot-worker.js). Read here, its 9 MB
// arrived in many small pieces, each waiting for a turn of the main thread while that
// started TF.js and PyScript, and the read cost the main thread 0.05 to 0.17 s of CPU
// at every start.

let reading = readInWorker(
  new URL("../vendor/pyodide/snapshot.bin", import.meta.url),
  new URL("../vendor/pyodide/pyodide.asm.wasm", import.meta.url),
);

/** The snapshot's memory (31 MB), or null when there is none or it is damaged. Handed
 * out once, so that nothing here keeps it once Python has copied it. */
export function takeMemory() {
  const memory = reading;
  reading = Promise.resolve(null);
  return memory;
}

function readInWorker(url, wasm) {
  return new Promise((resolve) => {
    performance.mark("digitpad: Python's snapshot asked for");
    let worker;
    try {
      worker = new Worker(new URL("./snapshot-worker.js", import.meta.url), { type: "module" });
    } catch {
      resolve(null);
      return;
    }
    const done = (memory) => {
      worker.terminate();
      resolve(memory);
    };
    worker.onmessage = ({ data }) => {
      if (data.memory) {
        performance.mark("digitpad: Python's snapshot read");
      } else if (data.error) {
        console.warn(`digitpad: Python's snapshot could not be restored (${data.error}); starting afresh.`);
      }
      done(data.memory ?? null);
    };
    worker.onerror = (event) => {
      event.preventDefault(); // a worker that cannot run only costs time, like a missing snapshot
      done(null);
    };
    worker.postMessage({ url: url.href, wasm: wasm.href, cached: controlled() });
  });
}

/** Whether this site's service worker serves the page, and so has the file cached. */
function controlled() {
  try {
    return Boolean(navigator.serviceWorker?.controller);
  } catch {
    return false; // storage off-limits to this page: no service worker either
  }
}
