"""The page's "Your handwriting" part: the ten buttons that label a reading (#correct),
the examples kept on the device (#examples), learning from them (#learn), the switch
between the learned model and the original (#use-personal), #forget, a teacher's
collection (#collect), and the examples zip (#export, #import).

What an example is, what learning learns from and how a collection goes come from
``digitpad.personal``; the examples zip from ``digitpad.examples``. The examples and
the learned model are kept in IndexedDB by static/store.js, and static/learn.js
fine-tunes the model. Where the device keeps nothing, or is full, the page says so and
keeps what it can for the visit; the original model reads on regardless.

Runs in the browser only.
"""

import asyncio
import time

import js
from pyodide.ffi import JsException, create_proxy, to_js

from digitpad import lab, personal
from digitpad.bridge import current_strokes, rasterizer
from digitpad.examples import Example, ExamplesError, from_zip, to_zip
from digitpad.reader import EMPTY, Reader
from digitpad.view import grayscale_rgba

REPLAY_URL = "static/replay.json"
EXPORT_NAME = "digitpad-examples.zip"
# The longest preparing the replay holds the main thread before the pad gets it back.
SLICE_S = 0.012
# The most examples the review list shows, latest first.
REVIEW_MOST = 200
ORIGINAL, PERSONAL = "original", "personal"


def storage_kind(error) -> str:
    """What a StorageError from static/store.js says happened: denied, full or failed."""
    found = getattr(error, "js_error", error)
    return str(getattr(found, "kind", None) or "failed")


def storage_text(error) -> str:
    found = getattr(error, "js_error", error)
    return str(getattr(found, "message", None) or error)


class PersonalPanel:
    """Everything that learns a person's handwriting, on the page. ``follow`` is called
    with each reading shown and the digit in focus."""

    def __init__(self, app, model, reader, live, classify):
        document = js.document
        find = document.getElementById
        self.app, self.model, self.reader, self.live = app, model, reader, live
        self.pad = app.pad
        # A collection's drawing is one digit, read as the page reads in one-digit mode.
        self.whole = Reader(rasterizer(app.pad), classify, calibration=reader.calibration, one_digit=True)
        self.body = document.body
        self.root = find("personal")
        self.correct = find("correct")
        self.examples_box = find("examples")
        self.count_text = self.examples_box.querySelector(".count")
        self.list = find("example-list")
        self.learn_button = find("learn")
        self.progress = find("learn-progress")
        self.switch = find("use-personal")
        self.forget_button = find("forget")
        self.collect_button = find("collect")
        self.collect_count = find("collect-count")
        self.collecting = find("collecting")
        self.prompt = find("prompt")
        self.export_button = find("export")
        self.import_input = find("import")
        self.status = find("personal-status")
        self.reading, self.focus = EMPTY, -1
        self.store = None  # static/store.js's Store, or None where the device keeps nothing
        self.examples: list[tuple[object, Example]] = []  # (stored id or None, example)
        self.head = None  # the learned head (JS object), when there is one
        self.replay = None  # [(label, input)] once prepared
        self.learning = None
        self.collection = None
        self.listeners = []
        for element, event, handler in (
            (self.correct, "click", self.label),
            (self.learn_button, "click", self.learn),
            (self.switch, "change", self.switched),
            (self.forget_button, "click", self.forget),
            (self.examples_box, "toggle", self.review),
            (self.list, "click", self.delete),
            (self.collect_button, "click", self.collect),
            (find("keep"), "click", self.keep_drawing),
            (self.export_button, "click", self.export),
            (self.import_input, "change", self.import_zip),
            (js.window, "keydown", self.key),
        ):
            proxy = create_proxy(handler)
            self.listeners.append(proxy)
            element.addEventListener(event, proxy)
        self.body.dataset.model = ORIGINAL
        self.root.hidden = False

    async def start(self):
        """Open the store, and take up the examples and the model kept there."""
        try:
            self.store = await self.app.openStore()
        except JsException as error:
            self.say(self.storage_message(error, "Nothing can be kept on this device"), alert=True)
            self.show()
            return
        try:
            records = (await self.store.examples()).to_py()
            record = await self.store.personal()
        except JsException as error:
            self.say(self.storage_message(error, "Your examples could not be read"), alert=True)
            self.show()
            return
        damaged = 0
        for stored in records:
            try:
                self.examples.append((stored["id"], personal.from_record(stored)))
            except ExamplesError:
                damaged += 1
        if damaged:
            self.say(f"{damaged} stored example{'' if damaged == 1 else 's'} could not be read and "
                     f"{'was' if damaged == 1 else 'were'} left out.")
        if record:
            self.take_up(record)
        self.show()

    def take_up(self, record):
        """Use the stored model, if it is one of this model; else say why not."""
        if record.version != self.model.version:
            self.say("Your learned model was made for another version of the digit model, so the "
                     "original reads. Learn again to make one for this version.", alert=True)
            return
        try:
            self.model.useHead(record.weights)
        except JsException as error:
            self.say(f"Your learned model is damaged ({storage_text(error)}), so the original reads. "
                     "Learn again to make a new one.", alert=True)
            return
        self.head = record.weights
        self.body.dataset.model = PERSONAL
        self.model_changed()

    # --- labelling ----------------------------------------------------------------------

    def follow(self, reading, focus, stroke_ended):
        self.reading, self.focus = reading, focus
        self.correct.hidden = reading.empty or self.collection is not None

    def label(self, event):
        button = event.target.closest("button[data-digit]")
        if button is None or self.reading.empty:
            return
        strokes, width = current_strokes(self.pad)
        digit = int(button.dataset.digit)
        try:
            example = personal.example_of(self.reading, self.focus, strokes, width, digit)
        except (ExamplesError, IndexError) as error:
            self.say(f"That drawing could not be kept ({error}).", alert=True)
            return
        asyncio.ensure_future(self.keep([example], f"Kept as a {digit}."))

    async def keep(self, examples, done):
        """Keep examples on the device (for this visit only where it keeps nothing)."""
        ids = [None] * len(examples)
        note = ""
        if self.store is not None:
            try:
                found = await self.store.add(to_js([personal.to_record(e) for e in examples],
                                                   dict_converter=js.Object.fromEntries))
                ids = list(found.to_py())
            except JsException as error:
                note = " " + self.storage_message(error, "It is kept for this visit only")
        self.examples += list(zip(ids, examples))
        self.show()
        self.say(done + note, alert=bool(note))
        self.fetch_replay()

    # --- the examples -------------------------------------------------------------------

    def show(self):
        n = len(self.examples)
        self.examples_box.dataset.count = str(n)
        self.count_text.textContent = (
            "No examples yet" if not n else f"{n} example{'s' if n != 1 else ''} · "
            + " ".join(f"{d}×{c}" for d, c in enumerate(personal.counts([e for _, e in self.examples])) if c)
        )
        learning = self.learning is not None
        self.learn_button.disabled = not n or learning
        self.export_button.disabled = not n
        self.forget_button.disabled = (not n and self.head is None) or learning
        self.switch.disabled = self.head is None or learning
        self.switch.checked = self.body.dataset.model == PERSONAL
        if self.examples_box.open:
            self.render_list()

    def review(self, event=None):
        if self.examples_box.open:
            self.render_list()

    def render_list(self):
        document = js.document
        items = []
        for index in range(len(self.examples) - 1, max(-1, len(self.examples) - 1 - REVIEW_MOST), -1):
            _, example = self.examples[index]
            item = document.createElement("li")
            canvas = document.createElement("canvas")
            canvas.width = canvas.height = 28
            canvas.setAttribute("role", "img")
            canvas.setAttribute("aria-label", f"a drawing labelled {example.label}")
            paint_input(canvas, example.pixels)
            label = document.createElement("span")
            label.className = "value"
            label.textContent = str(example.label)
            remove = document.createElement("button")
            remove.type = "button"
            remove.className = "link"
            remove.dataset.index = str(index)
            remove.textContent = "Delete"
            remove.setAttribute("aria-label", f"Delete this {example.label}")
            item.append(canvas, label, remove)
            items.append(item)
        self.list.replaceChildren(*items)

    def delete(self, event):
        button = event.target.closest("button[data-index]")
        if button is None:
            return
        asyncio.ensure_future(self.delete_example(int(button.dataset.index)))

    async def delete_example(self, index):
        stored, example = self.examples[index]
        if self.store is not None and stored is not None:
            try:
                await self.store.remove(to_js([stored]))
            except JsException as error:
                self.say(self.storage_message(error, "That example could not be deleted"), alert=True)
                return
        del self.examples[index]
        self.show()
        self.say(f"Deleted a {example.label}.")

    # --- learning -----------------------------------------------------------------------

    def fetch_replay(self):
        """Ask for the replay set once there is something to learn, so that it is
        stored for offline use before learning needs it."""
        if self.replay is None:
            self.replay = asyncio.ensure_future(self.prepare_replay())

    async def prepare_replay(self):
        """The replay set's (label, input) pairs, prepared in slices; ExamplesError when
        this build has none."""
        try:
            response = await js.fetch(REPLAY_URL)
            text = await response.text() if response.ok else None
        except JsException:
            text = None
        if text is None:
            raise ExamplesError("this build has no pen digits to replay (build it where the pen-digits data is)")
        try:
            batch = lab.parse_batch(text)
        except ValueError as error:
            raise ExamplesError(f"{REPLAY_URL} is damaged ({error})") from None
        inputs = personal.replay_inputs(batch, rasterizer(self.pad, batch.strokes))
        found = []
        began = time.perf_counter()
        for item in inputs:
            found.append(item)
            if time.perf_counter() - began > SLICE_S:
                self.progress.value = 0.2 * len(found) / len(batch)
                await asyncio.sleep(0)  # the pad's turn
                began = time.perf_counter()
        return found

    def learn(self, event=None):
        if self.learning is None and self.examples:
            self.learning = asyncio.ensure_future(self.run_learning())

    async def run_learning(self):
        began = time.perf_counter()
        self.body.dataset.learning = ""
        self.progress.hidden = False
        self.progress.value = 0
        self.show()
        self.say("Learning your handwriting… you can keep drawing.")
        examples = [e for _, e in self.examples]
        try:
            self.fetch_replay()
            try:
                replay = await self.replay
            except ExamplesError:
                self.replay = None  # try again next time
                raise
            lesson = personal.lesson(examples, replay)

            def progress(fraction):
                self.progress.value = 0.2 + 0.8 * fraction

            head = await self.app.learn(self.model, to_js({
                "pixels": js.Uint8Array.new(to_js(lesson.pixels)),
                "labels": js.Uint8Array.new(to_js(lesson.labels)),
                "epochs": lesson.epochs,
                "batchSize": lesson.batch_size,
                "rate": lesson.rate,
                "seed": lesson.seed,
            }, dict_converter=js.Object.fromEntries), create_proxy(progress))
            self.model.useHead(head)
        except (ExamplesError, JsException) as error:
            self.say(f"Learning stopped: {error}. The model reads as before.", alert=True)
            return
        finally:
            self.learning = None
            del self.body.dataset.learning
            self.progress.hidden = True
        seconds = time.perf_counter() - began
        self.learn_button.dataset.ms = str(round(seconds * 1000))
        self.head = head
        self.body.dataset.model = PERSONAL
        self.model_changed()
        self.show()
        note = ""
        if self.store is not None:
            try:
                await self.store.keepPersonal(to_js({
                    "version": self.model.version, "weights": head, "examples": len(examples),
                }, dict_converter=js.Object.fromEntries))
            except JsException as error:
                note = " " + self.storage_message(error, "It is used for this visit only")
        self.show()
        self.say(f"Learned from your {len(examples)} example{'s' if len(examples) != 1 else ''} "
                 f"in {seconds:.1f} s: it now reads with your model.{note}", alert=bool(note))

    def switched(self, event=None):
        use = bool(self.switch.checked) and self.head is not None
        try:
            self.model.useHead(self.head if use else None)
        except JsException as error:
            self.say(f"Your learned model could not be used ({storage_text(error)}).", alert=True)
            use = False
            self.model.useHead(None)
        self.body.dataset.model = PERSONAL if use else ORIGINAL
        self.model_changed()
        self.show()
        self.say("It reads with your model." if use else "It reads with the original model.")

    def model_changed(self):
        """Read the pad afresh: what the network says of every digit has changed."""
        self.reader.forget_reads()
        self.live.reread()

    def forget(self, event=None):
        asyncio.ensure_future(self.forget_all())

    async def forget_all(self):
        if self.store is not None:
            try:
                await self.store.forget()
            except JsException as error:
                self.say(self.storage_message(error, "Nothing was forgotten"), alert=True)
                return
        n = len(self.examples)
        self.examples = []
        self.head = None
        self.model.useHead(None)
        self.body.dataset.model = ORIGINAL
        self.model_changed()
        self.show()
        self.say(f"Forgot {n} example{'s' if n != 1 else ''} and your model: it reads with the original.")

    # --- a teacher's collection ----------------------------------------------------------

    def collect(self, event=None):
        if self.collection is not None:
            self.stop_collecting()
            return
        try:
            per_digit = int(self.collect_count.value)
            self.collection = personal.Collection(per_digit)
        except ValueError:
            self.say(f"Ask for 1 to {personal.MAX_COLLECT_PER_DIGIT} drawings of each digit.", alert=True)
            return
        self.collect_button.setAttribute("aria-pressed", "true")
        self.collect_button.textContent = "Stop collecting"
        self.collecting.hidden = False
        self.body.dataset.collecting = ""
        self.correct.hidden = True
        self.pad.clear()
        self.show_prompt()
        js.document.getElementById("keep").focus()  # Enter keeps each drawing

    def stop_collecting(self):
        self.collection = None
        self.collect_button.setAttribute("aria-pressed", "false")
        self.collect_button.textContent = "Collect a class set"
        self.collecting.hidden = True
        del self.body.dataset.collecting

    def show_prompt(self):
        self.prompt.textContent = self.collection.prompt
        self.prompt.dataset.digit = "" if self.collection.digit is None else str(self.collection.digit)

    def key(self, event):
        if event.key == "Enter" and self.collection is not None and not event.defaultPrevented:
            target = event.target
            if target.tagName not in ("BUTTON", "INPUT", "TEXTAREA", "SUMMARY"):
                event.preventDefault()
                self.keep_drawing()

    def keep_drawing(self, event=None):
        collection = self.collection
        if collection is None or collection.finished:
            return
        strokes, width = current_strokes(self.pad)
        reading = self.whole.read(strokes, width)
        if reading.empty:
            self.say(f"Draw a {collection.digit} first.", alert=True)
            return
        example = personal.example_of(reading, 0, strokes, width, collection.digit)
        self.collection = collection.kept()
        self.pad.clear()
        asyncio.ensure_future(self.keep([example], f"Kept a {collection.digit}."))
        self.show_prompt()
        if self.collection.finished:
            self.stop_collecting()
            self.say(f"{self.collection_done(collection)} Export them as a zip for the class's notebook.")

    @staticmethod
    def collection_done(collection):
        return f"Collected {collection.total} drawings, {collection.per_digit} of each digit."

    # --- the examples zip -----------------------------------------------------------------

    def export(self, event=None):
        if not self.examples:
            return
        data = to_zip([e for _, e in self.examples])
        self.app.download(js.Uint8Array.new(to_js(data)), EXPORT_NAME, "application/zip")
        self.say(f"Exported {len(self.examples)} examples as {EXPORT_NAME}.")

    def import_zip(self, event=None):
        files = self.import_input.files
        if files.length:
            asyncio.ensure_future(self.import_file(files.item(0)))

    async def import_file(self, file):
        name = file.name
        try:
            data = (await file.arrayBuffer()).to_bytes()
            incoming = from_zip(data)
            fresh = personal.new_examples([e for _, e in self.examples], incoming)
        except ExamplesError as error:
            self.say(f"{name} was not imported: {error}. Nothing you had was changed.", alert=True)
            return
        except JsException as error:
            self.say(f"{name} could not be read ({error}). Nothing you had was changed.", alert=True)
            return
        finally:
            self.import_input.value = ""
        known = len(incoming) - len(fresh)
        await self.keep(fresh, f"Imported {len(fresh)} example{'s' if len(fresh) != 1 else ''} from {name}"
                        + (f" ({known} you had already)." if known else "."))

    # --- messages -----------------------------------------------------------------------

    def storage_message(self, error, what):
        kind = storage_kind(error)
        if kind == "full":
            why = "this device's storage for the page is full: delete some examples, or export and forget them"
        elif kind == "denied":
            why = "this browser keeps nothing for the page (private browsing, or storage turned off)"
        else:
            why = storage_text(error)
        return f"{what}: {why}. The original model reads as ever."

    def say(self, text, alert=False):
        self.status.textContent = text
        self.status.dataset.alert = "true" if alert else "false"


def paint_input(canvas, pixels):
    """A 28x28 input on its canvas, as the page shows what the network sees."""
    rgba = grayscale_rgba(pixels)
    data = js.Uint8ClampedArray.new(len(rgba))
    data.assign(rgba)
    canvas.getContext("2d").putImageData(js.ImageData.new(data, 28, 28), 0, 0)
