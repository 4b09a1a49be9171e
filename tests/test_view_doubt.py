"""What the page says when it is sure, unsure or sees no digit, and which digit it shows."""

import pytest

from digitpad.reader import EMPTY, Reader
from digitpad.view import describe, ordinal, top
from tests.test_reader import WIDTH, InkClassifier, bar, circle, fixed, numpy_raster, read

SURE = [0.97, 0.01] + [0.02 / 8] * 8
CLOSE = [0.52, 0.05, 0.0, 0.0, 0.03, 0.0, 0.0, 0.0, 0.0, 0.40]  # 0 or 9
JUNK = [0.3, 0.2, 0.2] + [0.3 / 7] * 7


def by_digit(*answers):
    """A classifier that gives each image of a batch the next answer, left to right."""
    return lambda batch: [list(answers[i]) for i in range(len(batch))]


def test_a_sure_digit_is_confident():
    view = describe(read([bar(120)], classify=fixed(SURE)))
    assert view.confident and view.verdict == "digit"
    assert view.alternatives == () and view.sureness == "97% sure"


def test_an_empty_pad_is_not_confident():
    assert describe(EMPTY).confident is False


def test_an_unsure_digit_says_so_and_shows_both_alternatives():
    view = describe(read([bar(120)], classify=fixed(CLOSE)))
    assert not view.confident
    assert view.value == "0"  # the likeliest digit stays the value
    assert view.headline == "0 or 9?"
    assert view.sureness.startswith("Not sure")
    assert [(b.digit, b.label) for b in view.alternatives] == [(0, "52%"), (9, "40%")]
    assert view.announcement == "Not sure: 0 or 9? 0 52% or 9 40%."


def test_a_scribble_is_not_called_a_digit():
    view = describe(read([bar(120)], classify=fixed(JUNK)))
    assert not view.confident and view.verdict == "not a digit"
    assert view.headline == "?"
    assert view.sureness == "That doesn\u2019t look like a digit"
    assert view.alternatives == ()
    assert view.announcement == "That doesn\u2019t look like a digit."


def test_a_number_names_its_unsure_digit():
    strokes = [bar(60), circle(300, 140), bar(520)]
    view = describe(read(strokes, classify=by_digit(SURE, CLOSE, SURE)))
    assert not view.confident and view.value == "000"
    assert view.kinds == ("digit", "unsure", "digit")
    assert view.digits[1][0] == "0 or 9?"
    assert view.sureness == "Not sure about the second digit: 0 or 9?"
    assert [b.digit for b in view.alternatives] == [0, 9]
    assert view.announcement.startswith("Reads 000. Not sure about the second digit")


def test_a_number_with_a_scribble_in_it():
    strokes = [bar(60), circle(300, 140), bar(520)]
    view = describe(read(strokes, classify=by_digit(SURE, JUNK, JUNK)))
    assert view.headline == "0??"
    assert view.sureness == "2 of them don\u2019t look like digits"
    assert view.kinds == ("digit", "not a digit", "not a digit")


def test_a_sure_number_is_confident_digit_by_digit():
    view = describe(read([bar(60), circle(300, 140)], classify=fixed(SURE)))
    assert view.confident and view.kinds == ("digit", "digit")


def test_the_chosen_digit_is_the_one_shown():
    strokes = [bar(120), circle(470, 140)]
    reading = read(strokes)
    assert reading.focus == 1
    view = describe(reading, focus=0)
    assert view.focus == 0 and view.best == 1  # the bar
    assert view.bars == describe(read([bar(120)])).bars
    # Out of range: the digit holding the latest stroke, as without a choice.
    assert describe(reading, focus=5).focus == 1


def test_top_lists_the_likeliest_first():
    assert [b.digit for b in top(CLOSE, 3)] == [0, 9, 1]
    assert [b.digit for b in top([0.5, 0.5] + [0.0] * 8, 2)] == [0, 1]


@pytest.mark.parametrize(
    "i, word", [(0, "first"), (1, "second"), (9, "tenth"), (10, "11th"), (11, "12th"), (20, "21st"), (21, "22nd")]
)
def test_ordinal(i, word):
    assert ordinal(i) == word


def test_each_digit_keeps_how_it_was_prepared():
    strokes = [bar(120), circle(470, 140)]
    reading = Reader(numpy_raster(strokes), InkClassifier(), calibration=None).read(strokes, WIDTH)
    for digit in reading.digits:
        assert digit.prepared is not None
        assert tuple(digit.prepared.pixels) == digit.pixels
