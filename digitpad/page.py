"""The page: the pad (static/pad.js) and the model (static/model.js), made by
static/app.js on ``window.digitpad``, read through one ``Reader`` and shown.

It only wires the parts, each a module of its own: ``bridge`` (the pad and the model as
the reader's raster and classifier), ``live`` (reading while a stroke grows),
``display`` (the reading on the page), ``panel``, ``layers_panel`` and ``lab_panel``
(the steps view), ``personal_panel`` (learning a person's handwriting), ``host`` (the page this one is embedded in) and ``warmup``. It does
nothing when imported: Python's snapshot (scripts/snapshot.mjs) imports it at build
time, and main.py calls ``main()`` on the page.
"""

import asyncio

import js
from pyodide.ffi import JsException, create_proxy, to_js

from digitpad import embed, lab
from digitpad.bridge import calibration, classifier, current_strokes, rasterizer
from digitpad.display import Display
from digitpad.host import Host
from digitpad.live import LiveRead
from digitpad.lab_panel import LabPanel
from digitpad.layers_panel import LayersPanel
from digitpad.panel import StepsPanel
from digitpad.personal_panel import PersonalPanel
from digitpad.reader import Reader
from digitpad.warmup import Practice


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
    options = embed.options_from(app.options.to_py())
    one_digit = options.mode == embed.ONE_DIGIT
    reader = Reader(rasterizer(pad), classify, calibration=calibrated, one_digit=one_digit)
    display = Display(StepsPanel(app, LayersPanel(app)))
    host = Host(app, options)

    def show(reading, announce):
        display.read(reading, announce)
        if announce:  # a finished stroke, a clear or an undo: not every frame of a stroke
            host.tell(embed.prediction_message(reading, options))

    live = LiveRead(reader, lambda: current_strokes(pad), show)
    display.followers.append(LabPanel(app, reader, live, display.panel).follow)
    # Kept for the page's lifetime: the pad calls them on every change.
    global on_changing, on_committed
    on_changing = create_proxy(live.step)
    on_committed = create_proxy(live.lift)
    pad.onChanging(on_changing)
    pad.onCommitted(on_committed)
    host.tell(embed.ready_message(options))
    def read_drawings(text):
        """What the page reads of each drawing of a file in static/batch.json's format,
        through its own reader, canvas and model: for the benchmarks."""
        batch = lab.parse_batch(text)
        read = []
        for indices in batch.digits:
            strokes = [batch.strokes[i] for i in indices]
            one = Reader(rasterizer(pad, strokes), classify, calibration=calibrated, one_digit=one_digit)
            read.append(one.read(strokes, batch.width, batch.height).text)
        return to_js(read)

    global read_drawings_proxy
    read_drawings_proxy = app.readDrawings = create_proxy(read_drawings)
    mine = PersonalPanel(app, model, reader, live, classify)
    display.followers.append(mine.follow)
    live.lift()  # whatever was drawn while Python loaded
    app.started()
    # The examples and the model learned here before come from the device's store once
    # the page reads; should there be such a model, the pad is read again with it.
    asyncio.ensure_future(mine.start())
    Practice(pad, classify, calibrated, one_digit)
