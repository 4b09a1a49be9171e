"""Hundreds of readings in one page leave nothing behind: no tensors, no JS heap, no
Python objects, no references from Python to JS objects, no DOM nodes.

The drawings are held-out pen digits at random places (so the reader's cache keeps
turning over), dispatched as pointer events on the pad, each followed by a clear.
Memory is measured after a warm-up that fills the caches, with a forced JS garbage
collection and gc.collect() before each count. `python -m tests.bench --soak 2000`
runs the same soak longer and prints the numbers.
"""

import re

import pytest

from tests import bench
from tests.browser import helpers

DRAWINGS = 300
WARMUP = 100
JS_HEAP_GROWTH = 10 * 2**20
# Python objects after gc.collect(): a leak of one object every few readings shows.
PYTHON_OBJECT_GROWTH = 100


def page_problems(page) -> list[str]:
    """Uncaught errors and console errors, except the optional model calibration's 404."""
    problems = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

    def console(message):
        optional = message.location.get("url", "").endswith("model/calibration.json")
        if message.type == "error" and not optional:
            problems.append(f"console error: {message.text}")

    page.on("console", console)
    return problems


@pytest.fixture(scope="module")
def soak_browser(playwright):
    browser = playwright.chromium.launch(executable_path=helpers.chromium_path(), args=bench.SOAK_ARGS)
    yield browser
    browser.close()


def test_hundreds_of_readings_leak_nothing(soak_browser, site):
    context = soak_browser.new_context(viewport=bench.VIEWPORT)
    requests = helpers.RequestLog(context)
    context.add_init_script(bench.PROBE)
    page = context.new_page()
    problems = page_problems(page)
    helpers.open_app(page, site)
    result = bench.soak(page, context.new_cdp_session(page), DRAWINGS, warmup=WARMUP, checkpoints=3)
    context.close()
    points = result["points"]
    print()
    print("\n".join(bench.soak_table({**result, "seconds": 0, "errors": problems})))

    assert problems == []
    assert requests.foreign(site) == []
    shown = result["shown"]
    assert len(shown) == DRAWINGS
    assert all(s["state"] == "ready" for s in shown)
    assert all(re.fullmatch(r"\d+", s["value"]) for s in shown), "every drawing reads as digits"

    first, last = points[0], points[-1]
    assert [p["tensors"] for p in points] == [first["tensors"]] * len(points)
    assert last["jsHeapCdp"] - first["jsHeapCdp"] < JS_HEAP_GROWTH
    assert last["jsHeap"] - first["jsHeap"] < JS_HEAP_GROWTH  # performance.memory, precise
    assert last["pythonObjects"] - first["pythonObjects"] < PYTHON_OBJECT_GROWTH
    assert last["jsRefsHeldByPython"] == first["jsRefsHeldByPython"]
    assert last["domNodes"] == first["domNodes"]
    # The heaps of the two wasm runtimes only grow when something piles up inside them.
    assert last["pyodideHeap"] == first["pyodideHeap"]
    assert last["tfWasmHeap"] == first["tfWasmHeap"]
