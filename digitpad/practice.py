"""Practice drawings: the ten digits as plain pen strokes, for the page to read while it
waits for the person to start drawing.

Python in the browser runs on WebAssembly, and the browser compiles its hottest code
again, optimized, only once that code has run a while. Until then a reading takes
longer, and the compiling competes with it for the processor. Reading a few dozen
drawings right after the page starts gets that done before the first real one.

Each digit is drawn the way people write it, in a box one unit wide and one high, then
placed on the pad. Standard library only.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from digitpad.pad import RASTER_HEIGHT, Drawing, densify

# Each digit: its strokes in the unit box, as lists of (x, y), y down.
_STEPS = 24  # points on each arc


def _arc(cx, cy, rx, ry, start, end, steps=_STEPS) -> list[tuple[float, float]]:
    """Points on an ellipse from angle ``start`` to ``end`` (degrees, clockwise on screen)."""
    return [
        (cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
        for a in (start + (end - start) * k / steps for k in range(steps + 1))
    ]


def _line(*points) -> list[tuple[float, float]]:
    """A straight-segment stroke through ``points``, a point every tenth of a unit."""
    return densify(list(points), 0.1)


DIGITS: dict[int, Drawing] = {
    0: [_arc(0.5, 0.5, 0.32, 0.48, -90, 270)],
    1: [_line((0.35, 0.18), (0.55, 0.0), (0.55, 1.0))],
    2: [_arc(0.5, 0.28, 0.3, 0.28, 190, 360) + _line((0.8, 0.28), (0.2, 1.0), (0.85, 1.0))[1:]],
    3: [_arc(0.47, 0.25, 0.3, 0.25, 200, 450) + _arc(0.47, 0.74, 0.33, 0.26, -90, 160)[1:]],
    4: [_line((0.6, 0.0), (0.12, 0.68), (0.9, 0.68)), _line((0.66, 0.3), (0.66, 1.0))],
    5: [_line((0.82, 0.0), (0.28, 0.0), (0.22, 0.45)) + _arc(0.5, 0.7, 0.32, 0.3, 230, 500)[1:]],
    6: [_arc(0.5, 0.5, 0.32, 0.5, 290, 180) + _arc(0.5, 0.73, 0.3, 0.27, 180, -180)[1:]],
    7: [_line((0.12, 0.0), (0.85, 0.0), (0.4, 1.0))],
    8: [_arc(0.5, 0.25, 0.26, 0.25, 90, -270) + _arc(0.5, 0.74, 0.32, 0.26, 270, -90)[1:]],
    9: [_arc(0.5, 0.28, 0.3, 0.28, 0, 360) + _line((0.8, 0.28), (0.72, 1.0))[1:]],
}


def practice_drawings(width: float, rounds: int = 3) -> Iterator[tuple[int, Drawing]]:
    """(digit, its strokes on a pad ``width`` x RASTER_HEIGHT raster pixels), each digit
    ``rounds`` times, a little bigger and further right each time, so that no two
    drawings are the same to the reader."""
    for r in range(rounds):
        height = RASTER_HEIGHT * (0.55 + 0.08 * r)
        left = width / 2 - height * 0.3 + 6 * r
        top = (RASTER_HEIGHT - height) / 2
        for digit, strokes in DIGITS.items():
            yield digit, [[(left + x * height * 0.6, top + y * height) for x, y in s] for s in strokes]
