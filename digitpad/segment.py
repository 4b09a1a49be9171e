"""Split a drawing into digits, left to right.

Two levels. ``group_strokes`` decides which strokes belong to one digit from where
they sit: the strokes of one digit share its columns (the bar of a 7 crosses the stem,
the cap of a 5 sits over the body), or hang off it as small pieces (a dot, a short
bar), while neighbouring digits leave a blank between them. ``split_wide`` then looks at
the ink of one group: a group far wider than a digit with a thin waist, which is what a
number written in one stroke looks like, is cut at its thinnest columns.

Everything is measured in units of the writing's own digit height, so the rules hold
at any size. Standard library only, linear in the number of points plus a sort: this
runs in the browser on every pen lift.
"""

from __future__ import annotations

import math

from digitpad.pad import BRUSH_WIDTH, Stroke, coordinates

# Sizes below are fractions of the digit height.
OVERLAP = 0.5  # two groups sharing this much of the narrower one's columns are one digit
NEAR = 0.08  # a blank narrower than this between staggered parts does not separate digits
STAGGER = 0.3  # how far apart tops plus bottoms are for the parts of a 4 written apart
DIGIT_WIDTH = 1.0  # parts joined across a blank make a group no wider than this
PIECE_HEIGHT = 0.55  # a group lower than this and narrower than PIECE_WIDTH is a piece
PIECE_WIDTH = 0.9
DOT = 0.3  # a piece no bigger than this is a dot of ink
REACH = 0.3  # the furthest a piece sits from the digit it belongs to

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 of the ink


def group_strokes(strokes: list[Stroke], brush: float = BRUSH_WIDTH) -> list[list[int]]:
    """Indices of the strokes that make up each digit, digits ordered left to right.

    Every index appears exactly once, in drawing order within its group. Strokes with
    no usable point ride along with the stroke drawn just before them (or after, for
    the first ones); a drawing with no usable point at all is one group.
    """
    n = len(strokes)
    boxes = [stroke_box(s, brush) for s in strokes]
    inked = [i for i, b in enumerate(boxes) if b is not None]
    if not inked:
        return [list(range(n))] if n else []
    groups = [_Group([i], boxes[i]) for i in inked]
    groups = _merge_adjacent(groups, lambda a, b, h: _share_columns(a, b), 1.0)
    height = _digit_height(groups)
    groups = _merge_adjacent(groups, _parts_of_one_digit, height)
    groups = _attach_pieces(groups, height)
    groups.sort(key=lambda g: (g.box[0] + g.box[2]) / 2)
    owner = {i: k for k, g in enumerate(groups) for i in g.members}
    for i in range(n):
        if i not in owner:
            before = [j for j in inked if j < i]
            owner[i] = owner[before[-1] if before else inked[0]]
    result: list[list[int]] = [[] for _ in groups]
    for i in range(n):
        result[owner[i]].append(i)
    return result


def stroke_box(stroke: Stroke, brush: float = BRUSH_WIDTH) -> Box | None:
    """The box the brush inks along the stroke, or None without a finite point."""
    r = max(brush, 1.0) / 2
    xs, ys = coordinates(stroke)
    if not xs:
        return None
    return min(xs) - r, min(ys) - r, max(xs) + r, max(ys) + r


def ink_box(strokes: list[Stroke], brush: float = BRUSH_WIDTH) -> Box | None:
    """The box the brush inks drawing all these strokes, or None if nothing is drawn."""
    boxes = [b for b in (stroke_box(s, brush) for s in strokes) if b is not None]
    return _union(boxes) if boxes else None


def digit_height(strokes: list[Stroke], groups: list[list[int]], brush: float = BRUSH_WIDTH) -> float:
    """The writing's typical digit height, from the ink heights of the groups."""
    boxes = [ink_box([strokes[i] for i in g], brush) for g in groups]
    return _digit_height([_Group([], b) for b in boxes if b is not None])


class _Group:
    __slots__ = ("members", "box")

    def __init__(self, members: list[int], box: Box):
        self.members = members
        self.box = box

    def join(self, other: _Group) -> _Group:
        return _Group(self.members + other.members, _union([self.box, other.box]))


def _union(boxes: list[Box]) -> Box:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _width(b: Box) -> float:
    return b[2] - b[0]


def _height(b: Box) -> float:
    return b[3] - b[1]


def _digit_height(groups: list[_Group]) -> float:
    heights = sorted(_height(g.box) for g in groups)
    if not heights:
        return 1.0
    # the upper quartile of the tall ones: pieces and parts of a digit pull no lower
    tall = [h for h in heights if h >= 0.5 * heights[-1]]
    return max(tall[(3 * len(tall)) // 4], 1.0)


def _merge_adjacent(groups: list[_Group], same_digit, height: float) -> list[_Group]:
    """Join neighbours (in order of left edge) while ``same_digit`` says so.

    Only neighbours are compared, so this is a sort per pass rather than all pairs; a
    pass that joins something is followed by another, since a grown group can reach
    a new neighbour.
    """
    while True:
        groups.sort(key=lambda g: g.box[0])
        joined: list[_Group] = []
        for g in groups:
            if joined and same_digit(joined[-1], g, height):
                joined[-1] = joined[-1].join(g)
            else:
                joined.append(g)
        if len(joined) == len(groups):
            return joined
        groups = joined


def _overlap(a: Box, b: Box) -> float:
    """Shared width of the two boxes' columns; negative is the blank between them."""
    return min(a[2], b[2]) - max(a[0], b[0])


def _share_columns(a: _Group, b: _Group) -> bool:
    return _overlap(a.box, b.box) >= OVERLAP * min(_width(a.box), _width(b.box))


def _parts_of_one_digit(a: _Group, b: _Group, height: float) -> bool:
    """Two tall parts just apart, one reaching higher and the other lower: a 4 written as
    an L and a stem. Neighbouring digits stand on a common line, so they do not stagger."""
    ab = _union([a.box, b.box])
    if _overlap(a.box, b.box) < -NEAR * height or _width(ab) > DIGIT_WIDTH * height:
        return False
    stagger = abs(a.box[1] - b.box[1]) + abs(a.box[3] - b.box[3])
    return stagger >= STAGGER * height


def _is_piece(g: _Group, height: float) -> bool:
    return _height(g.box) < PIECE_HEIGHT * height and _width(g.box) < PIECE_WIDTH * height


def _box_distance(a: Box, b: Box) -> float:
    dx = max(a[0] - b[2], b[0] - a[2], 0.0)
    dy = max(a[1] - b[3], b[1] - a[3], 0.0)
    return math.hypot(dx, dy)


def _attach_pieces(groups: list[_Group], height: float) -> list[_Group]:
    """Each small piece joins the digit-sized group within reach that shares most of its
    columns (a cap, a bar). A dot shares none and joins the nearest. A flat piece beside
    a digit stays alone: it may be a flat 0."""
    bodies = [g for g in groups if not _is_piece(g, height)]
    pieces = [g for g in groups if _is_piece(g, height)]
    if not bodies:
        return groups
    loose = []
    for piece in pieces:
        k = min(
            range(len(bodies)),
            key=lambda k: (
                -max(_overlap(piece.box, bodies[k].box), 0.0),
                _box_distance(piece.box, bodies[k].box),
            ),
        )
        shares = _overlap(piece.box, bodies[k].box) > 0
        dot = max(_width(piece.box), _height(piece.box)) < DOT * height
        if (shares or dot) and _box_distance(piece.box, bodies[k].box) <= REACH * height:
            bodies[k] = bodies[k].join(piece)
        else:
            loose.append(piece)
    return bodies + loose


# --- one group's ink -----------------------------------------------------------------

WIDE = 1.05  # wider than this many digit heights may be more than one digit
THIN = 3.0  # a waist is one stroke crossing: one run of ink, at most this many brush widths
SOLID = 64  # alpha from which a pixel counts as ink when counting runs
PART_WIDTH = 1.5  # each side of a cut is at least this many brush widths wide ...
PART_HEIGHT = 0.5  # ... and this tall, in digit heights, or it is a tail, not a digit
PART_MASS = 0.3  # ... and holds this share of the other side's ink: a 2's tail does not
TALL = 0.8  # two narrow parts this tall side by side are two digits (a cursive 11)
NARROW = 0.4


def split_wide(
    alpha: bytes,
    width: int,
    height: int,
    digit_height: float | None = None,
    brush: float = BRUSH_WIDTH,
) -> list[tuple[int, int]]:
    """Column ranges [x0, x1) of the digits in one group's raster, left to right.

    ``alpha`` is one byte per pixel, row-major, as for ``preprocess.prepare``. A group
    is cut only at a waist that a single stroke crosses (a closed 0 never has one),
    between two parts that are each tall and wide enough to be a digit, and only when
    the ink is wider than a digit or is two tall narrow strokes (a cursive 11).
    ``digit_height`` is the writing's digit height (``digit_height(...)``); it defaults to
    this ink's height. Returns [] for a raster without solid ink (alpha below SOLID
    everywhere), and never raises.
    """
    if width <= 0 or height <= 0 or len(alpha) != width * height:
        return []
    # Everything below is counted on whole columns of solid ink with bytes methods,
    # which run in C: a pixel loop in Python would cost far more in the browser.
    solid = bytes(alpha).translate(_SOLID_TABLE)
    columns = [solid[x::width] for x in range(width)]
    mass = [c.count(1) for c in columns]
    runs = [c.count(b"\0\1") + (c[:1] == b"\1") for c in columns]
    tops = [height - len(c.lstrip(b"\0")) if m else height for c, m in zip(columns, mass)]
    bottoms = [len(c.rstrip(b"\0")) if m else 0 for c, m in zip(columns, mass)]
    inked = [x for x, m in enumerate(mass) if m]
    if not inked:
        return []
    x0, x1 = inked[0], inked[-1] + 1
    ink_height = max(bottoms) - min(tops)
    ref = digit_height if digit_height and digit_height > 0 else ink_height
    ref = max(ref, 1.0)
    cuts = _cuts(x0, x1, mass, runs, tops, bottoms, ref, max(brush, 1.0))
    bounds = [x0, *cuts, x1]
    return list(zip(bounds[:-1], bounds[1:]))


_SOLID_TABLE = bytes(int(v >= SOLID) for v in range(256))


def _cuts(x0, x1, mass, runs, tops, bottoms, ref, brush) -> list[int]:
    """Cut columns in [x0, x1), splitting recursively at the thinnest valid waist."""
    wide = x1 - x0 > WIDE * ref
    min_part = max(1, int(PART_WIDTH * brush))
    if x1 - x0 < 2 * min_part or (not wide and x1 - x0 > 2 * NARROW * ref):
        return []  # too narrow for two digits, or a digit too wide for two 1s
    # ink height of [x0, c) and of [c, x1) for every c, from running extremes
    left_height = [0] * (x1 - x0 + 1)
    top, bottom = math.inf, -math.inf
    for c in range(x0, x1):
        top, bottom = min(top, tops[c]), max(bottom, bottoms[c])
        left_height[c + 1 - x0] = bottom - top
    right_height = [0] * (x1 - x0 + 1)
    top, bottom = math.inf, -math.inf
    for c in range(x1 - 1, x0 - 1, -1):
        top, bottom = min(top, tops[c]), max(bottom, bottoms[c])
        right_height[c - x0] = bottom - top
    total = sum(mass[x0:x1])
    left_mass = 0
    best = None
    for c in range(x0, x1 - min_part + 1):
        left_mass += mass[c - 1] if c > x0 else 0
        if c < x0 + min_part or runs[c] != 1 or mass[c] > THIN * brush:
            continue
        left, right = left_height[c - x0], right_height[c - x0]
        if min(left, right) < PART_HEIGHT * ref:
            continue
        if min(left_mass, total - left_mass) < PART_MASS * max(left_mass, total - left_mass):
            continue
        if not wide and not (
            min(left, right) >= TALL * ref and max(c - x0, x1 - c) <= NARROW * ref
        ):
            continue
        # the thinnest waist; among equals the one nearest the middle
        key = (mass[c], abs(2 * c - x0 - x1))
        if best is None or key < best[0]:
            best = (key, c)
    if best is None:
        return []
    c = best[1]
    return [
        *_cuts(x0, c, mass, runs, tops, bottoms, ref, brush),
        c,
        *_cuts(c, x1, mass, runs, tops, bottoms, ref, brush),
    ]


def crop_columns(alpha: bytes, width: int, height: int, x0: int, x1: int) -> bytes:
    """Columns [x0, x1) of a row-major raster, as a raster (x1 - x0) wide."""
    return b"".join(alpha[y * width + x0 : y * width + x1] for y in range(height))
