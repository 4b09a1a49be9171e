"""The steps panel (#steps): how the digit in focus became the network's input, drawn
from ``digitpad.steps``' pictures, the first layer's feature maps, and every layer of
the network (``digitpad.layers_panel``).

Runs in the browser only.
"""

import js
from pyodide.ffi import to_js

from digitpad.pad import BRUSH_WIDTH
from digitpad.preprocess import SIZE
from digitpad.steps import explain


def paint(canvas, picture):
    """A digitpad.steps.Picture on a canvas of its size, in one copy."""
    if canvas.width != picture.width or canvas.height != picture.height:
        canvas.width, canvas.height = picture.width, picture.height
    data = js.Uint8ClampedArray.new(len(picture.rgba))
    data.assign(picture.rgba)
    canvas.getContext("2d").putImageData(js.ImageData.new(data, picture.width, picture.height), 0, 0)


class StepsPanel:
    """The steps panel (#steps): how the digit in focus became the network's input.

    It draws only while open, and runs the network's layers only when a stroke ends:
    with the panel closed, reading the pad costs nothing more.
    """

    def __init__(self, app, network):
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
        self.network = network  # a LayersPanel
        self.open = False

    def flip(self):
        """Open or close the panel; True when it is now open."""
        self.open = not self.open
        self.toggle.setAttribute("aria-pressed", "true" if self.open else "false")
        self.panel.hidden = not self.open
        return self.open

    def reveal(self):
        """Scroll the panel to the top of the screen when it opened below the screen or,
        where it comes after the button (a phone's one column), in its lower half."""
        top = self.panel.getBoundingClientRect().top
        after_button = top >= self.toggle.getBoundingClientRect().bottom
        if top > js.innerHeight - 80 or (after_button and top > js.innerHeight / 2):
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
            self.network.clear()
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
            self.show_network(digit)

    def part(self, name, captions):
        """The step's canvas, with its caption set."""
        self.step[name].querySelector(".caption").textContent = captions[name]
        return self.step[name].querySelector("canvas")

    def show_network(self, digit):
        first = self.network.show(digit.pixels, digit.verdict.probabilities)
        self.step["features"].hidden = first is None
        if first is not None:
            paint(self.features, first)
            maps = (first.width + 1) // (SIZE + 1) * ((first.height + 1) // (SIZE + 1))
            self.features.setAttribute("aria-label", f"The {maps} feature maps of the network's first layer")


def place(element, **attributes):
    for name, value in attributes.items():
        element.setAttribute(name, f"{value:.2f}" if isinstance(value, float) else str(value))
