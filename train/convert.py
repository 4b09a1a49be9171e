"""Write the Keras model as a TensorFlow.js layers model, and read such a model back."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from train.tf import tf_keras

# uint8 weights are a quarter of float32; fall back to float16 if they cost more
# than this much accuracy (in points) on any check set.
UINT8_TOLERANCE = 0.2


def model_files(out: Path) -> list[Path]:
    """model.json and the weight shards it names."""
    manifest = json.loads((out / "model.json").read_text())
    shards = [p for group in manifest["weightsManifest"] for p in group["paths"]]
    return [out / "model.json"] + [out / p for p in shards]


def write(model: tf_keras.Model, out: Path, dtype: str) -> None:
    """Save ``model`` into ``out`` (model.json + shards) with weights quantized to ``dtype``."""
    import tensorflowjs as tfjs

    out.mkdir(parents=True, exist_ok=True)
    for old in [out / "model.json", *out.glob("group*-shard*of*.bin")]:
        old.unlink(missing_ok=True)
    quantization = {dtype: True} if dtype in ("uint8", "uint16", "float16") else None
    tfjs.converters.save_keras_model(model, str(out), quantization_dtype_map=quantization)


def read(out: Path) -> tf_keras.Model:
    """The converted model loaded back into Keras, with its weights dequantized."""
    from tensorflowjs.converters import load_keras_model

    return load_keras_model(str(out / "model.json"))


def weight_dtype(out: Path) -> str:
    manifest = json.loads((out / "model.json").read_text())
    weights = [w for group in manifest["weightsManifest"] for w in group["weights"]]
    kinds = {w.get("quantization", {}).get("dtype", w["dtype"]) for w in weights}
    return "/".join(sorted(kinds))


def accuracy(model: tf_keras.Model, images: np.ndarray, labels: np.ndarray) -> float:
    probs = model.predict(images, batch_size=512, verbose=0)
    return float(np.mean(probs.argmax(axis=1) == labels))


def write_best(model: tf_keras.Model, out: Path, checks: dict[str, tuple[np.ndarray, np.ndarray]]) -> str:
    """Convert with uint8 weights if they hold accuracy on ``checks``, else float16."""
    write(model, out, "uint8")
    quantized = read(out)
    for name, (x, y) in checks.items():
        full, small = accuracy(model, x, y), accuracy(quantized, x, y)
        print(f"uint8 weights on {name}: {100 * small:.2f}% (float32 {100 * full:.2f}%)")
        if 100 * (full - small) > UINT8_TOLERANCE:
            print("uint8 costs too much accuracy; writing float16 weights instead")
            write(model, out, "float16")
            return "float16"
    return "uint8"
