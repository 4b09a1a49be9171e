"""The page: connects the pad (static/pad.js), the model (static/model.js) and the
elements that show a reading to digitpad.reader and digitpad.view.

The one digitpad module that touches the DOM, so the only one that runs in the
browser alone. It does nothing when imported: Python's snapshot (scripts/snapshot.mjs)
imports it at build time, and main.py calls ``main()`` on the page.
"""

from array import array
from itertools import chain

import js
from pyodide.ffi import JsException, JsProxy, create_once_callable, create_proxy, to_js

from digitpad import embed
from digitpad.decide import parse_calibration
from digitpad.pad import BRUSH_WIDTH
from digitpad.practice import practice_drawings
from digitpad.reader import EMPTY, Draft, Reader
from digitpad.steps import explain, feature_sheet
from digitpad.view import describe


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
        return [out[i : i + 10] for i in range(0, len(out), 10)]

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


class Page:
    """The elements that show a reading."""

    def __init__(self, app):
        document = js.document
        self.prediction = document.getElementById("prediction")
        self.sureness = document.getElementById("sureness")
        self.digits = document.getElementById("digits")
        self.bars = [Bar(element) for element in document.querySelectorAll("#probabilities [data-digit]")]
        self.data = self.prediction.dataset
        self.seen = document.getElementById("seen").getContext("2d")
        self.announcer = document.getElementById("announcer")
        self.alternatives = document.getElementById("alternatives")
        self.seq = 0
        self.shown_digits = None
        self.shown_headline = self.shown_sureness = None
        self.shown_alternatives = None
        self.shown_data = self.shown_seen = None
        self.reading = EMPTY
        self.view = describe(EMPTY)  # of self.reading; a picked chip's view is not kept
        self.chosen = None  # the digit picked from the chips, until the drawing changes
        self.teaching = Teaching(app)
        self.listeners = [create_proxy(self.pick), create_proxy(self.flip_teaching)]
        self.digits.addEventListener("click", self.listeners[0])
        self.teaching.toggle.addEventListener("click", self.listeners[1])
        self.teaching.toggle.disabled = False

    def read(self, reading, announce):
        """Show a reading of the pad; ``announce`` when a stroke ended. The reading may be
        the one on show already, when the pen lifted on ink a live read had seen."""
        if reading is not self.reading:
            self.view = describe(reading)
        self.reading = reading
        self.chosen = None
        self.show(self.view, announce)
        self.teach(features=announce)

    def pick(self, event):
        chip = event.target.closest("button[data-index]")
        if chip is None:
            return
        self.chosen = int(chip.dataset.index)
        self.show(describe(self.reading, self.chosen), announce=False)
        self.teach(features=True)

    def flip_teaching(self, event=None):
        if self.teaching.flip():
            self.teach(features=True)
            self.teaching.reveal()

    def teach(self, features):
        digits = self.reading.digits
        focus = self.chosen if self.chosen is not None and self.chosen < len(digits) else self.reading.focus
        self.teaching.show(self.reading, focus, features)

    def show(self, view, announce):
        self.seq += 1
        p, data = self.prediction, self.data
        if view.headline != self.shown_headline:
            self.shown_headline = view.headline
            p.textContent = view.headline
            p.style.setProperty("--chars", str(max(1, len(view.headline))))
        confidence = f"{view.confidence:.4f}"
        shown_data = (view.value, confidence, view.verdict, view.confident)
        if shown_data != self.shown_data:
            self.shown_data = shown_data
            data.value = view.value
            data.confidence = confidence
            data.verdict = view.verdict
            data.confident = "true" if view.confident else "false"
            p.toggleAttribute("data-empty", not view.value)
        if view.sureness != self.shown_sureness:
            self.shown_sureness = view.sureness
            self.sureness.textContent = view.sureness
        self.show_alternatives(view.alternatives)
        for bar, shown in zip(self.bars, view.bars):
            bar.show(shown, shown.digit == view.best)
        self.show_digits(view)
        if view.seen != self.shown_seen:
            self.shown_seen = view.seen
            image = js.Uint8ClampedArray.new(len(view.seen))
            image.assign(view.seen)
            self.seen.putImageData(js.ImageData.new(image, 28, 28), 0, 0)
        data.seq = str(self.seq)
        if announce:
            self.announcer.textContent = view.announcement

    def show_digits(self, view):
        key = (view.digits, view.kinds)
        if key != self.shown_digits:
            self.shown_digits = key
            document = js.document
            items = []
            for i, ((digit, sure), kind) in enumerate(zip(view.digits, view.kinds)):
                item = document.createElement("li")
                item.dataset.verdict = kind
                chip = document.createElement("button")
                chip.type = "button"
                chip.dataset.index = str(i)
                value = document.createElement("span")
                value.className = "value"
                value.textContent = digit
                label = document.createElement("span")
                label.className = "p"
                label.textContent = sure
                chip.append(value, label)
                item.append(chip)
                items.append(item)
            self.digits.replaceChildren(*items)
        # Picking a chip only moves the focus: the chips stay, and so does keyboard focus.
        for i, item in enumerate(self.digits.children):
            item.classList.toggle("focus", i == view.focus)
            item.firstElementChild.setAttribute("aria-pressed", "true" if i == view.focus else "false")

    def show_alternatives(self, alternatives):
        if alternatives == self.shown_alternatives:
            return
        self.shown_alternatives = alternatives
        document = js.document
        items = []
        for bar in alternatives:
            item = document.createElement("li")
            item.dataset.digit = str(bar.digit)
            item.dataset.p = f"{bar.p:.4f}"
            value = document.createElement("span")
            value.className = "value"
            value.textContent = str(bar.digit)
            label = document.createElement("span")
            label.className = "p"
            label.textContent = bar.label
            item.append(value, label)
            items.append(item)
        self.alternatives.replaceChildren(*items)


class Bar:
    """One of the ten probability bars. A read changes a few of them a little: only
    what changed is written, each through a proxy kept from the start."""

    def __init__(self, element):
        self.data = element.dataset
        self.style = element.style
        self.label = element.lastElementChild
        self.classes = element.classList
        self.shown = (None, None, None)

    def show(self, bar, best):
        p, label = f"{bar.p:.4f}", bar.label
        shown_p, shown_label, shown_best = self.shown
        if p != shown_p:
            self.data.p = p
            self.style.setProperty("--p", p)
        if label != shown_label:
            self.label.textContent = label
        if best != shown_best:
            self.classes.toggle("best", best)
        self.shown = (p, label, best)


def paint(canvas, picture):
    """A digitpad.steps.Picture on a canvas of its size, in one copy."""
    if canvas.width != picture.width or canvas.height != picture.height:
        canvas.width, canvas.height = picture.width, picture.height
    data = js.Uint8ClampedArray.new(len(picture.rgba))
    data.assign(picture.rgba)
    canvas.getContext("2d").putImageData(js.ImageData.new(data, picture.width, picture.height), 0, 0)


class Teaching:
    """The steps panel (#steps): how the digit in focus became the network's input.

    It draws only while open, and the first layer's feature maps only when a stroke
    ends: with the panel closed, reading the pad costs nothing more.
    """

    def __init__(self, app):
        document = js.document
        self.app = app
        self.toggle = document.getElementById("teach")
        self.panel = document.getElementById("steps")
        self.which = document.getElementById("steps-which")
        self.step = {
            name: self.panel.querySelector(f'[data-step="{name}"]')
            for name in ("bbox", "fit", "center", "input", "features")
        }
        self.top3 = list(document.querySelectorAll("#top3 li"))
        self.features = document.getElementById("features")
        self.open = False

    def flip(self):
        """Open or close the panel; True when it is now open."""
        self.open = not self.open
        self.toggle.setAttribute("aria-pressed", "true" if self.open else "false")
        self.panel.hidden = not self.open
        return self.open

    def reveal(self):
        """Scroll the panel into sight when it opened below the screen (on a phone it
        comes after the reading)."""
        if self.panel.getBoundingClientRect().top > js.innerHeight - 80:
            still = js.matchMedia("(prefers-reduced-motion: reduce)").matches
            options = {"block": "start", "behavior": "auto" if still else "smooth"}
            self.panel.scrollIntoView(to_js(options, dict_converter=js.Object.fromEntries))

    def show(self, reading, focus, features):
        if not self.open:
            return
        digit = reading.digits[focus] if reading.digits else None
        steps = explain(digit) if digit is not None else None
        self.panel.toggleAttribute("data-empty", steps is None)
        if steps is None:
            self.which.textContent = "Draw a digit to see each step."
            for item in self.top3:
                item.dataset.digit, item.dataset.p = "", "0"
            return
        n = len(reading.digits)
        self.which.textContent = (
            f"Digit {focus + 1} of {n} \u00b7 press another digit under the reading" if n > 1 else ""
        )

        x, y, side = steps.area
        canvas = self.part("bbox", steps.captions)
        if canvas.width != side or canvas.height != side:
            canvas.width = canvas.height = side
        ink = self.app.pad.raster(to_js(list(digit.strokes)), x, y, side, side, BRUSH_WIDTH)
        canvas.getContext("2d").putImageData(js.ImageData.new(ink, side, side), 0, 0)
        svg = self.step["bbox"].querySelector("svg")
        svg.setAttribute("viewBox", f"0 0 {side} {side}")
        place(svg.querySelector(".box"), x=steps.ink_box[0], y=steps.ink_box[1],
              width=steps.ink_box[2], height=steps.ink_box[3])

        paint(self.part("fit", steps.captions), steps.fit)

        paint(self.part("center", steps.captions), steps.boxed)
        (mx, my), (cx, cy) = steps.mass, steps.middle
        place(self.step["center"].querySelector(".mass"), cx=mx, cy=my)
        place(self.step["center"].querySelector(".shift"), x1=mx, y1=my, x2=cx, y2=cy)

        paint(self.part("input", steps.captions), steps.input)
        ax, ay = steps.mass_after
        place(self.step["input"].querySelector(".mass"), cx=ax, cy=ay)

        for item, bar in zip(self.top3, steps.top3):
            item.dataset.digit = str(bar.digit)
            item.dataset.p = f"{bar.p:.4f}"
            item.style.setProperty("--p", f"{bar.p:.4f}")
            item.firstElementChild.textContent = str(bar.digit)
            item.lastElementChild.textContent = bar.label
        if features:
            self.show_features(digit.pixels)

    def part(self, name, captions):
        """The step's canvas, with its caption set."""
        self.step[name].querySelector(".caption").textContent = captions[name]
        return self.step[name].querySelector("canvas")

    def show_features(self, pixels):
        model = self.app.model
        flat = array("f", pixels)
        input_ = js.Float32Array.new(len(flat))
        input_.assign(flat)
        maps = model.features(input_) if model is not None else None
        self.step["features"].hidden = maps is None
        if maps is not None:
            paint(self.features, feature_sheet(maps.levels.to_bytes(), maps.maps, maps.size))
            self.features.setAttribute("aria-label", f"The {maps.maps} feature maps of the network's first layer")


def place(element, **attributes):
    for name, value in attributes.items():
        element.setAttribute(name, f"{value:.2f}" if isinstance(value, float) else str(value))


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

    def __init__(self, pad, classify, calibration):
        self.pad = pad
        self.classify = classify
        self.calibration = calibration
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
            reader = Reader(rasterizer(self.pad, strokes), self.classify, calibration=self.calibration)
            describe(reader.read(strokes, self.width))
            if deadline is None or deadline.timeRemaining() < PRACTICE_READ_MS:
                break
        self.next()


class Host:
    """The page this one is embedded in, if any: it hears of each reading and may clear
    or undo (digitpad.embed checks every message; docs/embedding.md)."""

    def __init__(self, app, options):
        self.options = options
        self.pad = app.pad
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
            self.pad.clear()
        elif kind == embed.UNDO:
            self.pad.undo()


async def main():
    """Read the pad whenever it changes, from now on: static/app.js made it
    (window.digitpad), and has started the model."""
    app = js.window.digitpad
    pad = app.pad
    try:
        model = await app.modelReady
    except JsException:
        return  # the page already says the model failed to load
    if js.document.body.dataset.state == "error":
        return  # part of the site is missing or damaged, and the page says so
    classify, calibrated = classifier(model), await calibration(app)
    reader = Reader(rasterizer(pad), classify, calibration=calibrated)
    page = Page(app)
    options = embed.parse_options(js.location.search)
    host = Host(app, options)

    last = None  # (strokes, width, reading) of the last read
    pending = None  # (strokes, width, Draft, then Reading) of a live read under way

    def same_drawing(kept, strokes, width):
        return kept is not None and kept[0] == strokes and kept[1] == width

    def read(announce, drawn=None):
        """Read the pad (or ``drawn``, its strokes and width just taken) and show it."""
        nonlocal last, pending
        strokes, width = drawn or current_strokes(pad)
        started, pending = pending, None
        if same_drawing(last, strokes, width):
            reading = last[2]  # a pen lifted where the last live read saw it
        elif options.mode == embed.ONE_DIGIT:
            reading = embed.read_as_one_digit(reader, strokes, width)
        elif same_drawing(started, strokes, width):  # a pen lifted while a live read was under way
            done = started[2]
            reading = reader.finish(done) if isinstance(done, Draft) else done
        else:
            reading = reader.read(strokes, width)
        last = (strokes, width, reading)
        page.read(reading, announce)
        if announce:  # a finished stroke, a clear or an undo: not every frame of a stroke
            host.tell(embed.prediction_message(reading, options))

    def read_live():
        """One step of reading a growing stroke; True when another follows. The pad
        runs each step in a task of its own, so a pen lift waits for one step at most:
        the ink made ready for the network, then classified, then shown."""
        nonlocal pending
        drawn = None
        if pending is None:
            drawn = strokes, width = current_strokes(pad)
            if not same_drawing(last, strokes, width) and options.mode != embed.ONE_DIGIT:
                pending = (strokes, width, reader.prepare(strokes, width))
                return True
        elif isinstance(pending[2], Draft):
            strokes, width, draft = pending
            pending = (strokes, width, reader.finish(draft))
            return True
        read(announce=False, drawn=drawn)  # the last step; a frame may have added ink since the first
        return False

    # Kept for the page's lifetime: the pad calls them on every change.
    global on_changing, on_committed
    on_changing = create_proxy(read_live)
    on_committed = create_proxy(lambda: read(announce=True))
    pad.onChanging(on_changing)
    pad.onCommitted(on_committed)
    host.tell(embed.ready_message(options))
    read(announce=True)  # whatever was drawn while Python loaded
    app.started()
    Practice(pad, classify, calibrated)
