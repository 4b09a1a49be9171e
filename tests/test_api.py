"""predict() and predict_strokes(): the page's reading, from Python."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from digitpad import api
from digitpad.api import ink_column_groups, load_network, predict, predict_strokes, split_digits
from digitpad.images import NoInkError
from digitpad.network import ModelError
from digitpad.pad import RASTER_HEIGHT
from digitpad.render import rasterize
from tests import datasets as data
from tests.test_network import write_model
from train import pendigits

REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "model"

needs_shipped = pytest.mark.skipif(
    not (SHIPPED / "model.json").exists(), reason="no model/ shipped yet (run `make train`)"
)


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> Path:
    """A real model file, with random weights: enough to check that every way of
    giving the same drawing gives the same numbers, whatever they are."""
    directory = tmp_path_factory.mktemp("random-model")
    rng = np.random.default_rng(7)
    layers = [
        {"class_name": "InputLayer", "config": {"name": "input", "batch_input_shape": [None, 28, 28, 1]}},
        {"class_name": "Flatten", "config": {"name": "flatten"}},
        {"class_name": "Dense", "config": {"name": "dense", "units": 10, "activation": "softmax"}},
    ]
    write_model(directory, layers, [
        ("dense/kernel", rng.normal(0, 0.2, (784, 10)).astype(np.float32), {}),
        ("dense/bias", np.zeros(10, np.float32), {}),
    ])
    return directory


@pytest.fixture(scope="module")
def samples():
    return pendigits.load(data.pendigits())


def pad_strokes(sample, left=30.0, top=20.0):
    return pendigits.on_pad(sample, height=0.75 * RASTER_HEIGHT, left=left, top=top)


def test_importing_digitpad_does_not_import_numpy():
    # The page imports these modules under Pyodide, which has no numpy.
    code = ("import sys, digitpad, digitpad.preprocess, digitpad.segment, digitpad.pad; "
            "assert 'numpy' not in sys.modules, 'numpy was imported'; "
            "from digitpad import predict; assert 'numpy' in sys.modules")
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)


def test_every_picture_convention_reads_the_same(model, samples, tmp_path):
    alpha = rasterize(pad_strokes(samples[0]), 260, RASTER_HEIGHT)
    reference = predict(alpha, model)
    rgba = np.zeros((*alpha.shape, 4), np.uint8)
    rgba[..., 3] = alpha
    Image.fromarray(255 - alpha).save(tmp_path / "paper.png")
    Image.fromarray(rgba).save(tmp_path / "canvas.png")
    for picture in [255 - alpha, alpha / 255.0, rgba, tmp_path / "paper.png",
                    str(tmp_path / "canvas.png"), Image.open(tmp_path / "paper.png")]:
        got = predict(picture, model)
        assert got.text == reference.text
        np.testing.assert_array_equal(got.probabilities, reference.probabilities)


def test_a_picture_reads_like_the_strokes_it_shows(model, samples):
    for sample in samples[:20]:
        strokes = pad_strokes(sample)
        from_strokes = predict_strokes(strokes, model)
        from_picture = predict(rasterize(strokes, 260, RASTER_HEIGHT), model)
        assert from_picture.text == from_strokes.text
        np.testing.assert_allclose(from_picture.probabilities, from_strokes.probabilities,
                                   atol=1e-4)
        np.testing.assert_allclose(from_picture.digits[0].pixels, from_strokes.digits[0].pixels,
                                   atol=1e-3)


def test_a_number_reads_as_its_digits_one_by_one(model, samples):
    chosen = [samples[i] for i in (3, 10, 25)]
    strokes = pendigits.side_by_side(chosen, gap=0.3)
    width = int(max(x for s in strokes for x, _ in s)) + 40
    number = predict(rasterize(strokes, width, RASTER_HEIGHT), model)
    assert len(number.digits) == 3
    lefts = [d.box[0] for d in number.digits]
    assert lefts == sorted(lefts)
    # Each digit alone, where it stood, reads exactly as it did within the number.
    start = 0
    for sample, digit in zip(chosen, number.digits):
        n = len(sample.strokes)
        alone = predict(rasterize(strokes[start : start + n], width, RASTER_HEIGHT), model)
        start += n
        assert alone.digits[0].box == digit.box
        # (equal up to float rounding: a batch of one sums in another order)
        np.testing.assert_allclose(alone.digits[0].probabilities, digit.probabilities, atol=1e-6)
    assert number.text == "".join(str(d.digit) for d in number.digits)
    assert number.confidence == pytest.approx(np.prod([d.confidence for d in number.digits]))
    assert number.probabilities.shape == (3, 10)


def test_a_speck_of_dirt_is_not_a_digit(model, samples):
    alpha = rasterize(pad_strokes(samples[0]), 400, RASTER_HEIGHT)
    alone = predict(alpha, model)
    alpha[150:152, 360:362] = 255
    specked = predict(alpha, model)
    assert specked.text == alone.text and specked.digits[0].box == alone.digits[0].box


def test_ink_column_groups_cut_at_blank_columns():
    ink = np.zeros((5, 12), np.uint8)
    ink[1, 1:3] = ink[3, 2:5] = 255  # two pieces sharing column 2: one group
    ink[0, 7] = ink[4, 9:11] = 9
    assert ink_column_groups(ink) == [(1, 5), (7, 8), (9, 11)]
    assert ink_column_groups(np.zeros((3, 3), np.uint8)) == []


def test_split_digits_of_a_single_digit_is_its_columns(samples):
    alpha = rasterize(pad_strokes(samples[5]), 300, RASTER_HEIGHT)
    cols = np.flatnonzero(alpha.any(axis=0))
    assert split_digits(alpha) == [(cols[0], cols[-1] + 1)]


def test_stroke_width_is_the_brush(samples):
    for brush in (6.0, 18.0, 30.0):
        widths = [api.stroke_width(rasterize(pad_strokes(s), 300, RASTER_HEIGHT, brush))
                  for s in samples[:20]]
        assert np.median(widths) == pytest.approx(brush, rel=0.15)


def test_a_blank_picture_and_no_strokes_say_so(model):
    with pytest.raises(NoInkError):
        predict(np.full((40, 40), 255, np.uint8), model)
    with pytest.raises(NoInkError):
        predict_strokes([], model)


def test_a_missing_model_says_where_it_looked(tmp_path):
    with pytest.raises(ModelError, match="no model at .*nowhere"):
        predict(np.eye(28, dtype=np.uint8) * 255, tmp_path / "nowhere")


def test_the_network_is_loaded_once_until_it_changes(model):
    first = load_network(model)
    assert load_network(str(model)) is first
    stat = (model / "model.json").stat()
    os.utime(model / "model.json", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert load_network(model) is not first


def test_the_model_calibration_decides_what_is_unsure(model, samples, tmp_path):
    calibrated = tmp_path / "calibrated"
    calibrated.mkdir()
    for f in model.iterdir():
        (calibrated / f.name).write_bytes(f.read_bytes())
    alpha = rasterize(pad_strokes(samples[0]), 260, RASTER_HEIGHT)
    strokes = pad_strokes(samples[0])
    for threshold, sure in [(0.0, True), (1.01, False)]:
        (calibrated / "calibration.json").write_text(json.dumps(
            {"temperature": 1.0, "unsure_below": threshold, "not_a_digit_from": 1.01,
             "junk_model": None}))
        for reading in (predict(alpha, calibrated), predict_strokes(strokes, calibrated)):
            digit = reading.digits[0]
            assert reading.sure is sure and digit.sure is sure
            assert digit.verdict.kind == ("digit" if sure else "unsure")
            expected = reading.text if sure else f"{digit.digit} or {digit.verdict.runner_up}?"
            assert reading.label == digit.label == expected
            assert str(reading) == f"{expected} ({reading.confidence:.1%})"
    (calibrated / "calibration.json").write_text("{not json")
    with pytest.raises(ModelError, match="calibration.json"):
        predict(alpha, calibrated)


def test_an_unsure_digit_of_a_number_is_bracketed(model, samples):
    chosen = [samples[i] for i in (3, 10, 25)]
    strokes = pendigits.side_by_side(chosen, gap=0.3)
    number = predict_strokes(strokes, model)
    unsure = [api.decide.Verdict("unsure", 4, 9, (0.1,) * 10, 0.0)]
    digits = (number.digits[0], dataclasses.replace(number.digits[1], verdict=unsure[0]),
              number.digits[2])
    mixed = dataclasses.replace(number, digits=digits)
    assert not mixed.sure
    outer = [d.label if d.sure else f"[{d.label}]" for d in (digits[0], digits[2])]
    assert mixed.label == f"{outer[0]}[4 or 9?]{outer[1]}"


def test_the_reading_prints_like_the_command_line(model, samples):
    reading = predict(rasterize(pad_strokes(samples[0]), 260, RASTER_HEIGHT), model)
    assert str(reading) == f"{reading.text} ({reading.confidence:.1%})"
    assert reading.value == int(reading.text)
    assert reading.digits[0].pixels.shape == (28, 28)


# --- with the shipped model -----------------------------------------------------


@needs_shipped
def test_shipped_model_reads_held_out_writers(samples):
    held_out = pendigits.by_writers(samples, pendigits.HELD_OUT_WRITERS)[::40]
    right = 0
    for sample in held_out:
        picture = 255 - rasterize(pad_strokes(sample), 260, RASTER_HEIGHT)
        right += predict(picture).text == str(sample.label)
    # A sanity check of the whole path (polarity, centring, model files), not a score.
    assert right >= 0.8 * len(held_out), f"{right}/{len(held_out)}"


@needs_shipped
def test_shipped_model_reads_a_number(samples):
    held_out = pendigits.by_writers(samples, pendigits.HELD_OUT_WRITERS)
    by_label = {s.label: s for s in held_out}
    read = []
    for digits in ("2024", "317", "86"):
        strokes = pendigits.side_by_side([by_label[int(c)] for c in digits], gap=0.35)
        read.append(predict_strokes(strokes).text)
    assert [len(t) for t in read] == [4, 3, 2]
