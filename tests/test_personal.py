"""digitpad.personal under CPython: examples from a reading, stored records, the lesson
learning takes, the replay's inputs and a teacher's collection."""

import random

import pytest

from digitpad import lab, personal
from digitpad.api import load_calibration, load_network, stroke_reader
from digitpad.examples import MAX_EXAMPLES, Example, ExamplesError
from digitpad.pad import RASTER_HEIGHT
from digitpad.preprocess import SIZE
from digitpad.reader import Reader
from digitpad.render import rasterize
from tests import datasets
from train import pendigits

PIXELS = SIZE * SIZE


def example(label=3, shift=0.0, value=0.5):
    return Example(label, (((10.0 + shift, 20.0), (30.0, 40.5)),), 300, (value,) * PIXELS)


@pytest.fixture(scope="module")
def samples():
    return pendigits.by_writers(pendigits.load(datasets.pendigits()), pendigits.HELD_OUT_WRITERS)


def raster_of(strokes):
    """The canvas's raster, as digitpad.api draws it under CPython."""

    def raster(indices, x0, y0, w, h, brush):
        moved = [[(x - x0, y - y0) for x, y in strokes[i]] for i in indices]
        return rasterize(moved, w, h, brush).tobytes()

    return raster


def test_an_example_of_a_number_is_the_digit_in_focus_with_its_own_strokes(samples):
    four = next(s for s in samples if s.label == 4)
    seven = next(s for s in samples if s.label == 7)
    left = pendigits.on_pad(four, RASTER_HEIGHT, left=0, top=0)
    right = pendigits.on_pad(seven, RASTER_HEIGHT, left=320, top=0)
    strokes, width = left + right, 700
    reading = stroke_reader(strokes, load_network(), load_calibration()).read(strokes, width)
    assert len(reading.digits) == 2 and reading.digits[1].strokes == tuple(range(len(left), len(strokes)))
    made = personal.example_of(reading, 1, strokes, width, 1)
    assert made.label == 1 and made.width == width
    assert made.strokes == tuple(tuple(s) for s in right)
    assert made.pixels == reading.digits[1].pixels
    with pytest.raises(ExamplesError, match="no digit 3"):
        personal.example_of(reading, 2, strokes, width, 1)


def test_a_record_round_trips_and_a_damaged_one_says_so():
    original = Example(7, (((1.25, 2.5), (3.0, 4.0)), ((5.0, 6.0),)), 640, tuple(i / 783 for i in range(PIXELS)))
    record = personal.to_record(original)
    assert record["strokes"] == [[1.25, 2.5, 3.0, 4.0], [5.0, 6.0]]
    back = personal.from_record(record)
    assert (back.label, back.width, back.strokes) == (original.label, original.width, original.strokes)
    assert max(abs(a - b) for a, b in zip(back.pixels, original.pixels)) <= 0.5 / 255 + 1e-9
    for broken in ({**record, "pixels": b"\0" * 10}, {**record, "label": 12}, {"label": 1}):
        with pytest.raises(ExamplesError):
            personal.from_record(broken)


def test_new_examples_leaves_out_those_kept_and_repeats_and_caps_the_total():
    kept = [example(3), example(4)]
    incoming = [example(3), example(5), example(5), example(3, shift=1.0)]
    fresh = personal.new_examples(kept, incoming)
    assert [(e.label, e.strokes[0][0][0]) for e in fresh] == [(5, 10.0), (3, 11.0)]
    with pytest.raises(ExamplesError, match="at most"):
        personal.new_examples([example(1)] * MAX_EXAMPLES, [example(2)])


def test_a_lesson_repeats_each_example_beside_the_replay():
    examples = [example(1, value=1.0), example(2, value=0.0)]
    replay = [(9, (0.5,) * PIXELS)] * 5
    lesson = personal.lesson(examples, replay)
    repeated = personal.EXAMPLE_REPEATS * 2
    assert lesson.count == repeated + 5 and lesson.examples == 2
    assert list(lesson.labels) == [1, 2] * personal.EXAMPLE_REPEATS + [9] * 5
    assert len(lesson.pixels) == lesson.count * PIXELS
    assert lesson.pixels[:PIXELS] == b"\xff" * PIXELS and lesson.pixels[PIXELS : 2 * PIXELS] == b"\0" * PIXELS
    assert lesson.pixels[-1] == 128
    with pytest.raises(ExamplesError, match="nothing to learn"):
        personal.lesson([], replay)
    with pytest.raises(ExamplesError, match="replay"):
        personal.lesson(examples, [])
    with pytest.raises(ExamplesError):
        personal.lesson(examples, [(3, (0.0,) * 10)])


def test_the_replay_inputs_are_what_the_reader_makes_of_each_drawing(samples):
    rng = random.Random(3)
    chosen = rng.sample(samples, 12)
    batch = lab.parse_batch(lab.batch_json(
        [(s.label, pendigits.on_pad(s, RASTER_HEIGHT)) for s in chosen], RASTER_HEIGHT, RASTER_HEIGHT, "test"
    ))
    inputs = list(personal.replay_inputs(batch, raster_of(batch.strokes)))
    assert [label for label, _ in inputs] == [s.label for s in chosen]
    calibration = load_calibration()
    for (label, pixels), indices in zip(inputs, batch.digits):
        strokes = [batch.strokes[i] for i in indices]
        one = Reader(raster_of(strokes), lambda b: [[0.1] * 10 for _ in b], calibration=calibration,
                     one_digit=True)
        assert one.read(strokes, batch.width, batch.height).digits[0].pixels == pixels


def test_a_collection_asks_for_each_digit_in_turn():
    collection = personal.Collection(2)
    asked = []
    while not collection.finished:
        asked.append(collection.digit)
        collection = collection.kept()
    assert asked == [d for d in range(10) for _ in range(2)]
    assert personal.Collection(2, 3).prompt == "Draw a 1 (2 of 2)"
    assert collection.digit is None and collection.prompt.startswith("Done: 20 drawings")
    assert collection.kept() == collection
    for wrong in (0, personal.MAX_COLLECT_PER_DIGIT + 1):
        with pytest.raises(ValueError, match="drawings of each digit"):
            personal.Collection(wrong)


def test_counts_by_digit():
    assert personal.counts([example(3), example(3), example(0)]) == (1, 0, 0, 2, 0, 0, 0, 0, 0, 0)
