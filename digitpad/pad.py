"""The drawing pad's geometry, shared by the browser, training and tests.

Strokes are kept in raster pixels: the pad's height always maps to RASTER_HEIGHT,
whatever its size on screen, so a drawing gives the same pixels on a phone and on a
4K monitor. The brush width is fixed in those pixels, which keeps the stroke
thickness relative to the pad, like a real pen on paper of a given size.
"""

RASTER_HEIGHT = 280
BRUSH_WIDTH = 18.0

# A stroke is the pen's path while it touches: a list of (x, y) raster points.
Point = tuple[float, float]
Stroke = list[Point]
