"""Render strokes the way the pad's canvas does, with numpy.

The pad strokes each path with round caps and joins, a fixed brush width and
anti-aliasing. Canvas anti-aliasing is analytic coverage: a pixel is as dark as the
share of it the brush covers. For a round brush that is, to within a few percent,
``clamp(radius + 0.5 - distance to the path, 0, 1)`` measured from the pixel center,
which is what this module computes. A browser test checks it against Chromium.
"""

from __future__ import annotations

import numpy as np

from digitpad.pad import BRUSH_WIDTH, Stroke


def ink_bounds(strokes: list[Stroke], brush: float = BRUSH_WIDTH) -> tuple[float, float, float, float]:
    """The box (x0, y0, x1, y1) the brush can touch when drawing these strokes."""
    points = np.array([p for stroke in strokes for p in stroke], dtype=np.float64)
    if points.size == 0:
        raise ValueError("no points to draw")
    r = brush / 2 + 1
    (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
    return x0 - r, y0 - r, x1 + r, y1 + r


def rasterize(
    strokes: list[Stroke], width: int, height: int, brush: float = BRUSH_WIDTH
) -> np.ndarray:
    """A ``height`` x ``width`` uint8 alpha raster of the strokes; 255 = full ink."""
    distance = np.full((height, width), np.inf)
    radius = brush / 2
    reach = radius + 1
    for stroke in strokes:
        pts = np.asarray(stroke, dtype=np.float64).reshape(-1, 2)
        if len(pts) == 1:
            pts = np.vstack([pts, pts])
        for (ax, ay), (bx, by) in zip(pts[:-1], pts[1:]):
            gx0 = max(int(np.floor(min(ax, bx) - reach)), 0)
            gx1 = min(int(np.ceil(max(ax, bx) + reach)) + 1, width)
            gy0 = max(int(np.floor(min(ay, by) - reach)), 0)
            gy1 = min(int(np.ceil(max(ay, by) + reach)) + 1, height)
            if gx0 >= gx1 or gy0 >= gy1:
                continue
            px = np.arange(gx0, gx1) + 0.5
            py = (np.arange(gy0, gy1) + 0.5)[:, None]
            dx, dy = bx - ax, by - ay
            length2 = dx * dx + dy * dy
            if length2 > 0:
                t = np.clip(((px - ax) * dx + (py - ay) * dy) / length2, 0.0, 1.0)
            else:
                t = 0.0
            d = np.hypot(px - (ax + t * dx), py - (ay + t * dy))
            window = distance[gy0:gy1, gx0:gx1]
            np.minimum(window, d, out=window)
    coverage = np.clip(radius + 0.5 - distance, 0.0, 1.0)
    return np.rint(coverage * 255).astype(np.uint8)
