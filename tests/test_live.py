"""Live reads under CPython: the steps, the time budget and pen lifts, with a clock and
a pad that the test moves by hand."""

import pytest

from digitpad.live import DONE, LIVE_SHARE, NEXT_FRAME, NEXT_TASK, LiveRead
from digitpad.reader import Reader
from tests.test_reader import WIDTH, InkClassifier, bar, circle, numpy_raster


class Pad:
    """Strokes that grow as a test draws, and a clock that only moves when told."""

    def __init__(self):
        self.strokes = []
        self.now = 0.0
        self.shown = []  # (reading, announce) in order

    def drawn(self):
        return [list(s) for s in self.strokes], WIDTH

    def clock(self):
        return self.now


def live_read(pad, classify=None):
    classify = classify or InkClassifier()
    # The raster draws whatever the pad holds when it is called, as the canvas does.
    raster = lambda indices, *box: numpy_raster(pad.strokes)(indices, *box)
    reader = Reader(raster, classify, calibration=None)
    return LiveRead(reader, pad.drawn, lambda reading, announce: pad.shown.append((reading, announce)), pad.clock)


def test_a_live_read_takes_three_steps_and_shows_its_reading_unannounced():
    pad, classify = Pad(), InkClassifier()
    live = live_read(pad, classify)
    pad.strokes = [bar(120)]
    assert live.step() == NEXT_TASK  # made ready
    assert classify.batches == [] and pad.shown == []
    assert live.step() == NEXT_TASK  # classified
    assert classify.batches == [1] and pad.shown == []
    assert live.step() == DONE  # shown
    assert [(r.text, announce) for r, announce in pad.shown] == [("1", False)]


def test_a_pen_that_rests_is_not_read_again():
    pad, classify = Pad(), InkClassifier()
    live = live_read(pad, classify)
    pad.strokes = [bar(120)]
    while live.step() != DONE:
        pass
    pad.now += 1.0
    assert live.step() == DONE
    assert classify.batches == [1] and len(pad.shown) == 1


def test_a_lift_on_ink_already_read_shows_that_reading_again():
    pad, classify = Pad(), InkClassifier()
    live = live_read(pad, classify)
    pad.strokes = [bar(120)]
    while live.step() != DONE:
        pass
    live.lift()
    (first, _), (again, announce) = pad.shown
    assert again is first and announce
    assert classify.batches == [1]


@pytest.mark.parametrize("steps", [1, 2])
def test_a_lift_during_a_live_read_finishes_it(steps):
    pad, classify = Pad(), InkClassifier()
    live = live_read(pad, classify)
    pad.strokes = [bar(120), circle(400, 140)]
    for _ in range(steps):
        assert live.step() == NEXT_TASK
    live.lift()
    assert classify.batches == [2]  # classified once, by the step or the lift
    assert [(r.text, announce) for r, announce in pad.shown] == [("10", True)]
    assert live.pending is None


def test_a_lift_after_more_ink_reads_the_new_drawing():
    pad, classify = Pad(), InkClassifier()
    live = live_read(pad, classify)
    pad.strokes = [bar(120)]
    assert live.step() == NEXT_TASK
    pad.strokes.append(circle(400, 140))
    live.lift()
    assert [(r.text, announce) for r, announce in pad.shown] == [("10", True)]
    pad.strokes = []  # cleared
    live.lift()
    assert pad.shown[-1][0].empty and live.reading.empty


def test_live_reads_take_at_most_their_share_of_the_time():
    pad = Pad()
    live = live_read(pad)
    took = 0.010  # the raster of each read takes 10 ms on the test's clock
    raster = live.reader.raster

    def slow_raster(*args):
        pad.now += took
        return raster(*args)

    live.reader.raster = slow_raster
    pad.strokes = [bar(120)]
    start = pad.now
    while live.step() != DONE:
        pass
    assert pad.now - start == pytest.approx(took)
    pad.strokes[0] = pad.strokes[0] + [(125, 230)]
    # The next read may start once the last one's 10 ms are LIVE_SHARE of the time since.
    pad.now = start + took / LIVE_SHARE - 0.001
    assert live.step() == NEXT_FRAME
    pad.now = start + took / LIVE_SHARE + 0.001
    assert live.step() == NEXT_TASK


def test_the_last_step_reads_ink_added_since_the_read_began():
    pad, classify = Pad(), InkClassifier()
    live = live_read(pad, classify)
    pad.strokes = [bar(120)]
    assert live.step() == NEXT_TASK
    pad.strokes.append(circle(400, 140))  # a frame adds ink between the steps
    assert live.step() == NEXT_TASK
    assert live.step() == DONE
    assert [(r.text, announce) for r, announce in pad.shown] == [("10", False)]
    live.lift()  # the lift finds its ink read
    assert classify.batches == [1, 1]  # the bar came from the cache; the ring was new
    assert pad.shown[-1][0] is pad.shown[0][0] and pad.shown[-1][1]
