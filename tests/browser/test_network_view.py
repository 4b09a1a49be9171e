"""The steps view's network part: every layer of model.json shown for a drawn digit,
the arithmetic of one value matching what the network computed, and the saliency map."""

import json

import pytest

from tests.browser import helpers
from tests.browser.test_teaching import ink, set_teaching


def model_layers() -> list[dict]:
    topology = json.loads((helpers.DIST / "model" / "model.json").read_text())["modelTopology"]
    return topology.get("model_config", topology)["config"]["layers"]


def layer_items(page) -> list[dict]:
    return page.eval_on_selector_all(
        "#layers [data-layer]",
        """els => els.map(e => ({name: e.dataset.layer, kind: e.dataset.kind, shape: e.dataset.shape,
                                  params: Number(e.dataset.params), explain: e.querySelector('.explain').textContent,
                                  canvas: Boolean(e.querySelector('canvas'))}))""",
    )


@pytest.fixture
def seven(pad):
    """A held-out writer's 7 on the pad, the steps view open."""
    set_teaching(pad, False)
    sample = next(s for s in helpers.pinned_sample(40, seed=11) if s.label == 7)
    shown = helpers.draw(pad, helpers.centered(sample, helpers.raster_width(pad)))
    assert shown["value"] == "7"
    set_teaching(pad, True)
    helpers.wait_until(pad, "document.querySelectorAll('#layers [data-layer]').length > 0")
    yield pad
    set_teaching(pad, False)


def test_nothing_of_the_network_view_is_made_while_the_steps_are_closed(context, site):
    page = helpers.open_app(context.new_page(), site)
    helpers.draw(page, [[(140, 40), (140, 240)]])
    assert page.eval_on_selector("#saliency", "c => c.dataset.top") is None
    assert page.eval_on_selector_all("#layers [data-layer]", "els => els.length") == 0


def test_every_layer_of_the_model_is_shown_with_its_shape(seven):
    items = layer_items(seven)
    expected = [layer["config"]["name"] for layer in model_layers() if layer["class_name"] != "InputLayer"]
    assert [item["name"] for item in items] == expected + ["softmax"]
    shapes = {item["name"]: item["shape"] for item in items}
    filters = {layer["config"]["name"]: layer["config"].get("filters") for layer in model_layers()}
    assert shapes["conv1"] == f"28x28x{filters['conv1']}"
    assert shapes["pool1"] == f"14x14x{filters['conv1']}"
    assert shapes["digit"] == shapes["softmax"] == "10"
    for item in items:
        assert item["explain"], item["name"]
        if item["kind"] in ("Conv2D", "MaxPooling2D", "Dense", "Softmax", "BatchNormalization"):
            assert item["canvas"], item["name"]
    total = json.loads((helpers.DIST / "model" / "model.json").read_text())["weightsManifest"]
    stored = sum(_count(w["shape"]) for group in total for w in group["weights"])
    assert sum(item["params"] for item in items) == stored
    # Every picture holds something: the network responded to the 7 in each layer.
    for item in items:
        if item["canvas"]:
            assert ink(seven, f'#layers [data-layer="{item["name"]}"] canvas')["lit"] > 0, item["name"]


def _count(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def test_the_softmax_shows_the_reading(seven):
    values = seven.eval_on_selector_all(
        '#layers [data-layer="softmax"] .ten li', "els => els.map(e => Number(e.dataset.value))")
    bars = helpers.probabilities(seven)
    assert values == pytest.approx([bars[d] for d in range(10)], abs=1e-4)
    best = seven.eval_on_selector('#layers [data-layer="softmax"] .ten li[data-best]', "e => e.dataset.digit")
    assert best == "7"


@pytest.mark.parametrize("layer", ["conv1", "conv3", "pool2", "dense1"])
def test_a_click_on_a_map_shows_its_arithmetic(seven, layer):
    canvas = seven.locator(f'#layers [data-layer="{layer}"] canvas')
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    size = seven.eval_on_selector(f'#layers [data-layer="{layer}"] canvas', "c => [c.width, c.height]")
    # Inside the second map (or the sixth unit), a few pixels from its corner.
    grid = {"conv1": 28, "conv3": 14, "pool2": 7, "dense1": 1}[layer]
    x, y = (grid + 1) + grid // 2, grid // 2 if grid > 1 else 0
    if layer == "dense1":
        x = 5
    seven.mouse.click(box["x"] + (x + 0.5) * box["width"] / size[0], box["y"] + (y + 0.5) * box["height"] / size[1])
    helpers.wait_until(seven, f"document.querySelector('#layer-detail').dataset.layer === '{layer}'")
    detail = seven.eval_on_selector(
        "#layer-detail",
        """d => ({hidden: d.hidden, ...d.dataset, lines: [...d.querySelectorAll('.sums li')].map(l => l.textContent),
                  kernel: !d.querySelector('.kernel-figure').hidden})""",
    )
    assert not detail["hidden"]
    assert detail["map"] == ("5" if layer == "dense1" else "1")
    assert float(detail["value"]) == pytest.approx(float(detail["actual"]), rel=1e-3, abs=1e-3)
    text = " ".join(detail["lines"])
    if layer.startswith("conv"):
        assert "Σ of" in text and "bias" in text and "relu(" in text
        assert detail["kernel"]
    elif layer == "pool2":
        assert text.startswith("max(")
    else:
        assert "Σ of 864 inputs" in text


def test_the_first_layer_lists_each_product(seven):
    seven.focus('#layers [data-layer="conv1"] canvas')
    seven.keyboard.press("Enter")
    helpers.wait_until(seven, "document.querySelector('#layer-detail').dataset.layer === 'conv1'")
    terms = seven.eval_on_selector("#layer-detail .sums .terms", "e => e.textContent")
    assert terms.count("×") == 9
    assert ink(seven, "#layer-detail canvas.kernel")["width"] == 3


def test_the_saliency_map_marks_the_ink(seven):
    data = seven.eval_on_selector("#saliency", "c => ({...c.dataset})")
    assert data["top"] == "7"
    assert data["runnerUp"] != "7"
    assert int(data["marked"]) > 20
    picture = ink(seven, "#saliency")
    assert (picture["width"], picture["height"]) == (28, 28)
    assert picture["lit"] > 20
    caption = seven.inner_text("#saliency-caption")
    assert "7" in caption and data["runnerUp"] in caption


def test_the_pictures_levels_are_those_python_computes(seven):
    """static/model.js scales each map for its picture; digitpad.layers.levels is the
    reference the CPython tests use."""
    from digitpad import layers

    run = seven.evaluate(
        """() => {
            const input = digitpad.model.lastInput.slice(0, 784);
            const {shapes, data, levels} = digitpad.model.activations(input);
            return {shapes, data: Array.from(data), levels: Array.from(levels)};
        }"""
    )
    at = 0
    for shape in run["shapes"]:
        n = 1
        for d in shape:
            n *= d
        expected = layers.levels(run["data"][at:at + n], shape[-1] if len(shape) == 3 else 1)
        got = bytes(run["levels"][at:at + n])
        # float32 in the page, float64 here: a value on a rounding edge may differ by one.
        assert max(abs(a - b) for a, b in zip(got, expected)) <= 1, shape
        at += n
    assert at == len(run["data"])
