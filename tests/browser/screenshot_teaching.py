"""Take docs/teaching.png, docs/network.png and docs/unsure.png: the steps view on a
written number, its layers with the arithmetic of one value, and the page unsure about
an ambiguous digit.

    .venv/bin/python -m tests.browser.screenshot_teaching [--dark] [--phone] [--out-dir docs]

With --dark or --phone the files get a suffix (teaching-dark-phone.png, ...).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

from train import pendigits
from tests.browser import helpers

# Held-out pen digits (index into helpers.held_out_samples()): a 4 that reads "9 or 4?",
# and three tidy digits for the number in the steps view.
UNSURE = 4
NUMBER = (2, 0, 7)


def number_strokes(width: int) -> list:
    samples = helpers.pinned_sample(30, seed=11)
    chosen = [next(s for s in samples if s.label == label) for label in NUMBER]
    height = 0.55 * 280
    while True:  # as big as fits the pad's width
        strokes = pendigits.side_by_side(chosen, gap=0.35, height=height)
        xs = [x for s in strokes for x, _ in s]
        if max(xs) - min(xs) < width - 40:
            break
        height *= 0.9
    shift = (width - max(xs) - min(xs)) / 2
    return [[(x + shift, y) for x, y in s] for s in strokes]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=helpers.ROOT / "docs")
    parser.add_argument("--dark", action="store_true", help="dark colour scheme")
    parser.add_argument("--phone", action="store_true", help="a phone-sized viewport")
    args = parser.parse_args(argv)
    suffix = ("-dark" if args.dark else "") + ("-phone" if args.phone else "")

    with helpers.serving() as site, sync_playwright() as playwright:
        page = helpers.screenshot_page(playwright, site, phone=args.phone, dark=args.dark, height=900)
        width = helpers.raster_width(page)
        args.out_dir.mkdir(parents=True, exist_ok=True)

        sample = helpers.held_out_samples()[UNSURE]
        shown = helpers.draw(page, helpers.centered(sample, width))
        page.mouse.move(0, 0)
        page.wait_for_timeout(400)  # let the bars finish their animation
        unsure = args.out_dir / f"unsure{suffix}.png"
        page.screenshot(path=str(unsure), full_page=args.phone)
        print(f"{unsure}: {shown['text']!r} / {page.inner_text('#sureness')!r}")

        helpers.clear(page)
        helpers.draw(page, number_strokes(width))
        page.click("#digits li:nth-child(2) button")
        page.click("#teach")
        page.mouse.move(0, 0)
        page.wait_for_timeout(400)
        teaching = args.out_dir / f"teaching{suffix}.png"
        page.screenshot(path=str(teaching), full_page=True, clip=_down_to(page, ".steps-out"))
        print(f"{teaching}: reads {helpers.prediction(page)['value']!r}")

        # Enter on a layer's maps explains its first map where that responds most.
        page.focus('#layers [data-layer="conv2"] canvas')
        page.keyboard.press("Enter")
        page.wait_for_selector("#layer-detail:not([hidden])")
        page.mouse.move(0, 0)
        network = args.out_dir / f"network{suffix}.png"
        page.screenshot(path=str(network), full_page=True, clip=_between(page, ".network", "#layer-detail"))
        print(f"{network}: {page.inner_text('#layer-detail .detail-title')!r}")
        page.context.browser.close()
    return 0


def _between(page, first: str, last: str, margin: int = 12) -> dict:
    """The page's area from ``first``'s top to ``last``'s bottom, across the card."""
    top = page.eval_on_selector(first, "e => e.getBoundingClientRect().top + scrollY")
    bottom = page.eval_on_selector(last, "e => e.getBoundingClientRect().bottom + scrollY")
    card = page.eval_on_selector("#steps", "e => { const r = e.getBoundingClientRect(); return [r.left, r.width]; }")
    return {"x": card[0], "y": top - margin, "width": card[1], "height": bottom - top + 2 * margin}


def _down_to(page, last: str, margin: int = 24) -> dict:
    """The page from its top to ``last``'s bottom."""
    bottom = page.eval_on_selector(last, "e => e.getBoundingClientRect().bottom + scrollY")
    width = page.evaluate("document.documentElement.clientWidth")
    return {"x": 0, "y": 0, "width": width, "height": bottom + margin}


if __name__ == "__main__":
    raise SystemExit(main())
