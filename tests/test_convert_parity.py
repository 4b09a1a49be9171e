"""TensorFlow.js in Node reads the converted model and answers like Keras does.

Inputs: 32 MNIST test digits and 8 pen digits prepared as in the browser. The model
runs with @tensorflow/tfjs (cpu backend) from node_modules, loaded from model.json
and its shards as the page loads them.
"""

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tests.quick_model import ROOT, quick_model, require_data

pytestmark = pytest.mark.slow

SCRIPT = ROOT / "tests" / "js" / "predict.mjs"
QUANTIZED_TOLERANCE = 1e-2  # float32 Keras vs the quantized (uint8/float16) weights in TF.js
RUNTIME_TOLERANCE = 1e-4  # the same dequantized weights in Keras and in TF.js


def inputs() -> np.ndarray:
    from train.pendigits import TUNE_WRITERS
    from train import mnist, pens

    mnist_folder, pen_digits = require_data()
    _, (x, _) = mnist.load(mnist_folder)
    px, _ = pens.browser_set(pen_digits, TUNE_WRITERS)
    images = np.concatenate([x[:32].astype(np.float32) / 255.0, px[::90][:8]])
    return images[..., None]


def tfjs_predict(model_dir: Path, images: np.ndarray, tmp_path: Path) -> np.ndarray:
    if shutil.which("node") is None or not (ROOT / "node_modules" / "@tensorflow" / "tfjs").exists():
        pytest.skip("needs node and node_modules/@tensorflow/tfjs (npm ci)")
    data = tmp_path / "inputs.f32"
    data.write_bytes(images.astype("<f4").tobytes())
    result = subprocess.run(["node", str(SCRIPT), str(model_dir), str(data)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    answer = json.loads(result.stdout)
    assert answer["backend"] == "cpu"
    return np.array(answer["probs"], dtype=np.float64)


def compare(name: str, expected: np.ndarray, got: np.ndarray, tolerance: float) -> None:
    diff = float(np.abs(expected - got).max())
    print(f"{name}: max |p_keras - p_tfjs| = {diff:.2e} over {len(got)} inputs")
    assert np.array_equal(expected.argmax(1), got.argmax(1))
    assert diff <= tolerance


def test_quick_model_in_tfjs_matches_keras(tmp_path):
    from train import convert
    from train.tf import tf_keras

    out, keras, _ = quick_model()
    images = inputs()
    got = tfjs_predict(out, images, tmp_path)
    assert got.shape == (40, 10)
    full = tf_keras.models.load_model(keras).predict(images, verbose=0)
    compare("quick model, float32 Keras vs quantized TF.js", full, got, QUANTIZED_TOLERANCE)
    shipped = convert.read(out).predict(images, verbose=0)
    compare("quick model, same weights", shipped, got, RUNTIME_TOLERANCE)


def test_shipped_model_in_tfjs_matches_keras(tmp_path):
    from train import convert
    from train.tf import tf_keras

    require_data()
    model_dir = ROOT / "model"
    if not (model_dir / "model.json").exists():
        pytest.skip("no shipped model in model/ yet (make train)")
    images = inputs()
    got = tfjs_predict(model_dir, images, tmp_path)
    shipped = convert.read(model_dir).predict(images, verbose=0)
    compare("shipped model, same weights", shipped, got, RUNTIME_TOLERANCE)
    keras = ROOT / "build" / "model.keras"
    if keras.exists():  # the float32 model stays out of git; check it where it was trained
        full = tf_keras.models.load_model(keras).predict(images, verbose=0)
        compare("shipped model, float32 Keras vs quantized TF.js", full, got, QUANTIZED_TOLERANCE)
