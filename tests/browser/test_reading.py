"""Drawing on the real page: pen digits of unseen writers, numbers, Clear and Undo, and
the 28x28 input matching the Python pipeline."""

import pytest

from digitpad.pad import RASTER_HEIGHT
from digitpad.reader import Reader
from tests.browser import helpers
from tests.test_reader import numpy_raster

SAMPLE = 30
REQUIRED = 0.9


def test_an_empty_pad_asks_for_a_digit(pad):
    shown = helpers.prediction(pad)
    assert shown["value"] == "" and shown["text"] == "Draw a digit"
    assert shown["confidence"] == 0
    assert set(helpers.probabilities(pad).values()) == {0.0}
    assert pad.get_attribute("#pad", "data-empty") is not None


def test_reads_pen_digits_of_writers_it_never_saw(pad):
    width = helpers.raster_width(pad)
    right, wrong = 0, []
    for sample in helpers.pinned_sample(SAMPLE):
        shown = helpers.draw(pad, helpers.centered(sample, width))
        if shown["value"] == str(sample.label):
            right += 1
        else:
            wrong.append(f"{sample.label} (writer {sample.writer}) read as {shown['value']!r}")
        helpers.clear(pad)
    print(f"\npen digits of held-out writers: {right}/{SAMPLE} read right; wrong: {wrong}")
    assert right >= REQUIRED * SAMPLE, wrong


def test_a_reading_shows_its_probabilities(pad):
    sample = helpers.pinned_sample(1)[0]
    shown = helpers.draw(pad, helpers.centered(sample, helpers.raster_width(pad)))
    p = helpers.probabilities(pad)
    assert sorted(p) == list(range(10))
    assert sum(p.values()) == pytest.approx(1.0, abs=0.01)
    assert shown["value"] == str(max(p, key=p.get))
    assert shown["confidence"] == pytest.approx(max(p.values()), abs=1e-3)
    assert 0 < shown["confidence"] <= 1
    assert pad.get_attribute("#pad", "data-empty") is None


def test_a_number_reads_left_to_right(pad):
    width = helpers.raster_width(pad)
    samples = helpers.pinned_sample(30)
    four, two = samples[4], samples[2]  # pinned_sample cycles through the digits
    assert (four.label, two.label) == (4, 2)
    # Written right digit first: the order on the pad is what counts.
    helpers.draw(pad, helpers.centered(two, width, left=width / 2))
    shown = helpers.draw(pad, helpers.centered(four, width, left=width / 2 - RASTER_HEIGHT * 0.75))
    assert shown["value"] == "42"
    assert pad.locator("#digits li").count() == 2


def test_undo_clear_and_their_keys(pad):
    width = helpers.raster_width(pad)
    samples = helpers.pinned_sample(10)
    first, second = samples[1], samples[7]
    helpers.draw(pad, helpers.centered(first, width, left=40))
    two = helpers.draw(pad, helpers.centered(second, width, left=width / 2))
    assert len(two["value"]) == 2

    for _ in second.strokes:
        pad.click("#undo")
    one = helpers.prediction(pad)
    assert one["seq"] > two["seq"] and one["value"] == two["value"][0]
    assert pad.evaluate("digitpad.pad.strokeCount") == len(first.strokes)

    pad.keyboard.press("Control+z")
    helpers.wait_until(pad, f"digitpad.pad.strokeCount === {len(first.strokes) - 1}")

    helpers.draw(pad, helpers.centered(samples[3], width))
    before = helpers.prediction(pad)["seq"]
    pad.keyboard.press("Escape")
    helpers.wait_until(pad, "digitpad.pad.strokeCount === 0")
    cleared = helpers.prediction(pad)
    assert cleared["value"] == "" and cleared["text"] == "Draw a digit"
    assert cleared["seq"] > before


def test_clear_shows_an_empty_reading(pad):
    helpers.draw(pad, helpers.centered(helpers.pinned_sample(1)[0], helpers.raster_width(pad)))
    shown = helpers.clear(pad)
    assert shown["value"] == "" and shown["text"] == "Draw a digit"
    assert set(helpers.probabilities(pad).values()) == {0.0}


def test_the_network_sees_what_the_python_pipeline_makes(pad):
    """Chromium's canvas and digitpad.render agree, pixel for pixel up to anti-aliasing,
    and so the page's input to the network is what rasterize + prepare make of the same
    strokes under CPython.

    Where a round cap grazes a pixel row by a fraction of a pixel, Skia (which samples
    coverage on sub-scanlines) leaves it blank while the numpy model inks it faintly;
    cropping to ink then moves the box by one pixel, so a few digits differ by a
    one-pixel rescale. Hence a per-digit bound and a tight bound on the typical digit.
    """
    width = helpers.raster_width(pad)
    raster_means, input_means, raster_outliers = [], [], []
    for sample in helpers.pinned_sample(20, seed=7):
        if pad.evaluate("digitpad.pad.strokeCount"):
            helpers.clear(pad)
        helpers.draw(pad, helpers.centered(sample, width))
        strokes = [[tuple(p) for p in s] for s in pad.evaluate("digitpad.pad.strokes()")]
        reading = Reader(numpy_raster(strokes), lambda batch: [[0.1] * 10 for _ in batch], calibration=None).read(
            strokes, width
        )
        for digit in reading.digits:
            x0, y0, x1, y1 = digit.box
            canvas = pad.evaluate(
                "([i, x0, y0, w, h]) => Array.from(digitpad.pad.raster(i, x0, y0, w, h, 18))"
                ".filter((_, k) => k % 4 === 3)",
                [list(digit.strokes), x0, y0, x1 - x0, y1 - y0],
            )
            ours = numpy_raster(strokes)(digit.strokes, x0, y0, x1 - x0, y1 - y0, 18)
            diff = [abs(a - b) for a, b in zip(canvas, ours)]
            raster_means.append(sum(diff) / len(diff))
            raster_outliers.append(sum(d > 64 for d in diff) / len(diff))

        page_inputs = pad.evaluate("Array.from(digitpad.lastInput)")
        n = len(page_inputs) // 784
        assert n >= 1 and len(page_inputs) == n * 784
        for k in range(n):
            seen = page_inputs[k * 784 : (k + 1) * 784]
            input_means.append(
                min(sum(abs(a - b) for a, b in zip(seen, d.pixels)) / 784 for d in reading.digits)
            )
    input_means.sort()
    print(
        f"\ncanvas vs numpy raster: worst mean |diff| {max(raster_means):.2f}/255, "
        f"worst share off by >64: {max(raster_outliers):.4f}; 28x28 input: "
        f"median mean |diff| {input_means[len(input_means) // 2]:.4f}, worst {input_means[-1]:.4f}"
    )
    assert max(raster_means) < 1.5
    assert max(raster_outliers) < 0.005
    assert input_means[len(input_means) // 2] < 0.002
    assert input_means[-1] < 0.06


def test_predictions_leave_no_tensors_behind(pad):
    sample = helpers.pinned_sample(1)[0]
    helpers.draw(pad, helpers.centered(sample, helpers.raster_width(pad)))
    before = pad.evaluate("tf.memory().numTensors")
    for _ in range(5):
        helpers.clear(pad)
        helpers.draw(pad, helpers.centered(sample, helpers.raster_width(pad)))
    assert pad.evaluate("tf.memory().numTensors") == before


def test_the_canvas_is_sharp_on_high_dpi_screens(new_context, site):
    context = new_context(site, device_scale_factor=2)
    page = helpers.open_app(context.new_page(), site)
    size = page.evaluate(
        """() => { const c = document.querySelector('#pad'); const r = c.getBoundingClientRect();
                   return [c.width, c.height, r.width, r.height]; }"""
    )
    assert size[0] == round(size[2] * 2) and size[1] == round(size[3] * 2)


def test_ink_drawn_bit_by_bit_is_the_whole_stroke_drawn_at_once(new_context, site):
    """While a stroke grows the pad adds only its new part at each frame; the result
    is the ink a full redraw of the strokes gives, up to anti-aliasing where the
    parts join."""
    compare = """() => {
        const pad = document.querySelector('#pad');
        const alpha = () => pad.getContext('2d').getImageData(0, 0, pad.width, pad.height).data;
        const bitByBit = alpha();
        const strokes = digitpad.pad.strokes();
        digitpad.pad.clear();
        for (const points of strokes) digitpad.pad.addStroke(points);
        const atOnce = alpha();
        let inked = 0, most = 0, far = 0;
        for (let i = 3; i < atOnce.length; i += 4) {
            const apart = Math.abs(atOnce[i] - bitByBit[i]);
            inked += atOnce[i] > 0;
            most = Math.max(most, apart);
            far += apart > 64;
        }
        return { inked, most, far };
    }"""
    for scale in (1, 2):
        page = helpers.open_app(new_context(site, device_scale_factor=scale).new_page(), site)
        width = helpers.raster_width(page)
        for sample in helpers.pinned_sample(3, seed=11):
            page.evaluate("digitpad.pad.clear()")
            helpers.draw(page, helpers.centered(sample, width))
            ink = page.evaluate(compare)
            assert ink["inked"] > 1000 * scale * scale
            assert ink["most"] < 160, f"scale {scale}: ink differs by {ink['most']} of 255"
            assert ink["far"] < 0.02 * ink["inked"]


# Counts the page's calls of Reader.prepare and Reader.finish, the two halves of a read,
# in the lists ``prepared`` and ``finished``.
COUNT_READS = """() => benchPyodide.runPython(`
import digitpad.reader
prepared, finished = [], []
def counted(calls, method):
    def method_counted(*args, **kwargs):
        calls.append(1)
        return method(*args, **kwargs)
    return method_counted
digitpad.reader.Reader.prepare = counted(prepared, digitpad.reader.Reader.prepare)
digitpad.reader.Reader.finish = counted(finished, digitpad.reader.Reader.finish)
`)"""
READS = "benchPyodide.runPython('[len(prepared), len(finished)]').toJs()"  # as [prepared, finished]


def counting_page(new_context, site):
    from tests import bench

    context = new_context(site)
    context.add_init_script(bench.PROBE)  # keeps the page's Python as window.benchPyodide
    page = helpers.open_app(context.new_page(), site)
    helpers.wait_until(page, "window.benchPyodide !== undefined")
    page.evaluate(COUNT_READS)
    return page


def test_a_pen_that_stops_then_lifts_finds_its_reading_ready(new_context, site):
    """While a stroke grows the pad reads it live. A pen that stops, then lifts, lifts on
    ink already read: the lift shows and announces that reading without reading again."""
    page = counting_page(new_context, site)
    box = helpers.pad_box(page)
    (stroke, *_) = helpers.centered(helpers.pinned_sample(1, seed=5)[0], helpers.raster_width(page))
    page.mouse.move(*helpers.to_screen(box, *stroke[0]))
    page.mouse.down()
    at_down = page.evaluate(READS)  # the page's practice reads, before any ink
    for point in stroke[1:]:
        page.mouse.move(*helpers.to_screen(box, *point))
    page.wait_for_timeout(500)  # the pen rests: frames pass, and the live read catches up
    assert page.evaluate("digitpad.pad.drawing"), "the stroke ended before the pen lifted"
    live = page.evaluate(READS)
    assert live[0] > at_down[0], "no live read while the stroke grew"
    assert live[1] == live[0], "a live read was left half done"
    seq = page.evaluate(
        """() => { document.querySelector('#announcer').textContent = '';
                   return Number(document.querySelector('#prediction').dataset.seq); }"""
    )
    page.mouse.up()
    helpers.wait_until(page, f"Number(document.querySelector('#prediction').dataset.seq) > {seq}")
    assert page.evaluate(READS) == live
    assert page.text_content("#announcer") != ""
    assert helpers.prediction(page)["value"] != ""


def test_a_pen_lifting_halfway_through_a_live_read_finishes_it(new_context, site):
    """A live read comes in steps, each in a task of its own. A pen lifting after the
    first (the ink made ready for the network) finishes that read rather than starting
    over, and the step that was to come does not run."""
    page = counting_page(new_context, site)
    box = helpers.pad_box(page)
    sample = helpers.pinned_sample(1, seed=5)[0]
    (stroke, *_) = helpers.centered(sample, helpers.raster_width(page))
    points = [helpers.to_screen(box, *point) for point in stroke]
    # The moves are dispatched at once, so the pad's frame comes after them all. This
    # test's own frame callback, asked for after the pad's, runs right after the pad
    # made the ink ready, and lifts the pen there.
    page.evaluate(
        """(points) => new Promise((done) => {
          const pad = document.getElementById("pad");
          const fire = (type, [x, y], buttons) => pad.dispatchEvent(new PointerEvent(type, {
            pointerId: 1, pointerType: "mouse", isPrimary: true, button: type === "pointermove" ? -1 : 0,
            buttons, clientX: x, clientY: y, bubbles: true, cancelable: true }));
          fire("pointerdown", points[0], 1); // from here on, the page's practice reads stop
          window.before = benchPyodide.runPython("[len(prepared), len(finished)]").toJs();
          for (const point of points.slice(1)) fire("pointermove", point, 1);
          requestAnimationFrame(() => {
            window.halfway = benchPyodide.runPython("[len(prepared), len(finished)]").toJs();
            window.seq = Number(document.querySelector("#prediction").dataset.seq);
            fire("pointerup", points.at(-1), 0);
            setTimeout(done, 200);
          });
        })""",
        points,
    )
    before, halfway = page.evaluate("[window.before, window.halfway]")
    assert halfway == [before[0] + 1, before[1]], "the pad's frame did not start a live read"
    assert page.evaluate(READS) == [before[0] + 1, before[1] + 1]
    assert page.evaluate("Number(document.querySelector('#prediction').dataset.seq) - window.seq") == 1
    assert not page.evaluate("digitpad.pad.drawing")
    assert helpers.prediction(page)["value"] == str(sample.label)


def test_a_tap_leaves_a_dot(pad):
    box = helpers.pad_box(pad)
    x, y = helpers.to_screen(box, 200, 140)
    pad.mouse.click(x, y)
    helpers.wait_until(pad, "digitpad.pad.strokeCount === 1")
    ((point,),) = pad.evaluate("digitpad.pad.strokes()")
    assert point == pytest.approx([200, 140], abs=0.01)
    ink = pad.evaluate(
        "Math.max(...digitpad.pad.raster([0], 180, 120, 40, 40, 18).filter((_, k) => k % 4 === 3))"
    )
    assert ink == 255
    assert helpers.prediction(pad)["value"] != ""


def test_the_page_runs_the_shipped_network(pad):
    """What TF.js gives for the inputs the page made is what digitpad.network (numpy,
    reading the same model/ files) gives: the page's fast path through the layers is
    the network itself. Both compute in float32 from the same stored weights."""
    import numpy as np

    from digitpad import network

    width = helpers.raster_width(pad)
    inputs, outputs = [], []
    for sample in helpers.pinned_sample(12, seed=11):
        if pad.evaluate("digitpad.pad.strokeCount"):
            helpers.clear(pad)
        helpers.draw(pad, helpers.centered(sample, width))
        batch, probabilities = pad.evaluate(
            "() => { const x = Float32Array.from(digitpad.lastInput);"
            " return [Array.from(x), Array.from(digitpad.model.predict(x))]; }"
        )
        inputs.append(np.reshape(batch, (-1, 28, 28, 1)))
        outputs.append(np.reshape(probabilities, (-1, 10)))
    expected = network.load(helpers.ROOT / "model").predict(np.concatenate(inputs))
    got = np.concatenate(outputs)
    print(f"\nTF.js in the page vs numpy: max |difference| {np.abs(got - expected).max():.2e}")
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-4)
    assert (got.argmax(axis=1) == expected.argmax(axis=1)).all()
