"""The reader under CPython: numpy's canvas stand-in, a classifier that can be checked."""

import math

import pytest

from digitpad.pad import BRUSH_WIDTH, RASTER_HEIGHT
from digitpad.preprocess import SIZE, prepare
from digitpad.reader import EMPTY, Reader, raster_box
from digitpad.render import rasterize
from digitpad.view import HINT, describe, percent

WIDTH = 620


def circle(cx, cy, r=60, n=40):
    return [(cx + r * math.cos(2 * math.pi * k / n), cy + r * math.sin(2 * math.pi * k / n)) for k in range(n + 1)]


def bar(x, top=60, bottom=220):
    return [(x, top + (bottom - top) * k / 20) for k in range(21)]


def numpy_raster(strokes):
    """The pad's raster(indices, x0, y0, w, h, brush), drawn by digitpad.render."""

    def raster(indices, x0, y0, w, h, brush):
        moved = [[(x - x0, y - y0) for x, y in strokes[i]] for i in indices]
        return rasterize(moved, w, h, brush).tobytes()

    return raster


class InkClassifier:
    """Says 0 for a ring and 1 for a bar, by how much of the field is inked, and
    records every batch it is given."""

    def __init__(self):
        self.batches = []

    def __call__(self, batch):
        self.batches.append(len(batch))
        out = []
        for pixels in batch:
            assert len(pixels) == SIZE * SIZE
            ink = sum(pixels) / len(pixels)
            p0 = 0.9 if ink > 0.12 else 0.05
            out.append([p0, 0.95 - p0] + [0.05 / 8] * 8)
        return out


def read(strokes, classify=None, width=WIDTH):
    classify = classify or InkClassifier()
    return Reader(numpy_raster(strokes), classify, calibration=None).read(strokes, width)


def test_empty_pad_reads_nothing():
    reading = read([])
    assert reading is EMPTY
    assert reading.empty and reading.text == "" and reading.confidence == 0.0
    assert reading.focused is None


def test_the_input_is_the_whole_pad_prepared_like_mnist():
    # Rasterizing only the digit's box must give the network the same input as
    # rasterizing the whole pad: the box may not cut any ink.
    strokes = [circle(300, 140, 80), bar(300, 30, 250)]
    whole = rasterize(strokes, WIDTH, RASTER_HEIGHT).tobytes()
    expected = prepare(whole, WIDTH, RASTER_HEIGHT).pixels
    (digit,) = read(strokes).digits
    assert digit.pixels == pytest.approx(expected, abs=1e-6)
    assert digit.strokes == (0, 1)


def test_digits_read_left_to_right_in_one_batch():
    strokes = [circle(470, 140), bar(120)]  # the 0 drawn first, on the right
    classify = InkClassifier()
    reading = read(strokes, classify)
    assert reading.text == "10"
    assert classify.batches == [2]
    assert [d.strokes for d in reading.digits] == [(1,), (0,)]
    assert reading.confidence == pytest.approx(0.9 * 0.9)
    assert reading.focus == 0  # the bar was drawn last


def test_digits_already_read_are_not_classified_again():
    strokes = [bar(100), circle(300, 140)]
    classify = InkClassifier()
    reader = Reader(numpy_raster(strokes), classify, calibration=None)
    first = reader.read(strokes, WIDTH)
    assert reader.read(strokes, WIDTH) == first
    assert classify.batches == [2]
    strokes.append(bar(520))
    reader.raster = numpy_raster(strokes)
    assert reader.read(strokes, WIDTH).text == "101"
    assert classify.batches == [2, 1]


def test_a_stroke_changes_only_its_own_digit():
    strokes = [bar(100), [(280, 100), (330, 100)]]
    classify = InkClassifier()
    reader = Reader(numpy_raster(strokes), classify, calibration=None)
    reader.read(strokes, WIDTH)
    strokes[1] = circle(300, 140)  # the stroke grew into a ring
    reader.raster = numpy_raster(strokes)
    assert reader.read(strokes, WIDTH).text == "10"
    assert classify.batches == [2, 1]


def test_a_read_in_two_halves_is_the_same_read():
    # The page reads a growing stroke in steps: prepare rasterizes and prepares, finish
    # classifies and decides; a draft that is dropped leaves the reader as it was.
    strokes = [bar(100), circle(300, 140)]
    classify = InkClassifier()
    reader = Reader(numpy_raster(strokes), classify, calibration=None)
    draft = reader.prepare(strokes, WIDTH)
    assert classify.batches == []
    reader.prepare(strokes[:1], WIDTH)  # dropped
    reading = reader.finish(draft)
    assert classify.batches == [2]
    assert reading == read(strokes)
    assert reader.read(strokes, WIDTH) == reading
    assert classify.batches == [2]
    assert reader.finish(reader.prepare([], WIDTH)) is EMPTY


def test_a_dot_is_a_digit():
    (digit,) = read([[(200.0, 100.0)]]).digits
    assert max(digit.pixels) == 1.0
    assert digit.box == raster_box([[(200.0, 100.0)]], [0], WIDTH)


def test_grouping_can_be_chosen():
    strokes = [bar(100), bar(300)]
    classify = InkClassifier()
    reader = Reader(numpy_raster(strokes), classify, calibration=None, group=lambda s, brush: [[0, 1]])
    reading = reader.read(strokes, WIDTH)
    assert len(reading.digits) == 1 and reading.digits[0].strokes == (0, 1)


def test_a_classifier_with_the_wrong_answer_shape_is_reported():
    strokes = [bar(100)]
    with pytest.raises(ValueError, match="10 probabilities for each of 1 images"):
        read(strokes, classify=lambda batch: [[1.0] * 9])
    with pytest.raises(ValueError, match="for each of 1 images"):
        read(strokes, classify=lambda batch: [])


def test_raster_box_reaches_the_brush_edge_and_stays_on_the_pad():
    reach = BRUSH_WIDTH / 2 + 1
    assert raster_box([[(100.0, 100.0), (150.5, 120.0)]], [0], WIDTH) == (
        math.floor(100 - reach),
        math.floor(100 - reach),
        math.ceil(150.5 + reach),
        math.ceil(120 + reach),
    )
    assert raster_box([[(2.0, 3.0), (WIDTH - 1.0, RASTER_HEIGHT - 1.0)]], [0], WIDTH) == (
        0,
        0,
        WIDTH,
        RASTER_HEIGHT,
    )
    assert raster_box([[(-100.0, -100.0)]], [0], WIDTH) is None
    assert raster_box([[]], [0], WIDTH) is None


def test_strokes_off_the_pad_read_as_empty():
    assert read([[(-200.0, -200.0), (-150.0, -180.0)]]) is EMPTY


# --- what the page shows --------------------------------------------------------------


def test_the_empty_view_invites_drawing():
    view = describe(EMPTY)
    assert view.value == "" and view.headline == HINT and view.confidence == 0.0
    assert [b.digit for b in view.bars] == list(range(10))
    assert all(b.p == 0 for b in view.bars)
    assert len(view.seen) == SIZE * SIZE * 4 and set(view.seen[0::4]) == {0}
    assert view.best == -1 and view.focus == -1 and view.digits == ()


def test_the_view_of_a_number():
    view = describe(read([bar(120), circle(470, 140)]))
    assert view.value == view.headline == "10"
    assert view.sureness == "81% sure"
    assert view.digits == (("1", "90%"), ("0", "90%"))
    assert view.focus == 1 and view.best == 0  # the ring was drawn last
    assert view.bars[0].label == "90%"
    assert view.announcement == "Reads 10, 81% sure."


def test_a_single_digit_has_no_digit_list():
    view = describe(read([bar(120)]))
    assert view.value == "1" and view.digits == () and view.focus == -1


def test_the_seen_image_is_the_network_input_in_gray():
    reading = read([circle(200, 140)])
    view = describe(reading)
    gray = [round(p * 255) for p in reading.focused.pixels]
    assert list(view.seen[0::4]) == gray
    assert set(view.seen[3::4]) == {255}


@pytest.mark.parametrize(
    "p, text",
    [(0.0, "0%"), (0.004, "<1%"), (0.01, "1%"), (0.5, "50%"), (0.994, ">99%"), (1.0, "100%")],
)
def test_percent(p, text):
    assert percent(p) == text


# --- verdicts: sure, unsure, not a digit -------------------------------------------


def fixed(probabilities):
    return lambda batch: [list(probabilities) for _ in batch]


def test_a_close_call_is_shown_as_unsure():
    p = [0.5, 0.45] + [0.05 / 8] * 8
    view = describe(read([bar(120)], classify=fixed(p)))
    assert view.value == "0"  # the likeliest digit, for whoever reads the hooks
    assert view.verdict == "unsure" and view.headline == "0 or 1?"
    assert view.sureness.startswith("Not sure")


def test_a_doodle_is_not_a_digit():
    p = [0.3, 0.2, 0.2] + [0.3 / 7] * 7
    view = describe(read([bar(120), circle(470, 140)], classify=fixed(p)))
    assert view.verdict == "not a digit" and view.headline == "??"
    assert view.digits == (("?", "30%"), ("?", "30%"))


def test_the_view_shows_calibrated_probabilities():
    calibration = {
        "temperature": 2.0, "unsure_below": 0.2, "not_a_digit_from": 0.95, "junk_model": None
    }
    strokes = [bar(120)]
    reader = Reader(numpy_raster(strokes), InkClassifier(), calibration=calibration)
    reading = reader.read(strokes, WIDTH)
    (digit,) = reading.digits
    assert digit.verdict.confidence < digit.confidence  # a temperature above 1 softens
    view = describe(reading)
    assert view.confidence == pytest.approx(digit.verdict.confidence)
    assert [b.p for b in view.bars] == pytest.approx(digit.verdict.probabilities)


# --- one-digit mode ------------------------------------------------------------------


def one_digit(strokes, classify=None):
    reader = Reader(numpy_raster(strokes), classify or InkClassifier(), calibration=None, one_digit=True)
    return reader.read(strokes, WIDTH)


def test_one_digit_mode_reads_all_the_ink_as_one_digit():
    strokes = [bar(100), bar(300)]
    assert len(read(strokes).digits) == 2
    classify = InkClassifier()
    reading = one_digit(strokes, classify)
    assert len(reading.digits) == 1 and reading.focus == 0
    assert reading.digits[0].strokes == (0, 1)
    assert classify.batches == [1]


def test_one_digit_mode_never_cuts_a_number_written_in_one_go():
    zigzag = [(100 + 4 * k, 60 + (160 if (k // 10) % 2 else 0) * ((k % 10) / 10)) for k in range(80)]
    strokes = [circle(160, 140, 70) + circle(330, 140, 70) + circle(500, 140, 70), zigzag]
    assert len(read(strokes).digits) >= 2
    classify = InkClassifier()
    assert len(one_digit(strokes, classify).digits) == 1
    assert classify.batches == [1]


def test_one_digit_mode_prepares_a_digit_as_number_mode_does():
    strokes = [circle(300, 140, 80), bar(300, 30, 250)]
    whole = read(strokes)
    one = one_digit(strokes)
    assert len(whole.digits) == 1
    assert one.digits[0].pixels == whole.digits[0].pixels
    assert one.digits[0].box == whole.digits[0].box
    assert one.digits[0].verdict == whole.digits[0].verdict


def test_one_digit_mode_of_nothing_is_empty():
    assert one_digit([]) is EMPTY
    assert one_digit([[], []]) is EMPTY
    assert one_digit([[(-500, -500), (-490, -500)]]) is EMPTY


def test_the_calibration_cannot_be_left_out():
    with pytest.raises(TypeError):
        Reader(numpy_raster([]), InkClassifier())
