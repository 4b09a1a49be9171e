"""Run the shipped TensorFlow.js layers model with numpy alone.

The page runs ``model/`` with TensorFlow.js; notebooks, scripts and the command line
run the very same files here, so they read a drawing exactly as the page does without
installing TensorFlow. Only the layers a small MNIST CNN uses are implemented; any
other layer is refused by name when the model is loaded, not halfway through a
prediction.

Weights may be stored as float32, float16, or affine-quantized to uint8/uint16
(``value = q * scale + min``), as the TensorFlow.js converter writes them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


class ModelError(ValueError):
    """The model files are missing, malformed, or use something this engine cannot run."""


# Bytes per stored value, by the dtype the manifest says the bytes hold.
_STORED = {
    "float32": np.dtype("<f4"),
    "float16": np.dtype("<f2"),
    "int32": np.dtype("<i4"),
    "uint8": np.dtype("u1"),
    "uint16": np.dtype("<u2"),
}

# Predicting in slices keeps the im2col buffers small whatever the batch size.
_CHUNK = 256


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _relu_in_place(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0, out=x)


_ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0),
    "relu6": lambda x: np.clip(x, 0, 6),
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "tanh": np.tanh,
    "softmax": _softmax,
}


def _activation(name: str | None, layer: str):
    """The activation as ``f(x, fresh=False)``; ``fresh`` says x is a scratch array the
    caller just made, which ReLU may then overwrite instead of allocating another."""
    name = name or "linear"
    if name not in _ACTIVATIONS:
        raise ModelError(
            f"layer {layer!r}: activation {name!r} is not supported "
            f"(supported: {', '.join(sorted(_ACTIVATIONS))})"
        )
    plain = _ACTIVATIONS[name]
    if name == "relu":
        return lambda x, fresh=False: _relu_in_place(x) if fresh else plain(x)
    return lambda x, fresh=False: plain(x)


def _pair(value) -> tuple[int, int]:
    if isinstance(value, int):
        return value, value
    a, b = value
    return int(a), int(b)


def _same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow's 'same' padding: output = ceil(size / stride), extra pixel at the end."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def _pad(x: np.ndarray, kernel, strides, padding: str, fill: float) -> np.ndarray:
    if padding == "valid":
        return x
    (kh, kw), (sh, sw) = kernel, strides
    top, bottom = _same_padding(x.shape[1], kh, sh)
    left, right = _same_padding(x.shape[2], kw, sw)
    if top == bottom == left == right == 0:
        return x
    return np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=fill)


def _windows(x: np.ndarray, kernel, strides) -> np.ndarray:
    """Every kernel-sized window of an NHWC batch: [N, H', W', C, kh, kw] (a view)."""
    (kh, kw), (sh, sw) = kernel, strides
    if x.shape[1] < kh or x.shape[2] < kw:
        raise ModelError(f"input {x.shape[1]}x{x.shape[2]} is smaller than the {kh}x{kw} window")
    return sliding_window_view(x, (kh, kw), axis=(1, 2))[:, ::sh, ::sw]


def _shifted(x: np.ndarray, kernel, strides):
    """For each kernel offset (i, j), the input pixels that offset sees at every output
    position: kh*kw strided views, each shaped like the output."""
    (kh, kw), (sh, sw) = kernel, strides
    n, height, width, _ = x.shape
    if height < kh or width < kw:
        raise ModelError(f"input {height}x{width} is smaller than the {kh}x{kw} window")
    h, w = (height - kh) // sh + 1, (width - kw) // sw + 1
    for i in range(kh):
        for j in range(kw):
            yield x[:, i : i + (h - 1) * sh + 1 : sh, j : j + (w - 1) * sw + 1 : sw]


@dataclass
class _Layer:
    name: str
    kind: str
    run: Callable[[np.ndarray], np.ndarray]
    inbound: list[str] = field(default_factory=list)


def _check_channels_last(config: dict, name: str) -> None:
    fmt = config.get("data_format", "channels_last")
    if fmt != "channels_last":
        raise ModelError(f"layer {name!r}: data_format {fmt!r} is not supported")


def _conv2d(config: dict, weights: dict[str, np.ndarray], name: str):
    _check_channels_last(config, name)
    if _pair(config.get("dilation_rate", 1)) != (1, 1):
        raise ModelError(f"layer {name!r}: dilated convolution is not supported")
    if config.get("groups", 1) != 1:
        raise ModelError(f"layer {name!r}: grouped convolution is not supported")
    kernel = weights["kernel"]  # kh, kw, c_in, c_out
    bias = weights.get("bias") if config.get("use_bias", True) else None
    size, strides = _pair(config["kernel_size"]), _pair(config.get("strides", 1))
    padding = config.get("padding", "valid")
    act = _activation(config.get("activation"), name)
    kh, kw, c_in, c_out = kernel.shape
    # Patch rows are ordered (kh, kw, c_in), the kernel's own order, so it reshapes flat.
    flat_kernel = kernel.reshape(kh * kw * c_in, c_out)

    def run(x: np.ndarray) -> np.ndarray:
        windows = _windows(_pad(x, size, strides, padding, 0.0), size, strides)
        n, h, w = windows.shape[:3]
        # im2col; copying the transposed window view measured faster than stacking slices
        cols = windows.transpose(0, 1, 2, 4, 5, 3).reshape(n * h * w, kh * kw * c_in)
        y = cols @ flat_kernel
        if bias is not None:
            y += bias
        return act(y.reshape(n, h, w, c_out), fresh=True)

    return run


def _pool2d(config: dict, name: str, average: bool):
    _check_channels_last(config, name)
    size = _pair(config.get("pool_size", 2))
    strides = _pair(config.get("strides") or size)
    padding = config.get("padding", "valid")
    if padding == "same" and average:
        # TF excludes the padding from the average; zero-padding would bias the edges.
        raise ModelError(f"layer {name!r}: average pooling with 'same' padding is not supported")

    def run(x: np.ndarray) -> np.ndarray:
        # Elementwise over the kh*kw shifted views: measured several times faster than
        # reducing a window view.
        views = _shifted(_pad(x, size, strides, padding, -np.inf), size, strides)
        out = next(views).copy()
        for view in views:
            (np.add if average else np.maximum)(out, view, out=out)
        return out / (size[0] * size[1]) if average else out

    return run


def _batch_norm(config: dict, weights: dict[str, np.ndarray], name: str):
    axis = config.get("axis", -1)
    if isinstance(axis, list):
        if len(axis) != 1:
            raise ModelError(f"layer {name!r}: normalizing over several axes is not supported")
        axis = axis[0]
    if axis not in (-1, 3):
        raise ModelError(f"layer {name!r}: normalizing axis {axis} is not supported")
    mean, var = weights["moving_mean"], weights["moving_variance"]
    gamma = weights.get("gamma", np.ones_like(mean)) if config.get("scale", True) else 1.0
    beta = weights.get("beta", np.zeros_like(mean)) if config.get("center", True) else 0.0
    # Folded into one multiply-add, as inference does.
    mul = (gamma / np.sqrt(var + np.float32(config.get("epsilon", 1e-3)))).astype(np.float32)
    add = (beta - mean * mul).astype(np.float32)

    def run(x: np.ndarray) -> np.ndarray:
        y = x * mul
        y += add
        return y

    return run


def _dense(config: dict, weights: dict[str, np.ndarray], name: str):
    kernel = weights["kernel"]
    bias = weights.get("bias") if config.get("use_bias", True) else None
    act = _activation(config.get("activation"), name)

    def run(x: np.ndarray) -> np.ndarray:
        y = x @ kernel
        if bias is not None:
            y += bias
        return act(y, fresh=True)

    return run


def _relu(config: dict, name: str):
    top = config.get("max_value")
    slope = float(config.get("negative_slope", 0.0) or 0.0)
    threshold = float(config.get("threshold", 0.0) or 0.0)
    if threshold != 0.0:
        raise ModelError(f"layer {name!r}: ReLU with a threshold is not supported")

    def run(x: np.ndarray) -> np.ndarray:
        y = np.where(x >= 0, x, x * slope) if slope else np.maximum(x, 0)
        return np.minimum(y, top) if top is not None else y

    return run


def _build_layer(kind: str, config: dict, weights: dict[str, np.ndarray], name: str):
    if kind == "InputLayer":
        return lambda x: x
    if kind == "Conv2D":
        return _conv2d(config, weights, name)
    if kind == "BatchNormalization":
        return _batch_norm(config, weights, name)
    if kind == "MaxPooling2D":
        return _pool2d(config, name, average=False)
    if kind == "AveragePooling2D":
        return _pool2d(config, name, average=True)
    if kind == "GlobalAveragePooling2D":
        _check_channels_last(config, name)
        return lambda x: x.mean(axis=(1, 2))
    if kind in ("Dropout", "SpatialDropout2D", "GaussianNoise", "GaussianDropout"):
        return lambda x: x  # only active while training
    if kind == "Flatten":
        _check_channels_last(config, name)
        return lambda x: x.reshape(len(x), -1)
    if kind == "Dense":
        return _dense(config, weights, name)
    if kind == "Activation":
        return _activation(config.get("activation"), name)
    if kind == "ReLU":
        return _relu(config, name)
    if kind == "Rescaling":
        scale = np.float32(config.get("scale", 1.0))
        offset = np.float32(config.get("offset", 0.0))
        return lambda x: x * scale + offset
    raise ModelError(f"layer {name!r} is a {kind}, which this engine does not support")


def _read_weights(model_dir: Path, manifest: list[dict]) -> dict[str, np.ndarray]:
    """Every weight in the manifest, by name, dequantized to float32."""
    weights: dict[str, np.ndarray] = {}
    for group in manifest:
        try:
            data = b"".join((model_dir / p).read_bytes() for p in group["paths"])
        except FileNotFoundError as e:
            raise ModelError(f"weight shard missing: {e.filename}") from None
        offset = 0
        for spec in group["weights"]:
            name, shape = spec["name"], tuple(spec["shape"])
            quant = spec.get("quantization")
            stored = quant["dtype"] if quant else spec["dtype"]
            if stored not in _STORED:
                raise ModelError(f"weight {name!r}: dtype {stored!r} is not supported")
            dtype = _STORED[stored]
            count = int(np.prod(shape, dtype=np.int64))
            end = offset + count * dtype.itemsize
            if end > len(data):
                raise ModelError(f"weight {name!r}: the shards end before its data does")
            values = np.frombuffer(data, dtype=dtype, count=count, offset=offset)
            if quant and stored in ("uint8", "uint16"):
                values = values * np.float32(quant["scale"]) + np.float32(quant["min"])
            weights[name] = values.astype(np.float32).reshape(shape)
            offset = end
    return weights


def _weights_of(layer: str, weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The layer's own weights, keyed by their short name ('kernel', 'bias', 'gamma'...).

    Stored names are paths like 'conv2d/kernel' or 'model/conv2d/kernel'; the part
    before the short name is the layer's name.
    """
    own = {}
    for full, value in weights.items():
        parts = full.split("/")
        if len(parts) >= 2 and parts[-2] == layer:
            own[parts[-1]] = value
    return own


def _inbound_names(spec: dict) -> list[str]:
    """Names of the layers feeding this one, in a Keras 2 functional config."""
    nodes = spec.get("inbound_nodes") or []
    if len(nodes) > 1:
        raise ModelError(f"layer {spec['config']['name']!r} is shared, which is not supported")
    return [str(entry[0]) for entry in nodes[0]] if nodes else []


class Network:
    """A loaded model: ``predict`` maps [N, 28, 28, 1] images to [N, classes] outputs."""

    def __init__(self, layers: list[_Layer], inputs: list[str], output: str,
                 input_shape: tuple[int | None, ...] | None):
        self._layers = layers
        self._inputs = inputs
        self._output = output
        self.input_shape = input_shape  # without the batch axis, when the model says so

    @property
    def layer_kinds(self) -> list[str]:
        return [layer.kind for layer in self._layers]

    @classmethod
    def load(cls, model_dir: str | os.PathLike) -> "Network":
        model_dir = Path(model_dir)
        path = model_dir / "model.json"
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ModelError(f"no model at {model_dir}: {path} does not exist") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ModelError(f"{path} is not valid JSON: {e}") from None
        if document.get("format") not in (None, "layers-model"):
            raise ModelError(
                f"{path} is a {document.get('format')!r}; only TensorFlow.js layers models run here"
            )
        try:
            topology = document["modelTopology"]
            config = topology.get("model_config", topology)
            manifest = document["weightsManifest"]
        except (KeyError, AttributeError, TypeError):
            raise ModelError(f"{path} is not a TensorFlow.js layers model") from None
        weights = _read_weights(model_dir, manifest)
        return cls._from_config(config, weights)

    @classmethod
    def _from_config(cls, config: dict, weights: dict[str, np.ndarray]) -> "Network":
        kind, body = config.get("class_name"), config.get("config", {})
        specs = body["layers"] if isinstance(body, dict) else body  # old Sequential: a list
        sequential = kind == "Sequential"
        if not sequential and kind not in ("Functional", "Model"):
            raise ModelError(f"model class {kind!r} is not supported")

        layers: list[_Layer] = []
        input_shape = None
        previous: str | None = None
        for spec in specs:
            layer_kind, layer_config = spec["class_name"], spec.get("config", {})
            name = layer_config.get("name", f"{layer_kind.lower()}_{len(layers)}")
            shape = layer_config.get("batch_input_shape") or layer_config.get("batch_shape")
            if shape and input_shape is None:
                input_shape = tuple(shape[1:])
            if sequential:
                inbound = [previous] if previous else []
            else:
                inbound = _inbound_names(spec)
                if len(inbound) > 1:
                    raise ModelError(
                        f"layer {name!r} ({layer_kind}) merges {len(inbound)} inputs; "
                        "only chains of single-input layers are supported"
                    )
            try:
                run = _build_layer(layer_kind, layer_config, _weights_of(name, weights), name)
            except KeyError as e:
                raise ModelError(f"layer {name!r} ({layer_kind}): weight {e} is missing") from None
            layers.append(_Layer(name, layer_kind, run, inbound))
            previous = name

        if not layers:
            raise ModelError("the model has no layers")
        if sequential:
            inputs, output = [layers[0].name], layers[-1].name
            if layers[0].kind != "InputLayer":
                layers.insert(0, _Layer("input", "InputLayer", lambda x: x))
                layers[1].inbound = ["input"]
                inputs = ["input"]
        else:
            inputs = [entry[0] for entry in body.get("input_layers", [])]
            outputs = [entry[0] for entry in body.get("output_layers", [])]
            if len(inputs) != 1 or len(outputs) != 1:
                raise ModelError("only models with one input and one output are supported")
            output = outputs[0]
        return cls(layers, inputs, output, input_shape)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Outputs for a batch, float32 [N, classes]."""
        x = np.asarray(x, dtype=np.float32)
        expected = self.input_shape
        if expected and (x.ndim != len(expected) + 1 or any(
            want is not None and want != got for want, got in zip(expected, x.shape[1:])
        )):
            want = "[N, " + ", ".join("?" if d is None else str(d) for d in expected) + "]"
            raise ValueError(f"the network takes a batch shaped {want}, got {list(x.shape)}")
        if len(x) == 0:
            return self._run(np.zeros((1, *x.shape[1:]), np.float32))[:0]
        return np.concatenate([self._run(x[i : i + _CHUNK]) for i in range(0, len(x), _CHUNK)])

    def _run(self, x: np.ndarray) -> np.ndarray:
        values: dict[str, np.ndarray] = {}
        for layer in self._layers:
            source = x if layer.name in self._inputs else values[layer.inbound[0]]
            values[layer.name] = layer.run(source)
        return values[self._output]


def load(model_dir: str | os.PathLike) -> Network:
    return Network.load(model_dir)


def _report_speed(model_dir: str) -> None:
    """Print the model's layers and how long numpy takes per batch."""
    import time

    started = time.perf_counter()
    network = Network.load(model_dir)
    print(f"{model_dir}: loaded in {1000 * (time.perf_counter() - started):.1f} ms")
    print("layers:", " > ".join(network.layer_kinds))
    shape = tuple(d or 28 for d in (network.input_shape or (28, 28, 1)))
    rng = np.random.default_rng(0)
    for n in (1, 10, 100, 1000):
        x = rng.random((n, *shape), dtype=np.float32)
        network.predict(x)  # warm up
        runs = max(3, 300 // n)
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(runs):
            network.predict(x)
        wall = (time.perf_counter() - wall) / runs
        cpu = (time.process_time() - cpu) / runs  # all threads; steadier on a busy machine
        print(f"batch {n:5d}: {1000 * wall:8.2f} ms wall, {1000 * cpu:8.2f} ms cpu "
              f"({1e6 * wall / n:7.1f} us per image)")


if __name__ == "__main__":
    import sys

    default = Path(__file__).resolve().parent.parent / "model"
    try:
        _report_speed(sys.argv[1] if len(sys.argv) > 1 else str(default))
    except ModelError as e:
        sys.exit(f"error: {e}")
