"""The teaching view's steps: each picture is what preprocess made at that step."""

import math

import pytest

from digitpad.preprocess import BOX, SIZE, center_of_mass
from digitpad.reader import Digit
from digitpad.steps import explain, feature_sheet, gray, moved, placed
from tests.test_reader import bar, circle, fixed, read


def lines(picture):
    """A picture's red channel as rows of levels."""
    red = picture.rgba[0::4]
    return [list(red[y * picture.width : (y + 1) * picture.width]) for y in range(picture.height)]


def ink(picture):
    return sum(picture.rgba[0::4])


def l_shape():
    """An L: lopsided, so its center of mass is off its box's center."""
    return [[(100, 40), (100, 230), (190, 230)]]


def test_the_input_step_is_the_network_input():
    reading = read(l_shape())
    (digit,) = reading.digits
    steps = explain(digit)
    assert steps.input == gray(digit.pixels, SIZE, SIZE)
    assert set(steps.input.rgba[3::4]) == {255}


def test_the_ink_box_is_shown_inside_a_square_of_the_pad():
    (digit,) = read(l_shape()).digits
    steps = explain(digit)
    x, y, side = steps.area
    bx, by, bw, bh = steps.ink_box
    assert 0 < bx and bx + bw < side and 0 < by and by + bh < side
    # The ink of an L from (100, 40) to (190, 230) with a brush of 18.
    assert (x + bx, y + by) == pytest.approx((91, 31), abs=1)
    assert (bw, bh) == pytest.approx((108, 208), abs=2)
    assert steps.captions["bbox"] == f"{bw} × {bh} px of ink"


def test_the_fit_step_holds_all_the_scaled_ink_in_the_20_box():
    (digit,) = read(l_shape()).digits
    steps = explain(digit)
    fitted = digit.prepared.fitted
    assert (steps.fit.width, steps.fit.height) == (BOX, BOX)
    assert ink(steps.fit) == pytest.approx(sum(round(v * 255) for v in fitted), abs=1)
    fw, fh = digit.prepared.fitted_size
    assert max(fw, fh) == BOX
    assert steps.captions["fit"] == f"scaled to {fw} × {fh}"


def test_centering_moves_the_center_of_mass_to_the_middle():
    (digit,) = read(l_shape()).digits
    steps = explain(digit)
    # Before: the box is centered, the mass is not (an L is heavy at the bottom left).
    mx, my = steps.mass
    assert mx < SIZE / 2 - 1 and my > SIZE / 2 + 1
    dx, dy = steps.shift
    assert dx > 0 and dy < 0
    assert steps.captions["center"] == f"moved {moved(dx, dy)}"
    # After: the mass sits within half a pixel of the middle, as measured in the input.
    ax, ay = steps.mass_after
    assert (ax, ay) == pytest.approx((mx + dx, my + dy))
    assert abs(ax - SIZE / 2) <= 0.5 and abs(ay - SIZE / 2) <= 0.5
    assert center_of_mass(list(digit.pixels), SIZE, SIZE) == pytest.approx((ax, ay), abs=1e-6)
    # The picture before the shift is the input moved back.
    before, after = lines(steps.boxed), lines(steps.input)
    for y in range(SIZE):
        for x in range(SIZE):
            if 0 <= x + dx < SIZE and 0 <= y + dy < SIZE:
                assert before[y][x] == after[y + dy][x + dx]


def test_a_centered_digit_is_not_moved():
    (digit,) = read([circle(300, 140)]).digits
    steps = explain(digit)
    assert steps.shift == (0, 0) and steps.captions["center"] == "already centered"


def test_the_top_three_come_from_the_verdict():
    p = [0.05, 0.6, 0.0, 0.25, 0.0, 0.0, 0.0, 0.1, 0.0, 0.0]
    (digit,) = read([bar(120)], classify=fixed(p)).digits
    top3 = explain(digit).top3
    assert [b.digit for b in top3] == [1, 3, 7]
    assert [b.p for b in top3] == pytest.approx([0.6, 0.25, 0.1])
    assert top3[0].label == "60%"


def test_a_digit_without_its_steps_has_nothing_to_explain():
    (digit,) = read([bar(120)]).digits
    bare = Digit(digit.value, digit.probabilities, digit.pixels, digit.strokes, digit.box, digit.verdict)
    assert explain(bare) is None


def by_shape(batch):
    """Sure of a 0 when the ink is taller than wide, unsure otherwise: a whole "00"
    reads worse than its two rings."""
    out = []
    for pixels in batch:
        rows = [y for y in range(SIZE) if any(pixels[y * SIZE : (y + 1) * SIZE])]
        cols = [x for x in range(SIZE) if any(pixels[x::SIZE])]
        tall = rows[-1] - rows[0] >= cols[-1] - cols[0]
        p0 = 0.99 if tall else 0.55
        out.append([p0] + [(1 - p0) / 9] * 9)
    return out


def test_pieces_of_a_one_stroke_number_are_explained_each():
    def ring(cx):
        return [(cx - 50 * math.sin(2 * math.pi * k / 48), 140 - 80 * math.cos(2 * math.pi * k / 48)) for k in range(49)]

    # "00" in one stroke: a ring, a short bridge along the bottom, another ring.
    stroke = ring(150) + [(150 + 30 * k / 4, 220) for k in range(1, 5)] + ring(290)[1:]
    reading = read([stroke], classify=by_shape)
    assert reading.text == "00"
    first, second = (explain(d) for d in reading.digits)
    assert first.area[0] < second.area[0]
    # Each piece's ink box is one ring's: about as wide as a ring, not the whole stroke.
    for steps in (first, second):
        assert steps.ink_box[2] < 150


def test_placed():
    assert placed([1, 2, 3, 4], 2, 2, 1, 0, 3) == [0, 1, 2, 0, 3, 4, 0, 0, 0]


def test_gray_checks_its_size():
    with pytest.raises(ValueError):
        gray([0.5] * 10, 3, 3)


def test_the_feature_sheet_lays_maps_out_in_rows():
    maps, size = 8, 4
    # Map m is all level 32 * m (channels last).
    levels = bytes(32 * m for _ in range(size * size) for m in range(maps))
    sheet = feature_sheet(levels, maps, size=size, columns=3, gap=1)
    assert (sheet.width, sheet.height) == (3 * 4 + 2, 3 * 4 + 2)
    rows = [sheet.rgba[y * sheet.width * 4 : (y + 1) * sheet.width * 4] for y in range(sheet.height)]

    def pixel(x, y):
        return tuple(rows[y][4 * x : 4 * x + 4])

    assert pixel(0, 0) == (0, 0, 0, 255)  # map 0 does not respond: black
    assert pixel(4, 0)[3] == 0  # the gap is transparent
    brightness = [sum(pixel(5 * (m % 3), 5 * (m // 3))[:3]) for m in range(maps)]
    assert brightness == sorted(brightness) and brightness[-1] > brightness[1]
    assert pixel(13, 13)[3] == 0  # no ninth map


def test_the_feature_sheet_checks_its_size():
    with pytest.raises(ValueError):
        feature_sheet(bytes(10), 24)
