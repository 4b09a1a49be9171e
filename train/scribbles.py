"""Drawings that are not digits, for teaching the page to say so.

Each kind is a way people doodle on a pad instead of writing a digit: random walks,
zig-zags, spirals, filled blobs, hatching, big crosses, cursive letters made of arches
and loops, stars, grids, dots, and very long wavy strokes. Shapes that are digits in
disguise (a circle, a lone bar, an S) are left out on purpose. Every drawing is in pad
raster pixels, sized and placed like a digit on the pad, and the same seed always gives
the same drawings.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from digitpad.pad import RASTER_HEIGHT, Drawing, densify

PEN_STEP = 4.0  # pixels between a straight stroke's points


def random_walk(rng: random.Random, size: float) -> Drawing:
    x, y, heading = 0.0, 0.0, rng.uniform(0, 2 * math.pi)
    points = [(x, y)]
    for _ in range(rng.randint(40, 120)):
        heading += rng.gauss(0, 0.9)
        step = size * rng.uniform(0.03, 0.08)
        x, y = x + step * math.cos(heading), y + step * math.sin(heading)
        points.append((x, y))
    return [points]


def zig_zag(rng: random.Random, size: float) -> Drawing:
    teeth = rng.randint(4, 10)
    vertical = rng.random() < 0.3
    points = []
    for k in range(teeth + 1):
        along = size * k / teeth
        across = size * rng.uniform(0.2, 0.6) * (1 if k % 2 else -1)
        points.append((across, along) if vertical else (along, across))
    return [densify(points, PEN_STEP)]


def spiral(rng: random.Random, size: float) -> Drawing:
    turns = rng.uniform(2.0, 4.5)
    squash = rng.uniform(0.6, 1.0)
    spin = rng.choice((-1, 1))
    n = int(turns * 40)
    return [[
        (size / 2 * t / n * math.cos(spin * 2 * math.pi * turns * t / n),
         squash * size / 2 * t / n * math.sin(spin * 2 * math.pi * turns * t / n))
        for t in range(n + 1)
    ]]


def blob(rng: random.Random, size: float) -> Drawing:
    """A patch scribbled solid, back and forth."""
    r = size * rng.uniform(0.15, 0.4)
    points = []
    for _ in range(rng.randint(30, 80)):
        a, d = rng.uniform(0, 2 * math.pi), r * math.sqrt(rng.random())
        points.append((d * math.cos(a), d * math.sin(a)))
    return [densify(points, PEN_STEP)]


def hatching(rng: random.Random, size: float) -> Drawing:
    lines = rng.randint(3, 9)
    angle = rng.uniform(0, math.pi)
    dx, dy = math.cos(angle), math.sin(angle)
    length = size * rng.uniform(0.5, 1.0)
    spacing = size * rng.uniform(0.06, 0.15)
    strokes = []
    for k in range(lines):
        ox, oy = -dy * spacing * k, dx * spacing * k
        strokes.append(densify([(ox, oy), (ox + dx * length, oy + dy * length)], PEN_STEP))
    return strokes


def big_x(rng: random.Random, size: float) -> Drawing:
    w, h = size * rng.uniform(0.6, 1.2), size * rng.uniform(0.7, 1.0)
    tilt = rng.uniform(-0.1, 0.1) * size
    return [densify([(0, 0), (w + tilt, h)], PEN_STEP), densify([(w, 0), (tilt, h)], PEN_STEP)]


def arches(rng: random.Random, size: float) -> Drawing:
    """Cursive m, n, w or u runs: humps side by side, up or down."""
    humps = rng.randint(2, 5)
    width = size * rng.uniform(0.2, 0.35)
    height = size * rng.uniform(0.3, 0.6)
    down = rng.random() < 0.5
    points = []
    for k in range(humps):
        for t in range(13):
            a = math.pi * t / 12
            y = height * math.sin(a) * (1 if down else -1)
            points.append((k * width + width * (1 - math.cos(a)) / 2, y))
    return [points]


def loops(rng: random.Random, size: float) -> Drawing:
    """A run of cursive e's or l's."""
    count = rng.randint(3, 6)
    step = size * rng.uniform(0.15, 0.3)
    r = size * rng.uniform(0.12, 0.3)
    points = []
    for k in range(count):
        for t in range(25):
            a = 2 * math.pi * t / 24
            points.append((k * step + r * 0.6 * math.sin(a), -r * (1 - math.cos(a))))
    return [points]


def star(rng: random.Random, size: float) -> Drawing:
    tips = rng.choice((5, 7))
    jump = 2 if tips == 5 else 3
    start = rng.uniform(0, 2 * math.pi)
    points = [
        (size / 2 * math.cos(start + 2 * math.pi * k * jump / tips),
         size / 2 * math.sin(start + 2 * math.pi * k * jump / tips))
        for k in range(tips + 1)
    ]
    return [densify(points, PEN_STEP)]


def grid(rng: random.Random, size: float) -> Drawing:
    """A hash sign or a noughts-and-crosses board."""
    n = rng.randint(2, 3)
    strokes = []
    for k in range(1, n + 1):
        at = size * k / (n + 1) + rng.uniform(-0.03, 0.03) * size
        strokes.append(densify([(at, 0), (at + rng.uniform(-0.1, 0.1) * size, size)], PEN_STEP))
        strokes.append(densify([(0, at), (size, at + rng.uniform(-0.1, 0.1) * size)], PEN_STEP))
    rng.shuffle(strokes)
    return strokes


def dots(rng: random.Random, size: float) -> Drawing:
    """One to a dozen taps of the pen."""
    return [
        [(rng.uniform(0, size), rng.uniform(0, size))] for _ in range(rng.randint(1, 12))
    ]


def long_wave(rng: random.Random, size: float) -> Drawing:
    """A stroke running far across the pad, waving up and down."""
    length = size * rng.uniform(2.0, 4.0)
    waves = rng.uniform(1.5, 6)
    amplitude = size * rng.uniform(0.05, 0.35)
    n = 120
    return [[
        (length * t / n, amplitude * math.sin(2 * math.pi * waves * t / n)) for t in range(n + 1)
    ]]


KINDS: dict[str, Callable[[random.Random, float], Drawing]] = {
    "random_walk": random_walk,
    "zig_zag": zig_zag,
    "spiral": spiral,
    "blob": blob,
    "hatching": hatching,
    "big_x": big_x,
    "arches": arches,
    "loops": loops,
    "star": star,
    "grid": grid,
    "dots": dots,
    "long_wave": long_wave,
}


def scribble(rng: random.Random, kind: str | None = None) -> Drawing:
    """One non-digit drawing of ``kind`` (any kind when None), placed on the pad like a
    digit: ink about half to nine tenths of the pad high, clear of the pad's top."""
    if kind is None:
        kind = rng.choice(sorted(KINDS))
    try:
        make = KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown scribble {kind!r}; kinds: {', '.join(sorted(KINDS))}") from None
    size = RASTER_HEIGHT * rng.uniform(0.45, 0.85)
    drawing = make(rng, size)
    return _place(drawing, size, rng)


def scribbles(count: int, seed: int) -> list[tuple[str, Drawing]]:
    """``count`` drawings, the kinds taking turns, each with its kind's name."""
    rng = random.Random(seed)
    kinds = sorted(KINDS)
    return [(kinds[i % len(kinds)], scribble(rng, kinds[i % len(kinds)])) for i in range(count)]


def _place(drawing: Drawing, size: float, rng: random.Random) -> Drawing:
    """Move the drawing so its top-left corner sits a little inside the pad, shrinking it
    to fit the pad's height when it came out taller."""
    xs = [x for stroke in drawing for x, _ in stroke]
    ys = [y for stroke in drawing for _, y in stroke]
    height = max(ys) - min(ys)
    room = RASTER_HEIGHT - 40
    scale = min(1.0, room / height) if height > 0 else 1.0
    left = rng.uniform(15, 40)
    top = rng.uniform(20, max(20.0, RASTER_HEIGHT - 20 - height * scale))
    x0, y0 = min(xs), min(ys)
    return [[(left + (x - x0) * scale, top + (y - y0) * scale) for x, y in stroke] for stroke in drawing]
