"""How fast the built page is, in headless Chromium: cold start, warm start, and the
time from lifting the pen to the reading being on the page.

    .venv/bin/python -m tests.bench_page [--runs 3] [--drawings 50]

Prints figures; asserts nothing. "Cold" is a fresh browser profile (nothing cached);
"warm" is a reload with the HTTP cache, the service worker's cache and V8's code
cache filled. "Stroke end" is the pad's commit callback: Python reads the strokes,
rasterizes, prepares, runs the network and updates the page, synchronously.
"""

from __future__ import annotations

import argparse
import os
import statistics

from playwright.sync_api import sync_playwright

from tests.browser import helpers


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(name: str, values: list[float]) -> str:
    return (
        f"{name:<28} n={len(values):<3} median {statistics.median(values):7.1f} ms   "
        f"p95 {percentile(values, 0.95):7.1f} ms   max {max(values):7.1f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="cold and warm starts to time")
    parser.add_argument("--drawings", type=int, default=50, help="pen digits to draw")
    args = parser.parse_args(argv)

    with helpers.serving() as site, sync_playwright() as playwright:
        browser = helpers.launch(playwright)
        cold, warm, phases = [], [], {}
        for _ in range(args.runs):
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = helpers.open_app(context.new_page(), site)
            cold.append(page.evaluate("digitpad.readyMs"))
            marks = page.evaluate(
                "performance.getEntriesByType('mark').filter(m => m.name.startsWith('digitpad: '))"
                ".map(m => [m.name.slice(10), m.startTime])"
            )
            for name, at in marks:
                phases.setdefault(name, []).append(at)
            page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=60_000)
            page.reload()
            helpers.wait_ready(page)
            warm.append(page.evaluate("digitpad.readyMs"))
            context.close()

        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = helpers.open_app(context.new_page(), site)
        width = helpers.raster_width(page)
        commit, right = [], 0
        samples = helpers.pinned_sample(args.drawings, seed=99)
        for sample in samples:
            strokes = helpers.centered(sample, width)
            shown = helpers.draw(page, strokes)
            commit.append(page.evaluate("digitpad.pad.lastCommitMs"))
            right += shown["value"] == str(sample.label)
            helpers.clear(page)
        # A number: each pen lift re-reads only the digit it touched.
        number = []
        for k, sample in enumerate(samples[:4]):
            helpers.draw(page, helpers.centered(sample, width, left=k * 110 - 20))
            number.append(page.evaluate("digitpad.pad.lastCommitMs"))
        context.close()
        browser.close()

    print(f"digitpad page benchmark ({os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f})")
    print(summary("cold start to ready", cold))
    for name, times in sorted(phases.items(), key=lambda item: statistics.median(item[1])):
        print(f"  cold: {name:<24} at {statistics.median(times):7.0f} ms (median)")
    print(summary("warm start to ready", warm))
    print(summary("stroke end to prediction", commit))
    print(summary("  ... while writing a number", number))
    print(f"{'pen digits read right':<28} {right}/{len(samples)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
