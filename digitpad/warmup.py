"""The page's warm-up: it reads practice drawings (``digitpad.practice``) while idle,
before the person's first digit.

Runs in the browser only.
"""

import js
from pyodide.ffi import create_once_callable

from digitpad.bridge import rasterizer
from digitpad.practice import practice_drawings
from digitpad.reader import Reader
from digitpad.view import describe


# Enough for one practice reading: an idle period is at most 50 ms, and input that
# arrives meanwhile waits for the reading under way.
PRACTICE_READ_MS = 15


class Practice:
    """Reads digitpad.practice's drawings while the page is idle, as many as each idle
    period has room for, until they are done or the person starts drawing: from then
    on their own readings serve.

    While the browser is still optimizing the code a reading runs, over the first few
    dozen readings after a start, the slow ones take twice as long as later; this gets
    that done before the person's first digit. It shows nothing and leaves the pad alone.
    """

    def __init__(self, pad, classify, calibration, one_digit):
        self.pad = pad
        self.classify = classify
        self.calibration = calibration  # the page's reader's, so that the same code warms up
        self.one_digit = one_digit
        self.width = pad.rasterWidth
        self.drawings = practice_drawings(self.width)
        self.next()

    def next(self):
        step = create_once_callable(self.step)
        if hasattr(js, "requestIdleCallback"):
            js.requestIdleCallback(step)
        else:  # Safari
            js.setTimeout(step, 50)

    def step(self, deadline=None):
        """Read drawings while the idle period lasts (one, called by setTimeout)."""
        while True:
            if self.pad.drawing or self.pad.strokeCount > 0:
                return
            drawing = next(self.drawings, None)
            if drawing is None:
                return
            _, strokes = drawing
            raster = rasterizer(self.pad, strokes)
            reader = Reader(raster, self.classify, calibration=self.calibration, one_digit=self.one_digit)
            describe(reader.read(strokes, self.width))
            if deadline is None or deadline.timeRemaining() < PRACTICE_READ_MS:
                break
        self.next()
