"""Pictures in every convention become the pad's kind of ink raster."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from digitpad.images import ImageError, NoInkError, ink_raster
from digitpad.pad import RASTER_HEIGHT
from digitpad.render import rasterize

SEVEN = [[(60.0, 70.0), (200.0, 70.0), (110.0, 230.0)], [(100.0, 150.0), (170.0, 150.0)]]


@pytest.fixture(scope="module")
def alpha() -> np.ndarray:
    return rasterize(SEVEN, 260, RASTER_HEIGHT)


def test_dark_ink_on_white_paper(alpha):
    assert np.array_equal(ink_raster(255 - alpha), alpha)


def test_light_ink_on_black_like_mnist(alpha):
    assert np.array_equal(ink_raster(alpha), alpha)
    assert np.array_equal(ink_raster(alpha.astype(np.float32) / 255), alpha)


def test_canvas_export_reads_the_alpha_whatever_the_ink_colour(alpha):
    for color in [(0, 0, 0), (255, 255, 255), (30, 60, 200)]:
        rgba = np.zeros((*alpha.shape, 4), np.uint8)
        rgba[..., :3] = color
        rgba[..., 3] = alpha
        assert np.array_equal(ink_raster(rgba), alpha), color


def test_opaque_rgba_reads_the_colours(alpha):
    rgba = np.full((*alpha.shape, 4), 255, np.uint8)
    rgba[..., :3] = (255 - alpha)[..., None]
    assert np.array_equal(ink_raster(rgba), alpha)


def test_blue_pen_on_white_paper(alpha):
    rgb = np.full((*alpha.shape, 3), 255, np.float32)
    pen = np.float32([20, 40, 160])
    rgb = rgb + (pen - rgb) * (alpha[..., None] / 255)
    ink = ink_raster(np.rint(rgb).astype(np.uint8))
    assert np.array_equal(ink > 0, alpha > 0)
    assert ink.max() > 150


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "P", "LA", "I;16"])
def test_png_files_in_every_pillow_mode(tmp_path, alpha, mode):
    paper = Image.fromarray(255 - alpha)
    image = paper.convert(mode) if mode != "I;16" else Image.fromarray(
        (255 - alpha).astype(np.uint16) * 257
    )
    path = tmp_path / f"seven-{mode.replace(';', '')}.png"
    image.save(path)
    ink = ink_raster(path)
    assert ink.shape == alpha.shape
    assert np.abs(ink.astype(int) - alpha).max() <= 1
    assert np.array_equal(ink_raster(str(path)), ink)
    assert np.array_equal(ink_raster(Image.open(path)), ink)


def test_transparent_png_file_reads_like_the_canvas(tmp_path, alpha):
    rgba = np.zeros((*alpha.shape, 4), np.uint8)
    rgba[..., 3] = alpha
    Image.fromarray(rgba).save(tmp_path / "canvas.png")
    assert np.array_equal(ink_raster(tmp_path / "canvas.png"), alpha)


def test_scan_grain_is_not_ink(alpha):
    rng = np.random.default_rng(0)
    scan = 225 - alpha.astype(np.float32) * (185 / 255) + rng.normal(0, 4, alpha.shape)
    scan[rng.integers(0, 280, 20), rng.integers(0, 260, 20)] = 120  # dust
    ink = ink_raster(np.clip(np.rint(scan), 0, 255).astype(np.uint8))
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    true_rows, true_cols = np.flatnonzero(alpha.any(axis=1)), np.flatnonzero(alpha.any(axis=0))
    assert abs(rows[0] - true_rows[0]) <= 2 and abs(rows[-1] - true_rows[-1]) <= 2
    assert abs(cols[0] - true_cols[0]) <= 2 and abs(cols[-1] - true_cols[-1]) <= 2


def test_a_tightly_cropped_digit_touching_the_border(alpha):
    rows, cols = np.flatnonzero(alpha.any(axis=1)), np.flatnonzero(alpha.any(axis=0))
    tight = alpha[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    assert np.array_equal(ink_raster(255 - tight), tight)


@pytest.mark.parametrize("blank", [
    np.full((50, 40), 255, np.uint8), np.zeros((50, 40), np.uint8),
    np.zeros((50, 40, 4), np.uint8), np.full((10, 10, 3), 0.5, np.float32),
])
def test_a_blank_image_has_no_ink(blank):
    with pytest.raises(NoInkError, match="no ink"):
        ink_raster(blank)


def test_a_missing_file(tmp_path):
    with pytest.raises(ImageError, match="nowhere.png: no such file"):
        ink_raster(tmp_path / "nowhere.png")


def test_a_directory(tmp_path):
    with pytest.raises(ImageError, match="is a directory"):
        ink_raster(tmp_path)


def test_a_file_that_is_not_an_image(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("not a picture\n")
    with pytest.raises(ImageError, match="notes.png: not an image"):
        ink_raster(path)


def test_a_truncated_png(tmp_path, alpha):
    path = tmp_path / "cut.png"
    Image.fromarray(255 - alpha).save(path)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ImageError, match="cut.png"):
        ink_raster(path)


@pytest.mark.parametrize("array,message", [
    (np.zeros((5, 5, 2), np.uint8), "shaped"),
    (np.zeros(25, np.uint8), "shaped"),
    (np.zeros((0, 5), np.uint8), "empty"),
    (np.zeros((5, 5), np.int64), "uint8 or float"),
    (np.zeros((5, 5), bool), "uint8 or float"),
    (np.full((5, 5), 2.0), r"\[0, 1\]"),
    (np.full((5, 5), np.nan), "NaN"),
])
def test_wrong_arrays_are_refused(array, message):
    with pytest.raises(ImageError, match=message):
        ink_raster(array)


def test_something_else_entirely():
    with pytest.raises(ImageError, match="got list"):
        ink_raster([[0, 1], [1, 0]])
