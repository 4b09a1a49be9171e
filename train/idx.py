"""Read MNIST's IDX files (gzip-compressed or raw) into numpy arrays (the format itself:
``digitpad.idx``)."""

from __future__ import annotations

import gzip
import os
import zlib

import numpy as np

from digitpad import idx


class DataError(Exception):
    """The data is missing or not what it should be; the message says which file and why."""


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """The array stored in one IDX file: (n, rows, cols) uint8 for images, (n,) for labels."""
    try:
        shape, data = idx.parse(_read_bytes(path))
    except idx.IdxError as err:
        raise DataError(f"{path}: {err}") from None
    return np.frombuffer(data, np.uint8).reshape(shape)


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
