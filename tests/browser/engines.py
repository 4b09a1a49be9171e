"""Firefox and WebKit (Safari's engine) for the smoke suites, driven over WebDriver.

The Chromium tests use Playwright; these two engines come from Debian instead, as
classrooms get them: Firefox ESR over WebDriver BiDi, spoken here directly (Firefox
listens for it itself, so no geckodriver), and WebKitGTK's MiniBrowser through
WebKitWebDriver with Selenium, in a virtual X display (it has no headless mode).

Both get the same small interface: JavaScript evaluated in the page (promises
awaited, values returned as JSON), pointer actions in the viewport's CSS pixels, keys,
and the errors the page reported. A launch skips the calling test with the reason
when the engine is not installed (scripts/ensure_engines.sh installs them).
"""

from __future__ import annotations

import functools
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
import threading
import time
import warnings
from collections import Counter
from contextlib import suppress
from pathlib import Path

import pytest

from tests.browser import helpers

FIREFOX = os.environ.get("FIREFOX") or "/usr/bin/firefox-esr"
WEBKIT_DRIVER = os.environ.get("WEBKIT_DRIVER") or "/usr/bin/WebKitWebDriver"
MINIBROWSER = (
    os.environ.get("MINIBROWSER") or "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser"
)
READY_S = helpers.READY_MS / 1000

# WebDriver's key codes.
ESCAPE = "\ue00c"
CONTROL = "\ue009"


class PageError(AssertionError):
    pass


# --- the test server ---------------------------------------------------------------------


class RecordingServer:
    """The built site on 127.0.0.1, as scripts/serve.py serves it, with every response
    noted as (path, status), and a host page of its own at ``HOST_PAGE`` that holds the
    pad in an iframe. It can be stopped and started again on the same port, to take
    the network away from a page."""

    HOST_PAGE = "/embed-host.html"

    def __init__(self, directory: Path = helpers.DIST):
        self.directory = directory
        self.log: list[tuple[str, int]] = []
        self._lock = threading.Lock()
        self.port = 0
        self._server = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> None:
        serve = helpers._serve_module()
        recorder = self

        class Handler(serve.QuietHandler):
            def send_response(self, code, message=None):
                with recorder._lock:
                    recorder.log.append((self.path.split("?")[0], int(code)))
                super().send_response(code, message)

            def do_GET(self):
                if self.path.split("?")[0] == recorder.HOST_PAGE:
                    body = host_page(recorder.url).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                else:
                    super().do_GET()

        self._server = serve.Server(
            ("127.0.0.1", self.port), functools.partial(Handler, directory=str(self.directory))
        )
        self.port = self._server.server_port
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Close the port: the browser's connections are refused from now on."""
        self._server.shutdown()
        self._server.server_close()

    def requests(self) -> list[tuple[str, int]]:
        with self._lock:
            return list(self.log)

    def quiet(self, for_s: float = 1.0, within_s: float = 15.0) -> list[tuple[str, int]]:
        """The requests so far, once none has come for ``for_s`` seconds."""
        deadline = time.monotonic() + within_s
        seen = len(self.requests())
        while time.monotonic() < deadline:
            time.sleep(for_s)
            if len(self.requests()) == seen:
                break
            seen = len(self.requests())
        return self.requests()


def fetched_too_often(
    requests: list[tuple[str, int]],
    directory: Path = helpers.DIST,
    extra: dict[str, str] | None = None,
) -> dict[str, list[int]]:
    """The paths a first visit asked the server for more often than the page needs,
    each with the statuses it got, in order; {} when there are none.

    The page registers its service worker first thing, and on a first visit waits until
    the worker has cached the whole site before it asks for anything more: from the
    worker's registration (the request for sw.js) on, each file is asked for once, by
    the worker, and the page reads the worker's cache. Before it, the document has asked
    for what it names itself, once each; the worker asks for those once more (a 304
    where the browser keeps an HTTP cache, the file again where it keeps none). The big
    files (a megabyte and more) the document never names: those are asked for once in
    all. ``extra``: paths the browser itself asks for once more than that, and why.
    sw.js is left out: browsers check a worker's script for updates as they see fit.
    """
    registered = next(
        (i for i, (path, _) in enumerate(requests) if path == "/sw.js"), len(requests)
    )
    before = Counter(path for path, _ in requests[:registered])
    after = Counter(path for path, _ in requests[registered:])
    big = {
        "/" + p.relative_to(directory).as_posix()
        for p in directory.rglob("*")
        if p.is_file() and p.stat().st_size >= 2**20
    }
    too_often = {}
    for path in before | after:
        if path == "/sw.js":
            continue
        more = int(path in (extra or {}))
        total = before[path] + after[path]
        if (
            before[path] > 1 + more
            or after[path] > 1 + more
            or total > 2 + more
            or (path in big and total > 1)
        ):
            too_often[path] = [status for p, status in requests if p == path]
    return too_often


def host_page(origin_url: str) -> str:
    """A course page of the same origin that holds the pad and keeps every message the
    pad posts to it (docs/embedding.md)."""
    origin = origin_url.rstrip("/")
    return f"""<!doctype html>
<meta charset="utf-8">
<title>A course page</title>
<p>Write the answer:</p>
<iframe id="answer" title="Drawing pad" src="index.html?embed&amp;origin={origin}"
        width="640" height="360" style="border: 0; display: block"></iframe>
<script>
  window.messages = [];
  addEventListener("message", (event) => {{
    if (event.source === document.getElementById("answer").contentWindow) {{
      messages.push({{origin: event.origin, data: event.data}});
    }}
  }});
</script>
"""


# --- the engines -------------------------------------------------------------------------

# Installed in every page the suites open (after it has loaded: neither engine runs a
# script before the page's own here): page errors and console errors, kept in the
# window's __errors. Until then a failure to start shows as body[data-state=error].
ERROR_HOOK = """(w) => {
  if (w.__errors) return true;
  w.__errors = [];
  const keep = (text) => w.__errors.push(String(text));
  w.addEventListener("error", (e) => keep(`${e.message} (${e.filename}:${e.lineno})`));
  w.addEventListener("unhandledrejection", (e) => keep(`rejected: ${e.reason?.stack ?? e.reason}`));
  const error = w.console.error;
  w.console.error = (...args) => { keep(args.join(" ")); error.apply(w.console, args); };
  return true;
}"""


class Engine:
    """What the smoke suites need of a browser. Subclasses talk to one engine."""

    name = ""

    # -- provided by each engine

    def _evaluate(self, expression: str):
        """The JSON text of an expression's (awaited) value, evaluated in the page."""
        raise NotImplementedError

    def _perform(self, actions: list[dict]) -> None:
        """WebDriver actions (the JSON both WebDriver protocols share)."""
        raise NotImplementedError

    def goto(self, url: str) -> None:
        raise NotImplementedError

    def engine_errors(self) -> list[str]:
        """Errors the engine itself reported since last asked, beside window.__errors."""
        return []

    def close(self) -> None:
        raise NotImplementedError

    # -- shared

    def js(self, expression: str):
        text = self._evaluate(f"(async () => JSON.stringify(await ({expression})))()")
        return None if text is None else json.loads(text)

    def wait(self, expression: str, timeout: float = 30, every: float = 0.05):
        deadline = time.monotonic() + timeout
        while not (value := self.js(expression)):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name}: still false after {timeout:g} s: {expression}")
            time.sleep(every)
        return value

    def hook_errors(self, window: str = "window") -> None:
        """Start keeping the errors of ``window`` (an expression: the page or a frame)."""
        self.js(f"({ERROR_HOOK})({window})")

    def errors(self, window: str = "window") -> list[str]:
        """The errors reported since last asked: by ``window`` and by the engine."""
        return (self.js(f"{window}.__errors?.splice(0) ?? []") or []) + self.engine_errors()

    def open_app(self, url: str, timeout: float = READY_S) -> None:
        self.goto(url)
        self.hook_errors()
        self.wait_ready(timeout=timeout)

    def wait_ready(self, document: str = "document", timeout: float = READY_S) -> None:
        state = self.wait(
            f"['ready', 'error'].includes({document}.body?.dataset.state)"
            f" && {document}.body.dataset.state",
            timeout=timeout,
        )
        if state != "ready":
            status = self.js(f"{document}.querySelector('#status').textContent")
            raise PageError(f"{self.name}: the page did not start: {status}")

    def pointer(self, strokes, button: int = 0) -> None:
        """Pen strokes in viewport CSS pixels, each one pointer down, moves and up."""
        steps = []
        for stroke in strokes:
            x, y = stroke[0]
            steps.append(self._move(x, y))
            steps.append({"type": "pointerDown", "button": button})
            steps.extend(self._move(x, y) for x, y in stroke[1:])
            steps.append({"type": "pointerUp", "button": button})
        self._perform(
            [
                {
                    "type": "pointer",
                    "id": "mouse",
                    "parameters": {"pointerType": "mouse"},
                    "actions": steps,
                }
            ]
        )

    @staticmethod
    def _move(x: float, y: float) -> dict:
        # Whole pixels: classic WebDriver takes nothing else. A pixel is a fraction of
        # a raster pixel on this pad, far below what changes a reading.
        return {
            "type": "pointerMove",
            "x": round(x),
            "y": round(y),
            "duration": 0,
            "origin": "viewport",
        }

    def click(self, selector: str) -> None:
        box = self.js(
            f"document.querySelector({json.dumps(selector)}).getBoundingClientRect().toJSON()"
        )
        self.pointer([[(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)]])

    def press(self, *keys: str) -> None:
        """Press the keys together (a chord), then let go in reverse."""
        steps = [{"type": "keyDown", "value": k} for k in keys]
        steps += [{"type": "keyUp", "value": k} for k in reversed(keys)]
        self._perform([{"type": "key", "id": "keyboard", "actions": steps}])

    # -- the pad

    def pad_box(self, document: str = "document", offset: str | None = None) -> dict:
        """#pad's box in viewport pixels; ``offset`` is an element (the iframe) whose
        box holds ``document``."""
        box = self.js(f"{document}.querySelector('#pad').getBoundingClientRect().toJSON()")
        if offset:
            frame = self.js(f"{offset}.getBoundingClientRect().toJSON()")
            box["x"] += frame["x"] + self.js(f"{offset}.clientLeft")
            box["y"] += frame["y"] + self.js(f"{offset}.clientTop")
        return box

    def draw(self, raster_strokes, window: str = "window", offset: str | None = None) -> dict:
        """Draw strokes given in pad raster pixels; returns the reading once the page
        has taken every stroke and shown what it read."""
        box = self.pad_box(f"{window}.document", offset)
        strokes, seq = self.js(f"[{window}.digitpad.pad.strokeCount, {self.seq_of(window)}]")
        self.pointer(
            [[helpers.to_screen(box, x, y) for x, y in stroke] for stroke in raster_strokes]
        )
        self.wait(
            f"{window}.digitpad.pad.strokeCount === {strokes + len(raster_strokes)}"
            f" && {self.seq_of(window)} > {seq}"
        )
        return self.prediction(window)

    def draw_digit(self, sample, window: str = "window", offset: str | None = None) -> dict:
        return self.draw(
            helpers.centered(sample, self.js(f"{window}.digitpad.pad.rasterWidth")), window, offset
        )

    def prediction(self, window: str = "window") -> dict:
        return self.js(
            f"""(() => {{ const e = {window}.document.querySelector('#prediction');
                return {{value: e.dataset.value, confidence: Number(e.dataset.confidence),
                         seq: Number(e.dataset.seq), text: e.textContent}}; }})()"""
        )

    @staticmethod
    def seq_of(window: str = "window") -> str:
        """The expression for #prediction's data-seq, which grows with every reading shown."""
        return f"Number({window}.document.querySelector('#prediction').dataset.seq)"


def _require(engine: str, packages: str, *paths: str) -> None:
    missing = [p for p in paths if not (p and os.access(p, os.X_OK))]
    if missing:
        pytest.skip(
            f"{engine}: {', '.join(missing)} not found (`make test` as root installs it; "
            f"or sudo apt-get install {packages}; see scripts/ensure_engines.sh)"
        )


def _profile_prefs() -> str:
    # Firefox's remote agent sets what automation needs; this only keeps a test
    # profile from reaching out to Mozilla's services while it runs.
    prefs = {
        "app.update.disabledForTesting": True,
        "browser.shell.checkDefaultBrowser": False,
        "datareporting.policy.dataSubmissionEnabled": False,
        "datareporting.healthreport.uploadEnabled": False,
        "toolkit.telemetry.enabled": False,
        "services.settings.server": "data:,",
        "network.captive-portal-service.enabled": False,
        "network.connectivity-service.enabled": False,
        "browser.safebrowsing.malware.enabled": False,
        "browser.safebrowsing.phishing.enabled": False,
        "extensions.update.enabled": False,
        "browser.newtabpage.enabled": False,
    }
    return "".join(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n" for k, v in prefs.items())


class Firefox(Engine):
    """Firefox ESR, headless, with a fresh profile, over WebDriver BiDi."""

    name = "Firefox"

    def __init__(self, width: int = 1280, height: int = 800):
        _require("Firefox", "firefox-esr", FIREFOX)
        import websocket  # websocket-client, which Selenium brings too

        self._profile = tempfile.mkdtemp(prefix="digitpad-firefox-")
        Path(self._profile, "user.js").write_text(_profile_prefs())
        self._process = subprocess.Popen(
            [
                FIREFOX,
                "--headless",
                "--no-remote",
                "--profile",
                self._profile,
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        address = self._listening_on()
        self._ws = websocket.create_connection(
            f"{address}/session", timeout=READY_S, suppress_origin=True
        )
        self._id = 0
        self._log: list[dict] = []
        self.version = self._call("session.new", capabilities={})["capabilities"]["browserVersion"]
        self._call("session.subscribe", events=["log.entryAdded"])
        self._context = self._call("browsingContext.getTree")["contexts"][0]["context"]
        self._call(
            "browsingContext.setViewport",
            context=self._context,
            viewport={"width": width, "height": height},
        )

    def _listening_on(self) -> str:
        deadline = time.monotonic() + 60
        seen = []
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self._process.stderr], [], [], 1)
            if not ready:
                if self._process.poll() is not None:
                    break
                continue
            line = self._process.stderr.readline()
            seen.append(line)
            if match := re.search(r"WebDriver BiDi listening on (ws://\S+)", line):
                # Keep reading its output, so that Firefox never blocks on a full pipe.
                threading.Thread(
                    target=lambda: [None for _ in self._process.stderr], daemon=True
                ).start()
                return match.group(1)
        self.close()
        raise RuntimeError("Firefox did not start WebDriver BiDi:\n" + "".join(seen[-20:]))

    def _call(self, method: str, **params):
        self._id += 1
        self._ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            message = json.loads(self._ws.recv())
            if message.get("id") == self._id:
                if message.get("type") == "error":
                    raise RuntimeError(
                        f"Firefox: {method}: {message.get('error')}: {message.get('message')}"
                    )
                return message["result"]
            if message.get("method") == "log.entryAdded":
                self._log.append(message["params"])

    def _evaluate(self, expression: str):
        # Evaluated by the browser, not by the page: the page's CSP, which forbids
        # eval, does not apply.
        result = self._call(
            "script.evaluate",
            expression=expression,
            target={"context": self._context},
            awaitPromise=True,
            resultOwnership="none",
        )
        if result["type"] == "exception":
            raise PageError(f"Firefox: {result['exceptionDetails'].get('text')}")
        value = result["result"]
        return value.get("value") if value["type"] == "string" else None

    def _perform(self, actions):
        self._call("input.performActions", context=self._context, actions=actions)
        self._call("input.releaseActions", context=self._context)

    def goto(self, url: str) -> None:
        self._call("browsingContext.navigate", context=self._context, url=url, wait="complete")

    def engine_errors(self) -> list[str]:
        self._call("session.status")  # takes in the log entries sent meanwhile
        log, self._log = self._log, []
        return [f"{e.get('type')}: {e.get('text')}" for e in log if e.get("level") == "error"]

    def close(self) -> None:
        with suppress(Exception):
            self._call("browser.close")
        with suppress(Exception):
            self._ws.close()
        try:
            self._process.wait(timeout=20)
        except (subprocess.TimeoutExpired, AttributeError):
            self._process.kill()
        shutil.rmtree(self._profile, ignore_errors=True)


class VirtualDisplay:
    """An Xvfb display of its own (Xvfb picks a free number)."""

    def __init__(self, width: int = 1280, height: int = 1024):
        read, write = os.pipe()
        self._process = subprocess.Popen(
            [
                "Xvfb",
                "-displayfd",
                str(write),
                "-screen",
                "0",
                f"{width}x{height}x24",
                "-nolisten",
                "tcp",
            ],
            pass_fds=(write,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write)
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()
        if not number:
            self.close()
            raise RuntimeError("Xvfb did not start")
        self.display = f":{number}"

    def close(self) -> None:
        self._process.terminate()
        with suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=10)


class WebKit(Engine):
    """WebKitGTK's MiniBrowser through WebKitWebDriver (Selenium), in Xvfb. Its
    automation session keeps nothing on disk: every launch is a first visit, and it
    has no HTTP cache."""

    name = "WebKit"

    def __init__(self, width: int = 1280, height: int = 800):
        _require(
            "WebKit",
            "webkit2gtk-driver libwebkit2gtk-4.1-0 xvfb",
            WEBKIT_DRIVER,
            MINIBROWSER,
            shutil.which("Xvfb") or "Xvfb",
        )
        webdriver = pytest.importorskip("selenium.webdriver")
        from selenium.webdriver.remote.command import Command

        self._actions = Command.W3C_ACTIONS
        self._release = Command.W3C_CLEAR_ACTIONS
        self._display = VirtualDisplay()
        options = webdriver.WebKitGTKOptions()
        options.binary_location = MINIBROWSER
        options.add_argument("--automation")
        service = webdriver.WebKitGTKService(
            executable_path=WEBKIT_DRIVER, env={**os.environ, "DISPLAY": self._display.display}
        )
        try:
            with warnings.catch_warnings():
                # Selenium's own WebKitGTK driver sets an argument it has deprecated.
                warnings.simplefilter("ignore", DeprecationWarning)
                self._driver = webdriver.WebKitGTK(options=options, service=service)
        except Exception:
            self._display.close()
            raise
        self.version = self._driver.capabilities.get("browserVersion", "")
        self._driver.set_window_rect(0, 0, width, height)
        self._driver.set_script_timeout(READY_S)

    def _evaluate(self, expression: str):
        return self._driver.execute_script(f"return {expression};")

    def _perform(self, actions):
        self._driver.execute(self._actions, {"actions": actions})
        self._driver.execute(self._release)

    def goto(self, url: str) -> None:
        self._driver.get(url)

    def close(self) -> None:
        with suppress(Exception):
            self._driver.quit()
        self._display.close()
