"""Drive the built page in headless Chromium: serve dist/, open it, draw on it.

Shared by the browser tests, the page benchmark and the screenshot script.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import random
import shutil
import sys
import threading
import time
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from train import datasets, pendigits
from digitpad.pad import RASTER_HEIGHT

ROOT = Path(__file__).resolve().parents[2]
# The built site; $DIGITPAD_DIST points the tests at another build of it.
DIST = Path(os.environ.get("DIGITPAD_DIST") or ROOT / "dist").resolve()

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Nothing but the test server resolves: a request to any other host fails fast
    # (and is still seen, and reported, by the tests).
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]

# Loading is seconds on a laptop; give a loaded CI machine room.
READY_MS = 90_000


def chromium_path() -> str | None:
    """Debian's Chromium (or $CHROMIUM); None lets Playwright use its own download."""
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def launch(playwright):
    return playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)


def _serve_module():
    spec = importlib.util.spec_from_file_location("digitpad_serve", ROOT / "scripts" / "serve.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextmanager
def serving(directory: Path = DIST):
    """Serve ``directory`` on a free 127.0.0.1 port; yields the site's URL."""
    server = _serve_module().make_server(directory)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def copy_site(target: Path, drop: tuple[str, ...] = (), replace: dict[str, bytes] | None = None) -> Path:
    """A copy of dist/ without the files in ``drop`` and with ``replace``d contents."""
    shutil.copytree(DIST, target)
    for name in drop:
        (target / name).unlink()
    for name, data in (replace or {}).items():
        (target / name).write_bytes(data)
    return target


class RequestLog:
    """Every URL a browser context asks for, to check that no other host is ever asked."""

    def __init__(self, context):
        self.urls: list[str] = []
        # Pages' requests. The service worker only ever fetches its own relative
        # precache list, and the browser cannot resolve any other host anyway (see
        # CHROMIUM_ARGS), so a stray request fails instead of leaving the machine.
        context.on("request", lambda request: self.urls.append(request.url))

    def foreign(self, site: str) -> list[str]:
        own = urlsplit(site).netloc
        return [
            url
            for url in self.urls
            if urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).netloc != own
        ]


def open_app(page, url: str, timeout: float = READY_MS):
    """Open the app and wait until it reads the pad."""
    page.goto(url)
    wait_ready(page, timeout)
    return page


def wait_ready(page, timeout: float = READY_MS):
    page.wait_for_selector("body[data-state=ready], body[data-state=error]", timeout=timeout)
    state = page.get_attribute("body", "data-state")
    if state != "ready":
        raise AssertionError(f"the page did not start: {page.inner_text('#status')}")


def prediction(page) -> dict:
    """#prediction's test hooks and text."""
    return page.eval_on_selector(
        "#prediction",
        """e => ({value: e.dataset.value, confidence: Number(e.dataset.confidence),
                  seq: Number(e.dataset.seq), text: e.textContent})""",
    )


def probabilities(page) -> dict[int, float]:
    return {
        int(d): float(p)
        for d, p in page.eval_on_selector_all(
            "#probabilities [data-digit]", "els => els.map(e => [e.dataset.digit, e.dataset.p])"
        )
    }


def pad_box(page) -> dict:
    return page.locator("#pad").bounding_box()


def wait_until(target, expression: str, timeout: float = 30_000, every: float = 20) -> None:
    """Wait until a JS expression (a promise is awaited) is truthy in a page or frame.

    Playwright's wait_for_function compiles its predicate with eval inside the page,
    which the page's Content-Security-Policy forbids; evaluate() is not subject to it.
    """
    deadline = time.monotonic() + timeout / 1000
    while not target.evaluate(expression):
        if time.monotonic() > deadline:
            raise TimeoutError(f"still false after {timeout / 1000:g} s: {expression}")
        target.wait_for_timeout(every)


async def wait_until_async(target, expression: str, timeout: float = 30_000, every: float = 10) -> None:
    """wait_until for Playwright's async API."""
    deadline = time.monotonic() + timeout / 1000
    while not await target.evaluate(expression):
        if time.monotonic() > deadline:
            raise TimeoutError(f"still false after {timeout / 1000:g} s: {expression}")
        await asyncio.sleep(every / 1000)


def raster_width(page) -> int:
    return page.evaluate("digitpad.pad.rasterWidth")


def to_screen(box: dict, x: float, y: float) -> tuple[float, float]:
    """A pad raster point in the page's CSS pixels."""
    k = box["height"] / RASTER_HEIGHT
    return box["x"] + x * k, box["y"] + y * k


def draw(page, strokes) -> dict:
    """Draw raster-coordinate strokes with the mouse; returns the prediction after the
    last pen lift, once the page has shown it."""
    box = pad_box(page)
    before = page.evaluate("digitpad.pad.strokeCount")
    for stroke in strokes:
        page.mouse.move(*to_screen(box, *stroke[0]))
        page.mouse.down()
        for point in stroke[1:]:
            page.mouse.move(*to_screen(box, *point))
        page.mouse.up()
    wait_until(page, f"digitpad.pad.strokeCount === {before + len(strokes)}")
    return prediction(page)


def clear(page) -> dict:
    seq = prediction(page)["seq"]
    page.click("#clear")
    wait_until(page, f"Number(document.querySelector('#prediction').dataset.seq) > {seq}")
    return prediction(page)


@lru_cache(maxsize=1)
def held_out_samples() -> list[pendigits.Sample]:
    """Pen digits of the writers no model ever trains or tunes on. A test that needs
    them is skipped where they cannot be had, as the unit tests are."""
    if "pytest" in sys.modules:
        from tests import datasets as data

        path = data.pendigits()
    else:
        path = datasets.pendigits_file()
    return pendigits.by_writers(pendigits.load(path), pendigits.HELD_OUT_WRITERS)


def pinned_sample(n: int, seed: int = 2024) -> list[pendigits.Sample]:
    """The same ``n`` held-out digits on every run, three of each digit where possible."""
    rng = random.Random(seed)
    samples = held_out_samples()
    by_label = {d: [s for s in samples if s.label == d] for d in range(10)}
    chosen = []
    while len(chosen) < n:
        for d in range(10):
            if len(chosen) < n:
                chosen.append(rng.choice(by_label[d]))
    return chosen


def centered(sample: pendigits.Sample, width: int, left: float | None = None):
    """The sample's strokes on a pad ``width`` raster pixels wide, centered unless ``left``."""
    if left is None:
        left = (width - RASTER_HEIGHT) / 2
    return pendigits.on_pad(sample, RASTER_HEIGHT, left=left, top=0)


def screenshot_page(playwright, site: str, phone: bool = False, dark: bool = False, height: int = 800):
    """A ready page in a fresh browser, laid out as a phone (390 px, 2x) or a desktop
    (1280 px wide), for the screenshot scripts. Close the page's browser when done."""
    browser = launch(playwright)
    context = browser.new_context(
        viewport={"width": 390, "height": 844} if phone else {"width": 1280, "height": height},
        device_scale_factor=2 if phone else 1,
        color_scheme="dark" if dark else "light",
    )
    return open_app(context.new_page(), site)


@contextmanager
def serving_under(tmp_path: Path, subpath: str):
    """The built site served from a subpath (e.g. "courses/pad"), as a course server
    would host it; yields the site's URL, ending in a slash."""
    root = tmp_path / "www"
    (root / subpath).parent.mkdir(parents=True)
    os.symlink(DIST, root / subpath)
    with serving(root) as origin:
        yield f"{origin}{subpath}/"
