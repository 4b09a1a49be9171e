"""What the steps view costs: the time from lifting the pen to the reading on the page,
with the view closed and open, on the same pen digits in one page.

    .venv/bin/python -m tests.bench_steps [--drawings 30] [--rounds 2] [--dist DIR]

Prints figures; asserts nothing. The time is the pad's commit callback (Python reads
the strokes, prepares, runs the network and updates the page; with the view open it
also draws the steps and the first layer's feature maps), as in tests.bench.
Closed and open take turns round by round, so a busy machine weighs on both alike.
``--dist`` serves another build, such as one from before the steps view existed (then
only "closed" is timed), to compare on the same machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.bench import percentile
from tests.browser import helpers


def summary(name: str, values: list[float]) -> str:
    return (
        f"{name:<28} n={len(values):<3} median {statistics.median(values):7.1f} ms   "
        f"p95 {percentile(values, 95):7.1f} ms   max {max(values):7.1f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drawings", type=int, default=30, help="pen digits per round")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of closed, then open")
    parser.add_argument("--dist", type=Path, default=helpers.DIST, help="the built site to time")
    args = parser.parse_args(argv)

    times: dict[str, list[float]] = {"closed": [], "open": []}
    with helpers.serving(args.dist) as site, sync_playwright() as playwright:
        browser = helpers.launch(playwright)
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = helpers.open_app(context.new_page(), site)
        width = helpers.raster_width(page)
        samples = helpers.pinned_sample(args.drawings, seed=99)
        has_steps = page.locator("#teach").count() > 0
        for _ in range(args.rounds):
            for state in ("closed", "open") if has_steps else ("closed",):
                if has_steps and (page.get_attribute("#teach", "aria-pressed") == "true") != (
                    state == "open"
                ):
                    page.click("#teach")
                for sample in samples:
                    helpers.draw(page, helpers.centered(sample, width))
                    times[state].append(page.evaluate("digitpad.pad.lastCommitMs"))
                    helpers.clear(page)
        context.close()
        browser.close()

    print(f"steps view cost ({os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f})")
    print(f"site: {args.dist}")
    for state in ("closed", "open"):
        if times[state]:
            print(summary(f"stroke end, steps {state}", times[state]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
