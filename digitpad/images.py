"""Turn an image of a handwritten digit into an ink raster like the pad's.

The page reads the canvas's alpha channel: one byte per pixel, 255 where the pen
covered it fully, 0 where it never went. Images from elsewhere come in every
convention (black on white scans, white on black MNIST-style arrays, canvas exports
with a transparent background), so this module finds which is ink and which is
background and hands back that same kind of raster.
"""

from __future__ import annotations

import os
import numpy as np
from PIL import Image, UnidentifiedImageError


class ImageError(ValueError):
    """The image cannot be read as a drawing: missing, not an image, wrong shape or dtype."""


class NoInkError(ImageError):
    """The image is readable but holds nothing drawn on it."""


def ink_raster(image) -> np.ndarray:
    """An H x W uint8 raster of the ink in ``image``: 255 = full ink, 0 = background.

    ``image`` is a file path, a Pillow image, or a numpy array shaped H x W, H x W x 1,
    H x W x 3 (RGB) or H x W x 4 (RGBA), of uint8 (0..255) or floats (0..1).
    Raises ImageError when it cannot be read, NoInkError when nothing is drawn on it.
    """
    if isinstance(image, (str, os.PathLike)):
        image = open_image(image)
    if isinstance(image, Image.Image):
        image = _pixels_of(image)
    if not isinstance(image, np.ndarray):
        raise ImageError(
            f"expected a file path, a Pillow image or a numpy array, got {type(image).__name__}"
        )
    ink = _ink_of(_as_unit_floats(image))
    if not ink.any():
        raise NoInkError("no ink found: the image is blank")
    return ink


def open_image(path: str | os.PathLike) -> Image.Image:
    name = os.fspath(path)
    if not os.path.exists(name):
        raise ImageError(f"{name}: no such file")
    if os.path.isdir(name):
        raise ImageError(f"{name}: is a directory, not an image")
    try:
        with Image.open(name) as image:
            image.load()
            return image
    except UnidentifiedImageError:
        raise ImageError(f"{name}: not an image Pillow can read") from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
        raise ImageError(f"{name}: cannot read the image ({e})") from None


def _pixels_of(image: Image.Image) -> np.ndarray:
    """Pillow image -> uint8 array, keeping transparency where the image has it."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if image.mode.startswith("I;16"):
        return (np.asarray(image, dtype=np.float64) / 65535).astype(np.float32)
    if image.mode in ("I", "F"):  # no fixed range: scale by the brightest pixel
        values = np.clip(np.asarray(image, dtype=np.float64), 0, None)
        top = values.max()
        return (values / top).astype(np.float32) if top > 0 else np.zeros(values.shape, np.float32)
    return np.asarray(image.convert("RGBA" if has_alpha else "RGB"))


def _as_unit_floats(array: np.ndarray) -> np.ndarray:
    """Check the shape and dtype; return float32 H x W x {1, 3, 4} in [0, 1]."""
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or array.shape[2] not in (1, 3, 4):
        raise ImageError(
            f"expected an array shaped H x W, H x W x 3 or H x W x 4, got {array.shape}"
        )
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ImageError(f"the image is empty: {array.shape[1]}x{array.shape[0]} pixels")
    if array.dtype == np.uint8:
        return array.astype(np.float32) / 255
    if np.issubdtype(array.dtype, np.floating):
        if not np.isfinite(array).all():
            raise ImageError("the image holds NaN or infinite values")
        low, high = float(array.min()), float(array.max())
        if low < 0 or high > 1:
            raise ImageError(
                f"float images must hold values in [0, 1], got {low:g}..{high:g} "
                "(pass uint8 for 0..255)"
            )
        return array.astype(np.float32)
    raise ImageError(f"expected uint8 or float pixels, got {array.dtype}")


def _border(plane: np.ndarray) -> np.ndarray:
    return np.concatenate([plane[0], plane[-1], plane[:, 0], plane[:, -1]])


def _ink_of(pixels: np.ndarray) -> np.ndarray:
    if pixels.shape[2] == 4:
        alpha = pixels[:, :, 3]
        # A canvas export: transparent paper, and the ink is wherever paint was laid,
        # exactly what the page reads.
        if np.median(_border(alpha)) < 0.5:
            return _to_bytes(alpha)
        # Opaque paper: the colours carry the drawing; see-through specks read as paper.
        color = pixels[:, :, :3] * alpha[:, :, None] + (1 - alpha[:, :, None])
    else:
        color = pixels
    gray = color[:, :, 0] if color.shape[2] == 1 else color @ np.float32([0.299, 0.587, 0.114])
    # The paper is what most of the border shows; ink is whatever differs from it, in
    # the direction away from it (dark ink on light paper or light ink on dark).
    border = _border(gray)
    paper = float(np.median(border))
    ink = np.maximum(paper - gray if paper >= 0.5 else gray - paper, 0)
    grain = _grain(border, paper)
    if grain == 0:
        return _to_bytes(ink)
    return _to_bytes(_without_lone_pixels(np.where(ink > grain, ink, 0)))


def _grain(border: np.ndarray, paper: float) -> float:
    """How far the paper itself strays from its median, judged from the border.

    Any stray non-zero pixel would count as ink when cropping, so a scan's grain must be
    cut; a perfectly uniform background (any digital image) is left alone so that every
    anti-aliased edge survives. The median absolute deviation ignores the ink that
    touches the border, as long as it covers less than half of it; eight of them is
    about five standard deviations of Gaussian grain, which a whole page of pixels
    almost never exceeds by chance.
    """
    deviation = np.abs(border - paper)
    if not deviation.any():
        return 0.0
    return max(8 * float(np.median(deviation)), 2 / 255)


def _without_lone_pixels(ink: np.ndarray) -> np.ndarray:
    """Ink with no inked neighbour is a speck of dust: pen strokes are wider than that."""
    inked = np.pad(ink > 0, 1)
    h, w = ink.shape
    neighbours = sum(
        inked[1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w]
        for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dy or dx
    )
    return np.where(neighbours > 0, ink, 0)


def _to_bytes(ink: np.ndarray) -> np.ndarray:
    return np.rint(np.clip(ink, 0, 1) * 255).astype(np.uint8)
