"""The practice drawings the page reads after it starts: real digits, on the pad, each
one new to the reader."""

import pytest

from digitpad.api import predict_strokes
from digitpad.pad import BRUSH_WIDTH, RASTER_HEIGHT
from digitpad.practice import DIGITS, practice_drawings

# A phone held upright, a laptop, a wide desktop pad.
WIDTHS = [RASTER_HEIGHT, 500, 900]


@pytest.mark.parametrize("width", WIDTHS)
def test_each_digit_is_drawn_inside_the_pad(width):
    drawings = list(practice_drawings(width))
    assert sorted({digit for digit, _ in drawings}) == list(range(10))
    for digit, strokes in drawings:
        points = [p for stroke in strokes for p in stroke]
        assert len(points) > 10, digit
        assert all(BRUSH_WIDTH / 2 <= x <= width - BRUSH_WIDTH / 2 for x, _ in points), digit
        assert all(BRUSH_WIDTH / 2 <= y <= RASTER_HEIGHT - BRUSH_WIDTH / 2 for _, y in points), digit


def test_no_drawing_repeats_another():
    # The reader remembers what it read: a repeat would skip the work it is there to do.
    drawings = [tuple(map(tuple, strokes)) for _, strokes in practice_drawings(500)]
    assert len(set(drawings)) == len(drawings) == 3 * len(DIGITS)


def test_the_network_reads_each_as_its_digit():
    # Reading real digits runs the code a person's digits run, verdicts included.
    for digit, strokes in practice_drawings(500):
        read = predict_strokes(strokes, width=500)
        assert read.text == str(digit)
        assert read.digits[0].sure, (digit, read.digits[0].verdict)
