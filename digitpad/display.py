"""The elements that show a reading: the headline, its sureness, the digits' chips,
the ten bars and the 28x28 input. They only copy a ``digitpad.view.View``, and write
only what changed since the last one.

Runs in the browser only.
"""

import js
from pyodide.ffi import create_proxy

from digitpad.reader import EMPTY
from digitpad.view import describe


class Display:
    """The elements that show a reading. The steps panel (``digitpad.panel``) follows
    the digit in focus: the latest, or the one picked from the chips."""

    def __init__(self, panel):
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
        self.panel = panel
        # Parts of the steps view beside the panel (digitpad.lab_panel): each is called
        # as the panel is, with the reading, the digit in focus and whether a stroke ended.
        self.followers = []
        self.listeners = [create_proxy(self.pick), create_proxy(self.flip_teaching)]
        self.digits.addEventListener("click", self.listeners[0])
        self.panel.toggle.addEventListener("click", self.listeners[1])
        self.panel.toggle.disabled = False

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
        if self.panel.flip():
            self.teach(features=True)
            self.panel.reveal()

    def teach(self, features):
        digits = self.reading.digits
        focus = self.chosen if self.chosen is not None and self.chosen < len(digits) else self.reading.focus
        self.panel.show(self.reading, focus, features)
        for follow in self.followers:
            follow(self.reading, focus, features)

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
