"""The steps view's lab: the digit in focus prepared other ways, the learner's own
edit of ``digitpad/preprocess.py``, and what each costs on a batch of held-out pen
digits.

``variant`` is the shipped recipe with steps left out, as naive digit apps do;
``load_code`` runs the learner's source in a fresh module namespace and reports what
goes wrong as Python's traceback; ``Scoring`` measures a pipeline on a ``Batch`` a
digit at a time, so that the page can run it in slices. ``digitpad.lab_panel`` shows
them on the page.

A pipeline is given a digit's raster, as the reader is, and returns the network's
SIZE x SIZE input. Which part of the pad it is given depends on what it skips: the
reader's box around the digit's ink, a square as tall as the pad around it (the ink
keeps the size it was drawn at), or the whole pad.

Standard library only, and no element: it runs in the browser and under CPython.
"""

from __future__ import annotations

import json
import linecache
import math
import sys
import traceback
import types
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from digitpad import preprocess
from digitpad.decide import CLASSES
from digitpad.pad import BRUSH_WIDTH, RASTER_HEIGHT, Stroke
from digitpad.preprocess import SIZE
from digitpad.reader import Raster, raster_box
from digitpad.steps import Picture, gray, placed

# The steps a learner may leave out (the page's checkboxes carry them as data-skip).
CROP = "crop"  # the crop to the ink and the fit into 20 x 20
CENTER = "center"  # the shift that puts the center of mass in the middle
SQUASH = "squash"  # all of it: the whole pad squashed into SIZE x SIZE
SKIPS = (CROP, CENTER, SQUASH)

# What part of the pad a pipeline is given.
INK = "ink"  # the reader's box around the digit's ink
SQUARE = "square"  # a square as tall as the pad, centered on the ink across
PAD = "pad"  # the whole pad

# The learner's source, as tracebacks name it; the module it runs in.
FILENAME = "<your preprocess.py>"
MODULE = "digitpad_yours"
PIXELS = SIZE * SIZE
NUMBERS = "the network reads numbers from 0 (paper) to 1 (ink)"

# How many batch digits go to the network at once.
CHUNK = 20

Prepare = Callable[[bytes, int, int], tuple[float, ...] | None]
Classify = Callable[[list[Sequence[float]]], Sequence[Sequence[float]]]


class CodeError(Exception):
    """The learner's code failed; the message is what Python says about it."""


@dataclass(frozen=True)
class Pipeline:
    """One way of making the network's input from a digit's raster."""

    name: str  # what it does, for people
    prepare: Prepare  # (alpha bytes, width, height) -> PIXELS values, or None for no ink
    frame: str = INK  # which part of the pad it is given: INK, SQUARE or PAD


# --- what if a step were left out -----------------------------------------------------


def variant(skips: Iterable[str] = ()) -> Pipeline:
    """The shipped recipe without the steps in ``skips`` (some of SKIPS)."""
    skips = frozenset(skips)
    unknown = sorted(skips - set(SKIPS))
    if unknown:
        raise ValueError(f"cannot skip {', '.join(unknown)}: choose from {', '.join(SKIPS)}")
    if SQUASH in skips:
        return Pipeline("the whole pad squashed into 28 × 28", squashed, PAD)
    if CROP in skips and CENTER in skips:
        return Pipeline("no crop, no fit, no centering", drawn_size, SQUARE)
    if CROP in skips:
        return Pipeline("no crop or fit: as big as it was drawn, centered by mass", drawn_size_by_mass, SQUARE)
    if CENTER in skips:
        return Pipeline("centered by its box, not its mass", by_box, INK)
    return Pipeline("as shipped", shipped, INK)


def shipped(alpha: bytes, width: int, height: int) -> tuple[float, ...] | None:
    """digitpad.preprocess.prepare's input: what the page reads."""
    prepared = preprocess.prepare(alpha, width, height)
    return None if prepared is None else tuple(prepared.pixels)


def by_box(alpha: bytes, width: int, height: int) -> tuple[float, ...] | None:
    """Cropped and fitted, then put in the middle by its box, whatever its mass."""
    bbox = preprocess.crop_to_ink(alpha, width, height)
    if bbox is None:
        return None
    fitted, w, h = preprocess.fit_box(alpha, width, bbox)
    return tuple(placed(preprocess.normalize(fitted), w, h, (SIZE - w) // 2, (SIZE - h) // 2, SIZE))


def drawn_size(alpha: bytes, width: int, height: int) -> tuple[float, ...] | None:
    """The raster scaled into SIZE x SIZE as a whole: the ink keeps its size and place."""
    if not alpha.strip(b"\0"):
        return None
    return tuple(preprocess.normalize(squash(alpha, width, height)))


def drawn_size_by_mass(alpha: bytes, width: int, height: int) -> tuple[float, ...] | None:
    """``drawn_size``, then moved so its center of mass is in the middle."""
    field = drawn_size(alpha, width, height)
    return None if field is None else tuple(by_mass(field))


def squashed(alpha: bytes, width: int, height: int) -> tuple[float, ...] | None:
    """The raster squeezed into SIZE x SIZE, each side on its own: a wide pad's digit
    comes out narrow."""
    return drawn_size(alpha, width, height)


def squash(alpha: bytes, width: int, height: int, out_w: int = SIZE, out_h: int = SIZE) -> list[float]:
    """Area-average a ``width`` x ``height`` raster into ``out_w`` x ``out_h``, each
    axis scaled on its own; values in [0, 1], row-major.

    The same exact integer area averaging as ``preprocess.fit_box``, whose row
    averaging it borrows, without keeping the aspect ratio.
    """
    lanes = bytearray(4 * width * height)
    lanes[preprocess._LOW_BYTE :: 4] = alpha
    rows = preprocess._area_rows(lanes, height, out_h, 4 * width)
    columns = array("Q", bytes(8 * width * out_h))  # columns[x * out_h + y]
    for y, row in enumerate(rows):
        columns[y::out_h] = array("Q", array("I", row.to_bytes(4 * width, sys.byteorder)))
    cells = preprocess._area_rows(columns.tobytes(), width, out_w, 8 * out_h)
    grid = array("Q", bytes(8 * out_w * out_h))
    for x, column in enumerate(cells):
        grid[x::out_w] = array("Q", column.to_bytes(8 * out_h, sys.byteorder))
    whole = 255 * width * height  # a cell fully inked adds up to this
    return [v / whole for v in grid]


def by_mass(field: Sequence[float], size: int = SIZE) -> list[float]:
    """A ``size`` x ``size`` field with its ink moved so the center of mass is in the
    middle, as ``preprocess.place_by_mass`` places a fitted digit."""
    rows = [y for y in range(size) if any(field[y * size : (y + 1) * size])]
    columns = [x for x in range(size) if any(field[x::size])]
    if not rows:
        return list(field)
    x0, x1, y0, y1 = columns[0], columns[-1] + 1, rows[0], rows[-1] + 1
    ink = [v for y in range(y0, y1) for v in field[y * size + x0 : y * size + x1]]
    return preprocess.place_by_mass(ink, x1 - x0, y1 - y0, size)[0]


# --- the learner's code ---------------------------------------------------------------


def load_code(source: str) -> Pipeline:
    """The learner's edit of digitpad/preprocess.py, run as a module of its own: its
    ``prepare(alpha, width, height)`` becomes a pipeline. Raises CodeError, with
    Python's traceback, when the source does not compile, fails as it runs or has no
    ``prepare``."""
    # Tracebacks quote the lines of the source they name: the edited one, not the file.
    linecache.cache[FILENAME] = (len(source), None, source.splitlines(True), FILENAME)
    try:
        code = compile(source, FILENAME, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as error:
        raise CodeError(python_says(error)) from None
    module = types.ModuleType(MODULE)
    module.__file__ = FILENAME
    # A dataclass looks its module up in sys.modules while it is made.
    sys.modules[MODULE] = module
    try:
        exec(code, module.__dict__)
    except (Exception, SystemExit) as error:
        raise CodeError(python_says(error)) from None
    prepare = module.__dict__.get("prepare")
    if not callable(prepare):
        raise CodeError(
            "NameError: your code has no function prepare(alpha, width, height); the page "
            "calls it for each digit, so keep one under that name"
        )
    return Pipeline("your code", theirs(prepare), INK)


def theirs(prepare: Callable) -> Prepare:
    """The learner's ``prepare`` as a pipeline's: its answer checked, its errors as
    CodeError."""

    def run(alpha: bytes, width: int, height: int) -> tuple[float, ...] | None:
        try:
            result = prepare(alpha, width, height)
        except (Exception, SystemExit) as error:
            raise CodeError(python_says(error)) from None
        return network_input(result)

    return run


def python_says(error: BaseException) -> str:
    """The error as Python prints it, from the learner's code on: the page's own
    frames above it are left out."""
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != FILENAME:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(error), error, tb)).rstrip()


def network_input(result) -> tuple[float, ...] | None:
    """What a ``prepare`` returned, as the network's PIXELS values: a Prepared (its
    ``pixels``), PIXELS numbers, or None for no ink. Raises CodeError saying what is
    wrong with anything else."""
    if result is None:
        return None
    values = getattr(result, "pixels", result)
    what = "prepare(...).pixels" if values is not result else "prepare(...)"
    try:
        values = tuple(values)
    except TypeError:
        raise CodeError(
            f"TypeError: {what} is a {type(values).__name__}; the network needs {PIXELS} "
            f"numbers ({SIZE} × {SIZE}, row by row), such as a Prepared's pixels"
        ) from None
    if len(values) != PIXELS:
        rows = " in one flat list, row by row" if len(values) == SIZE else ""
        raise CodeError(
            f"ValueError: {what} has {len(values)} values; the network needs {PIXELS} "
            f"({SIZE} × {SIZE}){rows}"
        )
    try:
        values = tuple(map(float, values))
    except (TypeError, ValueError):
        odd = next(v for v in values if not isinstance(v, int | float))
        raise CodeError(f"TypeError: {what} holds {odd!r}, not a number; {NUMBERS}") from None
    if not all(map(math.isfinite, values)):
        odd = next(v for v in values if not math.isfinite(v))
        raise CodeError(f"ValueError: {what} holds {odd}; {NUMBERS}")
    return values


def reading_with(pipeline: Pipeline, failed: Callable[[str], None]) -> Callable:
    """A ``prepare`` for the page's Reader that makes the input with ``pipeline`` (an
    INK one, given what the reader rasterizes) and keeps the shipped recipe's steps
    for the steps view. Where the pipeline fails, ``failed`` gets Python's message and
    the digit is read with the shipped recipe."""

    def prepare(alpha: bytes, width: int, height: int):
        made = preprocess.prepare(alpha, width, height)
        if made is None:
            return None
        try:
            pixels = pipeline.prepare(alpha, width, height)
        except CodeError as error:
            failed(str(error))
            return made
        if pixels is None:
            failed("ValueError: prepare(...) returned None, which means no ink, for a digit with ink")
            return made
        return replace(made, pixels=list(pixels))

    return prepare


# --- one digit ------------------------------------------------------------------------


def frame(kind: str, box: tuple[int, int, int, int], pad_width: int, pad_height: int = RASTER_HEIGHT):
    """The part of the pad (x, y, width, height) a pipeline of frame ``kind`` is given
    for a digit whose raster box (x0, y0, x1, y1) is ``box``."""
    x0, y0, x1, y1 = box
    if kind == INK:
        return x0, y0, x1 - x0, y1 - y0
    if kind == SQUARE:
        return round((x0 + x1 - pad_height) / 2), 0, pad_height, pad_height
    if kind == PAD:
        return 0, 0, pad_width, pad_height
    raise ValueError(f"unknown frame {kind!r}: choose from {INK}, {SQUARE}, {PAD}")


def digit_input(
    pipeline: Pipeline,
    raster: Raster,
    indices: Sequence[int],
    box: tuple[int, int, int, int],
    pad_width: int,
    pad_height: int = RASTER_HEIGHT,
    brush: float = BRUSH_WIDTH,
) -> tuple[float, ...] | None:
    """The network's input for one digit (its strokes ``indices`` and raster ``box``)
    made by ``pipeline``. Ink of those strokes outside the box's columns (the rest of a
    number written in one stroke) is left out."""
    x, y, w, h = frame(pipeline.frame, box, pad_width, pad_height)
    alpha = bytes(raster(indices, x, y, w, h, brush))
    if len(alpha) != w * h:
        raise ValueError(f"the raster function gave {len(alpha)} bytes for {w}x{h} pixels")
    return pipeline.prepare(only_columns(alpha, w, h, box[0] - x, box[2] - x), w, h)


def only_columns(alpha: bytes, width: int, height: int, a: int, b: int) -> bytes:
    """The raster with every column outside a..b (half-open) blank."""
    a, b = max(a, 0), min(b, width)
    if a <= 0 and b >= width:
        return alpha
    out = bytearray(len(alpha))
    for at in range(0, width * height, width):
        out[at + a : at + b] = alpha[at + a : at + b]
    return bytes(out)


@dataclass(frozen=True)
class Seen:
    """A pipeline's input for the digit in focus, and what the network reads in it."""

    picture: Picture | None  # SIZE x SIZE, white ink on black; None without a digit
    digit: int  # the likeliest digit; -1 without one
    p: float  # its probability
    text: str  # "7 (98%)"; "" without a digit


NOTHING = Seen(None, -1, 0.0, "")


def seen(pixels: Sequence[float] | None, probabilities: Sequence[float] | None) -> Seen:
    if pixels is None or probabilities is None:
        return NOTHING
    best = max(range(CLASSES), key=probabilities.__getitem__)
    p = float(probabilities[best])
    return Seen(gray(pixels, SIZE, SIZE), best, p, f"{best} ({p:.0%})")


# --- the batch ------------------------------------------------------------------------


@dataclass(frozen=True)
class Batch:
    """Digits with known answers, as strokes on a pad of their own."""

    labels: tuple[int, ...]
    strokes: tuple[Stroke, ...]  # every digit's strokes, one digit after the other
    digits: tuple[tuple[int, ...], ...]  # each digit's stroke indices into ``strokes``
    width: int = RASTER_HEIGHT
    height: int = RASTER_HEIGHT
    source: str = ""  # where the digits come from, for people

    def __len__(self) -> int:
        return len(self.labels)


def batch_json(digits: Sequence[tuple[int, Sequence[Stroke]]], width: int, height: int, source: str) -> str:
    """The batch file the build writes: labels and strokes, points rounded to 0.1 px
    and flattened (x, y, x, y, ...)."""
    return json.dumps(
        {
            "width": width,
            "height": height,
            "source": source,
            "digits": [
                {"label": label, "strokes": [[round(c, 1) for p in stroke for c in p] for stroke in strokes]}
                for label, strokes in digits
            ],
        },
        separators=(",", ":"),
    )


def parse_batch(text: str) -> Batch:
    """A Batch from ``batch_json``'s text; ValueError saying what is wrong otherwise."""
    try:
        data = json.loads(text)
        width, height = int(data["width"]), int(data["height"])
        labels, strokes, digits = [], [], []
        for digit in data["digits"]:
            label = int(digit["label"])
            if not 0 <= label < CLASSES:
                raise ValueError(f"label {label} is not a digit")
            first = len(strokes)
            for flat in digit["strokes"]:
                strokes.append([(float(x), float(y)) for x, y in zip(flat[0::2], flat[1::2])])
            labels.append(label)
            digits.append(tuple(range(first, len(strokes))))
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"not a batch of digits (rebuild the site with scripts/build.py): {error}") from None
    if not labels:
        raise ValueError("the batch holds no digits (rebuild the site with scripts/build.py)")
    return Batch(tuple(labels), tuple(strokes), tuple(digits), width, height, str(data.get("source", "")))


@dataclass(frozen=True)
class Score:
    """How many of a batch's digits a pipeline got read right."""

    right: int
    total: int

    @property
    def fraction(self) -> float:
        return self.right / self.total if self.total else 0.0

    @property
    def text(self) -> str:
        return f"{self.fraction:.1%} of {self.total}"


class Scoring:
    """A pipeline measured on a batch, one step at a time: ``step()`` prepares one
    digit, and every CHUNK digits classifies them in one call; ``score`` is set when
    ``finished``. The likeliest digit counts, as a right answer or a wrong one.

    ``raster`` draws the batch's strokes by index. A CodeError in a step names the
    batch digit it failed on.
    """

    def __init__(self, batch: Batch, pipeline: Pipeline, raster: Raster, classify: Classify, chunk: int = CHUNK):
        self.batch = batch
        self.pipeline = pipeline
        self.raster = raster
        self.classify = classify
        self.chunk = chunk
        self.done = 0  # digits prepared
        self.right = 0
        self.waiting: list[tuple[int, tuple[float, ...]]] = []  # (label, input) to classify
        self.score: Score | None = None

    @property
    def finished(self) -> bool:
        return self.score is not None

    @property
    def total(self) -> int:
        return len(self.batch)

    def step(self) -> None:
        batch = self.batch
        if self.finished:
            return
        if self.done < self.total:
            i = self.done
            indices = batch.digits[i]
            box = raster_box(batch.strokes, indices, batch.width, batch.height)
            try:
                pixels = None if box is None else digit_input(
                    self.pipeline, self.raster, indices, box, batch.width, batch.height
                )
            except CodeError as error:
                where = f"on batch digit {i + 1} of {self.total}, a {batch.labels[i]}"
                raise CodeError(f"{error}\n\n({where})") from None
            self.done += 1
            if pixels is not None:  # a pipeline that sees no ink reads nothing: wrong
                self.waiting.append((batch.labels[i], pixels))
            if len(self.waiting) < self.chunk and self.done < self.total:
                return
        if self.waiting:
            answers = self.classify([pixels for _, pixels in self.waiting])
            if len(answers) != len(self.waiting):
                raise ValueError(f"the classifier gave {len(answers)} answers for {len(self.waiting)} images")
            for (label, _), probabilities in zip(self.waiting, answers):
                self.right += max(range(CLASSES), key=probabilities.__getitem__) == label
            self.waiting = []
        if self.done == self.total:
            self.score = Score(self.right, self.total)

    def run(self) -> Score:
        """All the steps at once."""
        while not self.finished:
            self.step()
        return self.score
