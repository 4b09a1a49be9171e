"""digitpad.preprocess against a numpy/SciPy reference of the same MNIST recipe.

The reference is written the obvious way, with arrays: the ink box from np.nonzero,
area averaging as a product of two coverage matrices, the center of mass from
scipy.ndimage. Both sides compute the same real numbers in float64 and differ only in
rounding, so they must agree to 1e-9: far below the 1/255 of one grey level, and far
above float64 rounding (~1e-15). The whole-pixel shift that centers the digit is
compared exactly.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from scipy import ndimage

from train import pendigits
from digitpad.preprocess import BOX, SIZE, center_of_mass, crop_to_ink, fit_box, prepare
from digitpad.render import rasterize
from tests import datasets as data

TOLERANCE = 1e-9


def reference_bbox(image: np.ndarray):
    ys, xs = np.nonzero(image)
    if len(xs) == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def coverage(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in): how much of input pixel i lies in output cell j, over the cell's
    length. Area averaging along one axis is this matrix times the line."""
    step = n_in / n_out
    starts = np.arange(n_out)[:, None] * step
    left = np.maximum(starts, np.arange(n_in)[None, :])
    right = np.minimum(starts + step, np.arange(n_in)[None, :] + 1)
    return np.clip(right - left, 0, None) / step


def reference_fit(image: np.ndarray, bbox) -> np.ndarray:
    x0, y0, x1, y1 = bbox
    crop = image[y0:y1, x0:x1].astype(np.float64) / 255
    h, w = crop.shape
    scale = BOX / max(w, h)
    out_w, out_h = min(BOX, max(1, round(w * scale))), min(BOX, max(1, round(h * scale)))
    return coverage(h, out_h) @ crop @ coverage(w, out_w).T


def reference_prepare(image: np.ndarray):
    bbox = reference_bbox(image)
    if bbox is None:
        return None
    fitted = reference_fit(image, bbox)
    fitted /= fitted.max()
    h, w = fitted.shape
    cy, cx = ndimage.center_of_mass(fitted)  # pixel centers at 0, 1, ...
    cx, cy = cx + 0.5, cy + 0.5  # preprocess puts them at 0.5, 1.5, ...
    ox = min(max(round(SIZE / 2 - cx), 0), SIZE - w)
    oy = min(max(round(SIZE / 2 - cy), 0), SIZE - h)
    field = np.zeros((SIZE, SIZE))
    field[oy : oy + h, ox : ox + w] = fitted
    return field, bbox, (cx, cy), (ox, oy)


def drawn(sample, height: float, left: float, top: float, width: int, brush: float) -> np.ndarray:
    return rasterize(pendigits.on_pad(sample, height, left, top), width, 280, brush)


def pen_rasters():
    """Pen digits as the pad draws them: ordinary, tiny, huge and cut by the edge,
    thin and thick, off-center, on pads of several widths."""
    samples = pendigits.load(data.pendigits())[:: 997][:12]
    rng = random.Random(5)
    cases = []
    for i, sample in enumerate(samples):
        height, brush = [(260, 18), (30, 18), (600, 18), (200, 3), (200, 40), (120, 1)][i % 6]
        width = rng.choice((280, 300, 480))
        left, top = rng.uniform(-60, width - 40), rng.uniform(-60, 200)
        cases.append(drawn(sample, height, left, top, width, brush))
    return cases


def random_rasters(count: int = 60):
    rng = np.random.default_rng(11)
    for _ in range(count):
        h, w = rng.integers(1, 70, size=2)
        image = rng.integers(0, 256, size=(h, w)) * (rng.random((h, w)) < rng.random())
        yield image.astype(np.uint8)


def all_rasters():
    return [*pen_rasters(), *random_rasters()]


def test_crop_to_ink_is_the_box_of_every_nonzero_pixel():
    for image in all_rasters():
        h, w = image.shape
        assert crop_to_ink(image.tobytes(), w, h) == reference_bbox(image)


def test_fit_box_is_area_averaging():
    for image in all_rasters():
        h, w = image.shape
        bbox = reference_bbox(image)
        if bbox is None:
            continue
        values, out_w, out_h = fit_box(image.tobytes(), w, bbox)
        expected = reference_fit(image, bbox)
        assert (out_h, out_w) == expected.shape
        np.testing.assert_allclose(np.reshape(values, (out_h, out_w)), expected, rtol=0, atol=TOLERANCE)


def test_whole_factors_are_block_means_and_repeats():
    rng = np.random.default_rng(3)
    big = rng.integers(1, 256, size=(60, 40)).astype(np.uint8)  # 3x down to 20 x 13.33.. -> 20x13
    square = rng.integers(1, 256, size=(80, 80)).astype(np.uint8)  # 4x down
    values, w, h = fit_box(square.tobytes(), 80, (0, 0, 80, 80))
    blocks = square.reshape(20, 4, 20, 4).mean(axis=(1, 3)) / 255
    np.testing.assert_allclose(np.reshape(values, (h, w)), blocks, rtol=0, atol=TOLERANCE)
    small = rng.integers(1, 256, size=(5, 5)).astype(np.uint8)  # 4x up: each pixel repeated
    values, w, h = fit_box(small.tobytes(), 5, (0, 0, 5, 5))
    np.testing.assert_allclose(np.reshape(values, (h, w)), np.kron(small / 255, np.ones((4, 4))), atol=TOLERANCE)
    values, w, h = fit_box(big.tobytes(), 40, (0, 0, 40, 60))
    assert (w, h) == (13, 20)


def test_center_of_mass_matches_scipy():
    rng = np.random.default_rng(8)
    for _ in range(50):
        h, w = rng.integers(1, 21, size=2)
        image = rng.random((h, w)) * (rng.random((h, w)) < 0.4)
        if not image.any():
            continue
        cy, cx = ndimage.center_of_mass(image)
        assert center_of_mass(image.ravel().tolist(), w, h) == pytest.approx((cx + 0.5, cy + 0.5), abs=TOLERANCE)


def test_prepare_is_the_reference_recipe():
    for image in all_rasters():
        h, w = image.shape
        got = prepare(image.tobytes(), w, h)
        expected = reference_prepare(image)
        if expected is None:
            assert got is None
            continue
        field, bbox, mass, offset = expected
        assert got.bbox == bbox
        assert got.offset == offset
        assert got.center_of_mass == pytest.approx(mass, abs=TOLERANCE)
        np.testing.assert_allclose(np.reshape(got.pixels, (SIZE, SIZE)), field, rtol=0, atol=TOLERANCE)


def test_an_empty_raster_is_empty_not_a_guess():
    assert prepare(bytes(280 * 300), 300, 280) is None
    assert crop_to_ink(bytes(5), 5, 1) is None


@pytest.mark.parametrize("width, height, size", [(0, 5, 0), (5, 0, 0), (4, 4, 15), (4, 4, 17)])
def test_a_raster_of_the_wrong_size_is_refused(width, height, size):
    with pytest.raises(ValueError, match="raster"):
        prepare(bytes(size), width, height)
