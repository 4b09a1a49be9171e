"""Ten thousand hostile inputs for the code the browser runs on every pen lift: the
MNIST preparation of any raster and the grouping of any strokes, then the whole reader.

Rasters are drawn from a seed (size, kind and seed are what hypothesis explores and
shrinks), which keeps ten thousand cases inside a few seconds each.
"""

import math
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digitpad.pad import BRUSH_WIDTH
from digitpad.preprocess import SIZE, prepare
from digitpad.reader import CLASSES, Reader
from digitpad.segment import digit_height, group_strokes, split_wide

CASES = settings(
    max_examples=10_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

KINDS = ("empty", "single", "sparse", "dense", "full", "line", "faint")


def make_raster(kind: str, width: int, height: int, seed: int) -> bytes:
    """A width x height alpha raster of the given kind; random bytes go through a
    translation table so that even the dense kinds cost no Python loop per pixel."""
    rng = random.Random(seed)
    n = width * height
    if kind == "empty":
        return bytes(n)
    if kind == "full":
        return b"\xff" * n
    if kind in ("single", "line"):
        raster = bytearray(n)
        if kind == "single":
            raster[rng.randrange(n)] = rng.randint(1, 255)
        elif rng.random() < 0.5:  # one row of ink, the flattest box there is
            y = rng.randrange(height)
            raster[y * width : (y + 1) * width] = b"\xff" * width
        else:
            raster[rng.randrange(width) :: width] = b"\xff" * height
        return bytes(raster)
    if kind == "faint":  # no ink solider than anti-aliasing leaves at an edge
        table = bytes(v % 3 for v in range(256))
    else:  # sparse keeps a few random bytes, dense most of them
        keep = rng.randint(250, 255) if kind == "sparse" else rng.randint(0, 200)
        table = bytes(v if v >= keep else 0 for v in range(256))
    return rng.randbytes(n).translate(table)


rasters = st.tuples(
    st.sampled_from(KINDS),
    st.integers(1, 48),
    st.integers(1, 48),
    st.integers(0, 2**32),
)


@CASES
@given(rasters, st.sampled_from((None, 0.0, 0.5, 20.0, 140.0, 1e6)))
def test_any_raster_prepares_and_splits(case, digit_tall):
    kind, width, height, seed = case
    alpha = make_raster(kind, width, height, seed)
    prepared = prepare(alpha, width, height)
    if not any(alpha):
        assert prepared is None
    else:
        assert prepared is not None
        pixels = prepared.pixels
        assert len(pixels) == SIZE * SIZE
        assert all(0.0 <= v <= 1.0 for v in pixels), "pixels outside [0, 1]"
        assert max(pixels) == 1.0  # normalized: the darkest ink is 1
        x0, y0, x1, y1 = prepared.bbox
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height

    ranges = split_wide(alpha, width, height, digit_tall)
    for (a, b), (c, _) in zip(ranges, ranges[1:]):
        assert b == c  # contiguous: a cut loses no column
    assert all(0 <= a < b <= width for a, b in ranges)


# Strokes, drawn from a seed like the rasters: how many, how long, and where.
PLACES = ("pad", "pad", "outside", "huge", "mixed")


def make_strokes(count: int, longest: int, place: str, seed: int) -> list[list[tuple[float, float]]]:
    rng = random.Random(seed)

    def coordinate(where):
        if where == "pad":
            return rng.uniform(-20, 640)
        if where == "outside":  # off the pad, as a stroke leaving the canvas ends up
            return rng.choice((-1, 1)) * rng.uniform(300, 5000) + 300
        if where == "huge":
            return rng.uniform(-1e12, 1e12)
        return coordinate(rng.choice(("pad", "outside", "huge")))

    strokes = []
    for _ in range(count):
        n = rng.choice((0, 1, 1, 2, rng.randint(0, longest)))
        if rng.random() < 0.1:  # the same point again and again: a dot held down
            point = (coordinate(place), coordinate(place))
            strokes.append([point] * n)
        else:
            strokes.append([(coordinate(place), coordinate(place)) for _ in range(n)])
    return strokes


strokes_cases = st.tuples(
    st.integers(0, 14), st.integers(0, 12), st.sampled_from(PLACES), st.integers(0, 2**32)
)


@CASES
@given(strokes_cases, st.sampled_from((BRUSH_WIDTH, 1.0, 0.0, 60.0)))
def test_group_strokes_any_strokes(case, brush):
    strokes = make_strokes(*case)
    groups = group_strokes(strokes, brush)
    members = sorted(i for group in groups for i in group)
    assert members == list(range(len(strokes))), "every stroke in exactly one group"
    assert all(group for group in groups)
    assert all(group == sorted(group) for group in groups), "drawing order within a group"
    if groups:
        assert math.isfinite(digit_height(strokes, groups, brush))


def box_raster(strokes):
    """A cheap stand-in for the canvas: each point inks one pixel, clipped to the field."""

    def raster(indices, x0, y0, w, h, brush):
        alpha = bytearray(w * h)
        for i in indices:
            for x, y in strokes[i]:
                px, py = int(x - x0), int(y - y0)
                if 0 <= px < w and 0 <= py < h:
                    alpha[py * w + px] = 255
        return bytes(alpha)

    return raster


def uniform(batch):
    return [[1 / CLASSES] * CLASSES for _ in batch]


@settings(max_examples=2_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(strokes_cases, st.integers(1, 700))
def test_reader_any_strokes(case, width):
    strokes = make_strokes(*case)
    reading = Reader(box_raster(strokes), uniform, calibration=None).read(strokes, width)
    assert reading.text == "".join(str(d.value) for d in reading.digits)
    for digit in reading.digits:
        assert len(digit.pixels) == SIZE * SIZE
        assert all(0.0 <= v <= 1.0 for v in digit.pixels)
        assert math.isclose(sum(digit.probabilities), 1.0)
        x0, y0, x1, y1 = digit.box
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1
    assert reading.empty or 0 <= reading.focus < len(reading.digits)
