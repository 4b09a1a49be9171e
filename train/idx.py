"""Read MNIST's IDX files (gzip-compressed or raw) into numpy arrays."""

from __future__ import annotations

import gzip
import os
import struct
import zlib

import numpy as np

IMAGES_MAGIC = 2051  # 0x00000803: unsigned bytes, three dimensions
LABELS_MAGIC = 2049  # 0x00000801: unsigned bytes, one dimension


class DataError(Exception):
    """The data is missing or not what it should be; the message says which file and why."""


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """The array stored in one IDX file: (n, rows, cols) uint8 for images, (n,) for labels."""
    raw = _read_bytes(path)
    if len(raw) < 8:
        raise DataError(f"{path}: too short for an IDX header ({len(raw)} bytes)")
    magic, count = struct.unpack(">II", raw[:8])
    if magic == IMAGES_MAGIC:
        if len(raw) < 16:
            raise DataError(f"{path}: too short for an IDX image header ({len(raw)} bytes)")
        rows, cols = struct.unpack(">II", raw[8:16])
        shape, offset = (count, rows, cols), 16
    elif magic == LABELS_MAGIC:
        shape, offset = (count,), 8
    else:
        raise DataError(f"{path}: not an IDX file of unsigned bytes (magic {magic:#010x})")
    expected = offset + int(np.prod(shape))
    if len(raw) != expected:
        raise DataError(
            f"{path}: truncated or padded: header promises {expected} bytes, file has {len(raw)}"
        )
    return np.frombuffer(raw, np.uint8, offset=offset).reshape(shape)


def _read_bytes(path) -> bytes:
    try:
        with open(path, "rb") as f:
            head = f.read(2)
            f.seek(0)
            if head == b"\x1f\x8b":
                with gzip.GzipFile(fileobj=f) as gz:
                    return gz.read()
            return f.read()
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a directory, expected an IDX file") from None
    except (EOFError, OSError, zlib.error) as err:
        raise DataError(f"{path}: corrupt gzip data ({err})") from None
