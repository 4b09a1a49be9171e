"""``digitpad.Pad()``: the drawing pad as a notebook widget (anywidget).

The browser side is the page's own pad (static/pad.js) and only draws: each pen lift
sends the strokes to the kernel, where ``predict_strokes`` reads them with the same
``Reader`` and calibration as the page. So what a learner draws is Python data::

    pad = digitpad.Pad()
    pad                      # draw "2026" in the cell's output
    pad.value                # '2026'
    pad.reading              # Prediction(text='2026', ...)
    pad.pixels.shape         # (4, 28, 28): what the network saw
    pad.observe(lambda change: print(change["new"]), "value")
"""

from __future__ import annotations

import os

try:
    import anywidget
    import traitlets
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError(
        "digitpad.Pad needs anywidget: pip install 'digitpad[notebook]'"
    ) from e

import numpy as np

from digitpad import resources
from digitpad.api import NoInkError, Prediction, predict_strokes
from digitpad.pad import RASTER_HEIGHT
from digitpad.preprocess import SIZE


def _esm() -> str:
    return resources.pad_module() + "\n" + resources.WIDGET_JS.read_text(encoding="utf-8")


class Pad(anywidget.AnyWidget):
    """A pad to draw a digit or a number on, read in the kernel at each pen lift.

    ``one_digit`` reads all of the ink as one digit; ``bars`` shows each digit's ten
    probabilities under the pad; ``model_dir`` reads with another TF.js model.
    """

    _esm = traitlets.Unicode(_esm()).tag(sync=True)
    _css = traitlets.Unicode(resources.WIDGET_CSS.read_text(encoding="utf-8")).tag(sync=True)

    strokes = traitlets.List(help="the strokes, each a list of [x, y] pad raster points").tag(sync=True)
    raster_width = traitlets.Int(2 * RASTER_HEIGHT, help="the pad's width in raster pixels").tag(sync=True)
    value = traitlets.Unicode("", read_only=True, help='the digits read, "2026"; "" when blank').tag(sync=True)
    label = traitlets.Unicode("", read_only=True, help='what the page shows: "2026", "4 or 9?"').tag(sync=True)
    digits = traitlets.List(read_only=True, help="per digit: label, sure, probabilities").tag(sync=True)
    error = traitlets.Unicode("", read_only=True).tag(sync=True)
    bars = traitlets.Bool(False, help="show each digit's probabilities").tag(sync=True)
    one_digit = traitlets.Bool(False, help="read all of the ink as one digit").tag(sync=True)

    def __init__(self, *, model_dir: str | os.PathLike | None = None, **kwargs):
        self._model_dir = model_dir
        self._reading: Prediction | None = None
        super().__init__(**kwargs)
        self.observe(self._read, names=["strokes", "one_digit"])
        if self.strokes:
            self._read()

    @property
    def reading(self) -> Prediction | None:
        """The last reading, or None while the pad is blank."""
        return self._reading

    @property
    def pixels(self) -> np.ndarray:
        """The network's inputs, one 28x28 image per digit (ink = 1), shaped [digits, 28, 28]."""
        if self._reading is None:
            return np.zeros((0, SIZE, SIZE), np.float32)
        return np.stack([d.pixels for d in self._reading.digits])

    def clear(self) -> None:
        self.strokes = []

    def undo(self) -> None:
        self.strokes = self.strokes[:-1]

    def _read(self, change=None) -> None:
        try:
            reading = predict_strokes(self.strokes, self._model_dir, width=max(1, self.raster_width),
                                      one_digit=self.one_digit)
        except NoInkError:
            reading = None
        except Exception as e:
            # A widget's callback has nowhere to raise to: say it under the pad.
            self._set(None, error=f"{type(e).__name__}: {e}")
            return
        self._set(reading)

    def _set(self, reading: Prediction | None, error: str = "") -> None:
        self._reading = reading
        with self.hold_sync():
            self.set_trait("error", error)
            self.set_trait("digits", [] if reading is None else [
                {"label": d.label, "sure": d.sure, "probabilities": [round(p, 4) for p in d.probabilities]}
                for d in reading.digits
            ])
            self.set_trait("label", "" if reading is None else reading.label)
            self.set_trait("value", "" if reading is None else reading.text)

    def __repr__(self) -> str:
        return f"Pad(value={self.value!r}, strokes={len(self.strokes)})"
