"""Non-digit drawings: deterministic, on the pad, every kind drawable."""

import math
import random

import pytest

from digitpad.pad import RASTER_HEIGHT
from digitpad.render import ink_bounds, rasterize
from train.scribbles import KINDS, scribble, scribbles


def test_same_seed_same_drawings_other_seed_other_drawings():
    assert scribbles(30, seed=7) == scribbles(30, seed=7)
    assert scribbles(30, seed=7) != scribbles(30, seed=8)


def test_kinds_take_turns():
    kinds = [k for k, _ in scribbles(2 * len(KINDS), seed=0)]
    assert kinds == sorted(KINDS) * 2


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_draws_finite_strokes_on_the_pad(kind):
    rng = random.Random(kind)
    for _ in range(20):
        drawing = scribble(rng, kind)
        assert drawing and all(stroke for stroke in drawing)
        points = [p for stroke in drawing for p in stroke]
        assert all(math.isfinite(x) and math.isfinite(y) for x, y in points)
        assert all(0 <= y <= RASTER_HEIGHT for _, y in points)
        assert all(x >= 0 for x, _ in points)


def test_scribbles_leave_ink():
    for _, drawing in scribbles(len(KINDS), seed=3):
        x0, y0, x1, y1 = ink_bounds(drawing)
        assert rasterize(drawing, math.ceil(x1), RASTER_HEIGHT).any()


def test_unknown_kind_is_named():
    with pytest.raises(ValueError, match="unknown scribble 'sun'"):
        scribble(random.Random(0), "sun")
