"""Every layer's view and arithmetic (digitpad.layers) and the occlusion saliency
(digitpad.saliency), against the numpy network (digitpad.network) run layer by layer
on the shipped model: the arithmetic the page shows must give what the network computed.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from digitpad import layers, network, saliency
from digitpad.api import predict_strokes
from digitpad.preprocess import SIZE

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "model"
SEVEN = [[(60, 60), (200, 60), (110, 230)]]
FOUR = [[(150, 40), (60, 170), (200, 170)], [(160, 90), (160, 250)]]


def model_layers(model_dir: Path = SHIPPED):
    """model.json's layers and weights as the page's model lists them."""
    document = json.loads((model_dir / "model.json").read_text())
    specs = document["modelTopology"]["model_config"]["config"]["layers"]
    stored = network._read_weights(model_dir, document["weightsManifest"])
    weights = {spec["config"]["name"]: network._weights_of(spec["config"]["name"], stored) for spec in specs}
    listed = tuple(layers.Layer(spec["config"]["name"], spec["class_name"], spec["config"],
                                {part: w.shape for part, w in weights[spec["config"]["name"]].items()})
                   for spec in specs)
    return listed, weights


def activations(pixels: np.ndarray, model_dir: Path = SHIPPED) -> layers.Activations:
    """One run of the numpy network, keeping every layer's output, as static/model.js's
    Model.activations gives them."""
    listed, _ = model_layers(model_dir)
    net = network.Network.load(model_dir)
    x = np.asarray(pixels, np.float32).reshape(1, SIZE, SIZE, 1)
    shapes, values = [], []
    for layer in net._layers:
        x = layer.run(x)
        shapes.append(tuple(x.shape[1:]))
        values.append(x[0].ravel())
    return layers.Activations(listed, tuple(shapes), np.concatenate(values).tolist())


def weights_of(model_dir: Path = SHIPPED):
    _, weights = model_layers(model_dir)
    return lambda name: {part: (w.shape, w.ravel().tolist()) for part, w in weights[name].items()}


@pytest.fixture(scope="module")
def seven():
    pixels = predict_strokes(SEVEN).digits[0].pixels
    return pixels, activations(pixels)


def test_a_view_for_every_layer_of_model_json_then_the_softmax(seven):
    _, acts = seven
    views = layers.views(acts, weights_of())
    listed, _ = model_layers()
    assert [v.name for v in views] == [layer.name for layer in listed if layer.kind != "InputLayer"] + ["softmax"]
    shapes = {v.name: v.shape for v in views}
    assert shapes["conv1"] == "28x28x24"
    assert shapes["pool1"] == "14x14x24"
    assert shapes["conv4"] == "7x7x96"
    assert shapes["flatten"] == "864"
    assert shapes["dense1"] == "128"
    assert shapes["digit"] == shapes["softmax"] == "10"
    for view in views:
        assert view.explanation
        if view.kind.startswith("Dropout"):
            assert view.picture is None


def test_the_parameter_counts_add_up_to_the_model(seven):
    _, acts = seven
    views = layers.views(acts, weights_of())
    by_name = {v.name: v.params for v in views}
    assert by_name["conv1"] == 3 * 3 * 1 * 24 + 24
    assert by_name["conv2"] == 3 * 3 * 24 * 48 + 48
    assert by_name["dense1"] == 864 * 128 + 128
    assert by_name["pool1"] == by_name["flatten"] == by_name["softmax"] == 0
    _, weights = model_layers()
    assert sum(by_name.values()) == sum(w.size for layer in weights.values() for w in layer.values())


def test_the_last_layer_shows_its_sums_and_the_softmax_its_chances(seven):
    pixels, acts = seven
    views = {v.name: v for v in layers.views(acts, weights_of())}
    probabilities = network.Network.load(SHIPPED).predict(pixels.reshape(1, SIZE, SIZE, 1))[0]
    np.testing.assert_allclose(views["softmax"].values, probabilities, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layers.softmax(views["digit"].values), probabilities, rtol=1e-4, atol=1e-6)
    assert int(np.argmax(views["digit"].values)) == 7


def test_pictures_hold_every_map_where_the_grid_says(seven):
    _, acts = seven
    views = {v.name: v for v in layers.views(acts, weights_of())}
    conv1 = views["conv1"]
    grid = conv1.grid
    assert (grid.columns, grid.height, grid.width) == (8, 28, 28)
    assert (conv1.picture.width, conv1.picture.height) == (8 * 28 + 7, 3 * 28 + 2)
    assert grid.locate(0, 0) == (0, 0, 0)
    assert grid.locate(28, 5) is None  # the gap after the first map
    assert grid.locate(29 + 3, 29 + 4) == (9, 4, 3)
    dense = views["dense1"]
    assert (dense.picture.width, dense.picture.height) == (64, 2)
    assert dense.grid.locate(5, 1) == (69, 0, 0)


def _sample_places(acts, name, rng, n=6):
    shape = acts.shapes[acts.index(name)]
    if len(shape) == 1:
        return [(int(u), 0, 0) for u in rng.integers(0, shape[0], n)]
    h, w, c = shape
    places = [(m, *layers.strongest(acts, name, m)) for m in rng.integers(0, c, n // 2)]
    places += [(int(rng.integers(0, c)), int(rng.integers(0, h)), int(rng.integers(0, w))) for _ in range(n // 2)]
    places += [(0, 0, 0), (c - 1, h - 1, w - 1)]  # the corners, where 'same' padding counts
    return places


@pytest.mark.parametrize("name", ["conv1", "conv1_bn", "pool1", "conv2", "conv3", "conv4_bn", "pool3",
                                  "dense1", "digit"])
def test_the_arithmetic_gives_what_the_network_computed(seven, name):
    _, acts = seven
    weights = weights_of()
    rng = np.random.default_rng(len(name))
    for map_, row, col in _sample_places(acts, name, rng):
        shown = layers.arithmetic(acts, name, map_, row, col, weights)
        assert shown.lines
        assert math.isclose(shown.value, shown.actual, rel_tol=1e-4, abs_tol=1e-4), (name, map_, row, col, shown)
        network_value = acts.output(acts.index(name))
        shape = acts.shapes[acts.index(name)]
        at = (row * shape[1] + col) * shape[2] + map_ if len(shape) == 3 else map_
        assert shown.actual == network_value[at]


def test_the_first_layer_lists_its_nine_products(seven):
    pixels, acts = seven
    row, col = layers.strongest(acts, "conv1", 3)
    shown = layers.arithmetic(acts, "conv1", 3, row, col, weights_of())
    assert len(shown.terms) == 9
    kernel = weights_of()("conv1")["kernel"]
    expected = [kernel[1][((y * 3 + x) * 1 + 0) * 24 + 3] for y in range(3) for x in range(3)]
    assert [w for _, w in shown.terms] == expected
    image = pixels.reshape(SIZE, SIZE)
    patch = [float(image[row + y - 1, col + x - 1]) if 0 <= row + y - 1 < SIZE and 0 <= col + x - 1 < SIZE
             else 0.0 for y in range(3) for x in range(3)]
    np.testing.assert_allclose([v for v, _ in shown.terms], patch, atol=1e-6)
    assert (shown.kernel.width, shown.kernel.height) == (3, 3)


def test_a_deeper_kernel_is_a_tile_per_input_map(seven):
    _, acts = seven
    shown = layers.arithmetic(acts, "conv2", 5, 3, 4, weights_of())
    assert shown.terms == ()
    assert (shown.kernel.width, shown.kernel.height) == (16 * 4 - 1, 2 * 4 - 1)  # 24 tiles, 16 a row


def test_layers_that_pass_values_on_have_no_arithmetic(seven):
    _, acts = seven
    assert layers.arithmetic(acts, "dropout1", 0, 0, 0, weights_of()) is None
    with pytest.raises(ValueError, match="no value at map 24"):
        layers.arithmetic(acts, "conv1", 24, 0, 0, weights_of())
    with pytest.raises(KeyError, match="no layer 'conv9'"):
        layers.arithmetic(acts, "conv9", 0, 0, 0, weights_of())


def test_activations_that_do_not_fill_their_shapes_are_refused():
    layer = layers.Layer("d", "Dense", {}, {})
    with pytest.raises(ValueError, match="do not fill"):
        layers.Activations((layer,), ((10,),), [0.0] * 9)


# --- saliency -------------------------------------------------------------------------

def classifier(model_dir: Path = SHIPPED):
    net = network.Network.load(model_dir)
    return lambda batch: net.predict(np.asarray(batch, np.float32).reshape(-1, SIZE, SIZE, 1)).tolist()


@pytest.mark.parametrize("strokes, digit", [(SEVEN, 7), (FOUR, 4)])
def test_saliency_marks_the_ink_for_and_against(strokes, digit):
    pixels = predict_strokes(strokes).digits[0].pixels.ravel()
    calls = []
    classify = classifier()

    def counting(batch):
        calls.append(len(batch))
        return classify(batch)

    shown = saliency.occlusion(pixels, counting)
    assert shown.top == digit
    assert shown.runner_up != digit
    assert calls == [1 + len(saliency.squares(pixels))]  # one batch for everything
    ink = pixels > saliency.INK
    scores = np.array(shown.scores)
    assert shown.marked > 0
    assert not scores[~ink].any()  # paper has no say
    assert (scores > 0).sum() > 0
    assert shown.picture.width == shown.picture.height == SIZE
    assert str(digit) in shown.explanation


def test_saliency_scores_are_the_mean_change_in_the_lead():
    """On a linear stand-in for the network the scores have a closed form."""
    weights = np.random.default_rng(3).normal(size=(SIZE * SIZE, 10))

    def classify(batch):
        logits = np.asarray(batch) @ weights
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return (e / e.sum(axis=1, keepdims=True)).tolist()

    pixels = np.zeros(SIZE * SIZE)
    pixels[10 * SIZE + 10] = 1.0  # one inked pixel
    shown = saliency.occlusion(pixels, classify)
    # Erasing the only ink leaves a blank input: its lead is the logits' difference at 0.
    lead = weights[10 * SIZE + 10, shown.top] - weights[10 * SIZE + 10, shown.runner_up]
    assert shown.scores[10 * SIZE + 10] == pytest.approx(lead, rel=1e-6)
    assert shown.marked == 1


def test_saliency_needs_a_whole_input():
    with pytest.raises(ValueError, match="784 pixels"):
        saliency.occlusion([0.0] * 10, classifier())


def test_levels_span_each_map_from_its_lowest_to_its_highest():
    # Two maps, channels last: one from -1 to 3, one flat.
    values = [-1.0, 5.0, 1.0, 5.0, 3.0, 5.0]
    assert list(layers.levels(values, 2)) == [0, 0, 128, 0, 255, 0]
    assert layers.levels([], 1) == b""
