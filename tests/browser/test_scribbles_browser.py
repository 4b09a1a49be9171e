"""A thousand random scribbles on the real page: dots, fills of the whole pad, strokes
that leave it, hundreds of strokes at once, flicks of two points. The page never
errs and always shows a well-formed reading.

Most scribbles are pointer events dispatched on the pad (its own listeners handle
them, and each pen lift reads the pad synchronously); every 100th is drawn with
page.mouse, through Chromium's input pipeline. The same seed gives the same scribbles.
"""

import random
import re
from collections import Counter

from digitpad.pad import RASTER_HEIGHT
from tests import bench
from tests.browser import helpers

SCRIBBLES = 1000
SEED = 1234
BATCH = 50
BY_MOUSE_EVERY = 100
VERDICTS = {"", "digit", "unsure", "not a digit"}


def scribble(rng: random.Random, width: int) -> tuple[str, list[list[tuple[float, float]]]]:
    """A kind of scribble and its strokes, in pad raster pixels (may lie off the pad)."""
    h = RASTER_HEIGHT

    def anywhere():
        return rng.uniform(0, width), rng.uniform(0, h)

    kind = rng.choices(
        ["dots", "fill", "leaves", "many", "flick", "walk", "tiny"],
        weights=[15, 8, 15, 0.25, 20, 35, 6],
    )[0]
    if kind == "dots":
        return kind, [[anywhere()] for _ in range(rng.randint(1, 6))]
    if kind == "fill":  # zigzag over most of the pad: ink everywhere
        x0, x1 = sorted(rng.uniform(0, width) for _ in range(2))
        rows = rng.randint(8, 30)
        stroke = []
        for k in range(rows + 1):
            y = h * k / rows
            stroke += [(x0, y), (x1, y)] if k % 2 == 0 else [(x1, y), (x0, y)]
        return kind, [stroke]
    if kind == "leaves":  # starts on the pad, ends far beyond an edge
        x, y = anywhere()
        far = rng.choice([(-2000, y), (width + 2000, y), (x, -1500), (x, h + 1500), (-900, -900)])
        n = rng.randint(2, 12)
        return kind, [[(x + (far[0] - x) * i / n, y + (far[1] - y) * i / n) for i in range(n + 1)]]
    if kind == "many":  # hundreds of short strokes
        strokes = []
        for _ in range(rng.randint(100, 150)):
            x, y = anywhere()
            strokes.append([(x, y), (x + rng.uniform(-8, 8), y + rng.uniform(-8, 8))])
        return kind, strokes
    if kind == "flick":  # very fast strokes: a couple of points far apart
        return kind, [[anywhere() for _ in range(rng.randint(2, 3))] for _ in range(rng.randint(1, 4))]
    if kind == "tiny":  # a smudge of a few pixels
        x, y = anywhere()
        return kind, [[(x + rng.uniform(-1, 1), y + rng.uniform(-1, 1)) for _ in range(rng.randint(1, 5))]]
    strokes = []  # a random walk, a few strokes of it
    for _ in range(rng.randint(1, 5)):
        x, y = anywhere()
        stroke = [(x, y)]
        for _ in range(rng.randint(1, 40)):
            x += rng.gauss(0, 15)
            y += rng.gauss(0, 15)
            stroke.append((x, y))
        strokes.append(stroke)
    return "walk", strokes


def check(shown: dict, kind: str, where: str) -> list[str]:
    problems = []
    if shown["state"] != "ready":
        problems.append(f"page state {shown['state']}")
    if not re.fullmatch(r"\d*", shown["value"]):
        problems.append(f"value {shown['value']!r}")
    if shown["verdict"] is not None and shown["verdict"] not in VERDICTS:
        problems.append(f"verdict {shown['verdict']!r}")
    if not 0.0 <= shown["confidence"] <= 1.0:
        problems.append(f"confidence {shown['confidence']}")
    p = shown["p"]
    if len(p) != 10 or any(not 0.0 <= v <= 1.0 for v in p):
        problems.append(f"probabilities {p}")
    elif shown["value"] and abs(sum(p) - 1.0) > 0.01:
        problems.append(f"probabilities sum to {sum(p):.4f}")
    elif not shown["value"] and any(p):
        problems.append(f"an empty reading with probabilities {p}")
    return [f"{kind} scribble ({where}): {problem}" for problem in problems]


def shown_now(page) -> dict:
    return page.evaluate(
        """() => { const e = document.getElementById("prediction");
                   return { value: e.dataset.value, verdict: e.dataset.verdict ?? null,
                            confidence: Number(e.dataset.confidence), state: document.body.dataset.state,
                            p: [...document.querySelectorAll("#probabilities [data-digit]")]
                                 .map((b) => Number(b.dataset.p)) }; }"""
    )


def test_a_thousand_scribbles(context, site):
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    page.on(
        "console",
        lambda m: errors.append(f"console error: {m.text}")
        if m.type == "error" and not m.location.get("url", "").endswith("model/calibration.json")
        else None,
    )
    helpers.open_app(page, site)
    width = helpers.raster_width(page)
    box = helpers.pad_box(page)
    rng = random.Random(SEED)
    scribbles = [scribble(rng, width) for _ in range(SCRIBBLES)]

    problems, kinds, verdicts = [], Counter(), Counter()
    batch = []

    def flush():
        drawings = [[[helpers.to_screen(box, x, y) for x, y in s] for s in strokes] for _, strokes in batch]
        for (kind, _), shown in zip(batch, page.evaluate(bench.DRAW_BATCH, drawings)):
            problems.extend(check(shown, kind, "dispatched"))
            verdicts[(kind, shown["verdict"])] += 1
        batch.clear()

    for i, (kind, strokes) in enumerate(scribbles):
        kinds[kind] += 1
        if i % BY_MOUSE_EVERY == 0 and kind != "many":
            flush()
            if page.evaluate("digitpad.pad.strokeCount"):
                helpers.clear(page)
            helpers.draw(page, strokes)
            shown = shown_now(page)
            problems.extend(check(shown, kind, "mouse"))
            verdicts[(kind, shown["verdict"])] += 1
        else:
            batch.append((kind, strokes))
            if len(batch) == BATCH:
                flush()
    flush()

    print(f"\nscribbles: {dict(kinds)}")
    print("verdicts by kind: " + ", ".join(f"{k}/{v}: {n}" for (k, v), n in sorted(verdicts.items(), key=str)))
    assert errors == []
    assert problems == [], problems[:20]
    assert sum(verdicts.values()) == SCRIBBLES
