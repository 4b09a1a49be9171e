"""The steps view: off by default, and when on, each step of the preprocessing drawn for
the digit in focus, with the three likeliest digits and the first layer's feature maps."""

import json

import pytest

from train import pendigits
from tests.browser import helpers

STEPS = ("bbox", "fit", "center", "input")


def ink(page, selector: str) -> dict:
    """A canvas's size and how many of its pixels are not blank (any channel but alpha
    for opaque pictures, alpha for the pad's ink, which is drawn black on transparent)."""
    return page.eval_on_selector(
        selector,
        """c => {
            const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let lit = 0, opaque = 0;
            for (let i = 0; i < data.length; i += 4) {
                if (data[i] || data[i + 1] || data[i + 2]) lit++;
                if (data[i + 3]) opaque++;
            }
            return {width: c.width, height: c.height, lit, opaque};
        }""",
    )


def first_layer_maps() -> int:
    """How many filters the shipped model's conv1 has."""
    topology = json.loads((helpers.DIST / "model" / "model.json").read_text())["modelTopology"]
    layers = topology.get("model_config", topology)["config"]["layers"]
    return next(layer["config"]["filters"] for layer in layers if layer["config"]["name"] == "conv1")


def top3(page) -> list[tuple[int, float]]:
    return [
        (int(d), float(p))
        for d, p in page.eval_on_selector_all(
            "#top3 li", "els => els.map(e => [e.dataset.digit, e.dataset.p])"
        )
    ]


def set_teaching(page, on: bool):
    if (page.get_attribute("#teach", "aria-pressed") == "true") != on:
        page.click("#teach")
    assert page.get_attribute("#teach", "aria-pressed") == ("true" if on else "false")


@pytest.fixture
def closed(pad):
    set_teaching(pad, False)
    return pad


def test_the_steps_are_hidden_until_asked_for(closed):
    assert closed.get_attribute("#teach", "aria-pressed") == "false"
    assert closed.is_hidden("#steps")
    assert closed.get_attribute("#teach", "aria-controls") == "steps"
    assert closed.inner_text("#teach").strip() == "Show the steps"


def test_each_step_is_drawn_for_the_digit_read(closed):
    page = closed
    page.evaluate(
        """window.stepsViolations = [];
        addEventListener('securitypolicyviolation', e => stepsViolations.push(e.violatedDirective), true)"""
    )
    sample = helpers.pinned_sample(3)[2]
    shown = helpers.draw(page, helpers.centered(sample, helpers.raster_width(page)))
    set_teaching(page, True)
    assert page.is_visible("#steps")
    for name in STEPS:
        assert page.is_visible(f'#steps [data-step="{name}"] canvas')

    crop = ink(page, '[data-step="bbox"] canvas')
    assert crop["width"] == crop["height"] > 28 and crop["opaque"] > 0
    assert (ink(page, '[data-step="fit"] canvas')["width"], ink(page, '[data-step="fit"] canvas')["height"]) == (20, 20)
    for name in ("fit", "center", "input"):
        assert ink(page, f'[data-step="{name}"] canvas')["lit"] > 20, name

    # The input step is the image the network read, as in "What the network sees".
    same = page.evaluate(
        """() => {
            const a = document.querySelector('[data-step="input"] canvas').getContext('2d').getImageData(0, 0, 28, 28).data;
            const b = document.querySelector('#seen').getContext('2d').getImageData(0, 0, 28, 28).data;
            return a.every((v, i) => v === b[i]);
        }"""
    )
    assert same

    best = top3(page)
    bars = helpers.probabilities(page)
    # The three largest bars, largest first (the bars show 4 decimals, so tiny ones tie).
    assert len({d for d, _ in best}) == 3
    assert [p for _, p in best] == pytest.approx(sorted(bars.values(), reverse=True)[:3], abs=1e-4)
    for digit, p in best:
        assert p == pytest.approx(bars[digit], abs=1e-4)
    assert str(best[0][0]) == shown["value"]

    # The first layer's maps, six to a row, 28 x 28 each and 1 px apart.
    maps = first_layer_maps()
    rows = -(-maps // 6)
    features = ink(page, "#features")
    assert (features["width"], features["height"]) == (6 * 28 + 5, rows * 28 + rows - 1)
    assert features["lit"] > 0
    label = page.get_attribute("#features", "aria-label")
    assert label == f"The {maps} feature maps of the network's first layer"
    assert page.evaluate("stepsViolations") == []  # the page's Content-Security-Policy holds


def test_the_center_step_marks_the_center_of_mass_and_the_middle(closed):
    page = closed
    helpers.draw(page, [[(250, 40), (250, 230), (340, 230)]])  # an L, heavy at the bottom left
    set_teaching(page, True)
    marks = page.evaluate(
        """() => {
            const at = (step, mark) => document.querySelector(`[data-step="${step}"] .${mark}`);
            const n = (el, a) => Number(el.getAttribute(a));
            return {before: [n(at('center', 'mass'), 'cx'), n(at('center', 'mass'), 'cy')],
                    after: [n(at('input', 'mass'), 'cx'), n(at('input', 'mass'), 'cy')],
                    line: ['x1', 'y1', 'x2', 'y2'].map(a => n(at('center', 'shift'), a)),
                    caption: document.querySelector('[data-step="center"] .caption').textContent};
        }"""
    )
    assert marks["before"][0] < 13 and marks["before"][1] > 15
    assert marks["after"] == pytest.approx([14, 14], abs=0.5)
    assert marks["line"] == pytest.approx(marks["before"] + [14, 14], abs=0.01)
    assert "right" in marks["caption"] and "up" in marks["caption"]


def test_the_chips_choose_which_digit_the_steps_show(closed):
    page = closed
    samples = helpers.pinned_sample(10, seed=5)
    chosen = [samples[4], samples[7], samples[1]]  # a 4, a 7 and a 1
    strokes = pendigits.side_by_side(chosen, gap=0.35, height=0.55 * 280)
    xs = [x for s in strokes for x, _ in s]
    shift = (helpers.raster_width(page) - max(xs) - min(xs)) / 2
    shown = helpers.draw(page, [[(x + shift, y) for x, y in s] for s in strokes])
    assert shown["value"] == "471"
    set_teaching(page, True)
    assert top3(page)[0][0] == 1  # the last digit written
    inputs = []
    for k, label in enumerate("471"):
        page.click(f"#digits li:nth-child({k + 1}) button")
        assert page.get_attribute(f"#digits li:nth-child({k + 1}) button", "aria-pressed") == "true"
        assert top3(page)[0][0] == int(label)
        assert page.inner_text("#steps-which").startswith(f"Digit {k + 1} of 3")
        bars = helpers.probabilities(page)
        assert max(bars, key=bars.get) == int(label)
        inputs.append(page.evaluate("Array.from(document.querySelector('[data-step=\"input\"] canvas').getContext('2d').getImageData(0, 0, 28, 28).data)"))
    assert len({tuple(i) for i in inputs}) == 3
    # By keyboard too, and the chip keeps the keyboard's focus.
    page.focus("#digits li:nth-child(2) button")
    page.keyboard.press("Enter")
    assert top3(page)[0][0] == 7
    assert page.evaluate("document.activeElement.dataset.index") == "1"


def test_closed_steps_stay_hidden_and_are_not_drawn(closed):
    page = closed
    samples = helpers.pinned_sample(10)
    width = helpers.raster_width(page)
    helpers.draw(page, helpers.centered(samples[1], width))
    set_teaching(page, True)
    assert top3(page)[0][0] == 1
    set_teaching(page, False)
    assert page.is_hidden("#steps")
    helpers.clear(page)
    helpers.draw(page, helpers.centered(samples[8], width))
    assert helpers.prediction(page)["value"] == "8"
    assert top3(page)[0][0] == 1  # nothing was drawn for the 8
    set_teaching(page, True)
    assert top3(page)[0][0] == 8  # opening draws the current digit at once


def test_on_a_phone_opening_the_steps_brings_them_into_sight(new_context, site):
    context = new_context(site, viewport={"width": 390, "height": 844}, has_touch=True)
    page = helpers.open_app(context.new_page(), site)
    sample = helpers.pinned_sample(4)[3]
    helpers.draw(page, helpers.centered(sample, helpers.raster_width(page)))
    page.locator("#teach").scroll_into_view_if_needed()
    page.click("#teach")
    helpers.wait_until(page, "document.querySelector('#steps').getBoundingClientRect().top < innerHeight / 2")
    page.wait_for_function(  # the page has stopped scrolling
        """() => new Promise(done => {
            const before = scrollY;
            setTimeout(() => done(scrollY === before), 200);
        })""")
    assert 0 <= page.evaluate("document.querySelector('#steps').getBoundingClientRect().top") < 844 / 2
    # The four steps sit two by two, each picture at least a third of the screen wide.
    boxes = [page.locator(f'[data-step="{name}"] .shot').bounding_box() for name in STEPS]
    assert boxes[0]["y"] == boxes[1]["y"] < boxes[2]["y"] == boxes[3]["y"]
    assert min(b["width"] for b in boxes) > 390 / 3


def test_the_feature_maps_leave_no_tensors_behind(closed):
    page = closed
    sample = helpers.pinned_sample(6)[5]
    strokes = helpers.centered(sample, helpers.raster_width(page))
    set_teaching(page, True)
    helpers.draw(page, strokes)
    before = page.evaluate("tf.memory().numTensors")
    for _ in range(3):
        helpers.clear(page)
        helpers.draw(page, strokes)
    assert page.evaluate("tf.memory().numTensors") == before
