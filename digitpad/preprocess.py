"""Turn a raster of ink into the 28x28 image the network reads, the way MNIST was made.

MNIST digits were cropped to their ink, scaled so the longer side fits a 20x20 box
(keeping the aspect ratio, with anti-aliasing), and placed in a 28x28 field so that
their center of mass sits in the middle. Doing exactly that to a drawing is what lets
a network trained on MNIST read it.

Standard library only: this module runs in the browser under Pyodide, where numpy is
not available. Hot loops lean on ``bytes.strip`` and ``sum`` over slices, which run in
C, so a 280x280 raster takes a few milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

SIZE = 28
BOX = 20


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
    x0, x1, y0, y1 = width, 0, -1, -1
    for y in range(height):
        row = alpha[y * width : (y + 1) * width]
        right = len(row.rstrip(b"\0"))
        if right == 0:
            continue
        left = width - len(row.lstrip(b"\0"))
        x0 = min(x0, left)
        x1 = max(x1, right)
        if y0 < 0:
            y0 = y
        y1 = y + 1
    if y0 < 0:
        return None
    return x0, y0, x1, y1


def _area_spans(n_in: int, n_out: int) -> list[tuple[int, int, float, float, float]]:
    """For each output cell, how it covers the input line under area averaging.

    Output cell j covers input interval [j*n_in/n_out, (j+1)*n_in/n_out). Each span is
    (first, last, w_first, w_last, norm): input pixels first..last inclusive, where the
    first and last may be partly covered and everything between is fully covered.
    """
    step = n_in / n_out
    spans = []
    for j in range(n_out):
        start, end = j * step, (j + 1) * step
        first = int(start)
        last = min(n_in - 1, int(end - 1e-9))
        if first == last:
            spans.append((first, last, end - start, 0.0, 1.0 / step))
        else:
            spans.append((first, last, first + 1 - start, end - last, 1.0 / step))
    return spans


def _resample_line(line, spans) -> list[float]:
    out = []
    for first, last, w_first, w_last, norm in spans:
        if first == last:
            out.append(line[first] * w_first * norm)
        else:
            inner = sum(line[first + 1 : last])
            out.append((line[first] * w_first + inner + line[last] * w_last) * norm)
    return out


def fit_box(
    alpha: bytes, width: int, bbox: tuple[int, int, int, int], box: int = BOX
) -> tuple[list[float], int, int]:
    """Scale the ink box so its longer side is ``box`` pixels, keeping the aspect ratio.

    Each output pixel is the area-weighted mean of the input pixels it covers, which
    anti-aliases on the way down and stays exact on the way up. Values are in [0, 1].
    Returns (row-major values, out_width, out_height).
    """
    x0, y0, x1, y1 = bbox
    crop_w, crop_h = x1 - x0, y1 - y0
    scale = box / max(crop_w, crop_h)
    out_w = min(box, max(1, round(crop_w * scale)))
    out_h = min(box, max(1, round(crop_h * scale)))

    row_spans = _area_spans(crop_w, out_w)
    rows = [
        _resample_line(alpha[y * width + x0 : y * width + x1], row_spans)
        for y in range(y0, y1)
    ]
    col_spans = _area_spans(crop_h, out_h)
    columns = [_resample_line(col, col_spans) for col in zip(*rows)]
    # columns[x][y] -> row-major grid[y][x], scaled from bytes to [0, 1]
    values = [min(1.0, v / 255.0) for row in zip(*columns) for v in row]
    return values, out_w, out_h


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
