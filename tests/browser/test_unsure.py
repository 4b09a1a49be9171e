"""The page says when it is sure, when it is not, and when a drawing is no digit at all;
numbers of unseen writers read digit by digit, each chip with its own verdict."""

import random

import pytest

from train import pendigits, scribbles
from tests.browser import helpers

# A filled blob (train.scribbles, seed 5, the third drawing): ink, but no digit.
BLOB = 2
NUMBERS = 4


def reading(page) -> dict:
    return page.evaluate(
        """() => {
            const p = document.querySelector('#prediction');
            return {value: p.dataset.value, verdict: p.dataset.verdict, confident: p.dataset.confident,
                    text: p.textContent, sureness: document.querySelector('#sureness').textContent,
                    announced: document.querySelector('#announcer').textContent,
                    alternatives: [...document.querySelectorAll('#alternatives li')].map(
                        e => [Number(e.dataset.digit), Number(e.dataset.p), e.textContent]),
                    chips: [...document.querySelectorAll('#digits li')].map(
                        e => [e.dataset.verdict, e.querySelector('.value').textContent])};
        }"""
    )


def test_an_empty_pad_is_not_confident(pad):
    assert reading(pad)["confident"] == "false"


def test_a_clear_pen_digit_is_read_with_confidence(pad):
    sample = helpers.pinned_sample(1)[0]
    helpers.draw(pad, helpers.centered(sample, helpers.raster_width(pad)))
    shown = reading(pad)
    assert shown["value"] == str(sample.label)
    assert shown["confident"] == "true" and shown["verdict"] == "digit"
    assert shown["sureness"].endswith("sure") and shown["alternatives"] == []


def one_to_seven(t: float, width: int):
    """A 1 growing the top bar of a 7: ``t`` is the bar's length over the digit's height."""
    top, bottom, x = 60, 220, width / 2
    bar = t * (bottom - top)
    return [[(x - bar, top + 8 * t), (x, top)] + [(x - 2 * k, top + 16 * k) for k in range(1, 11)]]


def test_between_a_1_and_a_7_the_page_is_unsure_and_says_both(pad):
    """Somewhere between a 1 and a 7 the two are equally likely: halving the gap between
    a bar that reads 1 and one that reads 7 finds a drawing the page calls unsure."""
    width = helpers.raster_width(pad)

    def shown_at(t):
        if pad.evaluate("digitpad.pad.strokeCount"):
            helpers.clear(pad)
        helpers.draw(pad, one_to_seven(t, width))
        return reading(pad)

    lo, hi = 0.0, 0.5
    assert shown_at(lo)["value"] == "1" and shown_at(hi)["value"] == "7"
    for _ in range(14):
        shown = shown_at((lo + hi) / 2)
        if shown["verdict"] == "unsure":
            break
        if shown["value"] == "1":
            lo = (lo + hi) / 2
        else:
            hi = (lo + hi) / 2
    else:
        pytest.fail(f"no drawing between a 1 and a 7 reads as unsure (last: {shown})")
    assert shown["confident"] == "false"
    bars = helpers.probabilities(pad)
    (first, p1, text1), (second, p2, _) = shown["alternatives"]
    assert {first, second} == {1, 7}
    assert shown["text"] == f"{first} or {second}?"
    assert shown["value"] == str(first)  # the likeliest digit, as ever
    assert shown["sureness"].startswith("Not sure")
    assert p1 >= p2 and sorted(bars.values(), reverse=True)[:2] == pytest.approx([p1, p2], abs=1e-4)
    assert p1 == pytest.approx(bars[first], abs=1e-4) and p2 == pytest.approx(bars[second], abs=1e-4)
    assert f"{round(p1 * 100)}%" in text1
    assert shown["announced"].startswith(f"Not sure: {first} or {second}?")


def test_a_scribble_is_not_called_a_digit(pad):
    _, blob = scribbles.scribbles(BLOB + 1, seed=5)[BLOB]
    helpers.draw(pad, blob)
    shown = reading(pad)
    assert shown["confident"] == "false" and shown["verdict"] == "not a digit"
    assert shown["text"] == "?"
    assert shown["sureness"] == "That doesn\u2019t look like a digit"
    assert shown["value"].isdigit()  # the network's guess stays readable for tests
    assert shown["announced"] == "That doesn\u2019t look like a digit."


def numbers(width: int):
    """NUMBERS three-digit numbers of held-out writers, centered on the pad."""
    rng = random.Random(3)
    samples = helpers.held_out_samples()
    for _ in range(NUMBERS):
        chosen = [rng.choice(samples) for _ in range(3)]
        strokes = pendigits.side_by_side(chosen, gap=0.35, height=0.55 * 280)
        xs = [x for s in strokes for x, _ in s]
        shift = (width - max(xs) - min(xs)) / 2
        yield "".join(str(s.label) for s in chosen), [[(x + shift, y) for x, y in s] for s in strokes]


def test_numbers_of_unseen_writers_read_digit_by_digit(pad):
    for number, strokes in numbers(helpers.raster_width(pad)):
        if pad.evaluate("digitpad.pad.strokeCount"):
            helpers.clear(pad)
        helpers.draw(pad, strokes)
        shown = reading(pad)
        assert shown["value"] == number
        assert [value for _, value in shown["chips"]] == list(number)
        assert {verdict for verdict, _ in shown["chips"]} == {"digit"}
        assert shown["confident"] == "true"
