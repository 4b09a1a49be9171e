"""MNIST as uint8 arrays, from a directory of the four IDX files or downloaded by Keras."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np

from train.idx import DataError, read_idx

FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}

Split = tuple[np.ndarray, np.ndarray]  # images (n, 28, 28) uint8, labels (n,) uint8


@functools.lru_cache(maxsize=2)  # training and evaluation read the same files
def load(data_dir: str | os.PathLike | None) -> tuple[Split, Split]:
    """((train images, labels), (test images, labels)).

    With no directory, Keras downloads the standard copy into ~/.keras/datasets.
    """
    if not data_dir:
        return _download()
    folder = Path(data_dir)
    if not folder.is_dir():
        raise DataError(f"MNIST directory not found: {folder}")
    arrays = {key: read_idx(_find(folder, name)) for key, name in FILES.items()}
    train = _checked(arrays["train_images"], arrays["train_labels"], "train")
    test = _checked(arrays["test_images"], arrays["test_labels"], "t10k")
    return train, test


def check(data_dir: str | os.PathLike | None) -> None:
    """Fail early, before the slow imports, when the MNIST folder or a file is missing."""
    if data_dir:
        folder = Path(data_dir)
        if not folder.is_dir():
            raise DataError(f"MNIST directory not found: {folder}")
        for name in FILES.values():
            _find(folder, name)


def _find(folder: Path, name: str) -> Path:
    for candidate in (folder / f"{name}.gz", folder / name):
        if candidate.exists():
            return candidate
    raise DataError(f"{folder}: missing {name}.gz")


def _checked(images: np.ndarray, labels: np.ndarray, split: str) -> Split:
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise DataError(f"{split} images are {images.shape[1:]}, expected 28x28")
    if labels.ndim != 1:
        raise DataError(f"{split} labels file holds images, not labels")
    if len(images) != len(labels):
        raise DataError(f"{split}: {len(images)} images but {len(labels)} labels")
    if labels.size and labels.max() > 9:
        raise DataError(f"{split} labels go up to {labels.max()}, expected digits 0-9")
    return images, labels


def _download() -> tuple[Split, Split]:
    from train.tf import tf_keras

    try:
        (xtr, ytr), (xte, yte) = tf_keras.datasets.mnist.load_data()
    except Exception as err:  # network or cache trouble; say it in one line
        raise DataError(f"could not download MNIST ({err}); pass --data DIR or set MNIST_DIR") from None
    return (xtr, ytr), (xte, yte)
