"""Splitting drawings into digits: numbers composed from held-out writers' pen digits,
touching digits rendered like the pad, and any strokes at all.

``python -m tests.test_segment`` prints the partition accuracy on 1000 three-digit
numbers and the split figures.
"""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import datasets as data
from train import datasets, pendigits
from digitpad.pad import BRUSH_WIDTH, coordinates
from digitpad.pad import finite_points as finite_points_of
from digitpad.render import ink_bounds, rasterize
from digitpad.segment import crop_columns, digit_height, group_strokes, ink_box, split_wide


def held_out_by_writer(path) -> dict[int, list[pendigits.Sample]]:
    by_writer: dict[int, list[pendigits.Sample]] = {}
    for s in pendigits.by_writers(pendigits.load(path), pendigits.HELD_OUT_WRITERS):
        by_writer.setdefault(s.writer, []).append(s)
    return by_writer


def partition_accuracy(by_writer, numbers: int, digits: int, seed: int) -> float:
    rng = random.Random(seed)
    writers = sorted(by_writer)
    right = 0
    for _ in range(numbers):
        pool = by_writer[rng.choice(writers)]
        strokes, truth = pendigits.written_number([rng.choice(pool) for _ in range(digits)], rng)
        right += group_strokes(strokes) == truth
    return right / numbers


@pytest.fixture(scope="module")
def by_writer():
    return held_out_by_writer(data.pendigits())


# --- grouping strokes --------------------------------------------------------------


def test_nothing_drawn():
    assert group_strokes([]) == []
    assert group_strokes([[]]) == [[0]]
    assert group_strokes([[], []]) == [[0, 1]]


def test_single_point_is_one_digit():
    assert group_strokes([[(10, 10)]]) == [[0]]


def line(x0, y0, x1, y1, n=10):
    return [(x0 + (x1 - x0) * t / n, y0 + (y1 - y0) * t / n) for t in range(n + 1)]


def test_bar_of_a_seven_and_cap_of_a_five_join_their_digit():
    seven = [line(20, 40, 120, 40) + line(120, 40, 60, 240), line(50, 140, 130, 140)]
    five = [line(200, 40, 190, 130) + line(190, 130, 270, 160) + line(270, 160, 190, 240),
            line(200, 40, 290, 40)]
    assert group_strokes(seven + five) == [[0, 1], [2, 3]]


def test_four_in_two_strokes_drawn_apart():
    # an L that stops at mid-height, and a stem beside it reaching lower
    ell = line(40, 40, 30, 150) + line(30, 150, 110, 150)
    stem = line(125, 90, 125, 240)
    one = line(230, 40, 230, 240)
    assert group_strokes([ell, stem, one]) == [[0, 1], [2]]


def test_dot_of_ink_joins_the_nearest_digit():
    one = line(40, 40, 40, 240)
    zero = [(200 + 50 * math.cos(t / 10), 140 + 100 * math.sin(t / 10)) for t in range(64)]
    dot = [(75, 235)]
    assert group_strokes([one, zero, dot]) == [[0, 2], [1]]


def test_close_ones_stay_apart():
    ones = [line(40 + 45 * k, 40, 40 + 45 * k, 240) for k in range(4)]
    assert group_strokes(ones) == [[0], [1], [2], [3]]


def test_digits_come_left_to_right_whatever_the_drawing_order():
    one, zero = line(300, 40, 300, 240), [(100 + 50 * math.cos(t / 10), 140 + 100 * math.sin(t / 10)) for t in range(64)]
    assert group_strokes([one, zero]) == [[1], [0]]


def test_far_outside_the_pad_and_junk_points():
    strokes = [
        [(1e12, -1e12), (1e12 + 5, -1e12)],
        [(float("nan"), 3.0), (10, 10)],
        [(float("inf"), 0.0)],
        [("x", None), (1, 2, 3)],
        line(50, 40, 50, 240),
    ]
    groups = group_strokes(strokes)
    assert sorted(i for g in groups for i in g) == list(range(len(strokes)))


def test_hundreds_of_strokes(by_writer_free=None):
    rng = random.Random(1)
    strokes = [
        [(rng.uniform(0, 3000), rng.uniform(0, 280)) for _ in range(rng.randint(1, 30))]
        for _ in range(500)
    ]
    groups = group_strokes(strokes)
    assert sorted(i for g in groups for i in g) == list(range(500))


points = st.tuples(
    st.floats(allow_nan=True, allow_infinity=True, width=32),
    st.floats(allow_nan=True, allow_infinity=True, width=32),
)
finite_points = st.tuples(st.floats(-500, 3000), st.floats(-500, 800))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.one_of(points, finite_points), max_size=12), max_size=25))
def test_any_strokes_give_an_ordered_partition(strokes):
    groups = group_strokes(strokes)
    indices = [i for g in groups for i in g]
    assert sorted(indices) == list(range(len(strokes)))
    assert all(g == sorted(g) and g for g in groups)
    centers = [_center(ink_box([strokes[i] for i in g])) for g in groups]
    known = [c for c in centers if c is not None]
    assert known == sorted(known)


def _center(box):
    return None if box is None else (box[0] + box[2]) / 2


# --- numbers from held-out writers -------------------------------------------------


@pytest.mark.parametrize("digits", [1, 2, 3, 4])
def test_composed_numbers_split_into_their_digits(by_writer, digits):
    rng = random.Random(digits)
    for _ in range(50):
        pool = by_writer[rng.choice(sorted(by_writer))]
        strokes, truth = pendigits.written_number([rng.choice(pool) for _ in range(digits)], rng)
        assert group_strokes(strokes) == truth


def test_partition_accuracy_on_three_digit_numbers(by_writer):
    accuracy = partition_accuracy(by_writer, numbers=1000, digits=3, seed=2024)
    print(f"partition accuracy, 1000 three-digit numbers, held-out writers: {accuracy:.1%}")
    assert accuracy >= 0.99


# --- touching digits on the raster --------------------------------------------------


def raster_of(strokes):
    x0, y0, x1, y1 = ink_bounds(strokes)
    width = int(math.ceil(x1)) + 2
    return rasterize(strokes, width, 280).tobytes(), width


def ring(cx, cy, rx, ry, start=-math.pi / 2, n=48):
    return [(cx + rx * math.cos(start - 2 * math.pi * t / n), cy + ry * math.sin(start - 2 * math.pi * t / n)) for t in range(n + 1)]


def test_double_zero_in_one_stroke_is_cut_between_the_zeros():
    # the pen closes the first 0 at its top and runs on into the second
    stroke = ring(90, 140, 60, 95) + ring(250, 140, 60, 95)
    alpha, width = raster_of([stroke])
    assert group_strokes([stroke]) == [[0]]
    ranges = split_wide(alpha, width, 280)
    assert len(ranges) == 2
    assert 150 - 25 <= ranges[0][1] <= 190 + 25
    assert ranges[0][0] < 40 and ranges[1][1] > 300


def test_cursive_eleven_is_two_digits():
    stroke = line(60, 40, 60, 240) + line(60, 240, 150, 40) + line(150, 40, 150, 240)
    alpha, width = raster_of([stroke])
    ranges = split_wide(alpha, width, 280)
    assert len(ranges) == 2


def test_wide_closed_zero_is_not_cut():
    alpha, width = raster_of([ring(150, 140, 120, 60)])
    assert len(split_wide(alpha, width, 280)) == 1


def test_two_and_its_long_tail_is_not_cut():
    two = ring(100, 90, 50, 40, start=math.pi, n=48)[:30] + line(140, 115, 40, 220) + line(40, 220, 260, 220)
    alpha, width = raster_of([two])
    assert len(split_wide(alpha, width, 280)) == 1


def test_touching_pen_digits_in_one_stroke(by_writer):
    """Two held-out one-stroke digits, the pen running on from one to the next; the cut
    should land between them for most pairs (the figure is printed)."""
    rng = random.Random(5)
    right = total = 0
    for writer, pool in sorted(by_writer.items()):
        pool = [s for s in pool if len(s.strokes) == 1 and s.label not in (1,)]
        for _ in range(30):
            a, b = rng.choice(pool), rng.choice(pool)
            first, second = pendigits.side_by_side([a, b], gap=rng.uniform(0.1, 0.3))
            alpha, width = raster_of([first + second])
            ranges = split_wide(alpha, width, 280)
            end_a = max(x for x, _ in first) + BRUSH_WIDTH / 2
            start_b = min(x for x, _ in second) - BRUSH_WIDTH / 2
            total += 1
            right += len(ranges) == 2 and end_a - 30 <= ranges[0][1] <= start_b + 30
    print(f"touching one-stroke pairs cut between the digits: {right / total:.1%}")
    assert right / total >= 0.7


def test_single_held_out_digits_are_rarely_cut(by_writer):
    samples = [s for pool in by_writer.values() for s in pool]
    cut = 0
    for s in samples:
        alpha, width = raster_of(pendigits.side_by_side([s]))
        cut += len(split_wide(alpha, width, 280)) != 1
    print(f"single held-out digits cut in two: {cut}/{len(samples)}")
    assert cut / len(samples) <= 0.01


def test_split_wide_on_nothing_and_bad_sizes():
    assert split_wide(bytes(100), 10, 10) == []
    assert split_wide(b"", 0, 0) == []
    assert split_wide(bytes(5), 10, 10) == []
    assert split_wide(b"\xff", 1, 1) == [(0, 1)]


def test_crop_columns():
    alpha = bytes(range(12))  # 4 wide, 3 high
    assert crop_columns(alpha, 4, 3, 1, 3) == bytes([1, 2, 5, 6, 9, 10])


def test_digit_height_of_a_number():
    strokes = [line(40, 40, 40, 240), line(100, 60, 100, 240), line(160, 40, 160, 240)]
    groups = group_strokes(strokes)
    assert 190 <= digit_height(strokes, groups) <= 220


if __name__ == "__main__":
    writers = held_out_by_writer(datasets.pendigits_file())
    for n in (1, 2, 3, 4):
        count = 1000 if n == 3 else 300
        accuracy = partition_accuracy(writers, numbers=count, digits=n, seed=2024)
        print(f"{n}-digit numbers ({count}, held-out writers): partition accuracy {accuracy:.1%}")


def test_touching_ones_in_separate_strokes_stay_apart():
    ones = [line(40, 40, 40, 240), line(54, 40, 54, 240)]
    assert group_strokes(ones) == [[0], [1]]


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 60).flatmap(
        lambda w: st.tuples(st.just(w), st.integers(1, 40).flatmap(
            lambda h: st.tuples(st.just(h), st.binary(min_size=w * h, max_size=w * h))))
    ),
    st.one_of(st.none(), st.floats(-10, 500)),
)
def test_any_raster_gives_ordered_ranges_covering_its_ink(raster, height_hint):
    width, (height, alpha) = raster
    ranges = split_wide(alpha, width, height, height_hint)
    solid = [x for x in range(width) if any(alpha[y * width + x] >= 64 for y in range(height))]
    if not solid:
        assert ranges == []
        return
    assert ranges[0][0] == solid[0] and ranges[-1][1] == solid[-1] + 1
    assert all(a < b for a, b in ranges)
    assert all(ranges[k][1] == ranges[k + 1][0] for k in range(len(ranges) - 1))


# Any value a stroke might hold: numbers of every kind, text, nothing, containers.
values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**6), 10**6),
    st.booleans(),
    st.sampled_from(["1.5", "x", ""]),
    st.none(),
)
any_point = st.one_of(
    finite_points,
    st.tuples(values, values),
    st.lists(values, max_size=3),
    st.dictionaries(st.integers(0, 2), values, max_size=2),
    st.text(max_size=3),
    st.none(),
)


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.lists(finite_points, max_size=40),
        st.lists(st.one_of(points, finite_points), max_size=12),
        st.lists(any_point, max_size=12),
        st.tuples(any_point, any_point),
    )
)
def test_coordinates_are_the_finite_points_split(stroke):
    # The pad's clean strokes take a fast path; every other stroke must come out the same
    # as going point by point.
    points = list(finite_points_of(stroke))
    assert coordinates(stroke) == ([x for x, _ in points], [y for _, y in points])
