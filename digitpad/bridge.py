"""The page's two halves of a read that live in JavaScript, as the ``Reader`` takes
them: the pad's canvas as its raster, TensorFlow.js (static/model.js) as its
classifier; the pad's strokes and the model's calibration as Python values; and the
model's layers, opened up for the steps view.

Runs in the browser only (it needs Pyodide's ``js``), and touches no element.
"""

from array import array
from itertools import chain

import js
from pyodide.ffi import to_js

from digitpad.decide import CLASSES, parse_calibration
from digitpad.layers import Activations, Layer


def rasterizer(pad, strokes=None):
    """The reader's raster: the pad's canvas draws the strokes, the pad's own or the
    given ones (lists of (x, y) points); Python keeps their alpha bytes."""
    if strokes is not None:
        strokes = [to_js([c for point in stroke for c in point]) for stroke in strokes]

    def raster(indices, x0, y0, width, height, brush):
        which = list(indices) if strokes is None else [strokes[i] for i in indices]
        # Looked up on every call, not bound once, so that a wrapper put on the pad
        # later (the benchmark's timers) sees the calls.
        draw = pad.raster if strokes is None else pad.rasterOf
        return draw(to_js(which), x0, y0, width, height, brush).to_bytes()[3::4]

    return raster


def classifier(model):
    def classify(batch):
        flat = array("f", chain.from_iterable(batch))
        pixels = js.Float32Array.new(len(flat))
        pixels.assign(flat)
        out = model.predict(pixels).to_memoryview().tolist()
        return [out[i : i + CLASSES] for i in range(0, len(out), CLASSES)]

    return classify


def current_strokes(pad):
    """The pad's strokes as lists of (x, y) raster points, and its raster width."""
    snapshot = pad.snapshot()
    flat = snapshot.points.to_memoryview().tolist()
    strokes, at = [], 0
    for n in snapshot.lengths.to_memoryview().tolist():
        end = at + 2 * n
        strokes.append(list(zip(flat[at:end:2], flat[at + 1 : end : 2])))
        at = end
    return strokes, snapshot.width


async def calibration(app):
    """The model's calibration for the verdicts, or None for plain thresholds."""
    text = await app.calibration
    if not text:
        return None
    try:
        return parse_calibration(text)
    except ValueError as error:
        js.console.warn(f"digitpad: model/calibration.json ignored: {error}")
        return None


class Inside:
    """The page's model opened up for the steps view, as ``digitpad.layers`` takes it:
    its layers, every layer's output for one input, and its weights (fetched once)."""

    def __init__(self, model):
        self.model = model
        self.layers = tuple(
            Layer(entry["name"], entry["kind"], entry["config"],
                  {part: tuple(shape) for part, shape in entry["weights"].items()})
            for entry in model.summary().to_py()
        )
        self._weights = {}
        self._generation = model.generation

    def activations(self, pixels) -> Activations:
        flat = array("f", pixels)
        image = js.Float32Array.new(len(flat))
        image.assign(flat)
        run = self.model.activations(image)
        shapes = tuple(tuple(shape) for shape in run.shapes.to_py())
        return Activations(self.layers, shapes, run.data.to_memoryview(), run.levels.to_bytes())

    def weights(self, name: str) -> dict:
        """{part: (shape, values)} of one layer, as the model reads now."""
        if self.model.generation != self._generation:  # another head: read them again
            self._weights, self._generation = {}, self.model.generation
        if name not in self._weights:
            found = js.Object.entries(self.model.weights(name))
            self._weights[name] = {
                part: (tuple(entry.shape.to_py()), entry.data.to_memoryview()) for part, entry in found
            }
        return self._weights[name]
