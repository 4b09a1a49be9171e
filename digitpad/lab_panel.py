"""The steps view's lab (#lab): the digit in focus prepared with steps left out, and
the page's own digitpad/preprocess.py in an editor, to change and run. What each
does to the digit and to the accuracy on a batch of held-out pen digits comes from
``digitpad.lab``; this only puts it on the page.

Nothing of it loads or runs before the steps view first opens: then the editor
(vendor/codemirror, imported by static/app.js) and the batch (static/batch.json)
are fetched, and batches are measured in slices that leave the pad drawing.

Runs in the browser only.
"""

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

import js
from pyodide.ffi import JsException, create_once_callable, create_proxy

from digitpad import lab, preprocess
from digitpad.bridge import classifier, rasterizer
from digitpad.panel import paint
from digitpad.reader import EMPTY

BATCH_URL = "static/batch.json"
# The longest a batch measurement holds the main thread before the pad gets it back.
SLICE_S = 0.012
EDITOR_LABEL = "digitpad/preprocess.py, the Python that prepares each digit: edit it, then run it"


@dataclass
class Slot:
    """An accuracy on the page and the pipeline it is of."""

    output: object  # the <output> element
    key: tuple  # what it measures: ("variant", skips) or ("code", source)
    pipeline: lab.Pipeline


class LabPanel:
    """The lab in the steps view. ``follow`` is called with each reading shown and the
    digit in focus; it does nothing while the steps view is closed."""

    def __init__(self, app, reader, live, steps):
        self.app = app
        self.reader = reader  # the page's: it reads with the learner's code when asked
        self.live = live
        self.steps = steps  # the StepsPanel, open or not
        self.started = False
        self.reading, self.focus = EMPTY, -1

    # --- the steps view ----------------------------------------------------------------

    def follow(self, reading, focus, stroke_ended):
        if not self.steps.open:
            return
        self.reading, self.focus = reading, focus
        if not self.started:
            self.start()
        elif stroke_ended:
            self.show_digit()

    def start(self):
        """Find the elements, listen to them, and fetch the editor and the batch."""
        self.started = True
        find = js.document.getElementById
        self.root = find("lab")
        self.status = find("lab-status")
        self.about = find("batch-about")
        self.skips = list(self.root.querySelectorAll("[data-skip]"))
        self.what_if = Result(find("what-if-input"), find("what-if-reading"))
        self.mine = Result(find("code-input"), find("code-reading"))
        self.mine_shown = find("code-result")
        self.code = find("code")
        self.run_button = find("run-code")
        self.reset_button = find("reset-code")
        self.use_box = find("use-code")
        self.error = find("code-error")
        self.outputs = {
            "shipped": find("shipped-accuracy"),
            "what-if": find("what-if-accuracy"),
            "code": find("batch-accuracy"),
        }
        self.pad_raster = rasterizer(self.app.pad)
        self.network = classifier(self.app.model)
        self.source = Path(preprocess.__file__).read_text()  # the very module the page runs
        self.batch = None  # a lab.Batch once fetched, False where the build has none
        self.batch_raster = None
        self.slots: dict[str, Slot] = {}  # the accuracies asked for, latest first
        self.scores: dict[tuple, lab.Score] = {}
        self.failures: dict[tuple, str] = {}
        self.runs: dict[tuple, lab.Scoring] = {}
        self.worker = None
        self.shown = {}  # each accuracy's (state, text, value) on the page
        self.code_run: lab.Pipeline | None = None  # the learner's code as last run
        self.code_source = None
        self.listeners = [
            create_proxy(self.skipped),
            create_proxy(self.run_code),
            create_proxy(self.reset_code),
            create_proxy(self.use_changed),
        ]
        for box in self.skips:
            box.addEventListener("change", self.listeners[0])
        self.run_button.addEventListener("click", self.listeners[1])
        self.reset_button.addEventListener("click", self.listeners[2])
        self.use_box.addEventListener("change", self.listeners[3])
        self.ask("shipped", ("variant", ()), lab.variant())
        self.skipped()
        asyncio.ensure_future(self.load_editor())
        asyncio.ensure_future(self.load_batch())

    async def load_editor(self):
        self.root.dataset.editor = "loading"
        try:
            await self.app.editor(self.code, self.source, EDITOR_LABEL)
        except JsException as error:
            self.root.dataset.editor = "failed"
            self.show_error(f"The editor did not load ({error}). Reload the page to try again.")
            return
        self.run_button.disabled = self.reset_button.disabled = self.use_box.disabled = False
        self.root.dataset.editor = "ready"

    async def load_batch(self):
        self.root.dataset.batch = "loading"
        try:
            response = await js.fetch(BATCH_URL)
            text = await response.text() if response.ok else None
        except JsException:
            text = None
        try:
            self.batch = lab.parse_batch(text) if text is not None else False
        except ValueError as error:
            js.console.warn(f"digitpad: {BATCH_URL} ignored: {error}")
            self.batch = False
        if self.batch is False:
            self.root.dataset.batch = "unavailable"
            self.about.textContent = (
                "This build has no batch of digits to measure on: build the site where the "
                "pen-digits data is (scripts/build.py says how)."
            )
        else:
            self.root.dataset.batch = "ready"
            self.batch_raster = rasterizer(self.app.pad, self.batch.strokes)
            self.about.textContent = f"Measured on {self.batch.source}."
        self.measure()

    # --- the digit in focus ------------------------------------------------------------

    def digit(self):
        digits = self.reading.digits
        return digits[self.focus] if digits and 0 <= self.focus < len(digits) else None

    def show_digit(self):
        self.show_what_if()
        if self.code_run is not None:
            self.show_mine()

    def input_of(self, pipeline):
        """The pipeline's input for the digit in focus and the network's answer."""
        digit = self.digit()
        if digit is None:
            return lab.NOTHING
        pixels = lab.digit_input(pipeline, self.pad_raster, digit.strokes, digit.box, self.app.pad.rasterWidth)
        return lab.seen(pixels, self.classify([pixels])[0] if pixels is not None else None)

    def show_what_if(self):
        self.what_if.show(self.input_of(self.slots["what-if"].pipeline))

    def show_mine(self):
        self.mine_shown.hidden = False
        try:
            self.mine.show(self.input_of(self.code_run))
        except lab.CodeError as error:
            self.mine.show(lab.NOTHING)
            self.show_error(f"{error}\n\n(on the digit in focus)")

    def classify(self, batch):
        """The page's network, leaving its record of the pad's last input (a test
        hook) as it was."""
        model = self.app.model
        kept = model.lastInput
        try:
            return self.network(batch)
        finally:
            model.lastInput = kept

    # --- what if -----------------------------------------------------------------------

    def skipped(self, event=None):
        skips = tuple(sorted(box.dataset.skip for box in self.skips if box.checked))
        squashing = lab.SQUASH in skips
        for box in self.skips:
            if box.dataset.skip != lab.SQUASH:
                box.disabled = squashing  # the whole pad squashed leaves nothing to skip
        if squashing:
            skips = (lab.SQUASH,)
        self.ask("what-if", ("variant", skips), lab.variant(skips))
        self.show_what_if()

    # --- the learner's code ------------------------------------------------------------

    def run_code(self, event=None):
        """Run the editor's code: on the digit in focus and on the batch, and for the
        pad's readings too when the learner asked for that."""
        source = self.code.value
        try:
            pipeline = lab.load_code(source)
        except lab.CodeError as error:
            self.show_error(str(error))
            self.code_run = self.code_source = None
            self.mine_shown.hidden = True
            self.slots.pop("code", None)
            self.render()
            if self.use_box.checked:
                self.use_box.checked = False
                self.use()
            return
        self.show_error("")
        self.code_run, self.code_source = pipeline, source
        self.show_mine()
        self.ask("code", ("code", source), pipeline)
        self.measure()
        if self.use_box.checked:
            self.use()

    def reset_code(self, event=None):
        self.code.value = self.source
        self.show_error("")
        if self.use_box.checked:
            self.run_code()

    def use_changed(self, event=None):
        if self.use_box.checked and self.code_source != self.code.value:
            self.run_code()  # uses it, unless it fails
        else:
            self.use()

    def use(self):
        """Read the pad with the learner's code as last run, or with the shipped one."""
        if self.use_box.checked and self.code_run is not None:
            self.reader.use(lab.reading_with(self.code_run, self.failed_on_pad))
        else:
            self.reader.use(None)  # the shipped prepare
        self.live.reread()

    def failed_on_pad(self, message):
        """The learner's code failed on a digit the pad read: that digit is read with
        the shipped code, and so is the pad from now on."""
        self.show_error(f"{message}\n\n(on the pad: it reads with the shipped code again)")
        self.use_box.checked = False
        self.reader.use(None)  # the shipped prepare
        js.setTimeout(create_once_callable(self.live.reread), 0)

    def show_error(self, text):
        self.error.textContent = text
        self.error.hidden = not text

    # --- accuracies on the batch --------------------------------------------------------

    def ask(self, name, key, pipeline):
        """Show the accuracy of ``pipeline`` in slot ``name``; the slot asked for last is
        measured first."""
        self.slots.pop(name, None)
        self.slots = {name: Slot(self.outputs[name], key, pipeline), **self.slots}
        self.measure()

    def measure(self):
        self.render()
        if self.worker is None and self.batch and self.pending():
            self.worker = asyncio.ensure_future(self.work())

    def pending(self):
        return [s for s in self.slots.values() if s.key not in self.scores and s.key not in self.failures]

    async def work(self):
        """Measure what the slots ask for, a slice at a time."""
        try:
            while todo := self.pending():
                key, pipeline = todo[0].key, todo[0].pipeline
                run = self.runs.get(key)
                if run is None:
                    run = self.runs[key] = lab.Scoring(self.batch, pipeline, self.batch_raster, self.classify)
                began = time.perf_counter()
                try:
                    while not run.finished and time.perf_counter() - began < SLICE_S:
                        run.step()
                except lab.CodeError as error:
                    self.failures[key] = str(error)
                    self.show_error(str(error))
                except (JsException, ValueError) as error:
                    self.failures[key] = str(error)
                    js.console.error(f"digitpad: measuring on the batch failed: {error}")
                if run.finished:
                    self.scores[key] = run.score
                if key in self.scores or key in self.failures:
                    del self.runs[key]
                self.render()
                await asyncio.sleep(0)  # the pad's turn
        finally:
            self.worker = None

    def render(self):
        for name, output in self.outputs.items():
            slot = self.slots.get(name)
            if slot is None:
                state, text, value = "", "", ""
            elif self.batch is False:
                state, text, value = "unavailable", "no batch", ""
            elif slot.key in self.scores:
                score = self.scores[slot.key]
                state, text, value = "done", score.text, f"{score.fraction:.4f}"
            elif slot.key in self.failures:
                state, text, value = "failed", "failed", ""
            elif slot.key in self.runs:
                run = self.runs[slot.key]
                state, text, value = "running", f"measuring… {run.done} of {run.total}", ""
            else:
                state, text, value = "waiting", "measuring…", ""
            if self.shown.get(name) != (state, text, value):
                self.shown[name] = (state, text, value)
                output.dataset.state, output.dataset.value = state, value
                output.textContent = text
                output.setAttribute("aria-busy", "true" if state in ("running", "waiting") else "false")


class Result:
    """A pipeline's input for the digit in focus and what it reads: a canvas and an
    <output> whose data-value is the digit ("" for none)."""

    def __init__(self, canvas, output):
        self.canvas = canvas
        self.output = output

    def show(self, seen):
        if seen.picture is None:
            self.canvas.getContext("2d").clearRect(0, 0, self.canvas.width, self.canvas.height)
        else:
            paint(self.canvas, seen.picture)
        self.output.dataset.value = "" if seen.digit < 0 else str(seen.digit)
        self.output.dataset.p = f"{seen.p:.4f}"
        self.output.textContent = seen.text or "nothing: draw a digit"
