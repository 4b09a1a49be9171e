"""Read a drawing: split it into digits, turn each into the network's 28x28 input,
classify them in one batch and say what the whole thing reads.

Strokes are grouped into digits by where they sit (``segment.group_strokes``); a group
whose ink is a number written in one go is cut at its waists (``segment.split_wide``)
and read as pieces when that reads better than the whole (``decide.prefer_parts``).
Each digit gets a verdict (``decide.decide``): a digit, unsure between two, or not a
digit at all. In one-digit mode all of the ink is one digit, never cut: the answer to
a question whose answer is a single digit, where a digit drawn in pieces must not read
as two.

This is the one way a drawing is read: the page, its embedded mode, the live reads
while a stroke grows (``digitpad.live``), ``digitpad.predict_strokes`` and the figures
``train/calibrate.py`` reports all go through ``Reader``.

The reader does not know where pixels or probabilities come from. In the browser the
raster function is the pad's canvas and the classifier is TensorFlow.js; under CPython
they are ``digitpad.render.rasterize`` and any callable, which is how the tests and the
training scripts run exactly the code the page runs. Standard library only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from digitpad.decide import CLASSES, Verdict, decide, prefer_parts
from digitpad.pad import BRUSH_WIDTH, RASTER_HEIGHT, Stroke
from digitpad.preprocess import Prepared, prepare
from digitpad.segment import crop_columns, digit_height, group_strokes, split_wide

# raster(stroke_indices, x0, y0, width, height, brush) -> alpha bytes, one per pixel,
# row-major, of those strokes drawn moved by (-x0, -y0) on a width x height field.
Raster = Callable[[Sequence[int], int, int, int, int, float], bytes]
# classify(batch of 784-pixel images) -> one sequence of 10 probabilities per image.
Classify = Callable[[list[Sequence[float]]], Sequence[Sequence[float]]]
# group(strokes, brush) -> stroke indices of each digit, left to right.
Group = Callable[[list[Stroke], float], list[list[int]]]
# preprocess(alpha, width, height) -> the network's input and how it was made, or None
# for no ink: digitpad.preprocess.prepare (None), unless the learner asked for their own.
Preprocess = Callable[[bytes, int, int], Prepared | None]

CACHE_SIZE = 64


@dataclass(frozen=True)
class Digit:
    """One digit of the drawing, as the network read it."""

    value: int
    probabilities: tuple[float, ...]  # CLASSES values summing to ~1
    pixels: tuple[float, ...]  # the SIZE*SIZE network input, row-major, ink = 1
    strokes: tuple[int, ...]  # indices into the drawing's strokes
    box: tuple[int, int, int, int]  # the rasterized area of the pad: x0, y0, x1, y1
    verdict: Verdict  # digit, unsure or not a digit, with calibrated probabilities
    # How ``pixels`` were made from the raster of ``box`` (its bbox is relative to
    # ``box``), kept for the page's teaching view; it costs nothing to keep.
    prepared: Prepared | None = field(default=None, compare=False, repr=False)

    @property
    def confidence(self) -> float:
        return self.probabilities[self.value]


@dataclass(frozen=True)
class Reading:
    """What a drawing reads, digit by digit, left to right."""

    digits: tuple[Digit, ...] = ()
    focus: int = -1  # the digit holding the latest stroke; -1 when empty

    @property
    def empty(self) -> bool:
        return not self.digits

    @property
    def text(self) -> str:
        return "".join(str(d.value) for d in self.digits)

    @property
    def confidence(self) -> float:
        """The chance every digit is right, taking the digits as independent."""
        return math.prod(d.confidence for d in self.digits) if self.digits else 0.0

    @property
    def focused(self) -> Digit | None:
        return self.digits[self.focus] if self.digits else None


EMPTY = Reading()


@dataclass(frozen=True)
class Draft:
    """A drawing made ready for the network but not classified yet: the first half of
    ``Reader.read`` (``Reader.prepare``), which ``Reader.finish`` completes."""

    strokes: list[Stroke]
    # (stroke indices, cache key, (whole, pieces)) of each group with ink, left to right
    found: list[tuple[list[int], tuple, tuple[_Part, list[_Part]]]]


def raster_box(
    strokes: Sequence[Stroke],
    indices: Sequence[int],
    width: int,
    height: int = RASTER_HEIGHT,
    brush: float = BRUSH_WIDTH,
) -> tuple[int, int, int, int] | None:
    """The whole-pixel box (x0, y0, x1, y1) the brush can touch drawing these strokes,
    clipped to the pad. None when it falls entirely outside."""
    reach = brush / 2 + 1
    xs = [x for i in indices for x, _ in strokes[i]]
    ys = [y for i in indices for _, y in strokes[i]]
    if not xs:
        return None
    x0 = max(0, math.floor(min(xs) - reach))
    y0 = max(0, math.floor(min(ys) - reach))
    x1 = min(width, math.ceil(max(xs) + reach))
    y1 = min(height, math.ceil(max(ys) + reach))
    if x1 <= x0 or y1 <= y0:
        return None
    return x0, y0, x1, y1


class Reader:
    """Reads drawings, remembering digits it has already read.

    While a person writes a number, only the digit under the pen changes; the others
    come from a small cache keyed by their strokes, so reading stays fast however many
    digits there are.
    """

    def __init__(
        self,
        raster: Raster,
        classify: Classify,
        *,
        calibration: Mapping | None,
        one_digit: bool = False,
        brush: float = BRUSH_WIDTH,
        group: Group = group_strokes,
        preprocess: Preprocess | None = None,
    ):
        """``calibration`` is the model's (``model/calibration.json``, parsed), which
        decides the verdicts and so which groups are cut: it has no default, so that no
        caller reads with other thresholds than the page by leaving it out. None means
        the plain thresholds of a model that has no calibration."""
        self.raster = raster
        self.classify = classify
        self.calibration = calibration
        self.one_digit = one_digit
        self.brush = brush
        self.group = _all_ink if one_digit else group
        self.preprocess = preprocess
        self._cache: dict[tuple, tuple[_Part, list[_Part]]] = {}

    def use(self, preprocess: Preprocess | None) -> None:
        """Make each digit's input with ``preprocess`` from now on, digits read before
        included (the steps view's lab lets a learner read with their own code)."""
        self.preprocess = preprocess
        self._cache.clear()

    def forget_reads(self) -> None:
        """Classify every digit afresh from now on: the classifier has changed (the page
        reads with a model learned from a person's handwriting, or no longer does)."""
        self._cache.clear()

    def read(self, strokes: Sequence[Stroke], width: int, height: int = RASTER_HEIGHT) -> Reading:
        """Read the drawing on a pad ``width`` x ``height`` raster pixels."""
        return self.finish(self.prepare(strokes, width, height))

    # A read comes in two halves, so that a page can let a pen lift in between (a lift
    # on the same strokes then finishes the draft instead of starting over).

    def prepare(self, strokes: Sequence[Stroke], width: int, height: int = RASTER_HEIGHT) -> Draft:
        """The first half of a read: the drawing split into digits, each turned into the
        network's input, or found in the cache when it was read before."""
        strokes = list(strokes)
        groups = self.group(strokes, self.brush)
        found = []  # (indices, cache key, (whole, pieces))
        if groups:
            # Cutting a group depends on how tall the writing is, so that is part of the key.
            tall = 0.0 if self.one_digit else round(digit_height(strokes, groups, self.brush), 1)
            for indices in groups:
                box = raster_box(strokes, indices, width, height, self.brush)
                if box is None:
                    continue
                key = (box, tall, tuple(tuple(strokes[i]) for i in indices))
                read = self._cache.get(key) or self._prepare(indices, box, tall)
                if read is not None:
                    found.append((indices, key, read))
        return Draft(strokes, found)

    def finish(self, draft: Draft) -> Reading:
        """The second half: classify what the draft prepared, in one batch, and decide
        what each digit is."""
        strokes, found = draft.strokes, draft.found
        fresh = [
            part
            for _, _, (whole, pieces) in found
            for part in (whole, *pieces)
            if part.probabilities is None
        ]
        if fresh:
            for part, probabilities in zip(fresh, self._classify([p.pixels for p in fresh])):
                part.probabilities = probabilities
        digits = []
        for indices, key, (whole, pieces) in found:
            self._remember(key, (whole, pieces))
            drawn = [strokes[i] for i in indices]
            verdict = decide(whole.probabilities, drawn, self.calibration, self.brush)
            chosen = [(whole, verdict)]
            if pieces:
                verdicts = [
                    decide(p.probabilities, None, self.calibration, self.brush) for p in pieces
                ]
                if prefer_parts(verdict, verdicts):
                    chosen = list(zip(pieces, verdicts))
            for part, verdict in chosen:
                probabilities = part.probabilities
                value = max(range(CLASSES), key=probabilities.__getitem__)
                digits.append(
                    Digit(
                        value,
                        probabilities,
                        part.pixels,
                        tuple(indices),
                        part.box,
                        verdict,
                        part.prepared,
                    )
                )
        if not digits:
            return EMPTY
        latest = len(strokes) - 1
        holding = [i for i, d in enumerate(digits) if latest in d.strokes]
        return Reading(tuple(digits), holding[-1] if holding else len(digits) - 1)

    def _prepare(self, indices: Sequence[int], box: tuple[int, int, int, int], tall: float):
        """The group's input as a whole and, for a number in one stroke, as pieces; None
        when it leaves no ink."""
        x0, y0, x1, y1 = box
        w, h = x1 - x0, y1 - y0
        alpha = self.raster(indices, x0, y0, w, h, self.brush)
        if len(alpha) != w * h:
            raise ValueError(f"the raster function gave {len(alpha)} bytes for {w}x{h} pixels")
        # The shipped prepare is looked up at each call, not bound once, so that a
        # wrapper put on it later (the benchmark's timers) sees the calls.
        preprocess = self.preprocess or prepare
        prepared = preprocess(alpha, w, h)
        if prepared is None:
            return None
        whole = _Part(prepared, box)
        pieces = []
        columns = [] if self.one_digit else split_wide(alpha, w, h, tall, self.brush)
        if len(columns) > 1:
            for a, b in columns:
                piece = preprocess(crop_columns(alpha, w, h, a, b), b - a, h)
                if piece is not None:
                    pieces.append(_Part(piece, (x0 + a, y0, x0 + b, y1)))
        return whole, pieces if len(pieces) > 1 else []

    def _classify(self, batch: list[tuple[float, ...]]) -> list[tuple[float, ...]]:
        answers = [tuple(float(p) for p in row) for row in self.classify(batch)]
        if len(answers) != len(batch) or any(len(a) != CLASSES for a in answers):
            raise ValueError(
                f"the classifier must give {CLASSES} probabilities for each of "
                f"{len(batch)} images"
            )
        return answers

    def _remember(self, key, read) -> None:
        self._cache.pop(key, None)
        self._cache[key] = read
        while len(self._cache) > CACHE_SIZE:
            del self._cache[next(iter(self._cache))]


def _all_ink(strokes: list[Stroke], brush: float) -> list[list[int]]:
    """One-digit mode's grouping: every stroke with ink in one digit."""
    indices = [i for i, stroke in enumerate(strokes) if stroke]
    return [indices] if indices else []


class _Part:
    """One digit's input, how it was made and, once classified, its probabilities."""

    __slots__ = ("pixels", "prepared", "box", "probabilities")

    def __init__(self, prepared: Prepared, box: tuple[int, int, int, int]):
        self.pixels = tuple(prepared.pixels)
        self.prepared = prepared
        self.box = box
        self.probabilities: tuple[float, ...] | None = None
