"""Turn a raster of ink into the 28x28 image the network reads, the way MNIST was made.

MNIST digits were cropped to their ink, scaled so the longer side fits a 20x20 box
(keeping the aspect ratio, with anti-aliasing), and placed in a 28x28 field so that
their center of mass sits in the middle. Doing exactly that to a drawing is what lets
a network trained on MNIST read it.

Standard library only: this module runs in the browser under Pyodide, where numpy is
not available. The work per pixel runs in C: ``bytes.strip`` finds the ink, and whole
rows, each read as one integer, are OR-ed and added at once, so Python loops only over
the 20x20 output.
"""

from __future__ import annotations

import operator
import sys
from array import array
from dataclasses import dataclass
from functools import reduce
from itertools import repeat

SIZE = 28
BOX = 20
# Where a pixel's byte sits in its 4-byte lane when the lane is read as a number.
_LOW_BYTE = 0 if sys.byteorder == "little" else 3
assert array("I").itemsize == 4 and array("Q").itemsize == 8


@dataclass(frozen=True)
class Prepared:
    """The network input for one drawing, with the steps that produced it."""

    pixels: list[float]  # SIZE*SIZE values in [0, 1], row-major, ink = 1
    bbox: tuple[int, int, int, int]  # ink box in the raster: x0, y0, x1, y1 (half-open)
    fitted: list[float]  # the ink box scaled into the 20x20 box, row-major
    fitted_size: tuple[int, int]  # width, height of ``fitted``
    center_of_mass: tuple[float, float]  # of ``fitted``, in its pixel coordinates
    offset: tuple[int, int]  # where ``fitted``'s top-left corner lands in the 28x28 field


def crop_to_ink(alpha: bytes, width: int, height: int) -> tuple[int, int, int, int] | None:
    """The smallest box (x0, y0, x1, y1), half-open, holding every non-zero pixel.

    ``alpha`` is one byte per pixel, row-major. Returns None when there is no ink.
    """
    _check_raster(alpha, width, height)
    alpha = bytes(alpha)
    first = len(alpha) - len(alpha.lstrip(b"\0"))
    if first == len(alpha):
        return None
    y0, y1 = first // width, (len(alpha.rstrip(b"\0")) - 1) // width + 1
    # Which columns hold ink: every inked row as one integer, OR-ed together in C.
    rows = (int.from_bytes(alpha[at : at + width], "little") for at in range(y0 * width, y1 * width, width))
    columns = reduce(operator.or_, rows).to_bytes(width, "little")
    x0 = width - len(columns.lstrip(b"\0"))
    x1 = len(columns.rstrip(b"\0"))
    return x0, y0, x1, y1


def _area_spans(n_in: int, n_out: int) -> list[tuple[int, int, int, int]]:
    """For each output cell, how much of each input pixel it covers under area averaging.

    Measured in 1/n_out of an input pixel, cell j covers [j*n_in, (j+1)*n_in) and input
    pixel i covers [i*n_out, (i+1)*n_out): every overlap is a whole number, and a cell's
    overlaps add up to n_in. Each span is (first, last, w_first, w_last): input pixels
    first..last inclusive, the ones in between covered wholly (n_out each).
    """
    spans = []
    for j in range(n_out):
        start, end = j * n_in, (j + 1) * n_in
        first, last = start // n_out, (end - 1) // n_out
        if first == last:
            spans.append((first, last, n_in, 0))
        else:
            spans.append((first, last, (first + 1) * n_out - start, end - last * n_out))
    return spans


def fit_box(
    alpha: bytes, width: int, bbox: tuple[int, int, int, int], box: int = BOX
) -> tuple[list[float], int, int]:
    """Scale the ink box so its longer side is ``box`` pixels, keeping the aspect ratio.

    Each output pixel is the area-weighted mean of the input pixels it covers, which
    anti-aliases on the way down and stays exact on the way up. Values are in [0, 1].
    Returns (row-major values, out_width, out_height).

    The sums are exact integers, and Python never loops over pixels. Each row of pixels
    is one integer with a lane per pixel, so adding rows adds every pixel at once, in C:
    first the rows are averaged down to ``out_height``, then those rows are turned into
    columns (with array slices) and averaged down to ``out_width`` the same way. Lanes
    are wide enough never to overflow: 32 bits hold 255 * crop height, 64 bits that
    times the crop width.
    """
    x0, y0, x1, y1 = bbox
    crop_w, crop_h = x1 - x0, y1 - y0
    scale = box / max(crop_w, crop_h)
    out_w = min(box, max(1, round(crop_w * scale)))
    out_h = min(box, max(1, round(crop_h * scale)))

    crop = b"".join(alpha[at + x0 : at + x1] for at in range(y0 * width, y1 * width, width))
    lanes = bytearray(4 * crop_w * crop_h)
    lanes[_LOW_BYTE::4] = crop
    rows = _area_rows(lanes, crop_h, out_h, 4 * crop_w)

    columns = array("Q", bytes(8 * crop_w * out_h))  # columns[x * out_h + y]
    for y, row in enumerate(rows):
        columns[y::out_h] = array("Q", array("I", row.to_bytes(4 * crop_w, sys.byteorder)))
    cells = _area_rows(columns.tobytes(), crop_w, out_w, 8 * out_h)

    grid = array("Q", bytes(8 * out_w * out_h))  # row-major
    for x, column in enumerate(cells):
        grid[x::out_w] = array("Q", column.to_bytes(8 * out_h, sys.byteorder))
    whole = 255 * crop_w * crop_h  # a cell fully inked adds up to this
    return list(map(operator.truediv, grid, repeat(whole))), out_w, out_h


def _area_rows(packed: bytes, n_in: int, n_out: int, row_bytes: int) -> list[int]:
    """Area-average ``n_in`` rows of lanes, packed one after the other, into ``n_out``
    rows; each is an integer holding the weighted sums (weights from _area_spans)."""
    rows = [
        int.from_bytes(packed[at : at + row_bytes], sys.byteorder)
        for at in range(0, n_in * row_bytes, row_bytes)
    ]
    out = []
    for first, last, w_first, w_last in _area_spans(n_in, n_out):
        line = w_first * rows[first]
        if last > first:
            line += w_last * rows[last] + n_out * sum(rows[first + 1 : last])
        out.append(line)
    return out


def center_of_mass(values: list[float], width: int, height: int) -> tuple[float, float]:
    """Intensity-weighted centroid (x, y), taking pixel i's center to be at i + 0.5."""
    total = sum(values)
    if total <= 0:
        return width / 2, height / 2
    row_sums = [sum(values[y * width : (y + 1) * width]) for y in range(height)]
    col_sums = [sum(values[x::width]) for x in range(width)]
    cx = sum((x + 0.5) * s for x, s in enumerate(col_sums)) / total
    cy = sum((y + 0.5) * s for y, s in enumerate(row_sums)) / total
    return cx, cy


def place_by_mass(
    values: list[float], width: int, height: int, size: int = SIZE
) -> tuple[list[float], tuple[float, float], tuple[int, int]]:
    """Put the fitted box into a ``size`` x ``size`` field with its center of mass in the middle.

    The shift is whole pixels and never pushes ink out of the field: a lopsided digit
    ends up slightly off-center rather than cut.
    """
    cx, cy = center_of_mass(values, width, height)
    ox = min(max(round(size / 2 - cx), 0), size - width)
    oy = min(max(round(size / 2 - cy), 0), size - height)
    field = [0.0] * (size * size)
    for y in range(height):
        start = (oy + y) * size + ox
        field[start : start + width] = values[y * width : (y + 1) * width]
    return field, (cx, cy), (ox, oy)


def normalize(values: list[float]) -> list[float]:
    """Stretch so the darkest ink is 1.0, as in MNIST, whatever the brush width was."""
    peak = max(values)
    if peak <= 0:
        return values
    return [v / peak for v in values]


def prepare(alpha: bytes, width: int, height: int) -> Prepared | None:
    """The whole MNIST recipe. Returns None for an empty raster."""
    bbox = crop_to_ink(alpha, width, height)
    if bbox is None:
        return None
    fitted, fit_w, fit_h = fit_box(alpha, width, bbox)
    fitted = normalize(fitted)
    pixels, com, offset = place_by_mass(fitted, fit_w, fit_h)
    return Prepared(pixels, bbox, fitted, (fit_w, fit_h), com, offset)


def _check_raster(alpha, width: int, height: int) -> None:
    if width <= 0 or height <= 0:
        raise ValueError(f"raster size must be positive, got {width}x{height}")
    if len(alpha) != width * height:
        raise ValueError(
            f"raster of {width}x{height} needs {width * height} bytes, got {len(alpha)}"
        )
