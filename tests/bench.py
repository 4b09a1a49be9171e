"""How fast the built page is, and whether it stays fast: headless Chromium against a
snapshot of dist/ served on 127.0.0.1. Prints a table; asserts nothing.

    python -m tests.bench [--cold 5] [--warm 5] [--ink 5] [--drawings 300]
                          [--throttled-cold 2] [--throttled-warm 3] [--throttled-ink 2]
                          [--throttled-drawings 50] [--lighthouse 1]
                          [--soak N] [--json build/bench.json]

What is timed, and from where:

- cold start: a fresh browser profile per run (nothing cached, no service worker),
  navigation start to body[data-state=ready], stamped in the page;
- warm start: one persistent profile, loaded once (HTTP cache, service worker cache
  and V8's JavaScript code cache filled), then new pages; no request routing, which
  would switch the HTTP cache off;
- CPU before ready, for both: the CPU time Chromium counts for the page's renderer
  (DevTools' Performance metrics) until the benchmark sees ready, on its main thread
  and on all its threads together;
- pad accepts ink: a fresh profile, dots poked at the pad (where it is once the page
  has loaded) from the moment the navigation commits, until one stays on the pad; the
  time is that dot's pointerdown, stamped when the browser made the event, and when
  the page handled it (a dot made while the page is busy waits, then stays).
  Resolution is the poke interval, printed with it;
- stroke end to prediction shown: held-out writers' pen digits drawn with page.mouse.
  The moves of a stroke are sent without waiting for each to be handled, as a real
  pointer delivers them, so Chromium coalesces them per frame and the pad's
  live reading runs as it does for a person. Measured in the page from the pen lift's
  pointerup timestamp to the animation frame after #prediction's data-seq changes
  (the frame that paints it); "to DOM" stops at the mutation itself. The first
  FIRST_LIFTS drawings after the page starts are also shown on their own, and so are
  the lifts that waited for a digit to be prepared (the last ink was new to the
  reader, or a live read was preparing one) and those on ink a live read had read;
- where a read's time goes: the pad's canvas raster, snapshot and the model's predict
  (TF.js) wrapped in JS; the reader's steps, the view and the page's DOM writes
  wrapped in Pyodide (LIFT_PARTS). Per call, and summed within each pen-lift read.
  The wrappers cost a few microseconds a call, which the figures above include
  (Python's keep their timings in Python until the drawing is done);
- bytes: what the server sent for the first visit: the files' sizes, gzip -6 of each,
  and the bytes on the wire (the server gzips, as hosts do), split into the page's own
  requests and the service worker's precache;
- soak: N drawings and clears in one page, with tensors, JS heap (after a forced GC),
  Python objects (after gc.collect), Python's references to JS objects (Pyodide's
  hiwire table), wasm heaps and DOM nodes at checkpoints. Shared with
  tests/browser/test_soak.py, which asserts on it.
- 4x CPU, slow 4G: cold start, warm start, pad accepts ink and stroke end to prediction
  again, as above, on Chromium's emulation of a slow phone on a slow network. Each
  timed page gets a DevTools session of its own before it navigates, which sets
  CPU throttling at rate 4 (Emulation.setCPUThrottlingRate: the page's main thread;
  Chromium refuses it for workers, which run at full speed) and Lighthouse's mobile
  slow 4G (Network.emulateNetworkConditions): 150 ms latency per request, 1.6 Mbps
  down, 750 kbps up (Lighthouse's 1,638.4 and 750 Kbit/s, its K being 1024; its own
  DevTools throttling of that profile takes the latency x3.75 and the throughput x0.9
  for the TCP round trips that request-level throttling leaves out; these runs don't).
  The page's emulation does not reach its service worker, whose precache would go at
  full speed: the session attaches to each worker the page starts (Target.setAutoAttach,
  the worker paused until it is throttled) and sets the same network conditions there
  (a service worker takes them; a dedicated worker answers "Not supported"). What
  Chromium answered, per kind of target, is printed and in the JSON. The server gzips
  as most hosts do (scripts/serve.py): a first visit is 8 MiB at 1.6 Mbps. A start
  that ends in the page's error is counted with its status, and the
  benchmark goes on. Warm starts fill their profile unthrottled, then throttle each new
  page; pen lifts are drawn on a throttled warm start after an unthrottled first visit
  in the same browser context (a pen lift needs no network);
- Lighthouse: node_modules/.bin/lighthouse (pinned in package.json) against the same
  server, with its default mobile preset: simulated throttling (slow 4G, 4x CPU; Lantern
  models the load from an unthrottled one), categories performance, accessibility and
  best practices. The three scores, time to interactive, first and largest contentful
  paint, total blocking time and the bytes Lighthouse counted, beside what the server
  sent during the run: Lighthouse follows the page and its dedicated workers but not
  its service worker, so the precache is in neither its bytes nor its simulated times.
  Its Chromium gets the tests' flags (no host but 127.0.0.1 resolves) and any request
  its report lists for another host is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gzip
import itertools
import json
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from digitpad.pad import RASTER_HEIGHT
from tests.browser import helpers

RUN_ROOT = Path(__file__).resolve().parents[1]
VIEWPORT = {"width": 1280, "height": 800}
# performance.memory rounds to 100 KB steps without this flag.
SOAK_ARGS = [*helpers.CHROMIUM_ARGS, "--enable-precise-memory-info"]
# The browser is still optimizing the reading path over a person's first digits.
FIRST_LIFTS = 50
# Lighthouse's mobile slow 4G (its constants.throttling.mobileSlow4G), in DevTools' units:
# ms, and bytes per second of Lighthouse's Kbit/s (1.6 * 1024 and 750).
SLOW_4G = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1.6 * 1024 * 1024 / 8,
    "uploadThroughput": 750 * 1024 / 8,
}
CPU_SLOWDOWN = 4
# A throttled first visit downloads 30 MiB at 1.6 Mbps.
THROTTLED_READY_MS = 600_000
LIGHTHOUSE = RUN_ROOT / "node_modules" / ".bin" / "lighthouse"

# --- in the page ------------------------------------------------------------------------

# Added to every page before its own scripts. Stamps state changes, long tasks, the
# first stroke the pad keeps, and every pen lift with the reading it caused; catches
# Pyodide (through PyScript's onReady hook, registered once PyScript reports progress,
# so the page loads its modules in its own order); records CSP violations.
PROBE = r"""
(() => {
  const probe = (window.benchProbe = {
    state: {}, longTasks: [], downs: [], handled: [], inkAt: null, inkHandled: null,
    pendingUp: null, reads: [], calls: [], violations: [],
    // Python reports its own calls here: a list pushed from Python would arrive as a proxy.
    call(name, start, ms) { this.calls.push([name, start, ms]); },
  });
  addEventListener("securitypolicyviolation", (e) =>
    probe.violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`), true);
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) probe.longTasks.push([e.startTime, e.duration]);
    }).observe({ type: "longtask", buffered: true });
  } catch {}
  const watch = () => {
    const body = document.body;
    const seen = () => { const s = body.dataset.state; if (s && !(s in probe.state)) probe.state[s] = performance.now(); };
    new MutationObserver(seen).observe(body, { attributes: true, attributeFilter: ["data-state"] });
    seen();
    const shown = document.getElementById("prediction");
    new MutationObserver(() => {
      if (probe.pendingUp === null) return;
      const read = { up: probe.pendingUp, dom: performance.now(), frame: null,
                     commitMs: window.digitpad?.pad?.lastCommitMs ?? null, value: shown.dataset.value };
      probe.pendingUp = null;
      probe.reads.push(read);
      requestAnimationFrame(() => { read.frame = performance.now(); });
    }).observe(shown, { attributes: true, attributeFilter: ["data-seq"] });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watch);
  else watch();
  const onPad = (e) => e.target && e.target.id === "pad";
  addEventListener("pointerdown", (e) => {
    if (!onPad(e)) return;
    probe.downs.push(e.timeStamp);
    probe.handled.push(performance.now());
    probe.pendingUp = null;
  }, true);
  addEventListener("pointerup", (e) => {
    if (!onPad(e)) return;
    probe.pendingUp = e.timeStamp;
    const [down, handled] = [probe.downs.at(-1), probe.handled.at(-1)];
    setTimeout(() => {
      if (probe.inkAt === null && window.digitpad?.pad?.strokeCount > 0) {
        [probe.inkAt, probe.inkHandled] = [down, handled];
      }
    });
  }, true);
  addEventListener("py:progress", () => {
    if (probe.hooked) return;
    probe.hooked = import(new URL("vendor/pyscript/core.js", document.baseURI).href).then(({ hooks }) =>
      hooks.main.onReady.add((wrap) => { window.benchPyodide = wrap.interpreter; }));
  });
})();
"""

# Wraps the calls a read makes, once the page is ready: [name, start, ms] in
# benchProbe.calls. Python keeps its own in a Python list until the page hands them
# over (CALLS): a call from Pyodide into JavaScript costs tens of microseconds, and
# three of them per wrapped call made a pen lift about a millisecond slower.
# time.perf_counter() in Pyodide is performance.now(), in seconds.
INSTRUMENT = r"""
() => {
  const probe = window.benchProbe;
  const wrap = (object, name) => {
    const original = object[name].bind(object);
    object[name] = (...args) => {
      const start = performance.now();
      try { return original(...args); } finally { probe.calls.push([name, start, performance.now() - start]); }
    };
  };
  wrap(digitpad.pad, "raster");
  wrap(digitpad.pad, "snapshot");
  wrap(digitpad.model, "predict");
  benchPyodide.runPython(`
import json
from time import perf_counter
import digitpad.reader as _reader
import digitpad.display as _display
import digitpad.page as _page

_bench_calls = []

def _bench_drain():
    calls = json.dumps(_bench_calls)
    _bench_calls.clear()
    return calls

def _timed(name, f):
    def timed(*args, **kwargs):
        start = perf_counter()
        try:
            return f(*args, **kwargs)
        finally:
            end = perf_counter()
            _bench_calls.append((name, start * 1000, (end - start) * 1000))
    return timed

_reader.prepare = _timed("prepare", _reader.prepare)
_reader.split_wide = _timed("split_wide", _reader.split_wide)
_reader.decide = _timed("decide", _reader.decide)
_reader.Reader.prepare = _timed("draft", _reader.Reader.prepare)
_reader.Reader.finish = _timed("finish", _reader.Reader.finish)
_page.current_strokes = _timed("strokes", _page.current_strokes)
_display.describe = _timed("describe", _display.describe)
_display.Display.show = _timed("show", _display.Display.show)
`);
}
"""

# Every timed call since the last time, JS's and Python's: [[name, start, ms], ...].
CALLS = r"""
() => {
  const calls = [...benchProbe.calls, ...JSON.parse(benchPyodide.runPython("_bench_drain()"))];
  benchProbe.calls = [];
  return calls.sort((a, b) => a[1] - b[1]);
}
"""

# Draws strokes (lists of [x, y] in CSS pixels) by dispatching pointer events on the
# pad: its own listeners handle them, as they would a mouse. Each pen lift reads the
# pad synchronously, so on return the page shows the reading of the whole drawing.
DISPATCH = r"""
(drawing) => {
  const pad = document.getElementById("pad");
  const fire = (type, [x, y], buttons) => pad.dispatchEvent(new PointerEvent(type, {
    pointerId: 1, pointerType: "mouse", isPrimary: true, button: type === "pointermove" ? -1 : 0,
    buttons, clientX: x, clientY: y, bubbles: true, cancelable: true, composed: true }));
  for (const stroke of drawing) {
    fire("pointerdown", stroke[0], 1);
    for (let i = 1; i < stroke.length; i++) fire("pointermove", stroke[i], 1);
    fire("pointerup", stroke[stroke.length - 1], 0);
  }
}
"""

# Draws a batch of drawings with DISPATCH, clearing before each; returns what the page
# showed after each one.
DRAW_BATCH = (
    "(batch) => { const draw = " + DISPATCH.strip() + ";\n"
    + r"""
  const shown = document.getElementById("prediction");
  const bars = [...document.querySelectorAll("#probabilities [data-digit]")];
  if (window.benchProbe) { benchProbe.reads = []; benchProbe.downs = []; } // the probe keeps nothing
  return batch.map((drawing) => {
    digitpad.pad.clear();
    draw(drawing);
    return { value: shown.dataset.value, verdict: shown.dataset.verdict ?? null,
             confidence: Number(shown.dataset.confidence),
             seq: Number(shown.dataset.seq), p: bars.map((b) => Number(b.dataset.p)),
             strokes: digitpad.pad.strokeCount, ms: digitpad.pad.lastCommitMs,
             state: document.body.dataset.state };
  });
}"""
)

# Everything that could leak, after the caller forced a JS garbage collection.
MEMORY = r"""
async () => {
  await new Promise((r) => setTimeout(r, 50)); // let finalizers release PyProxies
  const py = window.benchPyodide;
  const python = py ? JSON.parse(py.runPython(
    "import gc, json\ngc.collect()\njson.dumps(len(gc.get_objects()))")) : null;
  return {
    tensors: tf.memory().numTensors,
    tensorBytes: tf.memory().numBytes,
    tfWasmHeap: tf.backend().wasm?.HEAPU8?.length ?? null,
    jsHeap: performance.memory?.usedJSHeapSize ?? null,
    pythonObjects: python,
    jsRefsHeldByPython: py ? py._module._hiwire_num_refs() : null,
    pyodideHeap: py ? py._module.HEAP8.length : null,
    domNodes: document.getElementsByTagName("*").length,
  };
}
"""


# --- the site -------------------------------------------------------------------------


class ServedLog:
    """What the server sent: (seconds, path, status, the file's bytes, from the service
    worker?, the bytes on the wire, gzipped where the browser took gzip)."""

    def __init__(self):
        self.entries: list[tuple[float, str, int, int, bool]] = []
        self.lock = threading.Lock()

    def mark(self) -> int:
        with self.lock:
            return len(self.entries)

    def since(self, mark: int) -> list[tuple[float, str, int, int, bool]]:
        with self.lock:
            return self.entries[mark:]


@contextmanager
def snapshot_site(source: Path = helpers.DIST):
    """Serve a copy of ``source`` (a rebuild of dist/ mid-run changes nothing) with a log
    of every response, gzip-compressed as hosts do. Yields (url, directory, log)."""
    if not (source / "index.html").is_file():
        raise SystemExit(f"bench: {source} has no index.html; run `make build` first")
    serve = helpers._serve_module()
    log = ServedLog()

    class Logged(serve.QuietHandler):
        compress = True  # as hosts do

        def log_request(self, code="-", size="-"):
            path = self.path.split("?")[0]
            file = Path(self.translate_path(path))
            if path.endswith("/"):
                file = file / "index.html"
            size = file.stat().st_size if str(code) == "200" and file.is_file() else 0
            wire = (getattr(self, "encoded_bytes", None) or size) if size else 0  # gzipped or not
            # The worker's precache asks with cache: "no-cache", which says max-age=0
            # (a page's own requests say nothing).
            worker = any(v in (self.headers.get("Cache-Control") or "") for v in ("no-cache", "max-age=0"))
            with log.lock:
                log.entries.append((time.monotonic(), path, int(code), size, worker, wire))

    with tempfile.TemporaryDirectory(prefix="digitpad-bench-") as tmp:
        site = Path(tmp) / "site"
        shutil.copytree(source, site)
        for file in site.rglob("*"):  # compressed before the clock starts, as a host's cache would
            if file.suffix in serve.COMPRESSIBLE:
                serve.gzipped(str(file))
        server = serve.Server(("127.0.0.1", 0), functools.partial(Logged, directory=str(site)))
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}/", site, log
        finally:
            server.shutdown()
            server.server_close()


@functools.lru_cache(maxsize=None)
def gzip_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=6))


def byte_totals(entries, site: Path) -> dict:
    raw = gz = sent = files = 0
    for _, path, status, size, _, wire in entries:
        if status == 200 and size:
            file = site / path.lstrip("/")
            if file.is_dir():
                file = file / "index.html"
            raw += size
            gz += gzip_size(file)
            sent += wire
            files += 1
    return {"files": files, "raw": raw, "gzip": gz, "sent": sent}


# --- numbers ------------------------------------------------------------------------------


def percentile(values, q: float) -> float:
    """Linear interpolation between closest ranks, q in [0, 100]."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    at = (len(ordered) - 1) * q / 100
    low = int(at)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


def stats(values, quantiles=False) -> dict:
    values = [v for v in values if v is not None]
    if not values:
        return {"n": 0}
    out = {"n": len(values), "min": min(values), "median": statistics.median(values), "max": max(values)}
    if quantiles:
        out.update(p50=percentile(values, 50), p95=percentile(values, 95), p99=percentile(values, 99))
    return out


def long_task_summary(tasks, until: float) -> tuple[float, float]:
    """(longest task, total blocking time) among main-thread tasks that began before ``until``."""
    before = [d for start, d in tasks if start < until]
    return (max(before, default=0.0), sum(max(0.0, d - 50) for d in before))


# --- one browser ------------------------------------------------------------------------


def new_profile_context(playwright, user_data_dir: Path, args=None):
    return playwright.chromium.launch_persistent_context(
        str(user_data_dir),
        executable_path=helpers.chromium_path(),
        args=args or helpers.CHROMIUM_ARGS,
        viewport=VIEWPORT,
    )


def wait_state(page, timeout=helpers.READY_MS) -> str:
    page.wait_for_selector("body[data-state=ready], body[data-state=error]", timeout=timeout)
    return page.get_attribute("body", "data-state")


def cpu_meter(page):
    """Start counting the CPU time of the page's renderer; call before navigating."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable", {"timeDomain": "threadTicks"})
    return cdp


def cpu_used(cdp) -> dict:
    """CPU ms so far: the renderer's main thread, and the renderer's threads together."""
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return {"cpu_main": metrics["ThreadTime"] * 1000, "cpu_renderer": metrics["ProcessTime"] * 1000}


class Throttle:
    """Chromium's emulation of a slow phone on a slow network (CPU_SLOWDOWN, SLOW_4G), set
    on a page through a DevTools session of its own, before the page navigates, and on
    each worker the page starts, before the worker runs. ``applied`` notes, per kind of
    target, what Chromium answered to each command ("ok" or its error)."""

    PAGE = (
        ("Network.emulateNetworkConditions", SLOW_4G),
        ("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN}),
    )
    # Playwright can only address its session's own target: workers are reached with
    # Target.sendMessageToTarget, so not flattened. Paused until they are throttled.
    AUTO_ATTACH = (
        "Target.setAutoAttach",
        {"autoAttach": True, "waitForDebuggerOnStart": True, "flatten": False},
    )
    WORKER = (*PAGE, ("Runtime.runIfWaitingForDebugger", {}))

    def __init__(self):
        self.applied: dict[str, dict[str, list[str]]] = {}
        self._ids = itertools.count(1)
        self._pending: dict[int, tuple[str, str]] = {}

    def _note(self, kind: str, method: str, outcome: str) -> None:
        outcomes = self.applied.setdefault(kind, {}).setdefault(method, [])
        if outcome not in outcomes:
            outcomes.append(outcome)

    def _to_worker(self, event: dict) -> list[dict]:
        """Target.sendMessageToTarget's parameters that throttle a worker just attached."""
        kind, messages = event["targetInfo"]["type"], []
        for method, params in self.WORKER:
            key = next(self._ids)
            self._pending[key] = (kind, method)
            message = json.dumps({"id": key, "method": method, "params": params})
            messages.append({"sessionId": event["sessionId"], "message": message})
        return messages

    def _answered(self, event: dict) -> None:
        answer = json.loads(event["message"])
        if answer.get("id") in self._pending:
            kind, method = self._pending.pop(answer["id"])
            self._note(kind, method, answer.get("error", {}).get("message", "ok"))

    def page(self, context, page):
        """Throttle ``page`` and the workers it starts (Playwright's sync API)."""
        from playwright.sync_api import Error

        cdp = context.new_cdp_session(page)

        def attached(event):
            for params in self._to_worker(event):
                try:
                    cdp.send("Target.sendMessageToTarget", params)
                except Error as error:  # the worker is gone already
                    self._note(event["targetInfo"]["type"], "sendMessageToTarget", str(error))

        cdp.on("Target.attachedToTarget", attached)
        cdp.on("Target.receivedMessageFromTarget", self._answered)
        for method, params in (*self.PAGE, self.AUTO_ATTACH):
            try:
                cdp.send(method, params)
                self._note("page", method, "ok")
            except Error as error:
                self._note("page", method, str(error))
        return cdp

    async def page_async(self, context, page):
        """The same, with Playwright's async API."""
        from playwright.async_api import Error

        cdp = await context.new_cdp_session(page)

        async def attached(event):
            for params in self._to_worker(event):
                try:
                    await cdp.send("Target.sendMessageToTarget", params)
                except Error as error:
                    self._note(event["targetInfo"]["type"], "sendMessageToTarget", str(error))

        cdp.on("Target.attachedToTarget", attached)
        cdp.on("Target.receivedMessageFromTarget", self._answered)
        for method, params in (*self.PAGE, self.AUTO_ATTACH):
            try:
                await cdp.send(method, params)
                self._note("page", method, "ok")
            except Error as error:
                self._note("page", method, str(error))
        return cdp


def start_record(page, cpu=None) -> dict:
    used = cpu_used(cpu) if cpu else {}
    probe = page.evaluate(
        "({state: benchProbe.state, longTasks: benchProbe.longTasks,"
        " marks: performance.getEntriesByType('mark').filter(m => m.name.startsWith('digitpad: '))"
        "   .map(m => [m.name.slice(10), m.startTime]),"
        " fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null})"
    )
    ready = probe["state"].get("ready")
    longest, blocking = long_task_summary(probe["longTasks"], ready or float("inf"))
    return {
        "ready": ready,
        "error": probe["state"].get("error"),
        "fcp": probe["fcp"],
        "marks": dict(probe["marks"]),
        "longest_task": longest,
        "blocking": blocking,
        **used,
    }


def wait_for_worker(page, log: ServedLog, quiet_s: float = 1.0, timeout_s: float = 60) -> None:
    """Until the service worker controls the page and the server has been idle a moment
    (its precache done), so that later timings do not compete with it."""
    helpers.wait_until(page, "navigator.serviceWorker.controller !== null", timeout=timeout_s * 1000)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        entries = log.since(0)
        if not entries or time.monotonic() - entries[-1][0] > quiet_s:
            return
        time.sleep(0.2)


def started(page, throttle: Throttle | None, cpu) -> dict:
    """The start's record once the page is ready, or in error: unthrottled, an error
    stops the benchmark; throttled, it is counted, with the page's status."""
    state = wait_state(page, THROTTLED_READY_MS if throttle else helpers.READY_MS)
    status = None if state == "ready" else page.inner_text("#status")
    if status is not None and not throttle:
        raise SystemExit(f"bench: the page did not start: {status}")
    return {**start_record(page, cpu), "status": status}


def cold_starts(
    playwright, url, site, log, runs: int, throttle: Throttle | None = None
) -> tuple[list[dict], dict]:
    """Throttled, the first visit's bytes are not counted again."""
    records, first_visit = [], {}
    for run in range(runs):
        with tempfile.TemporaryDirectory(prefix="digitpad-profile-") as profile:
            context = new_profile_context(playwright, Path(profile))
            context.add_init_script(PROBE)
            page = context.pages[0] if context.pages else context.new_page()
            cpu = cpu_meter(page)
            if throttle:
                throttle.page(context, page)
            mark = log.mark()
            page.goto(url, timeout=THROTTLED_READY_MS if throttle else 30_000)
            records.append(started(page, throttle, cpu))
            if run == 0 and not throttle:
                at_ready = log.mark()
                wait_for_worker(page, log)
                page_entries = [e for e in log.since(mark)[: at_ready - mark] if not e[4]]
                worker_entries = [e for e in log.since(mark) if e[4]]
                later_page = [e for e in log.since(at_ready) if not e[4]]
                first_visit = {
                    "to_ready": byte_totals(page_entries, site),
                    "page_after_ready": byte_totals(later_page, site),
                    "worker_precache": byte_totals(worker_entries, site),
                }
            context.close()
    return records, first_visit


def warm_starts(
    playwright, url, log, runs: int, throttle: Throttle | None = None
) -> tuple[list[dict], dict]:
    """The profile is filled unthrottled; with ``throttle``, each timed page is throttled."""
    records = []
    with tempfile.TemporaryDirectory(prefix="digitpad-profile-") as profile:
        context = new_profile_context(playwright, Path(profile))
        context.add_init_script(PROBE)
        first = context.pages[0] if context.pages else context.new_page()
        first.goto(url)
        wait_state(first)
        wait_for_worker(first, log)
        first.close()
        mark = log.mark()
        for _ in range(runs):
            page = context.new_page()
            cpu = cpu_meter(page)
            if throttle:
                throttle.page(context, page)
            page.goto(url, timeout=THROTTLED_READY_MS if throttle else 30_000)
            records.append(started(page, throttle, cpu))
            page.close()
        served = log.since(mark)
        context.close()
    network = {"requests": len(served), "bytes": sum(e[5] for e in served),
               "paths": sorted({e[1] for e in served})}
    return records, network


def ink_runs(browser, url, runs: int, throttle: Throttle | None = None) -> list[dict]:
    """Poke dots at the pad from the moment the page commits until one stays.

    Where the pad will be is measured once, on a page that has loaded: asking the
    page on each run would wait for Playwright's own scripts in the page, which
    start well after the pad's listeners do. With ``throttle``, the poked pages are
    throttled (not the one measured), and poked for longer."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(url)
    box = page.locator("#pad").bounding_box()
    context.close()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    results = []
    for _ in range(runs):
        context = browser.new_context(viewport=VIEWPORT)
        context.add_init_script(PROBE)
        page = context.new_page()
        if throttle:
            throttle.page(context, page)
        page.goto(url, wait_until="commit", timeout=THROTTLED_READY_MS if throttle else 30_000)
        deadline, pokes = time.monotonic() + (120 if throttle else 30), 0
        while time.monotonic() < deadline:
            page.mouse.move(x, y)
            page.mouse.down()  # a dot: the fewest events that leave ink
            page.mouse.up()
            pokes += 1
            # Asking after every poke would space the pokes further apart.
            if pokes % 4 == 0 and page.evaluate("benchProbe.inkAt") is not None:
                break
        ink, handled, downs = page.evaluate("[benchProbe.inkAt, benchProbe.inkHandled, benchProbe.downs]")
        gaps = [b - a for a, b in zip(downs, downs[1:])]
        results.append({"ink": ink, "handled": handled, "poke_ms": statistics.median(gaps) if gaps else None})
        context.close()
    return results


# --- stroke end to prediction -----------------------------------------------------------------

# The timed calls a pen-lift read makes, in the order they run, with what the report
# calls them. A read is Reader.prepare ("draft": raster, prepare, split_wide), then
# Reader.finish (predict, decide); "strokes" holds snapshot.
LIFT_PARTS = {
    "strokes": "the pad's strokes to Python",
    "snapshot": "  ... of which the JS snapshot",
    "draft": "Reader.prepare: the ink made ready",
    "raster": "  ... of which canvas raster (JS)",
    "prepare": "  ... of which preprocess.prepare",
    "split_wide": "  ... of which split_wide",
    "finish": "Reader.finish: classified, decided",
    "predict": "  ... of which inference (TF.js)",
    "decide": "  ... of which decide",
    "describe": "view.describe",
    "show": "the page's DOM writes",
}


async def draw_with_mouse(page, box, strokes) -> None:
    """Each stroke's moves are sent at once; the browser delivers and coalesces them."""
    for stroke in strokes:
        points = [helpers.to_screen(box, x, y) for x, y in stroke]
        await page.mouse.move(*points[0])
        await page.mouse.down()
        await asyncio.gather(*(page.mouse.move(x, y) for x, y in points[1:]))
        await page.mouse.up()


async def open_drawing_page(
    context, url: str, log: ServedLog, throttle: Throttle | None, errors: list
):
    """A page that reads, once the service worker has cached the site; with ``throttle``,
    a throttled warm start after that unthrottled first visit. Its errors go to ``errors``."""
    page = await context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(url)
    await page.wait_for_selector("body[data-state=ready]", timeout=helpers.READY_MS)
    await helpers.wait_until_async(
        page, "navigator.serviceWorker.controller !== null", timeout=60_000
    )
    await helpers.wait_until_async(page, "window.benchPyodide !== undefined")
    while log.since(0) and time.monotonic() - log.since(0)[-1][0] < 1.0:
        await asyncio.sleep(0.2)  # the worker's precache is done
    if throttle:
        await page.close()
        page = await context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        await throttle.page_async(context, page)
        await page.goto(url, timeout=THROTTLED_READY_MS)
        await page.wait_for_selector("body[data-state=ready]", timeout=THROTTLED_READY_MS)
        await helpers.wait_until_async(page, "window.benchPyodide !== undefined")
    return page


async def latency_run(
    url: str, drawings: int, log: ServedLog, throttle: Throttle | None = None
) -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=helpers.chromium_path(), args=helpers.CHROMIUM_ARGS
        )
        context = await browser.new_context(viewport=VIEWPORT)
        await context.add_init_script(PROBE)
        errors = []
        page = await open_drawing_page(context, url, log, throttle, errors)
        await page.evaluate(INSTRUMENT)
        box = await page.locator("#pad").bounding_box()
        width = await page.evaluate("digitpad.pad.rasterWidth")
        samples = helpers.pinned_sample(drawings, seed=300)
        lifts, right, started = [], 0, time.monotonic()
        for sample in samples:
            await page.evaluate(CALLS)
            await page.evaluate("benchProbe.reads = []; digitpad.pad.clear()")
            strokes = helpers.centered(sample, width)
            await draw_with_mouse(page, box, strokes)
            await helpers.wait_until_async(
                page, f"benchProbe.reads.length >= {len(strokes)} && benchProbe.reads.at(-1).frame !== null"
            )
            reads, calls = await page.evaluate(f"[benchProbe.reads, ({CALLS})()]")
            last = reads[-1]
            right += last["value"] == str(sample.label)
            within = [c for c in calls if last["up"] <= c[1] <= last["dom"]]
            spent = {name: sum(c[2] for c in within if c[0] == name) for name in LIFT_PARTS}
            lifts.append({"shown": last["frame"] - last["up"], "dom": last["dom"] - last["up"],
                          "commit": last["commitMs"], "prepared": any(c[0] == "prepare" for c in within),
                          "predicted": any(c[0] == "predict" for c in within),
                          **spent, "calls": calls})
        took = time.monotonic() - started
        await browser.close()
    per_call = {name: [c[2] for lift in lifts for c in lift["calls"] if c[0] == name]
                for name in ("raster", "prepare", "split_wide", "predict")}
    for lift in lifts:
        del lift["calls"]
    return {"lifts": lifts, "right": right, "drawings": len(samples), "per_call": per_call,
            "errors": errors, "seconds": took}


# --- soak -----------------------------------------------------------------------------------


def soak_drawings(width: int, box: dict, count: int, seed: int = 2000) -> list:
    """``count`` held-out pen digits at random places on the pad, in CSS pixels."""
    rng = random.Random(seed)
    samples = helpers.held_out_samples()
    drawings = []
    for _ in range(count):
        sample = rng.choice(samples)
        left = rng.uniform(0, max(0, width - RASTER_HEIGHT))
        strokes = helpers.centered(sample, width, left=left)
        drawings.append([[helpers.to_screen(box, x, y) for x, y in s] for s in strokes])
    return drawings


def memory(page, cdp) -> dict:
    cdp.send("HeapProfiler.collectGarbage")
    state = page.evaluate(MEMORY)
    state["jsHeapCdp"] = cdp.send("Runtime.getHeapUsage")["usedSize"]
    return state


def soak(page, cdp, drawings: int, warmup: int = 100, checkpoints: int = 10, batch: int = 20) -> dict:
    """Draw and clear ``warmup`` then ``drawings`` pen digits in one page, measuring
    memory at the start (after the warm-up) and at ``checkpoints`` points."""
    helpers.wait_until(page, "window.benchPyodide !== undefined")
    width = page.evaluate("digitpad.pad.rasterWidth")
    box = helpers.pad_box(page)
    shown_all = []
    for start in range(0, warmup, batch):
        page.evaluate(DRAW_BATCH, soak_drawings(width, box, min(batch, warmup - start), seed=start))
    every = max(1, drawings // checkpoints)
    points = [{"drawings": 0, **memory(page, cdp)}]
    done = 0
    while done < drawings:
        n = min(batch, drawings - done, every - done % every)
        shown = page.evaluate(DRAW_BATCH, soak_drawings(width, box, n, seed=10_000 + done))
        shown_all.extend(shown)
        done += n
        if done % every == 0 or done == drawings:
            window = [s["ms"] for s in shown_all[-every:]]
            points.append({"drawings": done, "read_ms": statistics.median(window), **memory(page, cdp)})
    page.evaluate("digitpad.pad.clear()")
    return {"points": points, "shown": shown_all}


def soak_run(url: str, drawings: int) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=helpers.chromium_path(), args=SOAK_ARGS)
        context = browser.new_context(viewport=VIEWPORT)
        context.add_init_script(PROBE)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        helpers.open_app(page, url)
        started = time.monotonic()
        result = soak(page, context.new_cdp_session(page), drawings)
        result["seconds"] = time.monotonic() - started
        result["errors"] = errors
        browser.close()
    return result


# --- Lighthouse -------------------------------------------------------------------------------

LIGHTHOUSE_CATEGORIES = ("performance", "accessibility", "best-practices")
# Its audits reported, in ms; and the bytes it counted.
LIGHTHOUSE_AUDITS = {
    "interactive": "time to interactive (ms)",
    "first-contentful-paint": "  first contentful paint",
    "largest-contentful-paint": "  largest contentful paint",
    "total-blocking-time": "  total blocking time",
}


def lighthouse_chrome_flags() -> str:
    """The tests' Chromium flags as one --chrome-flags string, which Lighthouse splits:
    a flag with spaces has its value quoted."""
    flags = ["--headless=new" if f == "--headless" else f for f in helpers.CHROMIUM_ARGS]
    return " ".join(f.replace("=", '="', 1) + '"' if " " in f else f for f in flags)


def lighthouse_run(url: str, log: ServedLog, out: Path) -> dict:
    """One Lighthouse run with its default config (the mobile preset): its scores and
    figures, what the server sent meanwhile, and the requests it lists for other hosts."""
    report_path = out / "report.json"
    command = [
        str(LIGHTHOUSE),
        url,
        "--output=json",
        f"--output-path={report_path}",
        f"--only-categories={','.join(LIGHTHOUSE_CATEGORIES)}",
        f"--chrome-flags={lighthouse_chrome_flags()}",
        "--no-enable-error-reporting",
        "--quiet",
    ]
    env = dict(os.environ)
    if helpers.chromium_path():
        env["CHROME_PATH"] = helpers.chromium_path()
    mark = log.mark()
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    served = log.since(mark)
    if done.returncode or not report_path.is_file():
        return {"error": (done.stderr or done.stdout).strip()[-500:] or f"exit {done.returncode}"}
    lhr = json.loads(report_path.read_text())
    requests = lhr["audits"]["network-requests"].get("details", {}).get("items", [])
    own = urlsplit(url).netloc
    return {
        "version": lhr["lighthouseVersion"],
        "scores": {c: lhr["categories"][c]["score"] for c in LIGHTHOUSE_CATEGORIES},
        "audits": {
            a: lhr["audits"][a].get("numericValue")
            for a in [*LIGHTHOUSE_AUDITS, "total-byte-weight"]
        },
        "requests": len(requests),
        "foreign": [
            r["url"]
            for r in requests
            if urlsplit(r["url"]).scheme in ("http", "https", "ws", "wss")
            and urlsplit(r["url"]).netloc != own
        ],
        "server_requests": len(served),
        "server_bytes": sum(e[5] for e in served),
        "runtime_error": (lhr.get("runtimeError") or {}).get("message"),
        "warnings": lhr.get("runWarnings", []),
        # What keeps a score below 100, outside performance (its own figures say that).
        "short": {
            c: sorted(
                lhr["audits"][ref["id"]]["title"]
                for ref in lhr["categories"][c]["auditRefs"]
                if ref.get("weight") and (lhr["audits"][ref["id"]].get("score") or 0) < 1
                and lhr["audits"][ref["id"]].get("scoreDisplayMode") in ("binary", "numeric")
            )
            for c in LIGHTHOUSE_CATEGORIES
            if c != "performance"
        },
        "throttling": lhr["configSettings"]["throttling"],
        "benchmark_index": lhr["environment"].get("benchmarkIndex"),
    }


def lighthouse_runs(url: str, log: ServedLog, runs: int) -> dict:
    if not LIGHTHOUSE.exists():
        return {"runs": [], "error": f"{LIGHTHOUSE.relative_to(RUN_ROOT)} is missing: run `npm ci`"}
    done = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="digitpad-lighthouse-") as out:
            done.append(lighthouse_run(url, log, Path(out)))
    ok = [r for r in done if "error" not in r]
    tables = {
        f"score_{c}": stats([100 * r["scores"][c] for r in ok if r["scores"][c] is not None])
        for c in LIGHTHOUSE_CATEGORIES
    }
    tables.update({a: stats([r["audits"][a] for r in ok]) for a in LIGHTHOUSE_AUDITS})
    tables["bytes_counted"] = stats([r["audits"]["total-byte-weight"] / 1024 for r in ok])
    tables["bytes_served"] = stats([r["server_bytes"] / 1024 for r in ok])
    return {"runs": done, "tables": tables}


# --- the report ---------------------------------------------------------------------------------


def ms_row(name: str, s: dict, quantiles=False) -> str:
    if not s.get("n"):
        return f"{name:<44} {'-':>5}"
    row = f"{name:<44} {s['n']:>5} {s['min']:>8.1f} {s['median']:>8.1f} {s['max']:>8.1f}"
    if quantiles:
        row += f" {s['p50']:>8.1f} {s['p95']:>8.1f} {s['p99']:>8.1f}"
    return row


def kb(n: int) -> str:
    return f"{n / 1024:,.0f} KiB"


HEADER = f"{'':<44} {'n':>5} {'min':>8} {'median':>8} {'max':>8} {'p50':>8} {'p95':>8} {'p99':>8}"


def rows(results: dict, detail: bool = True) -> list[tuple[str, str, bool]]:
    """The table's rows: (key, name, with quantiles?). Without ``detail``, not where a
    read's time goes."""
    return [
        ("cold_ready", "cold start to ready (ms)", False),
        ("cold_fcp", "  first contentful paint", False),
        *[(f"cold_mark:{m}", f"  {m}", False) for m in results.get("marks", [])],
        ("cold_longest_task", "  longest main-thread task before ready", False),
        ("cold_cpu_main", "  CPU before ready: the page's main thread", False),
        ("cold_cpu_renderer", "  CPU before ready: all the page's threads", False),
        ("cold_blocking", "  total blocking time before ready", False),
        ("warm_ready", "warm start to ready (ms)", False),
        *[(f"warm_mark:{m}", f"  {m}", False) for m in results.get("warm_marks", [])],
        ("warm_longest_task", "  longest main-thread task before ready", False),
        ("warm_cpu_main", "  CPU before ready: the page's main thread", False),
        ("warm_cpu_renderer", "  CPU before ready: all the page's threads", False),
        ("ink", "pad accepts ink, ms after navigation", False),
        ("ink_handled", "  ... and the page handles that dot", False),
        ("shown", "pen lift to prediction painted (ms)", True),
        ("dom", "  pen lift to prediction in the DOM", True),
        ("dom_first", f"    ... the first {FIRST_LIFTS} drawings after a start", True),
        ("dom_fresh", "    ... lifts that waited for ink to be read", True),
        ("dom_finished", "    ... lifts that finished a live read", True),
        ("dom_ready", "    ... lifts on ink a live read had read", True),
        ("commit", "  the pad's read at pen lift (commit)", True),
        *(
            [
                *[(f"lift_{name}", f"  {label}", True) for name, label in LIFT_PARTS.items()],
                ("call_raster", "per call: canvas raster (JS)", True),
                ("call_prepare", "per call: prepare (Python)", True),
                ("call_split_wide", "per call: split_wide (Python)", True),
                ("call_predict", "per call: inference, TF.js predict", True),
            ]
            if detail
            else []
        ),
    ]


def table(results: dict, detail: bool = True) -> list[str]:
    """The timings of ``results`` (the benchmark's, or its throttled runs')."""
    t = results["tables"]
    lines = [HEADER] if t else []
    lines += [ms_row(name, t[key], q) for key, name, q in rows(results, detail) if key in t]
    if "ink_poke" in results:
        lines.append(f"{'  (poked every ~%.0f ms)' % results['ink_poke']:<44}")
    if "accuracy" in results:
        a = results["accuracy"]
        lines.append(f"{'held-out pen digits read right':<44} {a['right']}/{a['drawings']} "
                     f"({100 * a['right'] / a['drawings']:.1f}%), {a['fresh_lifts']} of the pen lifts "
                     f"waited for a digit to be prepared; drawing took {a['seconds']:.0f} s")
    return lines


def report(results: dict) -> str:
    lines = [
        f"digitpad page benchmark: {results['chromium']}, {os.cpu_count()} CPUs, "
        f"load average {results['load'][0]:.1f} at start, {results['load'][1]:.1f} at end",
        *table(results),
    ]
    if "bytes" in results:
        b = results["bytes"]
        for key, name in [("to_ready", "first visit, page to ready"),
                          ("page_after_ready", "first visit, page after ready"),
                          ("worker_precache", "first visit, service worker precache")]:
            v = b[key]
            lines.append(f"{name:<44} {v['files']:>5} files {kb(v['raw']):>12} raw {kb(v['gzip']):>12} gzip -6 "
                         f"{kb(v['sent']):>12} sent")
        m = results["model_bytes"]
        lines.append(f"{'model (model.json + shards)':<44} {m['files']:>5} files {kb(m['raw']):>12} raw "
                     f"{kb(m['gzip']):>12} gzip -6")
    if "warm_network" in results:
        w = results["warm_network"]
        lines.append(f"{'warm starts, from the server':<44} {w['requests']:>5} requests, {w['bytes']} bytes "
                     f"({', '.join(w['paths']) or 'nothing'})")
    if "throttled" in results:
        lines.append("")
        lines.extend(throttled_table(results["throttled"]))
    if "lighthouse" in results:
        lines.append("")
        lines.extend(lighthouse_table(results["lighthouse"]))
    if "soak" in results:
        lines.append("")
        lines.extend(soak_table(results["soak"]))
    return "\n".join(lines)


def throttled_table(throttled: dict) -> list[str]:
    net = throttled["profile"]["network"]
    lines = [
        (
            f"{throttled['profile']['cpu']}x CPU, slow 4G: Chromium's emulation, "
            f"{net['latency']} ms a request, {net['downloadThroughput'] * 8 / 1024**2:.1f} Mbps down, "
            f"{net['uploadThroughput'] * 8 / 1024:.0f} kbps up"
        ),
        *table(throttled, detail=False),
    ]
    for kind, failed in throttled["failed"].items():
        if failed:
            ran = throttled["runs"][kind]
            what = "; ".join(f"{f['status']} ({(f['after'] or 0) / 1000:.0f} s)" for f in failed)
            lines.append(f"{f'{kind} starts that failed':<44} {len(failed)} of {ran}: {what}")
    for kind, methods in throttled["applied"].items():
        took = ", ".join(
            f"{method.split('.')[-1]}: {' / '.join(answers)}" for method, answers in methods.items()
        )
        lines.append(f"{f'  throttled: {kind}':<44} {took}")
    return lines


def lighthouse_table(lighthouse: dict) -> list[str]:
    runs = lighthouse["runs"]
    ok = [r for r in runs if "error" not in r]
    if not ok:
        errors = [lighthouse.get("error")] + [r["error"] for r in runs]
        return [f"Lighthouse: no run finished: {'; '.join(e for e in errors if e)}"]
    first, t = ok[0], lighthouse["tables"]
    th = first["throttling"]
    lines = [
        (
            f"Lighthouse {first['version']}, mobile preset, simulated: {th['rttMs']:.0f} ms RTT, "
            f"{th['throughputKbps']:.0f} Kbit/s, {th['cpuSlowdownMultiplier']:.0f}x CPU "
            f"(its benchmark index of this host: {first['benchmark_index']:.0f})"
        ),
        HEADER,
        *[ms_row(f"{c} score", t[f"score_{c}"]) for c in LIGHTHOUSE_CATEGORIES],
        *[ms_row(name, t[a]) for a, name in LIGHTHOUSE_AUDITS.items()],
        ms_row("bytes Lighthouse counted (KiB)", t["bytes_counted"]),
        ms_row("  bytes the server sent meanwhile (KiB)", t["bytes_served"]),
    ]
    foreign = sorted({u for r in ok for u in r["foreign"]})
    lines.append(f"{'  requests to other hosts':<44} {', '.join(foreign) or 'none'}")
    for category in sorted({c for r in ok for c in r.get("short", {})}):
        short = sorted({title for r in ok for title in r["short"].get(category, [])})
        lines.append(f"{f'  {category}, short of 100 on':<44} {'; '.join(short) or 'nothing'}")
    for r in runs:
        for problem in [r.get("error"), r.get("runtime_error"), *r.get("warnings", [])]:
            if problem:
                lines.append(f"  Lighthouse: {problem}")
    return lines


def soak_table(soak_result: dict) -> list[str]:
    points = soak_result["points"]
    lines = [
        f"soak: {points[-1]['drawings']} drawings in one page after a warm-up, "
        f"{soak_result['seconds']:.0f} s, {len(soak_result['errors'])} page errors",
        f"{'drawings':>9} {'read ms':>8} {'tensors':>8} {'JS heap MB':>11} {'Py objects':>11} "
        f"{'JS refs':>8} {'Pyodide MB':>11} {'TF wasm MB':>11} {'DOM nodes':>10}",
    ]
    for p in points:
        lines.append(
            f"{p['drawings']:>9} {p.get('read_ms', float('nan')):>8.1f} {p['tensors']:>8} "
            f"{p['jsHeapCdp'] / 2**20:>11.2f} {p['pythonObjects']:>11} {p['jsRefsHeldByPython']:>8} "
            f"{p['pyodideHeap'] / 2**20:>11.1f} {(p['tfWasmHeap'] or 0) / 2**20:>11.1f} {p['domNodes']:>10}"
        )
    first, last = points[0], points[-1]
    lines.append(
        f"{'growth':>9} {'':>8} {last['tensors'] - first['tensors']:>+8} "
        f"{(last['jsHeapCdp'] - first['jsHeapCdp']) / 2**20:>+11.2f} "
        f"{last['pythonObjects'] - first['pythonObjects']:>+11} "
        f"{last['jsRefsHeldByPython'] - first['jsRefsHeldByPython']:>+8} "
        f"{(last['pyodideHeap'] - first['pyodideHeap']) / 2**20:>+11.1f} "
        f"{((last['tfWasmHeap'] or 0) - (first['tfWasmHeap'] or 0)) / 2**20:>+11.1f} "
        f"{last['domNodes'] - first['domNodes']:>+10}"
    )
    return lines


def model_bytes(site: Path) -> dict:
    manifest = json.loads((site / "model" / "model.json").read_text())
    shards = [p for group in manifest["weightsManifest"] for p in group["paths"]]
    files = [site / "model" / name for name in ["model.json", *shards]]
    return {"files": len(files), "raw": sum(p.stat().st_size for p in files),
            "gzip": sum(gzip_size(p) for p in files)}


def start_tables(kind: str, records: list[dict]) -> tuple[dict, list[str]]:
    """Tables of cold or warm starts, and the page's marks in the order they come. What
    comes before ready counts only the starts that got there; the marks, every start."""
    marks = sorted(
        {m for r in records for m in r["marks"]},
        key=lambda m: statistics.median([r["marks"].get(m, 0) for r in records]),
    )
    ready = [r for r in records if r["ready"] is not None]
    t = {
        f"{kind}_ready": stats([r["ready"] for r in ready]),
        f"{kind}_fcp": stats([r["fcp"] for r in records]),
    }
    for m in marks:
        t[f"{kind}_mark:{m}"] = stats([r["marks"].get(m) for r in records])
    t[f"{kind}_longest_task"] = stats([r["longest_task"] for r in ready])
    t[f"{kind}_cpu_main"] = stats([r.get("cpu_main") for r in ready])
    t[f"{kind}_cpu_renderer"] = stats([r.get("cpu_renderer") for r in ready])
    t[f"{kind}_blocking"] = stats([r["blocking"] for r in ready])
    return t, marks


def lift_tables(lat: dict) -> tuple[dict, dict]:
    """Tables of a latency run's pen lifts, and how many it read right."""
    lifts = lat["lifts"]
    t = {
        "shown": stats([x["shown"] for x in lifts], True),
        "dom": stats([x["dom"] for x in lifts], True),
        "dom_first": stats([x["dom"] for x in lifts[:FIRST_LIFTS]], True),
        "dom_fresh": stats([x["dom"] for x in lifts if x["prepared"]], True),
        "dom_finished": stats(
            [x["dom"] for x in lifts if x["predicted"] and not x["prepared"]], True
        ),
        "dom_ready": stats([x["dom"] for x in lifts if not x["predicted"]], True),
        "commit": stats([x["commit"] for x in lifts], True),
    }
    for name in LIFT_PARTS:  # over the lifts that made the call
        t[f"lift_{name}"] = stats([x[name] for x in lifts if x[name]], True)
    for name, values in lat["per_call"].items():
        t[f"call_{name}"] = stats(values, True)
    accuracy = {
        "right": lat["right"],
        "drawings": lat["drawings"],
        "fresh_lifts": sum(x["prepared"] for x in lifts),
        "seconds": lat["seconds"],
    }
    return t, accuracy


def browser_runs(
    playwright,
    url,
    site,
    log,
    results: dict,
    ink: int,
    cold: int,
    warm: int,
    throttle: Throttle | None = None,
) -> None:
    """Ink, cold and warm starts, into ``results``. Throttled, a start that failed is
    kept in results["failed"]; unthrottled, it stops the benchmark."""
    t = results["tables"]
    if ink:
        browser = helpers.launch(playwright)
        inks = ink_runs(browser, url, ink, throttle)
        browser.close()
        t["ink"] = stats([r["ink"] for r in inks])
        t["ink_handled"] = stats([r["handled"] for r in inks])
        results["ink_poke"] = statistics.median([r["poke_ms"] for r in inks if r["poke_ms"]] or [0])
    for kind, runs in (("cold", cold), ("warm", warm)):
        if not runs:
            continue
        if kind == "cold":
            records, first_visit = cold_starts(playwright, url, site, log, runs, throttle)
            if first_visit:
                results["bytes"] = first_visit
                results["model_bytes"] = model_bytes(site)
        else:
            records, results["warm_network"] = warm_starts(playwright, url, log, runs, throttle)
        tables, results["marks" if kind == "cold" else "warm_marks"] = start_tables(kind, records)
        t.update(tables)
        if throttle:
            results["failed"][kind] = [
                {"status": r["status"], "after": r["error"]}
                for r in records
                if r["status"] is not None
            ]
    results.setdefault("marks", [])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", type=int, default=5, help="cold starts (fresh profiles)")
    parser.add_argument("--warm", type=int, default=5, help="warm starts (one profile)")
    parser.add_argument("--ink", type=int, default=5, help="loads timed to the first stroke kept")
    parser.add_argument("--drawings", type=int, default=300, help="pen digits drawn with the mouse")
    parser.add_argument(
        "--throttled-cold",
        type=int,
        default=2,
        metavar="N",
        help="cold starts at 4x CPU on slow 4G",
    )
    parser.add_argument(
        "--throttled-warm",
        type=int,
        default=3,
        metavar="N",
        help="warm starts at 4x CPU on slow 4G",
    )
    parser.add_argument(
        "--throttled-ink",
        type=int,
        default=2,
        metavar="N",
        help="loads timed to the first stroke kept, at 4x CPU on slow 4G",
    )
    parser.add_argument(
        "--throttled-drawings",
        type=int,
        default=50,
        metavar="N",
        help="pen digits drawn at 4x CPU on slow 4G",
    )
    parser.add_argument(
        "--lighthouse",
        type=int,
        default=1,
        metavar="N",
        help="Lighthouse runs (mobile preset); 0 skips them",
    )
    parser.add_argument("--soak", type=int, default=0, metavar="N", help="also draw N digits in one page")
    parser.add_argument("--json", type=Path, default=RUN_ROOT / "build" / "bench.json")
    parser.add_argument("--site", type=Path, default=helpers.DIST, help="the built site to serve (dist/)")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    results: dict = {"load": [os.getloadavg()[0]], "tables": {}}
    throttle = Throttle()
    throttled: dict = {
        "profile": {"cpu": CPU_SLOWDOWN, "network": SLOW_4G},
        "tables": {},
        "failed": {},
        "runs": {"cold": args.throttled_cold, "warm": args.throttled_warm},
        "applied": throttle.applied,
    }
    with snapshot_site(args.site) as (url, site, log):
        with sync_playwright() as playwright:
            browser = helpers.launch(playwright)
            results["chromium"] = f"Chromium {browser.version}"
            browser.close()
            browser_runs(playwright, url, site, log, results, args.ink, args.cold, args.warm)
            browser_runs(
                playwright,
                url,
                site,
                log,
                throttled,
                args.throttled_ink,
                args.throttled_cold,
                args.throttled_warm,
                throttle,
            )
        if args.drawings:
            lat = asyncio.run(latency_run(url, args.drawings, log))
            tables, results["accuracy"] = lift_tables(lat)
            results["tables"].update(tables)
            results["latency_errors"] = lat["errors"]
        if args.throttled_drawings:
            lat = asyncio.run(latency_run(url, args.throttled_drawings, log, throttle))
            tables, throttled["accuracy"] = lift_tables(lat)
            throttled["tables"].update(tables)
            throttled["latency_errors"] = lat["errors"]
        if throttled["tables"]:
            results["throttled"] = throttled
        if args.lighthouse:
            results["lighthouse"] = lighthouse_runs(url, log, args.lighthouse)
        if args.soak:
            results["soak"] = soak_run(url, args.soak)
            results["soak"].pop("shown")
    results["load"].append(os.getloadavg()[0])
    print(report(results))
    for errors in (
        results.get("latency_errors"),
        results.get("throttled", {}).get("latency_errors"),
    ):
        if errors:
            print(f"page errors while drawing: {errors[:5]}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1))
        print(f"(also written to {args.json.relative_to(RUN_ROOT) if args.json.is_relative_to(RUN_ROOT) else args.json})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
