"""python -m digitpad predict, run as a person would run it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from train import pendigits
from digitpad.pad import RASTER_HEIGHT
from digitpad.render import rasterize
from tests import datasets as data
from tests.test_api import REPO, SHIPPED, model, pad_strokes  # noqa: F401

needs_shipped = pytest.mark.skipif(
    not (SHIPPED / "model.json").exists(), reason="no model/ shipped yet (run `make train`)"
)


def digitpad(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "digitpad", *map(str, args)],
                          cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def pictures(tmp_path_factory) -> dict[str, Path]:
    """Pen digits from held-out writers saved the ways people save digits, and bad files."""
    samples = pendigits.by_writers(pendigits.load(data.pendigits()), pendigits.HELD_OUT_WRITERS)
    directory = tmp_path_factory.mktemp("pictures")
    by_label = {s.label: s for s in samples}
    paths = {}
    seven = rasterize(pad_strokes(by_label[7]), 260, RASTER_HEIGHT)
    paths["dark"] = directory / "seven.png"
    Image.fromarray(255 - seven).save(paths["dark"])
    three = rasterize(pad_strokes(by_label[3]), 260, RASTER_HEIGHT)
    paths["light"] = directory / "three-on-black.png"
    Image.fromarray(three).save(paths["light"])
    number = pendigits.side_by_side([by_label[4], by_label[2]], gap=0.35)
    width = int(max(x for s in number for x, _ in s)) + 40
    canvas = np.zeros((RASTER_HEIGHT, width, 4), np.uint8)
    canvas[..., 3] = rasterize(number, width, RASTER_HEIGHT)
    paths["number"] = directory / "forty-two.png"
    Image.fromarray(canvas).save(paths["number"])
    paths["blank"] = directory / "blank.png"
    Image.fromarray(np.full((50, 50), 255, np.uint8)).save(paths["blank"])
    paths["text"] = directory / "notes.png"
    paths["text"].write_text("not a picture")
    paths["missing"] = directory / "missing.png"
    return paths


def test_help_shows_the_command_and_an_example():
    result = digitpad("--help")
    assert result.returncode == 0
    assert "predict" in result.stdout and "seven.png: 7" in result.stdout
    result = digitpad("predict", "--help")
    assert result.returncode == 0
    for word in ("FILE", "--json", "--model", "seven.png: 7"):
        assert word in result.stdout


def test_no_command_is_a_usage_error():
    result = digitpad()
    assert result.returncode == 2
    assert "usage:" in result.stderr


def test_one_line_per_file(pictures, model):
    from digitpad import predict

    files = [pictures["dark"], pictures["light"], pictures["number"]]
    result = digitpad("predict", *files, "--model", model)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"{f}: {predict(f, model)}" for f in files]
    assert [len(predict(f, model).digits) for f in files] == [1, 1, 2]


def test_bad_files_are_reported_and_the_rest_still_read(pictures, model):
    bad = [pictures["missing"], pictures["text"], pictures["blank"]]
    result = digitpad("predict", bad[0], pictures["dark"], bad[1], bad[2], "--model", model)
    assert result.returncode == 1
    assert result.stdout.startswith(f"{pictures['dark']}: ")
    assert len(result.stdout.splitlines()) == 1
    errors = result.stderr.splitlines()
    assert errors == [
        f"error: {bad[0]}: no such file",
        f"error: {bad[1]}: not an image Pillow can read",
        f"error: {bad[2]}: no ink found: the image is blank",
    ]
    assert "Traceback" not in result.stderr


def test_json_lists_every_file_with_its_reading_or_error(pictures, model):
    result = digitpad("predict", "--json", pictures["number"], pictures["missing"],
                      "--model", model)
    assert result.returncode == 1
    number, missing = json.loads(result.stdout)
    assert number["file"] == str(pictures["number"])
    assert len(number["text"]) == 2 and len(number["digits"]) == 2
    assert isinstance(number["sure"], bool) and number["label"]
    assert number["digits"][0]["box"][0] < number["digits"][1]["box"][0]
    for digit in number["digits"]:
        assert digit["verdict"] in ("digit", "unsure", "not a digit")
        assert len(digit["probabilities"]) == 10
        assert digit["confidence"] == max(digit["probabilities"])
        assert sum(digit["probabilities"]) == pytest.approx(1, abs=1e-4)
    assert missing == {"file": str(pictures["missing"]), "error": "no such file"}


def test_a_missing_model_is_one_clear_message(pictures, tmp_path):
    result = digitpad("predict", pictures["dark"], "--model", tmp_path / "nowhere")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: no model at")
    assert "Traceback" not in result.stderr


@needs_shipped
def test_the_shipped_model_is_the_default_and_reads_as_predict_does(pictures):
    from digitpad import predict

    files = [pictures["dark"], pictures["light"], pictures["number"]]
    result = digitpad("predict", *files)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"{f}: {predict(f)}" for f in files]
