"""Read the UCI pen-digits trajectories (UNIPEN-style text) and place them on the pad.

Each sample is a digit written by a known writer as one or more pen strokes, recorded
on a tablet in a 500x500 box with y pointing up. ``on_pad`` turns a sample into the
pad's raster coordinates, so the same strokes can be rendered for training or drawn
with the mouse in a real browser.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass

from digitpad.pad import BRUSH_WIDTH, RASTER_HEIGHT, Stroke

TABLET_BOX = 500

# Writers split three ways, once for the whole project. Held-out writers are never
# trained or tuned on; every accuracy the project reports on pen digits is theirs.
HELD_OUT_WRITERS = frozenset({5, 10, 15, 20, 25, 30})
TUNE_WRITERS = frozenset({3, 13, 23})
TRAIN_WRITERS = frozenset(range(1, 31)) - HELD_OUT_WRITERS - TUNE_WRITERS


@dataclass(frozen=True)
class Sample:
    label: int
    writer: int
    strokes: list[list[tuple[int, int]]]  # tablet units, y up


class FormatError(ValueError):
    """The file is not in the pen-digits format."""


def load(path: str | os.PathLike) -> list[Sample]:
    """All samples in a pen-digits file, in file order."""
    try:
        with open(path, encoding="ascii") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        raise FileNotFoundError(f"pen-digits file not found: {path}") from None
    except UnicodeDecodeError:
        raise FormatError(f"{path}: not a pen-digits text file") from None
    samples: list[Sample] = []
    label = writer = None
    strokes: list[list[tuple[int, int]]] = []
    stroke: list[tuple[int, int]] | None = None

    def finish():
        if label is not None:
            if not strokes:
                raise FormatError(f"{path}: digit {len(samples)} has no strokes")
            samples.append(Sample(label, writer, strokes))

    for number, line in enumerate(lines, 1):
        word = line.split()
        if not word:
            continue
        if word[0] == ".SEGMENT":
            finish()
            label, writer, strokes, stroke = None, None, [], None
        elif word[0] == ".COMMENT":
            try:
                label, writer = int(word[1]), int(word[2])
            except (IndexError, ValueError):
                raise FormatError(f"{path}:{number}: bad .COMMENT line: {line!r}") from None
        elif word[0] == ".PEN_DOWN":
            stroke = []
        elif word[0] == ".PEN_UP":
            if stroke:
                strokes.append(stroke)
            stroke = None
        elif stroke is not None and not word[0].startswith("."):
            try:
                stroke.append((int(word[0]), int(word[1])))
            except (IndexError, ValueError):
                raise FormatError(f"{path}:{number}: bad point: {line!r}") from None
    finish()
    if not samples:
        raise FormatError(f"{path}: no digits found")
    return samples


def on_pad(
    sample: Sample, height: float = RASTER_HEIGHT, left: float = 0.0, top: float = 0.0
) -> list[Stroke]:
    """The sample's strokes in pad raster pixels: the tablet box spans ``height`` pixels,
    its top-left corner at (left, top), y flipped to point down as on a screen."""
    scale = height / TABLET_BOX
    return [
        [(left + x * scale, top + (TABLET_BOX - y) * scale) for x, y in stroke]
        for stroke in sample.strokes
    ]


def writers(samples: list[Sample]) -> list[int]:
    return sorted({s.writer for s in samples})


def by_writers(samples: list[Sample], chosen: frozenset[int]) -> list[Sample]:
    return [s for s in samples if s.writer in chosen]


def side_by_side(
    samples: list[Sample],
    gap: float | list[float] = 0.25,
    height: float | list[float] = 0.7 * RASTER_HEIGHT,
    rise: float | list[float] = 0.0,
    left: float = BRUSH_WIDTH,
    brush: float = BRUSH_WIDTH,
    pad_height: float = RASTER_HEIGHT,
) -> list[Stroke]:
    """Several samples written left to right as one number, in pad raster pixels.

    Each digit is scaled so its longer side is ``height`` pixels and centred on the pad's
    middle line, moved up by ``rise`` (a fraction of its height, negative moves down).
    ``gap`` is the blank between one digit's ink and the next one's, as a fraction of the
    mean digit height. Any of the three may be one value for all or one per digit (per
    space for ``gap``), which is how callers jitter them. Digits never leave the pad
    vertically. The strokes come out sample by sample, in each sample's drawing order.
    """
    n = len(samples)
    heights = _per_item(height, n, "height")
    rises = _per_item(rise, n, "rise")
    gaps = _per_item(gap, max(n - 1, 0), "gap")
    room = pad_height - brush - 2
    heights = [min(max(h, 1.0), room) for h in heights]
    mean_height = sum(heights) / n if n else 0.0
    strokes: list[Stroke] = []
    x_ink = left  # where the next digit's ink may start
    for i, (sample, h, r) in enumerate(zip(samples, heights, rises)):
        points = [p for stroke in sample.strokes for p in stroke]
        x0, x1 = min(x for x, _ in points), max(x for x, _ in points)
        y0, y1 = min(y for _, y in points), max(y for _, y in points)
        scale = h / max(x1 - x0, y1 - y0, 1)
        digit_h = (y1 - y0) * scale
        top = pad_height / 2 - digit_h / 2 - r * h
        top = min(max(top, brush / 2 + 1), pad_height - brush / 2 - 1 - digit_h)
        dx = x_ink + brush / 2 - x0 * scale
        # tablet y points up: the highest point goes to ``top``
        strokes += [
            [(dx + x * scale, top + (y1 - y) * scale) for x, y in stroke] for stroke in sample.strokes
        ]
        x_ink += (x1 - x0) * scale + brush
        if i < n - 1:
            x_ink += gaps[i] * mean_height
    return strokes


def _per_item(value, n: int, name: str) -> list[float]:
    if isinstance(value, (int, float)):
        return [float(value)] * n
    values = [float(v) for v in value]
    if len(values) != n:
        raise ValueError(f"{name}: expected {n} values, got {len(values)}")
    return values


def written_number(
    samples: list[Sample], rng: random.Random
) -> tuple[list[Stroke], list[list[int]]]:
    """The samples written as one number the way people space digits (gaps of 0.1 to 0.4
    of a digit's height, sizes and baselines jittered a little), with the true partition
    of its strokes into digits: what segmentation is tested and measured against."""
    size = 0.7 * RASTER_HEIGHT * rng.uniform(0.85, 1.0)
    strokes = side_by_side(
        samples,
        gap=[rng.uniform(0.1, 0.4) for _ in samples[1:]],
        height=[size * rng.uniform(0.9, 1.1) for _ in samples],
        rise=[rng.uniform(-0.05, 0.05) for _ in samples],
    )
    truth, first = [], 0
    for sample in samples:
        truth.append(list(range(first, first + len(sample.strokes))))
        first += len(sample.strokes)
    return strokes, truth
