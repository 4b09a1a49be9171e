"""Labelled drawings, and the zip file that carries a set of them.

A person's corrections and a class's collection are examples: what was drawn (the
pad's strokes and width), the network's 28x28 input made from it, and the digit it is.
The zip holds them in the forms each reader wants:

- ``images/00001-7.png``: each input as an 8-bit grey PNG, white ink on black as in
  MNIST;
- ``strokes.json``: a list of ``{"image", "label", "width", "strokes"}``, the strokes
  as lists of ``[x, y]`` in the pad's raster pixels, on a pad ``width`` pixels wide;
- ``labels.csv``: ``image,label``, one row per example;
- ``images-idx3-ubyte`` and ``labels-idx1-ubyte``: the inputs and labels in MNIST's
  own format, as ``train/idx.py`` reads MNIST.

Standard library only, like the page's own modules. ``digitpad.load_examples`` reads a
zip into numpy arrays.
"""

from __future__ import annotations

import csv
import io
import json
import math
import struct
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from digitpad import idx
from digitpad.decide import CLASSES
from digitpad.pad import Stroke
from digitpad.preprocess import SIZE

IMAGES = "images-idx3-ubyte"
LABELS = "labels-idx1-ubyte"
STROKES = "strokes.json"
LABELS_CSV = "labels.csv"
MAX_EXAMPLES = 10_000  # a class's collection is hundreds to a few thousand
# The most each part may hold, uncompressed, read before anything is decompressed.
MAX_BYTES = {
    IMAGES: 16 + MAX_EXAMPLES * SIZE * SIZE,
    LABELS: 8 + MAX_EXAMPLES,
    STROKES: MAX_EXAMPLES * 20_000,  # thousands of points a drawing
}


class ExamplesError(ValueError):
    """A zip that is not a set of examples; the message says what is wrong with it."""


@dataclass(frozen=True)
class Example:
    """One labelled drawing: its digit, its strokes on a pad ``width`` raster pixels
    wide, and the network's input made from them (SIZE * SIZE values, ink = 1)."""

    label: int
    strokes: tuple[Stroke, ...]
    width: int
    pixels: tuple[float, ...]

    def __post_init__(self):
        if isinstance(self.label, bool) or not isinstance(self.label, int) or not 0 <= self.label < CLASSES:
            raise ExamplesError(f"a label must be a digit 0 to {CLASSES - 1}, not {self.label!r}")
        if isinstance(self.width, bool) or not isinstance(self.width, int) or self.width <= 0:
            raise ExamplesError(f"a pad's width must be a whole number of pixels, not {self.width!r}")
        if len(self.pixels) != SIZE * SIZE:
            raise ExamplesError(f"an example's input has {len(self.pixels)} values, not {SIZE} x {SIZE}")


def image_name(index: int, label: int) -> str:
    return f"images/{index + 1:05d}-{label}.png"


def to_zip(examples: Sequence[Example]) -> bytes:
    """The zip of these examples (the layout is in the module's docstring)."""
    pictures = [grey(example.pixels) for example in examples]
    names = [image_name(i, example.label) for i, example in enumerate(examples)]
    records = [
        {
            "image": name,
            "label": example.label,
            "width": example.width,
            "strokes": [[[round(x, 2), round(y, 2)] for x, y in stroke] for stroke in example.strokes],
        }
        for name, example in zip(names, examples, strict=True)
    ]
    labels_csv = io.StringIO()
    writer = csv.writer(labels_csv, lineterminator="\n")
    writer.writerow(["image", "label"])
    writer.writerows((name, example.label) for name, example in zip(names, examples, strict=True))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for name, picture in zip(names, pictures, strict=True):
            out.writestr(name, png(picture, SIZE, SIZE))
        out.writestr(STROKES, json.dumps(records, separators=(",", ":")))
        out.writestr(LABELS_CSV, labels_csv.getvalue())
        out.writestr(IMAGES, idx.images(pictures, SIZE, SIZE))
        out.writestr(LABELS, idx.labels([example.label for example in examples]))
    return buffer.getvalue()


def from_zip(data: bytes) -> list[Example]:
    """The examples in a zip made by ``to_zip``; ExamplesError says what is wrong
    with one that is not."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ExamplesError("not a zip file") from None
    with archive:
        members = set(archive.namelist())
        missing = [name for name in (STROKES, IMAGES, LABELS) if name not in members]
        if missing:
            raise ExamplesError(f"not a digitpad examples zip: it has no {', '.join(missing)}")
        for name, most in MAX_BYTES.items():
            if archive.getinfo(name).file_size > most:
                raise ExamplesError(f"{name} is larger than {MAX_EXAMPLES:,} examples' worth")
        try:
            records = json.loads(archive.read(STROKES))
            (count, rows, cols), pictures = idx.parse(archive.read(IMAGES))
            (label_count,), labels = idx.parse(archive.read(LABELS))
        except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError) as err:
            raise ExamplesError(f"the zip is damaged or encrypted ({err})") from None
        except (ValueError, RecursionError) as err:  # JSON and IDX errors both say which
            raise ExamplesError(f"the zip's data is damaged ({err})") from None
    if (rows, cols) != (SIZE, SIZE):
        raise ExamplesError(f"{IMAGES} holds {rows} x {cols} images, not {SIZE} x {SIZE}")
    if not isinstance(records, list) or not count == label_count == len(records) <= MAX_EXAMPLES:
        raise ExamplesError(
            f"the zip's parts disagree: {IMAGES} has {count} images, {LABELS} {label_count} labels, "
            f"{STROKES} {len(records) if isinstance(records, list) else 'no list of'} drawings"
        )
    examples = []
    for i, record in enumerate(records):
        try:
            label, width, strokes = record["label"], record["width"], record["strokes"]
            example = Example(
                label=label,
                width=width,
                strokes=tuple(tuple((float(x), float(y)) for x, y in stroke) for stroke in strokes),
                pixels=tuple(v / 255 for v in pictures[i * SIZE * SIZE : (i + 1) * SIZE * SIZE]),
            )
        except (KeyError, TypeError, ValueError, OverflowError) as err:
            raise ExamplesError(f"drawing {i + 1} in {STROKES} is malformed ({err})") from None
        if labels[i] != label:
            raise ExamplesError(f"drawing {i + 1} is a {label} in {STROKES} but a {labels[i]} in {LABELS}")
        if not all(math.isfinite(v) for stroke in example.strokes for point in stroke for v in point):
            raise ExamplesError(f"drawing {i + 1} in {STROKES} has a point that is not a number")
        examples.append(example)
    return examples


def grey(pixels: Sequence[float]) -> bytes:
    """Values in [0, 1] as bytes 0 to 255, rounded."""
    return bytes(min(255, max(0, round(v * 255))) for v in pixels)


def png(grey: bytes, width: int, height: int) -> bytes:
    """An 8-bit greyscale PNG of ``grey`` (``width * height`` bytes, row by row)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = b"".join(b"\0" + grey[y * width : (y + 1) * width] for y in range(height))  # filter: none
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grey, no interlace
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")
