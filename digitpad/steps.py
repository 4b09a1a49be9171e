"""The steps from a drawn digit to what the network reads, as pictures the page can show.

For one digit of a reading (``reader.Digit``), ``explain`` gives each step of
``preprocess.prepare``: the box around the ink on the pad, the ink scaled into the
20x20 box, the 28x28 field with the digit centered by its box and where its center of
mass falls, and the input once that center of mass is moved to the middle. Pictures are
RGBA bytes, ink white on black like the MNIST digits, so the page copies each in one
call. ``feature_sheet`` lays out the first convolution's feature maps the same way.

Standard library only: this runs in the browser, and only while the steps are shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from digitpad.pad import BRUSH_WIDTH
from digitpad.preprocess import BOX, SIZE
from digitpad.reader import Digit
from digitpad.view import Bar, top

# Room around the ink in the first step's picture, as a share of the ink's longer side.
MARGIN = 0.2


@dataclass(frozen=True)
class Picture:
    rgba: bytes  # width * height * 4
    width: int
    height: int


@dataclass(frozen=True)
class Steps:
    """How one digit became the network's input; coordinates are in each picture's pixels."""

    area: tuple[int, int, int]  # x, y, side: the square of the pad the first step shows
    ink_box: tuple[int, int, int, int]  # x, y, width, height of the ink within ``area``
    fit: Picture  # BOX x BOX, the scaled ink centered in it
    boxed: Picture  # SIZE x SIZE, the scaled ink centered by its box
    mass: tuple[float, float]  # its center of mass in ``boxed``
    middle: tuple[float, float]  # the field's center, where the center of mass goes
    shift: tuple[int, int]  # whole pixels from ``boxed`` to ``input``
    input: Picture  # SIZE x SIZE, what the network reads
    mass_after: tuple[float, float]  # the center of mass in ``input``
    top3: tuple[Bar, ...]  # the three likeliest digits, from the verdict's probabilities
    captions: dict[str, str]  # a line for each step: "bbox", "fit", "center", "input"


def gray(values: Sequence[float], width: int, height: int) -> Picture:
    """Values in [0, 1], row-major, as white ink on black."""
    levels = bytes(min(255, max(0, round(v * 255))) for v in values)
    if len(levels) != width * height:
        raise ValueError(f"{len(levels)} values for a {width}x{height} picture")
    out = bytearray(width * height * 4)
    out[0::4] = out[1::4] = out[2::4] = levels
    out[3::4] = b"\xff" * (width * height)
    return Picture(bytes(out), width, height)


def placed(values: Sequence[float], width: int, height: int, x: int, y: int, size: int) -> list[float]:
    """A ``size`` x ``size`` field of zeros with the ``width`` x ``height`` values at (x, y)."""
    field = [0.0] * (size * size)
    for row in range(height):
        start = (y + row) * size + x
        field[start : start + width] = values[row * width : (row + 1) * width]
    return field


def moved(dx: int, dy: int) -> str:
    """A whole-pixel shift in words: "2 px right and 1 px up"."""
    parts = []
    if dx:
        parts.append(f"{abs(dx)} px {'right' if dx > 0 else 'left'}")
    if dy:
        parts.append(f"{abs(dy)} px {'down' if dy > 0 else 'up'}")
    return " and ".join(parts) if parts else "0 px"


def explain(digit: Digit, brush: float = BRUSH_WIDTH) -> Steps | None:
    """The steps for one digit; None when the reader kept no record of them."""
    prepared = digit.prepared
    if prepared is None:
        return None
    bx0, by0, bx1, by1 = prepared.bbox
    ink_w, ink_h = bx1 - bx0, by1 - by0
    # The ink box on the pad, then a square around it with some room to see it in.
    ink_x, ink_y = digit.box[0] + bx0, digit.box[1] + by0
    side = round(max(ink_w, ink_h) * (1 + 2 * MARGIN) + brush)
    area_x = round(ink_x + ink_w / 2 - side / 2)
    area_y = round(ink_y + ink_h / 2 - side / 2)

    fw, fh = prepared.fitted_size
    fx, fy = (BOX - fw) // 2, (BOX - fh) // 2
    fit = gray(placed(prepared.fitted, fw, fh, fx, fy, BOX), BOX, BOX)

    cx, cy = prepared.center_of_mass
    gx, gy = (SIZE - fw) // 2, (SIZE - fh) // 2
    boxed = gray(placed(prepared.fitted, fw, fh, gx, gy, SIZE), SIZE, SIZE)
    ox, oy = prepared.offset
    shift = (ox - gx, oy - gy)

    return Steps(
        area=(area_x, area_y, side),
        ink_box=(ink_x - area_x, ink_y - area_y, ink_w, ink_h),
        fit=fit,
        boxed=boxed,
        mass=(gx + cx, gy + cy),
        middle=(SIZE / 2, SIZE / 2),
        shift=shift,
        input=gray(prepared.pixels, SIZE, SIZE),
        mass_after=(ox + cx, oy + cy),
        top3=top(digit.verdict.probabilities, 3),
        captions={
            "bbox": f"{ink_w} × {ink_h} px of ink",
            "fit": f"scaled to {fw} × {fh}",
            "center": f"moved {moved(*shift)}" if any(shift) else "already centered",
            "input": f"{SIZE} × {SIZE} pixels",
        },
    )


# A dark-to-bright ramp (black, violet, orange, pale yellow) for feature maps: strong
# responses stand out, and no response stays black like the input's background.
RAMP = ((0, 0, 0), (72, 30, 130), (200, 70, 90), (250, 160, 40), (252, 250, 200))


def _ramp_tables() -> tuple[bytes, bytes, bytes]:
    """bytes.translate tables from a level 0..255 to the ramp's red, green and blue."""
    channels = (bytearray(), bytearray(), bytearray())
    for level in range(256):
        t = level / 255 * (len(RAMP) - 1)
        i = min(int(t), len(RAMP) - 2)
        f = t - i
        for channel, a, b in zip(channels, RAMP[i], RAMP[i + 1]):
            channel.append(round(a + (b - a) * f))
    return tuple(bytes(c) for c in channels)


_RED, _GREEN, _BLUE = _ramp_tables()


def feature_sheet(levels: bytes, maps: int, size: int = SIZE, columns: int = 6, gap: int = 1) -> Picture:
    """Feature maps side by side, ``columns`` to a row, ``gap`` transparent pixels apart.

    ``levels`` holds each map's response as 0..255 (each map scaled by its own strongest
    response, so a weak map still shows where it responds), channels last:
    ``levels[(y * size + x) * maps + m]``, as TensorFlow.js lays them out.
    """
    if len(levels) != size * size * maps:
        raise ValueError(f"{len(levels)} levels are not {maps} maps of {size}x{size}")
    levels = bytes(levels)
    rows = -(-maps // columns)
    width = columns * size + (columns - 1) * gap
    height = rows * size + (rows - 1) * gap
    sheet = bytearray(width * height * 4)
    tile = bytearray(size * size * 4)
    tile[3::4] = b"\xff" * (size * size)
    for m in range(maps):
        channel = levels[m::maps]
        tile[0::4] = channel.translate(_RED)
        tile[1::4] = channel.translate(_GREEN)
        tile[2::4] = channel.translate(_BLUE)
        left = (m % columns) * (size + gap)
        top_row = (m // columns) * (size + gap)
        for y in range(size):
            at = ((top_row + y) * width + left) * 4
            sheet[at : at + size * 4] = tile[y * size * 4 : (y + 1) * size * 4]
    return Picture(bytes(sheet), width, height)
