"""Say what one digit reads, or that it is unsure, or that it is not a digit at all.

A network trained on digits always names a digit, even for a spiral. The verdict here
adds two answers it cannot give: "unsure" when the two likeliest digits are too close
to call (the page shows "4 or 9?"), and "not a digit" when the drawing does not look
like handwriting of a digit. It uses the network's probabilities, softened or sharpened
by a temperature so they match how often the network is right, plus a few cheap
measures of the strokes (how much pen travel and turning for the ink's size, how many
strokes, how much of the box is inked) that tell doodles from digits whatever the
network says. The numbers come from ``train/calibrate.py``, which fits them on writers
the network never saw, and are passed in as a dict (``model/calibration.json``).

Standard library only: this runs in the browser for every digit.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from digitpad.pad import BRUSH_WIDTH, RASTER_HEIGHT, Stroke, coordinates

CLASSES = 10

DIGIT = "digit"
UNSURE = "unsure"
NOT_A_DIGIT = "not a digit"

# What each number in a feature vector means, in order.
FEATURES = (
    "log_top",  # log of the calibrated top probability
    "log_odds_top_two",  # log(p1 / p2): how far ahead the top digit is
    "entropy",  # of the calibrated probabilities, in nats
    "log_strokes",  # log(1 + number of strokes with ink)
    "travel",  # pen travel over the ink box's longer side
    "turning",  # total turning of the pen, in full turns
    "coverage",  # share of the ink box the brush covers, roughly
    "size",  # the ink box's longer side over the pad's height
    "log_aspect",  # log(width / height) of the ink box
)
STROKE_FEATURES = FEATURES[3:]

# Used when no calibration is given: the raw softmax and plain thresholds. A calibration
# may also hold "unsure_margin": unsure too when log(p1 / p2) falls below it, which
# keeps its meaning when a sharp temperature pushes every top probability to 1.
DEFAULT_CALIBRATION: dict = {
    "temperature": 1.0,
    "unsure_below": 0.6,
    "not_a_digit_from": 0.5,
    "junk_model": None,
}


@dataclass(frozen=True)
class Verdict:
    """What one digit reads."""

    kind: str  # DIGIT, UNSURE or NOT_A_DIGIT
    digit: int  # the likeliest digit, whatever the kind
    runner_up: int  # the second likeliest
    probabilities: tuple[float, ...]  # calibrated, CLASSES values summing to 1
    junk: float  # the chance, 0..1, that the drawing is not a digit

    @property
    def confidence(self) -> float:
        return self.probabilities[self.digit]

    @property
    def label(self) -> str:
        """What the page shows: "4", "4 or 9?" or "?"."""
        if self.kind == DIGIT:
            return str(self.digit)
        if self.kind == UNSURE:
            return f"{self.digit} or {self.runner_up}?"
        return "?"


def decide(
    probabilities: Sequence[float],
    strokes: Sequence[Stroke] | None = None,
    calibration: Mapping | None = None,
    brush: float = BRUSH_WIDTH,
) -> Verdict:
    """The verdict on one digit from the network's probabilities and, when given, the
    strokes it was drawn with (without them only the probabilities count).

    Never raises on odd probabilities: missing or non-finite values count as zero, and
    a vector with nothing left is not a digit. A malformed calibration falls back to
    the defaults.
    """
    params = _checked(calibration)
    raw = _clean(probabilities)
    if raw is None:
        uniform = tuple([1.0 / CLASSES] * CLASSES)
        return Verdict(NOT_A_DIGIT, 0, 1, uniform, 1.0)
    calibrated = _tempered(raw, params["temperature"])
    order = sorted(range(CLASSES), key=lambda k: -calibrated[k])
    top, second = order[0], order[1]
    features = probability_features(calibrated)
    junk = 1.0 - calibrated[top]
    model = params.get("junk_model")
    try:
        if model is not None and strokes is not None:
            junk = _logistic(model, features + stroke_features(strokes, brush))
        elif model is not None and "probability_only" in model:
            junk = _logistic(model["probability_only"], features)
    except ValueError:
        pass  # a score that overflowed: keep the softmax's own doubt
    if junk >= params["not_a_digit_from"]:
        kind = NOT_A_DIGIT
    elif calibrated[top] < params["unsure_below"] or features[1] < params.get("unsure_margin", -1.0):
        kind = UNSURE
    else:
        kind = DIGIT
    return Verdict(kind, top, second, tuple(calibrated), junk)


def prefer_parts(whole: Verdict, parts: Sequence[Verdict]) -> bool:
    """Whether a group cut in pieces (``segment.split_wide``) reads better as the pieces:
    each piece is a digit, and even the least sure one is surer than the whole. A wide
    0 read whole beats its two halves; a cursive 00 read whole does not."""
    if len(parts) < 2 or any(p.kind == NOT_A_DIGIT for p in parts):
        return False
    return min(p.confidence for p in parts) > whole.confidence


def probability_features(calibrated: Sequence[float]) -> list[float]:
    ranked = sorted(calibrated, reverse=True)
    p1, p2 = max(ranked[0], 1e-12), max(ranked[1], 1e-12)
    entropy = -sum(p * math.log(p) for p in calibrated if p > 0)
    return [math.log(p1), math.log(p1 / p2), entropy]


def stroke_features(strokes: Sequence[Stroke], brush: float = BRUSH_WIDTH) -> list[float]:
    """The STROKE_FEATURES of a drawing, in pad raster pixels. Points that are not
    finite pairs are skipped; a drawing without any is a dot of no size."""
    brush = max(float(brush), 1.0)
    step = brush / 2  # follow the pen at this spacing, so tremor does not count as turning
    xs: list[float] = []
    ys: list[float] = []
    travel = turning = 0.0
    inked = 0
    for stroke in strokes:
        kept: list[tuple[float, float]] = []
        stroke_xs, stroke_ys = coordinates(stroke)
        xs.extend(stroke_xs)
        ys.extend(stroke_ys)
        for x, y in zip(stroke_xs, stroke_ys):
            if not kept:
                kept.append((x, y))
                continue
            d = math.hypot(x - kept[-1][0], y - kept[-1][1])
            if d >= step:
                travel += d
                kept.append((x, y))
        if kept:
            inked += 1
        heading = None
        for (ax, ay), (bx, by) in zip(kept, kept[1:]):
            h = math.atan2(by - ay, bx - ax)
            if heading is not None:
                turn = abs(h - heading) % (2 * math.pi)
                turning += min(turn, 2 * math.pi - turn)
            heading = h
    if not xs:
        width = height = brush
    else:
        width = min(max(xs) - min(xs), 1e6) + brush
        height = min(max(ys) - min(ys), 1e6) + brush
    longer = max(width, height)
    coverage = min(1.0, (travel + brush) * brush / (width * height))
    return [
        math.log1p(inked),
        min(travel / longer, 100.0),
        min(turning / (2 * math.pi), 100.0),
        coverage,
        min(longer / RASTER_HEIGHT, 100.0),
        math.log(width / height),
    ]


def parse_calibration(text: str) -> dict:
    """The calibration from ``model/calibration.json``'s text; ValueError if it is not one."""
    try:
        data = json.loads(text)
    except (TypeError, ValueError) as e:
        raise ValueError(f"calibration is not JSON: {e}") from None
    if not isinstance(data, dict) or _checked(data) is DEFAULT_CALIBRATION:
        raise ValueError("calibration JSON lacks temperature, thresholds or a valid junk model")
    return data


def _checked(calibration: Mapping | None) -> Mapping:
    """The calibration if it is usable, else the defaults."""
    if calibration is None:
        return DEFAULT_CALIBRATION
    try:
        t = float(calibration["temperature"])
        unsure = float(calibration["unsure_below"])
        junk = float(calibration["not_a_digit_from"])
        margin = float(calibration.get("unsure_margin", -1.0))
        model = calibration.get("junk_model")
        if not all(map(math.isfinite, (t, unsure, junk, margin))) or t <= 0:
            return DEFAULT_CALIBRATION
        if model is not None:
            _logistic(model, [0.0] * len(FEATURES))
            if "probability_only" in model:
                _logistic(model["probability_only"], [0.0] * 3)
    except (KeyError, TypeError, ValueError, AttributeError):
        return DEFAULT_CALIBRATION
    return calibration


def _clean(probabilities) -> list[float] | None:
    values = []
    try:
        for v in list(probabilities)[:CLASSES]:
            try:
                f = float(v)
            except (TypeError, ValueError):
                f = 0.0
            values.append(f if math.isfinite(f) and f > 0 else 0.0)
    except TypeError:
        return None
    values += [0.0] * (CLASSES - len(values))
    total = sum(values)
    if not (total > 0 and math.isfinite(total)):
        return None
    return [v / total for v in values]


def _tempered(p: list[float], temperature: float) -> list[float]:
    """softmax(log p / T): the same ranking, sharper (T < 1) or softer (T > 1)."""
    logs = [math.log(max(v, 1e-30)) / temperature for v in p]
    peak = max(logs)
    e = [math.exp(v - peak) for v in logs]
    total = sum(e)
    return [v / total for v in e]


def _logistic(model: Mapping, features: Sequence[float]) -> float:
    """sigmoid(bias + sum of weight * standardised feature)."""
    weights, means, scales = model["weights"], model["means"], model["scales"]
    if not (len(weights) == len(means) == len(scales) == len(features)):
        raise ValueError("junk model and features differ in length")
    z = float(model["bias"])
    for w, m, s, f in zip(weights, means, scales, features):
        z += float(w) * (f - float(m)) / float(s)
    if not math.isfinite(z):
        raise ValueError("junk model gives a non-finite score")
    return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0
