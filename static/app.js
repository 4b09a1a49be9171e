// The page's start-up: the pad works at once, the model loads alongside Python, and the
// page says what it is waiting for, or what went wrong, instead of spinning forever.
//
// body[data-state] is "loading", then "ready" once Python reads the pad, or "error".
// digitpad/page.py (started by main.py) finds everything it needs on window.digitpad.

import { Pad } from "./pad.js";
import { downloadCalibration, downloadModel, loadModel } from "./model.js";
import { parseOptions } from "./options.js";

// --- embedding (index.html?embed; see docs/embedding.md) -------------------------------
// The options that only style the page are set here, on <html>, before the pad takes its
// size and ink colour, so the layout does not jump once Python has loaded; Python reads
// the rest from window.digitpad.options.
const options = parseOptions(location.search);
if (options.embed) document.documentElement.dataset.embed = "";
if (!options.bars) document.documentElement.dataset.bars = "0";
if (options.theme !== "auto") document.documentElement.dataset.theme = options.theme;

// Python decides what to tell the host page and which of its messages to obey; this only
// carries them, since Python cannot safely hold a window of another origin.
const embedded = window.parent !== window;
const host = {
  embedded,
  tell(message, targetOrigin) {
    if (embedded) window.parent.postMessage(message, targetOrigin);
  },
  /** fn(origin, data) for each message the parent window posts to this one. */
  listen(fn) {
    addEventListener("message", (event) => {
      if (embedded && event.source === window.parent) fn(event.origin, event.data);
    });
  },
};

const body = document.body;
const statusText = document.getElementById("status-text");
const pad = new Pad(document.getElementById("pad"));
performance.mark("digitpad: pad takes ink");

// On a first visit the service worker downloads the whole site for offline use. The page
// waits until it has, then reads every file from its cache: downloading beside it, the
// page took the big files a second time (Chromium, a file still on its way; a browser
// without an HTTP cache, as WebKit's private browsing, every file). Only the files the
// document names itself come first; the pad works meanwhile. Later visits wait for
// nothing: the worker is there.
const workers = serviceWorkers();
const registration = workers ? registerServiceWorker(workers) : null;
const served = servedByWorker(workers, registration).catch(() => {});
let waitingForWorker = Boolean(workers && !workers.controller);

// Only now ask for the rest: index.html's preloads of the small files Python and the
// model start from, then the big files: Python's snapshot, its wasm and standard
// library, TF.js's backend (20 MB on a first visit). Asked for by index.html, the big
// ones competed with the pad's own scripts, and a first visit's pad took ink 0.1-0.2 s
// later.
served.then(() => {
  waitingForWorker = false;
  downloaded = null;
  showProgress();
  const preloads = document.getElementById("preloads");
  if (preloads) document.head.append(preloads.content);
  import("./snapshot.js").catch(() => {}); // python.mjs imports it too, and reports a failure
  for (const [path, rel, as] of [
    ["../vendor/pyodide/pyodide.asm.mjs", "modulepreload"],
    ["../vendor/pyodide/pyodide.asm.wasm", "preload", "fetch"],
    ["../vendor/pyodide/python_later.zip", "preload", "fetch"],
    ["../vendor/tfjs-wasm/tf-backend-wasm.min.js", "preload", "script"], // tf-core.min.js is asked for below
  ]) {
    const link = Object.assign(document.createElement("link"), { rel, href: new URL(path, import.meta.url).href });
    if (as) link.as = as;
    if (as === "fetch") link.crossOrigin = "anonymous"; // as Pyodide's fetch() asks for it
    document.head.append(link);
  }
});

document.getElementById("clear").addEventListener("click", () => pad.clear());
document.getElementById("undo").addEventListener("click", () => pad.undo());
addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.altKey) return;
  if (event.key === "Escape") {
    pad.clear();
  } else if ((event.ctrlKey || event.metaKey) && !event.shiftKey && event.key.toLowerCase() === "z") {
    event.preventDefault();
    pad.undo();
  }
});

// --- loading -------------------------------------------------------------------------

const waiting = { python: "Python", model: "the model" };
let downloaded = null; // the share of the site a first visit has downloaded, while it does

function showProgress() {
  if (body.dataset.state !== "loading") return;
  const left = Object.values(waiting);
  if (downloaded !== null && downloaded < 1) {
    statusText.textContent = `Downloading the app for offline use: ${Math.floor(100 * downloaded)}%… you can start drawing.`;
  } else {
    statusText.textContent = left.length ? `Loading ${left.join(" and ")}… you can start drawing.` : "Starting…";
  }
}

function fail(message) {
  if (body.dataset.state === "error") return;
  body.dataset.state = "error";
  statusText.textContent = `${message} Reload the page to try again.`;
  // No reading will come: say so where the reading would be, not "Draw a digit".
  document.getElementById("prediction").textContent = "Can’t read yet";
  document.getElementById("sureness").textContent = "The page did not finish loading.";
  console.error(`digitpad: ${message}`);
}

let model = null;
const download = served.then(() => downloadModel("model/model.json"));
const calibration = served.then(() => downloadCalibration("model/calibration.json")); // optional
const modelReady = served.then(() => loadModel(download)).then(
  (loaded) => {
    performance.mark("digitpad: model ready");
    model = loaded;
    delete waiting.model;
    showProgress();
    return loaded;
  },
  (error) => {
    fail(error.message || String(error));
    throw error;
  },
);
modelReady.catch(() => {}); // reported by fail(); digitpad/page.py sees the rejection itself

download.then(() => performance.mark("digitpad: model downloaded"), () => {});

// Python starts at once, alongside the model: its boot is the longest part of the
// start-up, and restored from its snapshot it never holds the main thread long
// enough to keep a missing model from being reported. python.mjs restores the
// interpreter while PyScript loads; should it fail to load, PyScript reports that.
served.then(() => {
  import("./python.mjs").catch(() => {});
  // PyScript composes its hooks for workers into one function with Function() when it
  // starts Python, and it always has one such hook of its own (giving each worker its
  // _pyscript module). The page starts no worker: emptying that hook, before Python
  // starts, is what lets the page's CSP forbid eval.
  import("../vendor/pyscript/core.js").then(({ hooks }) => hooks.worker.onBeforeRunAsync.clear());
});

// PyScript reports each boot step; a failed step surfaces as an uncaught error.
let lastProgress = performance.now();
// On a first visit the service worker says so for each file it has stored, and how
// much of the site has arrived.
if (workers) {
  workers.addEventListener("message", ({ data }) => {
    if (data?.type === "digitpad:precached") lastProgress = performance.now();
    // A worker installing a new deploy tells every window: only a first visit, still
    // waiting for it, shows the share.
    if (data?.type === "digitpad:precaching" && waitingForWorker) {
      lastProgress = performance.now();
      downloaded = Math.min(1, data.received / data.total);
      showProgress();
    }
  });
  workers.startMessages();
}
addEventListener("py:progress", ({ detail }) => {
  lastProgress = performance.now();
  performance.mark(`digitpad: ${detail}`);
  if (/^Loading/.test(detail) && waiting.python) {
    waiting.python = detail === "Loading interpreter" ? "the Python interpreter" : "Python";
    showProgress();
  }
});
addEventListener("unhandledrejection", (event) => {
  if (body.dataset.state === "loading") fail(`Python could not start (${describe(event.reason)}).`);
});
addEventListener(
  "error",
  (event) => {
    if (body.dataset.state !== "loading") return;
    const source = event.target?.src || event.target?.href;
    fail(source ? `Part of the app is missing (${shortName(source)}).` : `Python could not start (${describe(event.error ?? event.message)}).`);
  },
  true, // resource load errors do not bubble; catch them on the way down
);

// Some loaders only log a failed download and wait forever (Pyodide's wasm, for one),
// so watch the downloads themselves: a file of the app that is not there is fatal.
const optional = /\/model\/calibration\.json$|\/vendor\/pyodide\/snapshot\.bin$/;
const essential = /\/(?:vendor|model|digitpad|static)\/.*\.(?:m?js|wasm|zip|json|bin|py)$|\/(?:main\.py|pyscript\.toml)$/;
if (PerformanceObserver.supportedEntryTypes?.includes("resource")) {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      lastProgress = performance.now();
      const status = entry.responseStatus ?? 0;
      const path = new URL(entry.name).pathname;
      if (status >= 400 && body.dataset.state === "loading" && essential.test(path) && !optional.test(path)) {
        const name = shortName(entry.name);
        const what = name.startsWith("model/") ? "The digit model is missing" : "Part of the app is missing";
        fail(`${what} (${name}: HTTP ${status}).`);
      }
    }
  }).observe({ type: "resource", buffered: true });
}
// A wasm that arrives whole yet does not compile (cut short, corrupted, or not served
// as application/wasm) Pyodide only logs, and then it waits forever: its loader sees
// the compile fail and calls nothing. The compile is the one place the failure shows,
// so watch it there; every caller still gets the same result.
const instantiateStreaming = WebAssembly.instantiateStreaming;
WebAssembly.instantiateStreaming = (source, imports) =>
  instantiateStreaming(source, imports).catch(async (error) => {
    const response = await source; // a failed download rejects here, with its own error
    if (response.ok && new URL(response.url).pathname.endsWith("/pyodide/pyodide.asm.wasm")) {
      const what =
        error instanceof WebAssembly.CompileError ? "is damaged or incomplete" : `did not load (${describe(error)})`;
      fail(`Python could not start: ${shortName(response.url)} ${what}.`);
    }
    throw error;
  });
// The last resort, for failures nothing reports: no progress at all for this long.
const STALLED_MS = 30000;
const watchdog = setInterval(() => {
  if (body.dataset.state !== "loading") clearInterval(watchdog);
  else if (performance.now() - lastProgress > STALLED_MS) fail("Loading stopped making progress.");
}, 1000);

function shortName(url) {
  const path = new URL(url, document.baseURI).pathname;
  const base = new URL(".", document.baseURI).pathname;
  return path.startsWith(base) ? path.slice(base.length) : path;
}

function describe(reason) {
  const text = String(reason?.message ?? reason ?? "unknown error");
  return text.split("\n").find((line) => line.trim()) ?? text;
}

showProgress();

// --- what digitpad/page.py uses ---------------------------------------------------------

window.digitpad = {
  pad,
  host,
  /** The URL options (static/options.js): {embed, bars, theme, mode, origin, messages}. */
  options,
  modelReady,
  /** model/calibration.json's text, or null. */
  calibration,
  get model() {
    return model;
  },
  /** The steps view's code editor (scripts/editor.mjs) of `text` in `parent`: the
   * editor's code is fetched only now. `parent.value` then is the text. */
  async editor(parent, text, label) {
    const { createEditor } = await import("../vendor/codemirror/editor.js");
    createEditor(parent, text, label, new URL("editor.css", import.meta.url).href);
  },
  // Neither is needed to start: each is fetched the first time it is asked for.
  /** The device's store of examples and the learned model (static/store.js). */
  async openStore() {
    return (await import("./store.js")).openStore();
  },
  /** Fine-tune the model's head on a lesson (static/learn.js). */
  async learn(...args) {
    return (await import("./learn.js")).learn(...args);
  },
  /** Save `bytes` (a Uint8Array) as a file called `name`. */
  download(bytes, name, type) {
    const url = URL.createObjectURL(new Blob([bytes], { type }));
    const link = Object.assign(document.createElement("a"), { href: url, download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000); // the download has begun by then
  },
  /** The last batch the network read: n x 784 floats, ink = 1 (for tests). */
  get lastInput() {
    return model?.lastInput ?? null;
  },
  /** Milliseconds from navigation to the first reading (for the benchmark). */
  readyMs: null,
  /** Called by digitpad/page.py once it reads the pad. */
  started() {
    this.readyMs ??= performance.now();
    performance.mark("digitpad: ready");
    delete waiting.python;
    if (body.dataset.state !== "loading") return;
    body.dataset.state = "ready";
    statusText.textContent = "Ready.";
  },
  fail,
};

// --- offline --------------------------------------------------------------------------

/** The page's ServiceWorkerContainer, or null where it may have no service worker. */
function serviceWorkers() {
  try {
    return "serviceWorker" in navigator && location.protocol !== "file:" ? navigator.serviceWorker : null;
  } catch {
    return null; // storage off-limits to this page, and service workers with it
  }
}

async function registerServiceWorker(workers) {
  let registration;
  try {
    registration = await workers.register("sw.js");
    if (!registration) throw new Error("no registration");
  } catch (error) {
    console.warn("digitpad: works online only, the service worker failed:", error);
    return null;
  }
  // A new deploy waits until the person chooses to reload, so a page never runs a mix
  // of two versions; the worker drops the old files when it takes over.
  const offer = (worker) => {
    if (!worker || !workers.controller) return;
    const button = document.getElementById("update");
    button.hidden = false;
    button.onclick = () => worker.postMessage("activate");
    body.dataset.update = "available";
    statusText.textContent = "A new version is ready.";
  };
  offer(registration.waiting);
  registration.addEventListener("updatefound", () => {
    const worker = registration.installing;
    worker?.addEventListener("statechange", () => {
      if (worker.state === "installed") offer(worker);
    });
  });
  let reloading = false;
  workers.addEventListener("controllerchange", () => {
    if (body.dataset.update === "available" && !reloading) {
      reloading = true;
      location.reload();
    }
  });
  return registration;
}

/** Resolves when the page may ask for its files: at once where a service worker serves
 * it already or none can, else once the first one has cached the site and taken the
 * page over, or has failed to (the page then downloads its files itself). */
async function servedByWorker(workers, registering) {
  if (!workers || workers.controller) return;
  const taken = new Promise((resolve) => workers.addEventListener("controllerchange", resolve, { once: true }));
  const registration = await registering;
  const worker = registration?.installing;
  // None installing: the worker failed already, or it is active and this page was
  // opened past it (a hard reload), or it took the page over meanwhile.
  if (!worker || workers.controller) return;
  const failed = new Promise((resolve) =>
    worker.addEventListener("statechange", () => worker.state === "redundant" && resolve()),
  );
  await Promise.race([taken, failed]);
}
