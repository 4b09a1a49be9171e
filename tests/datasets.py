"""The data sets the tests read, found by ``train.datasets`` (downloaded if need be).

A test that needs data it cannot get is skipped with the reason. The download is tried
once per test run: an offline run pays for one failed attempt, not one per test.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from train import datasets, mnist
from train.idx import DataError


@functools.lru_cache(maxsize=1)
def pendigits_or_reason() -> tuple[Path | None, str]:
    """(the pen-digits file, "") or (None, why there is none)."""
    try:
        return datasets.pendigits_file(), ""
    except DataError as err:
        return None, str(err)


def pendigits() -> Path:
    """The pen-digits file; skips the calling test when there is none."""
    path, reason = pendigits_or_reason()
    if path is None:
        pytest.skip(reason)
    return path


@functools.lru_cache(maxsize=1)
def _mnist_or_reason() -> tuple[Path | None, str]:
    folder = datasets.mnist_dir()
    if folder is not None:
        return folder, ""
    try:
        mnist.load(None)  # Keras downloads MNIST once and caches it
    except DataError as err:
        return None, f"MNIST: not in {datasets.SHARED / 'mnist'}, MNIST_DIR is not set, and {err}"
    return None, ""


def mnist_source() -> Path | None:
    """MNIST's folder, or None where training gets Keras' cached copy; skips the
    calling test when there is neither."""
    folder, reason = _mnist_or_reason()
    if reason:
        pytest.skip(reason)
    return folder


def mnist_idx_dir() -> Path:
    """A folder of MNIST's IDX files; skips the calling test when there is none.

    Keras' copy holds arrays, not these files, so it is no substitute here.
    """
    folder = datasets.mnist_dir()
    if folder is None or not (folder / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip(
            f"MNIST's IDX files: not in {datasets.SHARED / 'mnist'} and MNIST_DIR is not set; "
            "set MNIST_DIR=DIR"
        )
    return folder
