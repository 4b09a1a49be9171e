"""MNIST's IDX format, unsigned bytes only: the images and labels files of a data set.

Standard library only: an examples zip (``digitpad.examples``) holds its drawings in this
format, and train/idx.py reads MNIST's own files with ``parse``.
"""

from __future__ import annotations

import struct

IMAGES_MAGIC = 2051  # 0x00000803: unsigned bytes, three dimensions
LABELS_MAGIC = 2049  # 0x00000801: unsigned bytes, one dimension


class IdxError(ValueError):
    """Bytes that are not an IDX file of unsigned bytes; the message says why."""


def parse(raw: bytes) -> tuple[tuple[int, ...], memoryview]:
    """The shape and the bytes of one IDX file: (n, rows, cols) for images, (n,) for
    labels."""
    if len(raw) < 8:
        raise IdxError(f"too short for an IDX header ({len(raw)} bytes)")
    magic, count = struct.unpack(">II", raw[:8])
    if magic == IMAGES_MAGIC:
        if len(raw) < 16:
            raise IdxError(f"too short for an IDX image header ({len(raw)} bytes)")
        rows, cols = struct.unpack(">II", raw[8:16])
        shape, offset = (count, rows, cols), 16
    elif magic == LABELS_MAGIC:
        shape, offset = (count,), 8
    else:
        raise IdxError(f"not an IDX file of unsigned bytes (magic {magic:#010x})")
    size = 1
    for n in shape:
        size *= n
    if len(raw) != offset + size:
        raise IdxError(f"truncated or padded: header promises {offset + size} bytes, file has {len(raw)}")
    return shape, memoryview(raw)[offset:]


def images(pictures: list[bytes], rows: int, cols: int) -> bytes:
    """An images file: each picture ``rows * cols`` bytes, row by row."""
    for i, picture in enumerate(pictures):
        if len(picture) != rows * cols:
            raise IdxError(f"image {i} has {len(picture)} bytes, not {rows} x {cols}")
    return struct.pack(">IIII", IMAGES_MAGIC, len(pictures), rows, cols) + b"".join(pictures)


def labels(values: list[int]) -> bytes:
    """A labels file."""
    if any(not 0 <= v <= 255 for v in values):
        raise IdxError("labels must be bytes, 0 to 255")
    return struct.pack(">II", LABELS_MAGIC, len(values)) + bytes(values)
