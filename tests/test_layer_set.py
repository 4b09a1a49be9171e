"""One layer set for both runners: digitpad/network.py (numpy, the CLI and notebooks)
and static/model.js (TF.js, the page) load the same fixture models, and each model is
either read alike by both or refused by both, naming the same layer.

Every kind in ``network.LAYERS`` must appear in an accepted fixture, and every option
outside the set in a refused one, so the two cannot drift apart unnoticed.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from digitpad import network, resources
from digitpad.network import ModelError, Network

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tests" / "js" / "layers.mjs"
SIZE = 28


class Chain:
    """A Keras model config built layer by layer, with random weights of the right shapes."""

    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)
        self.layers: list[dict] = [
            {"class_name": "InputLayer", "config": {"name": "input", "batch_input_shape": [None, SIZE, SIZE, 1]}}
        ]
        self.weights: list[tuple[str, np.ndarray]] = []
        self.shape = (SIZE, SIZE, 1)

    def add(self, kind: str, name: str, shape=None, **config) -> "Chain":
        self.layers.append({"class_name": kind, "config": {"name": name, **config}})
        if shape is not None:
            self.shape = shape
        return self

    def weight(self, layer: str, part: str, shape, positive=False) -> None:
        values = self.rng.normal(0, 0.4, shape).astype(np.float32)
        self.weights.append((f"{layer}/{part}", np.abs(values) + 0.5 if positive else values))

    def conv(self, name, filters, kernel, strides=1, padding="valid", dilation=1, activation="linear",
             use_bias=True, **extra) -> "Chain":
        h, w, c = self.shape
        reach = dilation * (kernel - 1) + 1
        if padding == "same":
            size = (-(-h // strides), -(-w // strides))
        else:
            size = ((h - reach) // strides + 1, (w - reach) // strides + 1)
        self.weight(name, "kernel", (kernel, kernel, c, filters))
        if use_bias:
            self.weight(name, "bias", (filters,))
        config = {"filters": filters, "kernel_size": [kernel, kernel], "strides": [strides, strides],
                  "padding": padding, "data_format": "channels_last", "dilation_rate": [dilation, dilation],
                  "groups": 1, "activation": activation, "use_bias": use_bias}
        return self.add("Conv2D", name, (*size, filters), **{**config, **extra})

    def pool(self, kind, name, size=2, strides=None, padding="valid") -> "Chain":
        h, w, c = self.shape
        step = strides or size
        out = (-(-h // step), -(-w // step)) if padding == "same" else ((h - size) // step + 1, (w - size) // step + 1)
        return self.add(kind, name, (*out, c), pool_size=[size, size], strides=[step, step], padding=padding,
                        data_format="channels_last")

    def batch_norm(self, name, center=True, scale=True, axis=-1) -> "Chain":
        c = self.shape[-1]
        if scale:
            self.weight(name, "gamma", (c,))
        if center:
            self.weight(name, "beta", (c,))
        self.weight(name, "moving_mean", (c,))
        self.weight(name, "moving_variance", (c,), positive=True)
        return self.add("BatchNormalization", name, axis=axis, epsilon=1e-3, center=center, scale=scale)

    def dense(self, name, units, activation="linear") -> "Chain":
        self.weight(name, "kernel", (self.shape[-1], units))
        self.weight(name, "bias", (units,))
        return self.add("Dense", name, (*self.shape[:-1], units), units=units, activation=activation,
                        use_bias=True)

    def flatten(self, name="flatten") -> "Chain":
        return self.add("Flatten", name, (int(np.prod(self.shape)),), data_format="channels_last")

    def gap(self, name="gap", keepdims=False) -> "Chain":
        c = self.shape[-1]
        return self.add("GlobalAveragePooling2D", name, (1, 1, c) if keepdims else (c,),
                        data_format="channels_last", keepdims=keepdims)

    def head(self) -> "Chain":
        """Ten probabilities at the end, as the page needs."""
        if len(self.shape) > 1:
            self.flatten("head_flatten")
        return self.dense("head", 10, "softmax")

    def topology(self, functional=False) -> dict:
        if not functional:
            return {"class_name": "Sequential", "config": {"name": "fixture", "layers": self.layers}}
        layers = []
        for i, layer in enumerate(self.layers):
            inbound = [] if i == 0 else [[[self.layers[i - 1]["config"]["name"], 0, 0, {}]]]
            layers.append({**layer, "name": layer["config"]["name"], "inbound_nodes": inbound})
        return {"class_name": "Functional", "config": {
            "name": "fixture", "layers": layers,
            "input_layers": [[self.layers[0]["config"]["name"], 0, 0]],
            "output_layers": [[self.layers[-1]["config"]["name"], 0, 0]]}}

    def write(self, directory: Path, topology: dict | None = None) -> None:
        directory.mkdir(parents=True)
        (directory / "weights.bin").write_bytes(b"".join(w.tobytes() for _, w in self.weights))
        specs = [{"name": name, "shape": list(w.shape), "dtype": "float32"} for name, w in self.weights]
        (directory / "model.json").write_text(json.dumps({
            "format": "layers-model",
            "modelTopology": {"model_config": topology or self.topology()},
            "weightsManifest": [{"paths": ["weights.bin"], "weights": specs}],
        }))


def every_layer_a() -> Chain:
    return (Chain(1).add("Rescaling", "rescale", scale=2.0, offset=-0.5)
            .conv("conv1", 4, 3, padding="same", activation="relu").batch_norm("bn1")
            .add("ReLU", "relu", max_value=6.0, negative_slope=0.1, threshold=0.0)
            .pool("MaxPooling2D", "pool1", padding="same")
            .conv("conv2", 6, 3, strides=2, use_bias=False).add("Activation", "tanh", activation="tanh")
            .pool("AveragePooling2D", "pool2").add("SpatialDropout2D", "drop2d", rate=0.2)
            .add("GaussianNoise", "noise", stddev=0.1).flatten()
            .dense("dense1", 16, "sigmoid").add("Dropout", "drop", rate=0.5)
            .add("GaussianDropout", "gdrop", rate=0.1).head())


def every_layer_b() -> Chain:
    return (Chain(2).conv("conv1", 3, 5, dilation=2, activation="relu6")
            .batch_norm("bn1", center=False, scale=False, axis=3)
            .pool("MaxPooling2D", "pool1", size=3, strides=2).add("ReLU", "relu")
            .dense("per_pixel", 5, "tanh").gap().dense("logits", 10).add("Activation", "softmax",
                                                                       activation="softmax"))


def gap_keepdims() -> Chain:
    return Chain(3).conv("conv1", 4, 3, activation="relu").gap(keepdims=True).head()


def small() -> Chain:
    return Chain(4).conv("conv", 2, 3, activation="relu").pool("MaxPooling2D", "pool").head()


def refuse(option: str):
    """A small model whose layer ``conv`` (or the one named) has an option outside the set."""
    def build() -> Chain:
        chain = Chain(5)
        if option == "unknown kind":
            chain.conv("conv", 2, 3).add("LSTM", "memory", units=4)
        elif option == "transposed convolution":
            chain.add("Conv2DTranspose", "upsample", filters=2, kernel_size=[3, 3])
        elif option == "groups":
            chain.conv("conv", 2, 3, groups=2)
        elif option == "causal padding":
            chain.conv("conv", 2, 3, padding="causal")
        elif option == "dilation with strides":
            chain.conv("conv", 2, 3, strides=2, dilation=2)
        elif option == "channels first":
            chain.conv("conv", 2, 3, data_format="channels_first")
        elif option == "elu":
            chain.conv("conv", 2, 3, activation="elu")
        elif option == "padded average":
            chain.conv("conv", 2, 3).pool("AveragePooling2D", "pool", padding="same")
        elif option == "batch norm over rows":
            chain.conv("conv", 2, 3).batch_norm("bn", axis=1)
        elif option == "relu threshold":
            chain.conv("conv", 2, 3).add("ReLU", "relu", threshold=0.5)
        elif option == "input in the middle":
            chain.conv("conv", 2, 3).add("InputLayer", "again", batch_input_shape=[None, 26, 26, 2])
        return chain.head()
    return build


ACCEPTED = {
    "every layer, sequential": (every_layer_a, False),
    "every layer, functional": (every_layer_a, True),
    "dilation, per-pixel dense, global pooling": (every_layer_b, False),
    "global pooling that keeps its axes": (gap_keepdims, False),
}
REFUSED = {
    option: refuse(option) for option in (
        "unknown kind", "transposed convolution", "groups", "causal padding", "dilation with strides",
        "channels first", "elu", "padded average", "batch norm over rows", "relu threshold",
        "input in the middle")
}
# Refused for the model's shape, not one layer's option: named by what is wrong.
SHAPES = ("a branch", "another model class")


def _write_cases(root: Path, inputs: np.ndarray) -> dict[str, str]:
    """Each case in a folder of its own; returns folder -> case name."""
    folders = {}
    cases = {**{k: v for k, v in ACCEPTED.items()}, **{k: (v, False) for k, v in REFUSED.items()}}
    for i, (name, (build, functional)) in enumerate(cases.items()):
        folder = f"case{i:02d}"
        chain = build()
        chain.write(root / folder, chain.topology(functional))
        folders[folder] = name
    chain = small()
    branched = chain.topology(functional=True)
    # The head is fed by the pooling layer's input, skipping it: not a chain.
    branched["config"]["layers"][-1]["inbound_nodes"] = [[["conv", 0, 0, {}]]]
    chain.write(root / "shape0", branched)
    folders["shape0"] = "a branch"
    chain = small()
    chain.write(root / "shape1", {**chain.topology(), "class_name": "Custom"})
    folders["shape1"] = "another model class"
    for folder in folders:
        (root / folder / "inputs.f32").write_bytes(inputs.astype("<f4").tobytes())
    return folders


@pytest.fixture(scope="module")
def readings(tmp_path_factory):
    """Per case: what network.py and model.js made of it."""
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "@tensorflow" / "tfjs-core").is_dir():
        pytest.skip("needs node and the npm packages (npm ci)")
    root = tmp_path_factory.mktemp("layer-set")
    page = root / "page"
    page.mkdir()
    shutil.copy(ROOT / "static" / "model.js", page / "model.js")
    (page / "constants.js").write_text(resources.constants_module())
    cases = root / "cases"
    inputs = np.random.default_rng(0).random((3, SIZE, SIZE, 1), np.float32)
    folders = _write_cases(cases, inputs)

    result = subprocess.run([node, str(SCRIPT), str(page / "model.js"), str(cases)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    page_results = json.loads(result.stdout)
    out = {}
    for folder, name in folders.items():
        try:
            python = {"outputs": Network.load(cases / folder).predict(inputs)}
        except ModelError as e:
            python = {"error": str(e)}
        out[name] = (python, page_results[folder])
    return out


@pytest.mark.parametrize("case", ACCEPTED)
def test_both_runners_read_an_accepted_model_alike(readings, case):
    python, page = readings[case]
    assert "error" not in python, python["error"]
    assert "error" not in page, page["error"]
    np.testing.assert_allclose(page["outputs"], python["outputs"], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("case", [*REFUSED, *SHAPES])
def test_both_runners_refuse_what_is_outside_the_set(readings, case):
    python, page = readings[case]
    assert "error" in python, f"network.py read it: {case}"
    assert "error" in page, f"model.js read it: {case}"
    assert page["error"].startswith("ModelLoadError: The digit model uses what this page cannot run")
    named = re.findall(r"""layer ['"]([^'"]+)['"]""", python["error"])
    if case in REFUSED:
        assert named, python["error"]
        assert f'layer "{named[0]}"' in page["error"], (python["error"], page["error"])
    else:
        assert ("Custom" in python["error"]) == ("Custom" in page["error"])


def test_both_runners_name_the_same_supported_layers(readings):
    python, page = readings["unknown kind"]
    listed = [re.search(r"\(supported: ([^)]*)\)", e["error"]).group(1).split(", ") for e in (python, page)]
    assert sorted(listed[0]) == sorted(listed[1]) == sorted(network.LAYERS)


def test_every_kind_in_the_set_has_an_accepted_fixture():
    used = {layer["class_name"] for build, _ in ACCEPTED.values() for layer in build().layers}
    assert used == set(network.LAYERS), f"no fixture uses {set(network.LAYERS) - used}"
