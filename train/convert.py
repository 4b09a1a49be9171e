"""Write the Keras model as a TensorFlow.js layers model, and read such a model back."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from train.tf import tf_keras

# The few large tensors hold most of the parameters: they go to uint8 (a quarter of
# float32), everything else to float16, where rounding costs next to nothing. Rounding
# every tensor to uint8 moved some probabilities by 2-4 points; this way it is under 1.5.
LARGE_TENSOR = 32768  # values
# Fall back to float16 everywhere if the mix costs more than this much accuracy (in
# points) on any check set.
QUANTIZED_TOLERANCE = 0.2


def model_files(out: Path) -> list[Path]:
    """model.json and the weight shards it names."""
    manifest = json.loads((out / "model.json").read_text())
    shards = [p for group in manifest["weightsManifest"] for p in group["paths"]]
    return [out / "model.json"] + [out / p for p in shards]


def quantization(model: tf_keras.Model, scheme: str) -> dict:
    """tensorflowjs's quantization map: "mixed" (large tensors uint8, the rest float16)
    or one dtype for every tensor."""
    if scheme != "mixed":
        return {scheme: True}
    large = [w.name.split(":")[0] for w in model.weights if int(np.prod(w.shape)) >= LARGE_TENSOR]
    return {"uint8": large, "float16": True}


def write(model: tf_keras.Model, out: Path, scheme: str) -> None:
    """Save ``model`` into ``out`` (model.json + shards) with weights quantized by ``scheme``."""
    import tensorflowjs as tfjs

    out.mkdir(parents=True, exist_ok=True)
    for old in [out / "model.json", *out.glob("group*-shard*of*.bin")]:
        old.unlink(missing_ok=True)
    tfjs.converters.save_keras_model(model, str(out), quantization_dtype_map=quantization(model, scheme))


def read(out: Path) -> tf_keras.Model:
    """The converted model loaded back into Keras, with its weights dequantized."""
    from tensorflowjs.converters import load_keras_model

    return load_keras_model(str(out / "model.json"))


def weight_dtypes(out: Path) -> dict[str, int]:
    """How many weight values are stored in each dtype, largest share first."""
    manifest = json.loads((out / "model.json").read_text())
    counts: dict[str, int] = {}
    for group in manifest["weightsManifest"]:
        for w in group["weights"]:
            dtype = w.get("quantization", {}).get("dtype", w["dtype"])
            counts[dtype] = counts.get(dtype, 0) + int(np.prod(w["shape"]))
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def describe_weights(out: Path) -> str:
    """E.g. "uint8 (151,552 values) + float16 (34,330)"."""
    parts = [f"{dtype} ({n:,} values)" for dtype, n in weight_dtypes(out).items()]
    return " + ".join(parts)


def accuracy(model: tf_keras.Model, images: np.ndarray, labels: np.ndarray) -> float:
    probs = model.predict(images, batch_size=512, verbose=0)
    return float(np.mean(probs.argmax(axis=1) == labels))


def write_best(model: tf_keras.Model, out: Path, checks: dict[str, tuple[np.ndarray, np.ndarray]]) -> str:
    """Convert with mixed uint8/float16 weights if they hold accuracy on ``checks``,
    else with float16 weights throughout. Returns the scheme used."""
    write(model, out, "mixed")
    quantized = read(out)
    for name, (x, y) in checks.items():
        full, small = accuracy(model, x, y), accuracy(quantized, x, y)
        print(f"{describe_weights(out)} on {name}: {100 * small:.2f}% (float32 {100 * full:.2f}%)")
        if 100 * (full - small) > QUANTIZED_TOLERANCE:
            print("uint8 costs too much accuracy; writing float16 weights instead")
            write(model, out, "float16")
            return "float16"
    return "mixed"
