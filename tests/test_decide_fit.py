"""The fitting behind model/calibration.json, on data whose answer is known."""

import numpy as np
import pytest

from digitpad import decide
from train.calibrate import fit_logistic, fit_temperature


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_temperature_undoes_overconfidence():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 1, (4000, 10))
    logits[:, 0] += 2.0
    honest = softmax(logits)
    # labels drawn from the honest probabilities, which are then made three times too sure
    labels = (rng.random((4000, 1)) > honest.cumsum(axis=1)).sum(axis=1)
    overconfident = softmax(3.0 * logits)
    t = fit_temperature(overconfident, labels)
    assert 2.4 < t < 3.6


def test_temperature_stays_1_when_every_fitting_digit_is_read_right():
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 10, 500)
    logits = rng.normal(0, 1, (500, 10))
    logits[np.arange(500), labels] += 6.0
    # every answer right: sharper is always likelier, down to any bound a search has
    assert fit_temperature(softmax(logits), labels) == 1.0
    logits[0, (labels[0] + 1) % 10] += 20.0  # one mistake makes T measurable again
    assert fit_temperature(softmax(logits), labels) != 1.0


def test_logistic_separates_and_its_dict_runs_in_decide():
    rng = np.random.default_rng(1)
    n = len(decide.FEATURES)
    digits = rng.normal(0, 1, (500, n))
    junk = rng.normal(0, 1, (500, n))
    junk[:, 5] += 4  # scribbles turn a lot more
    model = fit_logistic(digits, junk)
    scores_digits = [decide._logistic(model, row) for row in digits]
    scores_junk = [decide._logistic(model, row) for row in junk]
    assert np.mean(np.array(scores_digits) < 0.5) > 0.95
    assert np.mean(np.array(scores_junk) > 0.5) > 0.95
    assert abs(model["weights"][5]) == pytest.approx(max(map(abs, model["weights"])))
