"""The drawing pad's geometry, shared by the browser, training and tests.

Strokes are kept in raster pixels: the pad's height always maps to RASTER_HEIGHT,
whatever its size on screen, so a drawing gives the same pixels on a phone and on a
4K monitor. The brush width is fixed in those pixels, which keeps the stroke
thickness relative to the pad, like a real pen on paper of a given size.
"""

import math
from collections.abc import Iterator

RASTER_HEIGHT = 280
BRUSH_WIDTH = 18.0

# A stroke is the pen's path while it touches: a list of (x, y) raster points.
Point = tuple[float, float]
Stroke = list[Point]
# A drawing is its strokes, in the order they were drawn.
Drawing = list[Stroke]


def densify(points: list[Point], step: float) -> Stroke:
    """Points every ``step`` along the polyline through ``points``, as a pen samples a
    straight move."""
    out = [points[0]]
    for (ax, ay), (bx, by) in zip(points, points[1:]):
        n = max(1, int(math.hypot(bx - ax, by - ay) / step))
        out += [(ax + (bx - ax) * t / n, ay + (by - ay) * t / n) for t in range(1, n + 1)]
    return out


def finite_points(stroke) -> Iterator[Point]:
    """The stroke's points that are pairs of finite numbers. Strokes reach Python from
    the page, the CLI and fuzzers, so anything else is skipped rather than trusted."""
    for point in stroke:
        try:
            x, y = float(point[0]), float(point[1])
        except (TypeError, ValueError, IndexError, KeyError):
            continue
        if math.isfinite(x) and math.isfinite(y):
            yield x, y


def coordinates(stroke) -> tuple[list[float], list[float]]:
    """The x and the y of the stroke's finite points (those of ``finite_points``).

    A stroke from the pad is a list of pairs of finite numbers: that is checked and
    split in C, several times faster than going point by point, which is left to
    strokes of any other shape. The geometry runs on every read, in the browser.
    """
    if isinstance(stroke, list | tuple) and set(map(type, stroke)) <= _PAIRS:
        try:
            xs, ys = zip(*stroke, strict=True)
            if all(map(math.isfinite, xs)) and all(map(math.isfinite, ys)):
                return list(map(float, xs)), list(map(float, ys))
        except (TypeError, ValueError, OverflowError):
            pass
    points = list(finite_points(stroke))
    return [x for x, _ in points], [y for _, y in points]


_PAIRS = {tuple, list}
