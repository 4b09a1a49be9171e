"""Read digits from Python: ``predict(image)`` and ``predict_strokes(strokes)``; and
``load_examples(zip)``, a zip of labelled drawings.

Both run the code the page runs: ``preprocess.prepare`` makes the 28x28 input, the
shipped ``model/`` classifies it (through ``digitpad.network``, numpy instead of
TensorFlow.js), pen strokes go through the page's own ``Reader``, and ``decide`` says
whether each digit is sure, unsure or not a digit at all, with the model's
``calibration.json`` when it has one. A picture has no strokes to group, so a picture
of a number is split by its ink instead.
"""

from __future__ import annotations

import functools
import os
import statistics
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from digitpad import decide, examples, segment
from digitpad.images import NoInkError, ink_raster
from digitpad.network import ModelError, Network
from digitpad.pad import BRUSH_WIDTH, RASTER_HEIGHT, Stroke
from digitpad.preprocess import SIZE, prepare
from digitpad.reader import Reader
from digitpad.render import rasterize
from digitpad.resources import MODEL_DIR

DEFAULT_MODEL = MODEL_DIR

# An ink group this much lighter than the heaviest is a speck of dirt, not a digit.
SPECK = 0.03


@dataclass(frozen=True)
class DigitPrediction:
    """One digit as the network read it."""

    digit: int
    confidence: float  # the network's probability of ``digit``
    probabilities: tuple[float, ...]  # the network's, one per class 0..9
    verdict: decide.Verdict  # sure, unsure ("4 or 9?") or not a digit, calibrated
    box: tuple[int, int, int, int]  # where the digit is: x0, y0, x1, y1 (see predict*)
    pixels: np.ndarray = field(repr=False, compare=False)  # 28x28 network input, ink = 1

    @property
    def sure(self) -> bool:
        return self.verdict.kind == decide.DIGIT

    @property
    def label(self) -> str:
        """What the page shows for it: "4", "4 or 9?" or "?"."""
        return self.verdict.label


@dataclass(frozen=True)
class Prediction:
    """What a drawing reads: one digit or a whole number, left to right."""

    text: str  # "7", or "42" for a number
    confidence: float  # the chance every digit is right, taking them as independent
    digits: tuple[DigitPrediction, ...]

    @property
    def value(self) -> int:
        return int(self.text)

    @property
    def sure(self) -> bool:
        """Every digit reads clearly as a digit."""
        return all(d.sure for d in self.digits)

    @property
    def label(self) -> str:
        """The text, with any doubtful digit spelt out: "7", "4 or 9?", "1[4 or 9?]2"."""
        if self.sure:
            return self.text
        if len(self.digits) == 1:
            return self.digits[0].label
        return "".join(d.label if d.sure else f"[{d.label}]" for d in self.digits)

    @property
    def probabilities(self) -> np.ndarray:
        """Per-digit class probabilities, shaped [digits, 10]."""
        return np.array([d.probabilities for d in self.digits], dtype=np.float32)

    def __str__(self) -> str:
        return f"{self.label} ({self.confidence:.1%})"


def predict(image, model_dir: str | os.PathLike | None = None) -> Prediction:
    """Read the digit, or the number, drawn in ``image``.

    ``image`` is a file path, a Pillow image or a numpy array (see
    ``digitpad.images.ink_raster``); dark ink on light paper, light on dark and
    transparent canvas exports all work. Each digit's ``box`` is its ink in the image.
    Raises ``digitpad.images.ImageError`` for an unreadable or blank image,
    ``digitpad.network.ModelError`` for a missing model.
    """
    network = load_network(model_dir)
    calibration = load_calibration(model_dir)
    ink = ink_raster(image)
    height, _ = ink.shape
    inputs, boxes = [], []
    for x0, x1 in split_digits(ink):
        crop = np.ascontiguousarray(ink[:, x0:x1])
        prepared = prepare(crop.tobytes(), x1 - x0, height)
        if prepared is None:
            continue
        bx0, by0, bx1, by1 = prepared.bbox
        inputs.append(prepared.pixels)
        boxes.append((x0 + bx0, by0, x0 + bx1, by1))
    if not inputs:
        raise NoInkError("no ink found: the image is blank")
    batch = np.asarray(inputs, dtype=np.float32).reshape(-1, SIZE, SIZE, 1)
    probabilities = network.predict(batch)
    # A picture has no strokes, so only the probabilities count for the verdicts.
    verdicts = [decide.decide(tuple(map(float, p)), None, calibration) for p in probabilities]
    return _prediction(batch[:, :, :, 0], probabilities, verdicts, boxes)


def predict_strokes(
    strokes: list[Stroke],
    model_dir: str | os.PathLike | None = None,
    width: int | None = None,
    height: int = RASTER_HEIGHT,
    one_digit: bool = False,
) -> Prediction:
    """Read pen strokes (lists of (x, y) pad raster points) exactly as the page does:
    with the page's ``Reader`` and the model's calibration, ``render.rasterize``
    standing in for the canvas and the numpy network for TensorFlow.js.

    ``width`` is the pad's width in raster pixels; by default it is just wide enough.
    ``one_digit`` reads all of the ink as one digit, as the page's ``?mode=digit``.
    Each digit's ``box`` is the area of the pad rasterized for it, as on the page.
    """
    strokes = [[(float(x), float(y)) for x, y in stroke] for stroke in strokes]
    if width is None:
        right = max((x for stroke in strokes for x, _ in stroke), default=0.0)
        width = max(1, int(np.ceil(right + BRUSH_WIDTH)))
    reader = stroke_reader(strokes, load_network(model_dir), load_calibration(model_dir), one_digit)
    reading = reader.read(strokes, width, height)
    if reading.empty:
        raise NoInkError("no ink: the strokes draw nothing on the pad")
    digits = reading.digits
    pixels = np.asarray([d.pixels for d in digits], np.float32).reshape(-1, SIZE, SIZE)
    return _prediction(pixels, [d.probabilities for d in digits], [d.verdict for d in digits],
                       [d.box for d in digits])


def load_examples(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """The labelled drawings in an examples zip (``digitpad.examples``): the
    network's inputs as float32 [N, 28, 28] in [0, 1], ink = 1, as MNIST's images
    divided by 255, and their digits as int [N]."""
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise examples.ExamplesError(f"{path}: {err.strerror or err}") from None
    try:
        found = examples.from_zip(data)
    except examples.ExamplesError as err:
        raise examples.ExamplesError(f"{path}: {err}") from None
    images = np.asarray([e.pixels for e in found], np.float32).reshape(-1, SIZE, SIZE)
    return images, np.asarray([e.label for e in found], np.int64)


def stroke_reader(strokes: list[Stroke], network: Network, calibration: dict | None,
                  one_digit: bool = False) -> Reader:
    """The page's ``Reader`` for these strokes under CPython: ``render.rasterize`` draws
    them as the canvas does, ``network`` classifies, ``calibration`` decides."""

    def raster(indices, x0, y0, w, h, brush):
        moved = [[(x - x0, y - y0) for x, y in strokes[i]] for i in indices]
        return rasterize(moved, w, h, brush).tobytes()

    def classify(batch):
        return network.predict(np.asarray(batch, np.float32).reshape(-1, SIZE, SIZE, 1))

    return Reader(raster, classify, calibration=calibration, one_digit=one_digit)


def load_network(model_dir: str | os.PathLike | None = None) -> Network:
    """The network in ``model_dir`` (the one the package carries by default), loaded once
    and loaded again only when its model.json changes."""
    path = Path(model_dir) if model_dir is not None else DEFAULT_MODEL
    path = path.resolve()
    try:
        stamp = (path / "model.json").stat().st_mtime_ns
    except OSError:
        stamp = None  # let Network.load say what is missing
    return _cached_network(str(path), stamp)


@functools.lru_cache(maxsize=4)
def _cached_network(path: str, stamp: int | None) -> Network:
    return Network.load(path)


def load_calibration(model_dir: str | os.PathLike | None = None) -> dict | None:
    """The model's ``calibration.json`` for ``decide``; None (plain thresholds) without one.

    A calibration that does not parse is an error rather than a silent fallback: the
    verdicts would quietly differ from the page's.
    """
    path = (Path(model_dir) if model_dir is not None else DEFAULT_MODEL) / "calibration.json"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        return decide.parse_calibration(text)
    except ValueError as e:
        raise ModelError(f"{path}: {e}") from None


def split_digits(ink: np.ndarray) -> list[tuple[int, int]]:
    """Column ranges [x0, x1) of the digits in an ink raster, left to right.

    First the ink's connected pieces, merged while they share columns, which is the
    same as cutting at every blank column (each piece of ink spans an unbroken run of
    columns). Specks of dirt are dropped. Then each group is handed to
    ``segment.split_wide``, which cuts a number written without lifting the pen at its
    thin waists, with the stroke width measured from the ink since a picture has no
    known brush.
    """
    groups = ink_column_groups(ink)
    if not groups:
        return []
    masses = [int(ink[:, x0:x1].sum(dtype=np.int64)) for x0, x1 in groups]
    groups = [g for g, m in zip(groups, masses) if m >= SPECK * max(masses)]
    heights = [_ink_height(ink[:, x0:x1]) for x0, x1 in groups]
    tall = [h for h in heights if h >= 0.5 * max(heights)]
    digit_height = float(statistics.median(tall))
    brush = stroke_width(ink)
    height = ink.shape[0]
    ranges = []
    for x0, x1 in groups:
        crop = np.ascontiguousarray(ink[:, x0:x1]).tobytes()
        parts = segment.split_wide(crop, x1 - x0, height, digit_height, brush)
        if len(parts) <= 1:
            ranges.append((x0, x1))  # uncut, the group keeps all its columns, as on the page
        else:
            ranges.extend((x0 + a, x0 + b) for a, b in parts)
    return ranges


def ink_column_groups(ink: np.ndarray) -> list[tuple[int, int]]:
    """Runs [x0, x1) of columns holding ink, left to right."""
    inked = np.concatenate([[False], ink.any(axis=0), [False]])
    edges = np.flatnonzero(inked[1:] != inked[:-1])
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2])]


def stroke_width(ink: np.ndarray) -> float:
    """The pen's width in pixels: the ink's area over half its outline.

    A stroke of width w and length L covers about w*L pixels and has an outline about
    2*L long, whatever its shape. The outline is measured by counting ink/paper
    changes along rows and columns, times pi/4 to make up for the staircase of slanted
    edges (Cauchy-Crofton).
    """
    solid = np.pad(ink >= 128, 1)
    changes = np.count_nonzero(solid[1:] != solid[:-1]) + np.count_nonzero(
        solid[:, 1:] != solid[:, :-1]
    )
    outline = changes * np.pi / 4
    area = ink.sum(dtype=np.float64) / 255
    return max(2 * area / outline, 1.0) if outline else 1.0


def _ink_height(ink: np.ndarray) -> int:
    rows = np.flatnonzero(ink.any(axis=1))
    return int(rows[-1] - rows[0] + 1) if rows.size else 0


def _prediction(pixels, probabilities, verdicts, boxes) -> Prediction:
    digits = []
    for image, p, verdict, box in zip(pixels, np.asarray(probabilities, np.float64), verdicts, boxes):
        digit = int(p.argmax())
        probs = tuple(float(v) for v in p)
        digits.append(DigitPrediction(
            digit, probs[digit], probs, verdict, tuple(int(v) for v in box), image
        ))
    text = "".join(str(d.digit) for d in digits)
    confidence = float(np.prod([d.confidence for d in digits]))
    return Prediction(text, confidence, tuple(digits))
