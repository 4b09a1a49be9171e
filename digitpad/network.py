"""Run the shipped TensorFlow.js layers model with numpy alone.

The page runs ``model/`` with TensorFlow.js; notebooks, scripts and the command line
run the very same files here, so they read a drawing exactly as the page does without
installing TensorFlow. It runs the layers in ``LAYERS``, the same set, with the same
options, as the page's ``static/model.js``; any other layer or option is refused by
name when the model is loaded, not halfway through a prediction.

Weights may be stored as float32, float16, or affine-quantized to uint8/uint16
(``value = q * scale + min``), as the TensorFlow.js converter writes them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
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


# The one set of Keras layers digitpad runs, here and on the page (static/model.js),
# with the same options: a chain of these, channels last. Anything else is refused when
# the model is loaded, by both, so a model the command line reads is one the page reads.
LAYERS = (
    "Activation", "AveragePooling2D", "BatchNormalization", "Conv2D", "Dense", "Dropout",
    "Flatten", "GaussianDropout", "GaussianNoise", "GlobalAveragePooling2D", "InputLayer",
    "MaxPooling2D", "ReLU", "Rescaling", "SpatialDropout2D",
)
_IDENTITY = ("Dropout", "SpatialDropout2D", "GaussianNoise", "GaussianDropout")  # train-time only


class _Spec:
    """One layer's name, kind and config, and the error for an option outside the set."""

    def __init__(self, name: str, kind: str, config: dict):
        self.name, self.kind, self.config = name, kind, config

    def refuse(self, what: str, supported: str) -> ModelError:
        return ModelError(
            f"layer {self.name!r} ({self.kind}): {what} is not supported "
            f"(supported: {supported}); rebuild the model with a supported option"
        )

    def choice(self, key: str, default, allowed: tuple):
        value = self.config.get(key, default)
        if isinstance(value, bool) != isinstance(allowed[0], bool) or value not in allowed:
            raise self.refuse(f"{key} {value!r}", ", ".join(map(repr, allowed)))
        return value

    def number(self, key: str, default: float | None, optional: bool = False) -> float | None:
        value = self.config.get(key, default)
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.refuse(f"{key} {value!r}", "a number")
        return float(value)

    def pair(self, key: str, default) -> tuple[int, int]:
        value = self.config.get(key, default)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value, value
        if (isinstance(value, list) and len(value) == 2
                and all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value)):
            return value[0], value[1]
        raise self.refuse(f"{key} {value!r}", "a positive integer or two of them")


def _activation(spec: _Spec):
    """The activation as ``f(x, fresh=False)``; ``fresh`` says x is a scratch array the
    caller just made, which ReLU may then overwrite instead of allocating another."""
    name = spec.config.get("activation") or "linear"
    if not isinstance(name, str) or name not in _ACTIVATIONS:
        raise spec.refuse(f"activation {name!r}", ", ".join(sorted(_ACTIVATIONS)))
    plain = _ACTIVATIONS[name]
    if name == "relu":
        return lambda x, fresh=False: _relu_in_place(x) if fresh else plain(x)
    return lambda x, fresh=False: plain(x)


def _bias(spec: _Spec, weights: dict[str, np.ndarray]) -> np.ndarray | None:
    return weights["bias"] if spec.choice("use_bias", True, (True, False)) else None


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


def _conv2d(spec: _Spec, weights: dict[str, np.ndarray]):
    strides, dilation = spec.pair("strides", 1), spec.pair("dilation_rate", 1)
    if dilation != (1, 1) and strides != (1, 1):
        # Keras and TensorFlow.js refuse the pair too.
        raise spec.refuse(f"dilation_rate {list(dilation)} with strides {list(strides)}",
                          "dilation_rate 1, or strides 1")
    spec.choice("groups", 1, (1,))
    padding = spec.choice("padding", "valid", ("valid", "same"))
    act = _activation(spec)
    kernel, bias = weights["kernel"], _bias(spec, weights)  # kernel: kh, kw, c_in, c_out
    if dilation != (1, 1):
        # A dilated kernel is a larger one with zeros between its taps.
        kh, kw, c_in, c_out = kernel.shape
        (dh, dw) = dilation
        spread = np.zeros(((kh - 1) * dh + 1, (kw - 1) * dw + 1, c_in, c_out), np.float32)
        spread[::dh, ::dw] = kernel
        kernel = spread
    kh, kw, c_in, c_out = kernel.shape
    size = (kh, kw)
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


def _pool2d(spec: _Spec, average: bool):
    size = spec.pair("pool_size", 2)
    strides = spec.pair("strides", None) if spec.config.get("strides") is not None else size
    # TF leaves the padding out of an average, which zero-padding would not.
    padding = spec.choice("padding", "valid", ("valid",) if average else ("valid", "same"))

    def run(x: np.ndarray) -> np.ndarray:
        # Elementwise over the kh*kw shifted views: measured several times faster than
        # reducing a window view.
        views = _shifted(_pad(x, size, strides, padding, -np.inf), size, strides)
        out = next(views).copy()
        for view in views:
            (np.add if average else np.maximum)(out, view, out=out)
        return out / (size[0] * size[1]) if average else out

    return run


def _batch_norm(spec: _Spec, weights: dict[str, np.ndarray]):
    axis = spec.config.get("axis", -1)
    if axis not in (-1, 3, [-1], [3]):
        raise spec.refuse(f"axis {axis!r}", "-1 or 3, the channels")
    epsilon = spec.number("epsilon", 1e-3)
    mean, var = weights["moving_mean"], weights["moving_variance"]
    gamma = weights["gamma"] if spec.choice("scale", True, (True, False)) else 1.0
    beta = weights["beta"] if spec.choice("center", True, (True, False)) else 0.0
    # Folded into one multiply-add, as inference does.
    mul = (gamma / np.sqrt(var + np.float32(epsilon))).astype(np.float32)
    add = (beta - mean * mul).astype(np.float32)

    def run(x: np.ndarray) -> np.ndarray:
        y = x * mul
        y += add
        return y

    return run


def _dense(spec: _Spec, weights: dict[str, np.ndarray]):
    act = _activation(spec)
    kernel, bias = weights["kernel"], _bias(spec, weights)

    def run(x: np.ndarray) -> np.ndarray:
        y = x @ kernel  # over the last axis, whatever the rank, as Keras does
        if bias is not None:
            y += bias
        return act(y, fresh=True)

    return run


def _relu(spec: _Spec):
    if spec.number("threshold", 0.0) != 0.0:
        raise spec.refuse(f"threshold {spec.config['threshold']!r}", "0")
    top = spec.number("max_value", None, optional=True)
    slope = spec.number("negative_slope", 0.0)

    def run(x: np.ndarray) -> np.ndarray:
        y = np.where(x >= 0, x, x * np.float32(slope)) if slope else np.maximum(x, 0)
        return np.minimum(y, np.float32(top)) if top is not None else y

    return run


def _build_layer(spec: _Spec, weights: dict[str, np.ndarray]):
    kind = spec.kind
    if kind not in LAYERS:
        raise ModelError(
            f"layer {spec.name!r} is a {kind}, which this engine does not support "
            f"(supported: {', '.join(LAYERS)}); rebuild the model from these layers"
        )
    if (spec.config.get("data_format") or "channels_last") != "channels_last":
        raise spec.refuse(f"data_format {spec.config['data_format']!r}", "'channels_last'")
    if kind == "InputLayer" or kind in _IDENTITY:
        return lambda x: x
    if kind == "Conv2D":
        return _conv2d(spec, weights)
    if kind == "BatchNormalization":
        return _batch_norm(spec, weights)
    if kind in ("MaxPooling2D", "AveragePooling2D"):
        return _pool2d(spec, average=kind == "AveragePooling2D")
    if kind == "GlobalAveragePooling2D":
        keep = spec.choice("keepdims", False, (False, True))
        return lambda x: x.mean(axis=(1, 2), keepdims=keep)
    if kind == "Flatten":
        return lambda x: x.reshape(len(x), -1)
    if kind == "Dense":
        return _dense(spec, weights)
    if kind == "Activation":
        return _activation(spec)
    if kind == "ReLU":
        return _relu(spec)
    scale, offset = np.float32(spec.number("scale", 1.0)), np.float32(spec.number("offset", 0.0))
    return lambda x: x * scale + offset  # Rescaling


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


_CHAIN = "only a chain of single-input layers, in model.json's order, is supported"


def _check_chain(body: dict, names: list[str], specs: list[dict]) -> None:
    """A Keras 2 functional config must be a chain: each layer fed by the one before it
    alone, the first the input and the last the output."""
    for i, spec in enumerate(specs):
        nodes, name = spec.get("inbound_nodes") or [], names[i]
        if i == 0:
            if nodes:
                raise ModelError(f"layer {name!r} is fed by another layer, yet comes first; {_CHAIN}")
            continue
        if len(nodes) != 1:
            raise ModelError(
                f"layer {name!r} is called {len(nodes)} times, not once; {_CHAIN}" if nodes
                else f"layer {name!r} has no input; {_CHAIN}"
            )
        if len(nodes[0]) != 1:
            raise ModelError(f"layer {name!r} merges {len(nodes[0])} inputs; {_CHAIN}")
        entry = nodes[0][0]
        source = entry[0] if isinstance(entry, list) and entry else entry
        if source != names[i - 1]:
            raise ModelError(
                f"layer {name!r} is fed by {source!r}, not by the layer before it "
                f"({names[i - 1]!r}); {_CHAIN}"
            )
    ends = [[entry[0] for entry in body.get(key) or [] if isinstance(entry, list) and entry]
            for key in ("input_layers", "output_layers")]
    if ends != [names[:1], names[-1:]]:
        raise ModelError(
            f"the model's inputs are {ends[0]} and its outputs {ends[1]}; only one input, "
            f"the first layer ({names[0]!r}), and one output, the last ({names[-1]!r}), "
            "are supported"
        )


class Network:
    """A loaded model: ``predict`` maps [N, 28, 28, 1] images to [N, classes] outputs."""

    def __init__(self, layers: list[_Layer], input_shape: tuple[int | None, ...] | None):
        self._layers = layers  # input to output
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
        if kind not in ("Sequential", "Functional", "Model"):
            raise ModelError(
                f"model class {kind!r} is not supported (supported: Sequential, Functional, "
                "Model); save the model as one of these"
            )
        specs = body.get("layers") if isinstance(body, dict) else body  # old Sequential: a list
        if not isinstance(specs, list) or not specs:
            raise ModelError("the model has no layers")
        kinds = [spec.get("class_name") for spec in specs]
        names = [spec.get("config", {}).get("name", f"{str(k).lower()}_{i}")
                 for i, (k, spec) in enumerate(zip(kinds, specs))]
        if kind != "Sequential":
            _check_chain(body, names, specs)

        layers: list[_Layer] = []
        input_shape = None
        for i, (layer_kind, name, spec) in enumerate(zip(kinds, names, specs)):
            layer_config = spec.get("config", {})
            if layer_kind == "InputLayer" and i > 0:
                raise ModelError(f"layer {name!r} is an InputLayer after the first layer; {_CHAIN}")
            shape = layer_config.get("batch_input_shape") or layer_config.get("batch_shape")
            if shape and input_shape is None:
                input_shape = tuple(shape[1:])
            try:
                run = _build_layer(_Spec(name, layer_kind, layer_config), _weights_of(name, weights))
            except KeyError as e:
                raise ModelError(f"layer {name!r} ({layer_kind}): weight {e} is missing") from None
            layers.append(_Layer(name, layer_kind, run))
        return cls(layers, input_shape)

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
        for layer in self._layers:
            x = layer.run(x)
        return x


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

    from digitpad.resources import MODEL_DIR

    try:
        _report_speed(sys.argv[1] if len(sys.argv) > 1 else str(MODEL_DIR))
    except ModelError as e:
        sys.exit(f"error: {e}")
