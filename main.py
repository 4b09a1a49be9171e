"""The page's Python: read the drawing whenever it changes and show what the network saw.

The reading itself is digitpad.reader and digitpad.view, which run the same under
CPython; this file only connects them to the pad, the model and the page.
"""

from array import array
from itertools import chain

import js

js.performance.mark("digitpad: main.py runs")

from pyodide.ffi import JsException, JsProxy, create_proxy, to_js
from pyscript import document, window

from digitpad import embed
from digitpad.decide import parse_calibration
from digitpad.reader import Reader
from digitpad.view import describe

app = window.digitpad
pad = app.pad


def raster(indices, x0, y0, width, height, brush):
    """The pad's canvas draws the strokes; Python keeps their alpha bytes."""
    rgba = pad.raster(to_js(list(indices)), x0, y0, width, height, brush)
    return rgba.to_bytes()[3::4]


def classifier(model):
    def classify(batch):
        flat = array("f", chain.from_iterable(batch))
        pixels = js.Float32Array.new(len(flat))
        pixels.assign(flat)
        out = model.predict(pixels).to_memoryview().tolist()
        return [out[i : i + 10] for i in range(0, len(out), 10)]

    return classify


def current_strokes():
    """The pad's strokes as lists of (x, y) raster points, and its raster width."""
    snapshot = pad.snapshot()
    flat = snapshot.points.to_memoryview().tolist()
    strokes, at = [], 0
    for n in snapshot.lengths.to_memoryview().tolist():
        end = at + 2 * n
        strokes.append(list(zip(flat[at:end:2], flat[at + 1 : end : 2])))
        at = end
    return strokes, snapshot.width


async def calibration():
    """The model's calibration for the verdicts, or None for plain thresholds."""
    text = await app.calibration
    if not text:
        return None
    try:
        return parse_calibration(text)
    except ValueError as error:
        js.console.warn(f"digitpad: model/calibration.json ignored: {error}")
        return None


class Page:
    """The elements that show a reading."""

    def __init__(self):
        self.prediction = document.getElementById("prediction")
        self.sureness = document.getElementById("sureness")
        self.digits = document.getElementById("digits")
        self.bars = list(document.querySelectorAll("#probabilities [data-digit]"))
        self.seen = document.getElementById("seen").getContext("2d")
        self.announcer = document.getElementById("announcer")
        self.seq = 0
        self.shown_digits = None

    def show(self, view, announce):
        self.seq += 1
        p = self.prediction
        p.textContent = view.headline
        p.style.setProperty("--chars", str(max(1, len(view.headline))))
        p.dataset.value = view.value
        p.dataset.confidence = f"{view.confidence:.4f}"
        p.dataset.verdict = view.verdict
        p.toggleAttribute("data-empty", not view.value)
        self.sureness.textContent = view.sureness
        for element, bar in zip(self.bars, view.bars):
            element.dataset.p = f"{bar.p:.4f}"
            element.style.setProperty("--p", f"{bar.p:.4f}")
            element.lastElementChild.textContent = bar.label
            element.classList.toggle("best", bar.digit == view.best)
        self.show_digits(view)
        image = js.Uint8ClampedArray.new(len(view.seen))
        image.assign(view.seen)
        self.seen.putImageData(js.ImageData.new(image, 28, 28), 0, 0)
        p.dataset.seq = str(self.seq)
        if announce:
            self.announcer.textContent = view.announcement

    def show_digits(self, view):
        key = (view.digits, view.focus)
        if key == self.shown_digits:
            return
        self.shown_digits = key
        items = []
        for i, (digit, sure) in enumerate(view.digits):
            item = document.createElement("li")
            item.classList.toggle("focus", i == view.focus)
            value = document.createElement("span")
            value.className = "value"
            value.textContent = digit
            label = document.createElement("span")
            label.className = "p"
            label.textContent = sure
            item.append(value, label)
            items.append(item)
        self.digits.replaceChildren(*items)


class Host:
    """The page this one is embedded in, if any: it hears of each reading and may clear
    or undo (digitpad.embed checks every message; docs/embedding.md)."""

    def __init__(self, options):
        self.options = options
        self.bridge = app.host
        self.listener = create_proxy(self.receive)  # kept: the bridge calls it on each message
        if self.bridge.embedded:
            self.bridge.listen(self.listener)

    def tell(self, message):
        if self.bridge.embedded and self.options.messages:
            plain = to_js(message, dict_converter=js.Object.fromEntries)
            self.bridge.tell(plain, self.options.origin)

    def receive(self, origin, data):
        if not embed.accepts(self.options, origin):
            return
        # Only a plain object can be a command; a Map would otherwise pass for a dict.
        if isinstance(data, JsProxy):
            if js.Object.prototype.toString.call(data) != "[object Object]":
                return
            data = data.to_py(depth=1)
        kind = embed.command(data)
        if kind == embed.CLEAR:
            pad.clear()
        elif kind == embed.UNDO:
            pad.undo()


async def main():
    try:
        model = await app.modelReady
    except JsException:
        return  # the page already says the model failed to load
    reader = Reader(raster, classifier(model), calibration=await calibration())
    page = Page()
    options = embed.parse_options(js.location.search)
    host = Host(options)

    def read(announce):
        strokes, width = current_strokes()
        if options.mode == embed.ONE_DIGIT:
            reading = embed.read_as_one_digit(reader, strokes, width)
        else:
            reading = reader.read(strokes, width)
        page.show(describe(reading), announce)
        if announce:  # a finished stroke, a clear or an undo: not every frame of a stroke
            host.tell(embed.prediction_message(reading, options))

    # Kept for the page's lifetime: the pad calls them on every change.
    global on_changing, on_committed
    on_changing = create_proxy(lambda: read(announce=False))
    on_committed = create_proxy(lambda: read(announce=True))
    pad.onChanging(on_changing)
    pad.onCommitted(on_committed)
    host.tell(embed.ready_message(options))
    read(announce=True)  # whatever was drawn while Python loaded
    app.started()


await main()  # noqa: F704 (PyScript runs this file with top-level await)
