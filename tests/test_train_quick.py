"""Quick mode runs the whole pipeline: data, training, conversion, evaluation, card."""

import json

import pytest

from tests.quick_model import EXTRA_EXAMPLES, quick_model
from train.fit import QUICK_MNIST

pytestmark = pytest.mark.slow


def test_quick_run_writes_a_complete_model_folder():
    out, keras, result = quick_model()
    manifest = json.loads((out / "model.json").read_text())
    assert manifest["format"] == "layers-model"
    assert manifest["modelTopology"]["model_config"]["class_name"] == "Functional"
    layers = manifest["modelTopology"]["model_config"]["config"]["layers"]
    names = [layer["config"]["name"] for layer in layers]
    assert "conv1" in names
    assert "Lambda" not in {layer["class_name"] for layer in layers}
    shards = [out / p for group in manifest["weightsManifest"] for p in group["paths"]]
    assert shards and all(p.exists() for p in shards)
    total = sum(p.stat().st_size for p in [out / "model.json", *shards])
    print(f"quick model: {total / 1024:.1f} KB")
    assert total <= 250 * 1024
    assert keras.exists()


def test_quick_run_writes_card_history_and_figures():
    out, _, result = quick_model()
    card = (out / "README.md").read_text()
    for words in ("MNIST test", "Held-out pen writers", "make train", "make evaluate", "Parameters"):
        assert words in card
    history = json.loads((out / "history.json").read_text())
    assert len(history["history"]["loss"]) == 1
    assert history["config"]["quick"] is True
    # The examples zip's drawings are in the training set, extra_weight times each.
    (extra,) = history["config"]["extra"]
    assert extra.endswith("class.zip")
    parts = history["training_parts"]
    assert parts["extra"] == history["config"]["extra_weight"] * EXTRA_EXAMPLES
    assert sum(parts.values()) == history["training_images"] and parts["mnist"] == QUICK_MNIST
    evaluation = json.loads((out / "evaluation.json").read_text())
    # One epoch on a subset already reads most digits: a broken pipeline would be near 10%.
    assert evaluation["sets"]["mnist_test"]["shipped"] > 0.8
    assert evaluation["sets"]["pen_held_out"]["count"] > 1000
    for png in ("confusion.png", "curves.png", "mistakes.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Traceback" not in result.stderr
