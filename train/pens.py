"""Pen-digit trajectories drawn on the pad and prepared exactly as the browser does it.

The strokes go through the pad's own renderer (``digitpad.render``) and the browser's
preprocessing (``digitpad.preprocess``), so the network trains and is measured on the
very pixels a person's drawing would give. Training writers are drawn several times at
different sizes on the pad: the brush has a fixed width in pad pixels, so a smaller
digit has relatively thicker strokes, just as in the browser.
"""

from __future__ import annotations

import hashlib
import math
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from train import pendigits
from digitpad.pad import RASTER_HEIGHT
from digitpad.preprocess import SIZE, prepare
from digitpad.render import ink_bounds, rasterize
from train.idx import DataError

CACHE_DIR = Path("build/pendigits")
CACHE_VERSION = 1

# How training writers' digits vary: size on the pad (relative to the pad's height)
# and a small tremor of the sampled pen positions, in pad pixels.
HEIGHT_RANGE = (0.6, 1.2)
JITTER_PX = 1.5


def load_samples(path: str | os.PathLike) -> list[pendigits.Sample]:
    try:
        return pendigits.load(path)
    except (FileNotFoundError, pendigits.FormatError) as err:
        raise DataError(str(err)) from None


def as_in_browser(sample: pendigits.Sample) -> np.ndarray:
    """The 28x28 input for a digit drawn to fill the pad, as the page computes it."""
    strokes = pendigits.on_pad(sample)
    alpha = rasterize(strokes, RASTER_HEIGHT, RASTER_HEIGHT)
    return _prepared(alpha)


def varied(sample: pendigits.Sample, rng: np.random.Generator) -> np.ndarray:
    """The digit drawn at a random size and position on the pad, with a little tremor."""
    height = RASTER_HEIGHT * rng.uniform(*HEIGHT_RANGE)
    strokes = pendigits.on_pad(sample, height=height, left=rng.uniform(0, 1), top=rng.uniform(0, 1))
    jitter = rng.uniform(0, JITTER_PX)
    strokes = [
        [(x + dx, y + dy) for (x, y), (dx, dy) in zip(s, rng.normal(0, jitter, (len(s), 2)))]
        for s in strokes
    ]
    # Render only the box the brush can reach, shifted by whole pixels so the
    # anti-aliasing is the same as on the full pad; preprocessing crops to ink anyway.
    x0, y0, x1, y1 = ink_bounds(strokes)
    sx, sy = math.floor(x0), math.floor(y0)
    strokes = [[(x - sx, y - sy) for x, y in s] for s in strokes]
    alpha = rasterize(strokes, math.ceil(x1 - sx), math.ceil(y1 - sy))
    return _prepared(alpha)


def _prepared(alpha: np.ndarray) -> np.ndarray:
    h, w = alpha.shape
    prepared = prepare(alpha.tobytes(), w, h)
    return np.asarray(prepared.pixels, dtype=np.float32).reshape(SIZE, SIZE)


def browser_set(path, writers: frozenset[int]) -> tuple[np.ndarray, np.ndarray]:
    """Every digit of these writers as the browser would see it: (n, 28, 28) float32, labels."""
    key = _cache_key(path, "browser", sorted(writers))
    return _cached(key, lambda: _render_all(path, writers, copies=0, seed=0))


def varied_set(
    path, writers: frozenset[int], copies: int, seed: int, limit: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``copies`` varied drawings of every digit of these writers (of the first ``limit``)."""
    key = _cache_key(path, "varied", sorted(writers), copies, seed, limit, HEIGHT_RANGE, JITTER_PX)
    return _cached(key, lambda: _render_all(path, writers, copies=copies, seed=seed, limit=limit))


def _render_all(path, writers, copies: int, seed: int, limit: int | None = None):
    samples = pendigits.by_writers(load_samples(path), writers)[:limit]
    if not samples:
        raise DataError(f"{path}: no digits by writers {sorted(writers)}")
    jobs = [(s, copies, seed, i) for i, s in enumerate(samples)]
    workers = min(len(jobs) // 200 + 1, os.cpu_count() or 1)
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            images = list(pool.map(_render_one, jobs, chunksize=64))
    else:
        images = [_render_one(job) for job in jobs]
    x = np.concatenate(images)
    y = np.repeat([s.label for s in samples], max(copies, 1)).astype(np.uint8)
    return x, y


def _render_one(job) -> np.ndarray:
    sample, copies, seed, index = job
    if copies == 0:
        return as_in_browser(sample)[None]
    # One generator per digit: the result does not depend on how work is split.
    rng = np.random.default_rng([seed, index])
    return np.stack([varied(sample, rng) for _ in range(copies)])


def _cache_key(path, *parts) -> str:
    stat = Path(path).stat() if Path(path).exists() else None
    ident = (CACHE_VERSION, str(Path(path).resolve()), stat and (stat.st_size, stat.st_mtime_ns), parts)
    return hashlib.sha1(repr(ident).encode()).hexdigest()[:16]


def _cached(key: str, make) -> tuple[np.ndarray, np.ndarray]:
    file = CACHE_DIR / f"{key}.npz"
    if file.exists():
        with np.load(file) as saved:
            return saved["x"], saved["y"]
    x, y = make()
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    tmp = file.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, x=x, y=y)
    tmp.replace(file)
    return x, y
