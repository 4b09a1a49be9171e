"""Learning a person's handwriting: the examples they label, the lesson the page's
model learns from them, and a teacher's collection of a class's drawings.

A person corrects a reading by saying which digit they wrote; the drawing becomes an
``Example`` (``digitpad.examples``), kept on their device. Learning fine-tunes the
network's dense layers, on top of its frozen convolutions, with those examples and a
replay of pen digits by the writers the network trained on (static/replay.json), so
that it learns this hand without forgetting everyone else's. ``lesson`` says what it
learns from and how; static/learn.js runs it with TensorFlow.js.

Standard library only: the page runs it, and the tests run it under CPython.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from digitpad.decide import CLASSES
from digitpad.examples import MAX_EXAMPLES, Example, ExamplesError, grey
from digitpad.lab import Batch, digit_input, variant
from digitpad.pad import Stroke
from digitpad.preprocess import SIZE
from digitpad.reader import Raster, Reading, raster_box

PIXELS = SIZE * SIZE
# Pen digits of each class the build puts in static/replay.json.
REPLAY_PER_DIGIT = 40
# How the dense layers learn: each of the person's examples counts this many times in
# an epoch beside the replay, for this many epochs of Adam on batches of this size.
EXAMPLE_REPEATS = 5
EPOCHS = 10
BATCH_SIZE = 32
LEARNING_RATE = 3e-4
SEED = 2026
# A collection asks for this many drawings of each digit unless the teacher says.
COLLECT_PER_DIGIT = 5
MAX_COLLECT_PER_DIGIT = 100


def example_of(reading: Reading, index: int, strokes: Sequence[Stroke], width: int, label: int) -> Example:
    """The digit at ``index`` of a reading of ``strokes`` (the drawing it read, on a pad
    ``width`` raster pixels wide), labelled ``label``: its own strokes and its input."""
    if not 0 <= index < len(reading.digits):
        raise ExamplesError(f"the reading has no digit {index + 1}: it reads {len(reading.digits)}")
    digit = reading.digits[index]
    return Example(
        label=label,
        strokes=tuple(tuple(strokes[i]) for i in digit.strokes),
        width=width,
        pixels=digit.pixels,
    )


def to_record(example: Example) -> dict:
    """An example as the page stores it (static/store.js): plain numbers and the input
    as bytes 0 to 255, as the examples zip keeps it."""
    return {
        "label": example.label,
        "width": example.width,
        "strokes": [[round(c, 2) for point in stroke for c in point] for stroke in example.strokes],
        "pixels": grey(example.pixels),
    }


def from_record(record: Mapping) -> Example:
    """An example from a stored record; ExamplesError when the record is damaged."""
    try:
        pixels = bytes(record["pixels"])
        return Example(
            label=record["label"],
            width=record["width"],
            strokes=tuple(
                tuple((float(x), float(y)) for x, y in zip(flat[0::2], flat[1::2])) for flat in record["strokes"]
            ),
            pixels=tuple(v / 255 for v in pixels),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ExamplesError(f"a stored example is damaged ({error})") from None


def new_examples(kept: Sequence[Example], incoming: Sequence[Example]) -> list[Example]:
    """Those of ``incoming`` that are not kept already, nor repeated among themselves;
    ExamplesError when keeping them would pass MAX_EXAMPLES."""
    seen = {_key(example) for example in kept}
    fresh = []
    for example in incoming:
        key = _key(example)
        if key not in seen:
            seen.add(key)
            fresh.append(example)
    if len(kept) + len(fresh) > MAX_EXAMPLES:
        raise ExamplesError(
            f"that would make {len(kept) + len(fresh):,} examples; the page keeps at most "
            f"{MAX_EXAMPLES:,}: delete some, or export them and forget them first"
        )
    return fresh


def _key(example: Example) -> tuple:
    return (
        example.label,
        example.width,
        tuple(tuple((round(x, 2), round(y, 2)) for x, y in stroke) for stroke in example.strokes),
    )


@dataclass(frozen=True)
class Lesson:
    """What the dense layers learn from, as static/learn.js takes it: ``count`` images
    (PIXELS bytes each, 0 to 255) and their labels, and how to learn them."""

    pixels: bytes
    labels: bytes
    examples: int  # how many of the images are the person's, before repeating
    epochs: int = EPOCHS
    batch_size: int = BATCH_SIZE
    rate: float = LEARNING_RATE
    seed: int = SEED

    @property
    def count(self) -> int:
        return len(self.labels)


def lesson(examples: Sequence[Example], replay: Sequence[tuple[int, Sequence[float]]]) -> Lesson:
    """The lesson of these examples beside the replayed (label, input) pairs: each
    example EXAMPLE_REPEATS times, then the replay."""
    if not examples:
        raise ExamplesError("there is nothing to learn yet: label a drawing first")
    if not replay:
        raise ExamplesError("there are no pen digits to replay, so learning would forget them")
    items = [(e.label, e.pixels) for e in examples] * EXAMPLE_REPEATS + list(replay)
    for label, pixels in items:
        if not 0 <= label < CLASSES or len(pixels) != PIXELS:
            raise ExamplesError(f"a {label} of {len(pixels)} values is not a labelled {SIZE} x {SIZE} input")
    return Lesson(
        pixels=b"".join(grey(pixels) for _, pixels in items),
        labels=bytes(label for label, _ in items),
        examples=len(examples),
    )


def counts(examples: Sequence[Example]) -> tuple[int, ...]:
    """How many examples of each digit."""
    found = [0] * CLASSES
    for example in examples:
        found[example.label] += 1
    return tuple(found)


@dataclass(frozen=True)
class Collection:
    """A teacher's collection: it asks for ``per_digit`` drawings of each digit, 0 to 9,
    digit by digit; ``done`` of them are kept so far."""

    per_digit: int = COLLECT_PER_DIGIT
    done: int = 0

    def __post_init__(self):
        if not 1 <= self.per_digit <= MAX_COLLECT_PER_DIGIT:
            raise ValueError(f"ask for 1 to {MAX_COLLECT_PER_DIGIT} drawings of each digit, not {self.per_digit}")

    @property
    def total(self) -> int:
        return self.per_digit * CLASSES

    @property
    def finished(self) -> bool:
        return self.done >= self.total

    @property
    def digit(self) -> int | None:
        """The digit to draw next; None once the collection is complete."""
        return None if self.finished else self.done // self.per_digit

    @property
    def prompt(self) -> str:
        if self.finished:
            return f"Done: {self.total} drawings, {self.per_digit} of each digit."
        return f"Draw a {self.digit} ({self.done % self.per_digit + 1} of {self.per_digit})"

    def kept(self) -> Collection:
        """The collection once the drawing asked for is kept."""
        return Collection(self.per_digit, min(self.total, self.done + 1))


def replay_inputs(batch: Batch, raster: Raster) -> Iterator[tuple[int, tuple[float, ...]]]:
    """(label, input) of each digit of the replay set (static/replay.json, read by
    ``lab.parse_batch``), prepared as the page prepares a drawing; one at a time, so
    the page can prepare them in slices."""
    pipeline = variant()
    for label, indices in zip(batch.labels, batch.digits, strict=True):
        box = raster_box(batch.strokes, indices, batch.width, batch.height)
        pixels = None if box is None else digit_input(pipeline, raster, indices, box, batch.width, batch.height)
        if pixels is not None:
            yield label, pixels
