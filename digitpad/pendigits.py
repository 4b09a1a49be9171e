"""Read the UCI pen-digits trajectories (UNIPEN-style text) and place them on the pad.

Each sample is a digit written by a known writer as one or more pen strokes, recorded
on a tablet in a 500x500 box with y pointing up. ``on_pad`` turns a sample into the
pad's raster coordinates, so the same strokes can be rendered for training or drawn
with the mouse in a real browser.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from digitpad.pad import RASTER_HEIGHT, Stroke

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
