"""Take docs/screenshot.png: the built page with a number written on it.

    .venv/bin/python -m tests.browser.screenshot [--out docs/screenshot.png] [--dark] [--phone]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.browser import helpers

# Held-out pen digits (writer, label) that make a tidy "2024"... picked by label only.
NUMBER = [2, 0, 2, 6]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=helpers.ROOT / "docs" / "screenshot.png")
    parser.add_argument("--dark", action="store_true", help="dark colour scheme")
    parser.add_argument("--phone", action="store_true", help="a phone-sized viewport")
    args = parser.parse_args(argv)

    samples = helpers.pinned_sample(40, seed=11)
    chosen, used = [], set()
    for label in NUMBER:
        sample = next(s for s in samples if s.label == label and id(s) not in used)
        used.add(id(s := sample))
        chosen.append(s)

    with helpers.serving() as site, sync_playwright() as playwright:
        page = helpers.screenshot_page(playwright, site, phone=args.phone, dark=args.dark)
        width = helpers.raster_width(page)
        step = min(150, (width - 40) / len(chosen))
        start = (width - step * len(chosen)) / 2 - 60
        for k, sample in enumerate(chosen):
            helpers.draw(page, helpers.centered(sample, width, left=start + k * step))
        page.mouse.move(0, 0)
        page.wait_for_timeout(400)  # let the bars finish their animation
        args.out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(args.out), full_page=args.phone)
        print(f"{args.out}: reads {helpers.prediction(page)['value']!r}")
        page.context.browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
