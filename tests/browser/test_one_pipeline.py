"""The page and ``digitpad.predict_strokes`` are one pipeline: on numbers written by
held-out writers, drawn on the real page, they read the same text, and each digit is sure
on both or unsure on both. The page draws with Chromium's canvas and TF.js, predict_strokes with
numpy's stand-ins; both group, cut and decide with the same ``Reader``. The pixels of
the two rasters differ a little, so a digit flagged on both may be "unsure" on one
and "not a digit" on the other, where its score sits on the line between them."""

import random

from digitpad import predict_strokes
from digitpad.pad import BRUSH_WIDTH
from tests.browser import helpers
from train import pendigits

NUMBERS = 300

# Puts each drawing's strokes on the pad (each commits and reads, as a pen lift does)
# and returns what the page shows: the text and each digit's verdict.
READ_ALL = r"""
(drawings) => drawings.map((strokes) => {
  digitpad.pad.clear();
  for (const stroke of strokes) digitpad.pad.addStroke(stroke);
  const verdicts = [...document.querySelectorAll("#digits li")].map((li) => li.dataset.verdict);
  return [document.getElementById("prediction").dataset.value, verdicts];
})
"""


def numbers(width):
    by_writer = {}
    for s in helpers.held_out_samples():
        by_writer.setdefault(s.writer, []).append(s)
    rng = random.Random(7)
    drawn = []
    for _ in range(NUMBERS):
        pool = by_writer[rng.choice(sorted(by_writer))]
        chosen = [rng.choice(pool) for _ in range(rng.choice((2, 3)))]
        strokes, _ = pendigits.written_number(chosen, rng)
        # Smaller where the pad is too narrow for the number, and centred on it.
        xs = [x for stroke in strokes for x, _ in stroke]
        k = min(1.0, (width - 2 * BRUSH_WIDTH) / (max(xs) - min(xs)))
        shift = (width - k * (max(xs) - min(xs))) / 2
        drawn.append([[(shift + k * (x - min(xs)), k * y) for x, y in stroke] for stroke in strokes])
    return drawn


def verdicts_of(prediction):
    return [d.verdict.kind for d in prediction.digits]


def sure(kinds):
    return [kind == "digit" for kind in kinds]


def test_the_page_and_predict_strokes_read_every_number_alike(pad):
    width = helpers.raster_width(pad)
    drawings = numbers(width)
    assert all(0 <= x <= width for d in drawings for s in d for x, _ in s)
    shown = pad.evaluate(READ_ALL, [[[list(p) for p in s] for s in d] for d in drawings])
    helpers.clear(pad)
    differ, kinds_differ = [], 0
    for strokes, (text, kinds) in zip(drawings, shown):
        python = predict_strokes(strokes, width=width)
        kinds_differ += verdicts_of(python) != kinds
        if (python.text, sure(verdicts_of(python))) != (text, sure(kinds)):
            differ.append(((text, kinds), (python.text, verdicts_of(python))))
    print(f"\n{len(drawings)} numbers: page and predict_strokes differ on {len(differ)}; "
          f"a flagged digit's kind differs on {kinds_differ}")
    assert differ == []
