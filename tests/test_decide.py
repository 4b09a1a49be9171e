"""The digit / unsure / not-a-digit verdict."""

import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digitpad import decide
from digitpad.decide import DIGIT, NOT_A_DIGIT, UNSURE, Verdict

CALIBRATION = Path(__file__).resolve().parents[1] / "model" / "calibration.json"


def probs(**named):
    """Ten probabilities with the named ones (d0..d9) set and the rest sharing what is left."""
    p = [0.0] * 10
    for name, value in named.items():
        p[int(name[1])] = value
    rest = (1 - sum(p)) / max(1, p.count(0.0))
    return [v if v else rest for v in p]


def line(x0, y0, x1, y1, n=20):
    return [(x0 + (x1 - x0) * t / n, y0 + (y1 - y0) * t / n) for t in range(n + 1)]


def test_a_clear_digit():
    v = decide.decide(probs(d7=0.99))
    assert (v.kind, v.digit, v.label) == (DIGIT, 7, "7")
    assert v.confidence == pytest.approx(0.99)


def test_two_close_digits_are_unsure():
    v = decide.decide(probs(d4=0.55, d9=0.44))
    assert (v.kind, v.digit, v.runner_up, v.label) == (UNSURE, 4, 9, "4 or 9?")


def test_no_clear_favourite_is_not_a_digit():
    v = decide.decide([0.1] * 10)
    assert v.kind == NOT_A_DIGIT and v.label == "?"


def calibration(**overrides):
    c = {"temperature": 1.0, "unsure_below": 0.7, "not_a_digit_from": 0.5, "junk_model": None}
    c.update(overrides)
    return c


def test_either_side_of_the_thresholds():
    c = calibration(unsure_below=0.7, not_a_digit_from=0.5)
    assert decide.decide(probs(d3=0.70001), calibration=c).kind == DIGIT
    assert decide.decide(probs(d3=0.6999), calibration=c).kind == UNSURE
    # without a junk model the doubt is 1 - top: 0.25 here
    assert decide.decide(probs(d3=0.75), calibration=calibration(not_a_digit_from=0.2499)).kind == NOT_A_DIGIT
    assert decide.decide(probs(d3=0.75), calibration=calibration(not_a_digit_from=0.2501)).kind == DIGIT


def test_temperature_keeps_the_ranking_and_softens():
    p = probs(d2=0.9, d8=0.05)
    soft = decide.decide(p, calibration=calibration(temperature=2.0))
    sharp = decide.decide(p, calibration=calibration(temperature=0.5))
    assert soft.digit == sharp.digit == 2 and soft.runner_up == sharp.runner_up == 8
    assert soft.confidence < 0.9 < sharp.confidence
    assert sum(soft.probabilities) == pytest.approx(1)


def junk_model(weight_on: str, weight: float) -> dict:
    n = len(decide.FEATURES)
    weights = [0.0] * n
    weights[decide.FEATURES.index(weight_on)] = weight
    return {"bias": -1.0, "weights": weights, "means": [0.0] * n, "scales": [1.0] * n,
            "probability_only": {"bias": -5.0, "weights": [0, 0, 0], "means": [0, 0, 0], "scales": [1, 1, 1]}}


def test_strokes_can_overrule_a_confident_network():
    c = calibration(junk_model=junk_model("turning", 2.0))
    spiral = [[(140 + r * math.cos(r / 8), 140 + r * math.sin(r / 8)) for r in range(0, 120, 2)]]
    one = [line(140, 40, 140, 240)]
    assert decide.decide(probs(d6=0.99), spiral, c).kind == NOT_A_DIGIT
    assert decide.decide(probs(d1=0.99), one, c).kind == DIGIT
    # without strokes the probability-only model speaks
    assert decide.decide(probs(d6=0.99), None, c).kind == DIGIT


def test_stroke_features_measure_turning_and_travel():
    names = decide.STROKE_FEATURES
    straight = dict(zip(names, decide.stroke_features([line(0, 0, 0, 200)])))
    ring = [[(100 + 80 * math.cos(t / 20), 100 + 80 * math.sin(t / 20)) for t in range(127)]]
    round_ = dict(zip(names, decide.stroke_features(ring)))
    assert straight["turning"] == pytest.approx(0, abs=0.01)
    assert round_["turning"] == pytest.approx(1, abs=0.1)
    assert straight["travel"] == pytest.approx(200 / 218, rel=0.02)
    assert round_["travel"] > 2.5
    assert straight["log_strokes"] == pytest.approx(math.log(2))


def test_stroke_features_of_nothing_and_junk():
    for strokes in ([], [[]], [[(float("nan"), 1)]], [[("a", "b")], [(1e300, -1e300), (-1e300, 1e300)]]):
        values = decide.stroke_features(strokes)
        assert len(values) == len(decide.STROKE_FEATURES)
        assert all(math.isfinite(v) for v in values)


def test_prefer_parts():
    sure = lambda d, c: Verdict(DIGIT, d, 0, tuple(c if k == d else (1 - c) / 9 for k in range(10)), 0.0)
    assert decide.prefer_parts(sure(8, 0.5), [sure(0, 0.95), sure(0, 0.9)])
    assert not decide.prefer_parts(sure(0, 0.99), [sure(1, 0.95), sure(1, 0.9)])
    junk = Verdict(NOT_A_DIGIT, 1, 0, tuple([0.1] * 10), 0.9)
    assert not decide.prefer_parts(sure(8, 0.2), [sure(0, 0.95), junk])
    assert not decide.prefer_parts(sure(8, 0.2), [sure(0, 0.95)])


def test_malformed_calibration_falls_back_to_defaults():
    for bad in ({}, {"temperature": -1, "unsure_below": 0.5, "not_a_digit_from": 0.5},
                {"temperature": 1, "unsure_below": "x", "not_a_digit_from": 0.5},
                calibration(junk_model={"bias": 0, "weights": [1], "means": [], "scales": []})):
        assert decide.decide(probs(d5=0.99), calibration=bad).kind == DIGIT


def test_parse_calibration():
    c = calibration(junk_model=junk_model("size", 1.0))
    assert decide.parse_calibration(json.dumps(c)) == c
    with pytest.raises(ValueError, match="not JSON"):
        decide.parse_calibration("{")
    with pytest.raises(ValueError, match="lacks"):
        decide.parse_calibration("[1, 2]")


@pytest.mark.skipif(not CALIBRATION.exists(), reason="no shipped calibration")
def test_shipped_calibration_is_usable():
    c = decide.parse_calibration(CALIBRATION.read_text())
    assert decide.decide(probs(d3=0.999), [line(50, 40, 150, 240)], c).digit == 3
    report = c["report"]
    assert report["false_reject_rate"] <= 0.05 and report["scribble_flag_rate"] >= 0.7


numbers = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 5), st.none(), st.text(max_size=2))


@settings(max_examples=400, deadline=None)
@given(st.lists(numbers, max_size=14),
       st.one_of(st.none(), st.lists(st.lists(st.tuples(st.floats(), st.floats()), max_size=6), max_size=4)))
def test_any_probabilities_give_a_valid_verdict(values, strokes):
    for c in (None, calibration(junk_model=junk_model("travel", 3.0))):
        v = decide.decide(values, strokes, c)
        assert v.kind in (DIGIT, UNSURE, NOT_A_DIGIT)
        assert 0 <= v.digit < 10 and 0 <= v.runner_up < 10 and v.digit != v.runner_up
        assert len(v.probabilities) == 10 and sum(v.probabilities) == pytest.approx(1)
        assert 0 <= v.junk <= 1
        assert isinstance(v.label, str)


def test_unsure_margin_on_the_log_odds_of_the_top_two():
    c = calibration(unsure_below=0.0, unsure_margin=math.log(3))
    assert decide.decide(probs(d4=0.74, d9=0.25), calibration=c).kind == UNSURE
    assert decide.decide(probs(d4=0.76, d9=0.24), calibration=c).kind == DIGIT
    # a sharp temperature saturates the top probability but not the margin
    sharp = calibration(temperature=0.02, unsure_below=0.0, unsure_margin=25.0)
    v = decide.decide(probs(d4=0.6, d9=0.39), calibration=sharp)
    assert v.confidence > 0.99999 and v.kind == UNSURE
