"""Learning a person's handwriting, on the real page: correcting readings, the examples
kept in IndexedDB, learning with TF.js, a reload and offline, forgetting, a teacher's
collection, the examples zip both ways, and what the page does when storage fails."""

import io
import json
import zipfile

import numpy as np
import pytest

from digitpad import load_examples
from tests.browser import helpers

LEARN_S = 60  # the longest a test waits for learning, on a busy two-core host


def count(page) -> int:
    return int(page.get_attribute("#examples", "data-count"))


def status(page) -> str:
    return page.inner_text("#personal-status")


def wait_count(page, n: int) -> None:
    helpers.wait_until(page, f"document.querySelector('#examples').dataset.count === '{n}'", timeout=15_000)


def label(page, sample, as_digit=None) -> None:
    """Draw a pen digit on a clear pad and label it."""
    if page.evaluate("digitpad.pad.strokeCount"):
        helpers.clear(page)
    page.evaluate("scrollTo(0, 0)")  # clicks below may have scrolled the pad out of view
    helpers.draw(page, helpers.centered(sample, helpers.raster_width(page)))
    before = count(page)
    page.click(f"#correct [data-digit='{sample.label if as_digit is None else as_digit}']")
    wait_count(page, before + 1)


def learn(page) -> None:
    page.click("#learn")
    helpers.wait_until(
        page,
        "document.body.dataset.model === 'personal' && !('learning' in document.body.dataset)"
        " && /^Learned from/.test(document.querySelector('#personal-status').textContent)",
        timeout=LEARN_S * 1000,
    )


def writer_samples(writer: int, per_digit: int):
    samples = [s for s in helpers.held_out_samples() if s.writer == writer]
    return [s for d in range(10) for s in [t for t in samples if t.label == d][:per_digit]]


def stored_inputs(page) -> list[tuple[int, bytes]]:
    return [
        (label, bytes(pixels))
        for label, pixels in page.evaluate(
            """async () => {
                const store = await digitpad.openStore();
                return (await store.examples()).map((e) => [e.label, Array.from(e.pixels)]);
            }"""
        )
    ]


def test_correct_learn_reload_switch_go_offline_and_forget(new_context, site):
    context = new_context(site)
    page = helpers.open_app(context.new_page(), site)
    assert page.get_attribute("body", "data-model") == "original"
    assert page.is_hidden("#correct")  # nothing to correct on an empty pad
    samples = writer_samples(5, 1)
    for sample in samples[:3]:
        label(page, sample)
    assert count(page) == 3
    # a number: the buttons label the digit in focus, the latest
    helpers.clear(page)
    width = helpers.raster_width(page)
    left, right = samples[4], samples[7]
    helpers.draw(page, helpers.centered(left, width, left=width / 2 - 300))
    helpers.draw(page, helpers.centered(right, width, left=width / 2 + 20))
    assert page.get_attribute("#prediction", "data-value") == "47"
    page.click("#correct [data-digit='7']")
    wait_count(page, 4)
    assert "Kept as a 7" in status(page)
    # review and delete
    page.click("#examples summary")
    helpers.wait_until(page, "document.querySelectorAll('#example-list li').length === 4")
    page.locator("#example-list li").first.locator("button").click()  # the latest: the 7
    wait_count(page, 3)
    assert sorted(label for label, _ in stored_inputs(page)) == sorted(s.label for s in samples[:3])
    for sample in samples[3:]:
        label(page, sample)
    assert count(page) == 10

    page.click("#learn")
    helpers.wait_until(page, "'learning' in document.body.dataset || document.body.dataset.model === 'personal'")
    learn_done = "document.body.dataset.model === 'personal' && !('learning' in document.body.dataset)"
    helpers.wait_until(page, learn_done, timeout=LEARN_S * 1000)
    assert page.is_checked("#use-personal")
    assert int(page.get_attribute("#learn", "data-ms")) > 0

    # The learned model reads the pad: the same input gives other probabilities.
    helpers.clear(page)
    page.evaluate("scrollTo(0, 0)")
    helpers.draw(page, helpers.centered(samples[3], width))
    read = "Array.from(digitpad.model.predict(digitpad.lastInput))"
    personal = page.evaluate(read)
    page.click("#use-personal")
    helpers.wait_until(page, "document.body.dataset.model === 'original'")
    original = page.evaluate(read)
    # (a sure digit is 1.0 either way: the doubt left over for the others differs)
    assert max(abs(np.log(a + 1e-30) - np.log(b + 1e-30)) for a, b in zip(personal, original)) > 0.1
    page.click("#use-personal")
    helpers.wait_until(page, "document.body.dataset.model === 'personal'")

    # A reload, then offline: the examples and the model are still there.
    page.reload()
    helpers.wait_ready(page)
    helpers.wait_until(page, "document.body.dataset.model === 'personal'", timeout=15_000)
    assert count(page) == 10
    helpers.wait_until(page, "navigator.serviceWorker.controller !== null", timeout=30_000)
    context.set_offline(True)
    try:
        page.reload()
        helpers.wait_ready(page)
        helpers.wait_until(page, "document.body.dataset.model === 'personal'", timeout=15_000)
        assert count(page) == 10
        # learning again works offline: the replay was stored when the first example was kept
        label(page, samples[9])
        learn(page)
        assert "Learned from your 11 examples" in status(page)
    finally:
        context.set_offline(False)

    page.click("#forget")
    wait_count(page, 0)
    helpers.wait_until(page, "document.body.dataset.model === 'original'")
    assert page.is_disabled("#use-personal") and page.is_disabled("#learn")
    page.reload()
    helpers.wait_ready(page)
    page.wait_for_timeout(500)
    assert count(page) == 0 and page.get_attribute("body", "data-model") == "original"


def test_export_gives_a_zip_that_load_examples_reads_and_import_merges_it(new_context, site, tmp_path):
    context = new_context(site, accept_downloads=True)
    page = helpers.open_app(context.new_page(), site)
    samples = writer_samples(10, 1)[:4]
    for sample in samples:
        label(page, sample)
    with page.expect_download() as download:
        page.click("#export")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == "digitpad-examples.zip"
    images, labels = load_examples(path)
    stored = stored_inputs(page)
    assert labels.tolist() == [label for label, _ in stored] == [s.label for s in samples]
    expected = np.array([np.frombuffer(pixels, np.uint8) for _, pixels in stored], np.float32) / 255
    np.testing.assert_array_equal(images.reshape(len(stored), -1), expected)

    # Into a browser that has none of them: all four come in, once.
    other = helpers.open_app(new_context(site).new_page(), site)
    other.set_input_files("#import", str(path))
    wait_count(other, 4)
    assert "Imported 4 examples" in status(other)
    assert stored_inputs(other) == stored
    other.set_input_files("#import", str(path))
    helpers.wait_until(other, "/you had already/.test(document.querySelector('#personal-status').textContent)")
    assert count(other) == 4 and "Imported 0 examples" in status(other)


@pytest.mark.parametrize(
    "name, content, words",
    [
        ("notes.zip", b"these are not the examples you are looking for", "not a zip file"),
        ("partial.zip", None, "it has no"),
    ],
)
def test_a_bad_zip_is_refused_and_nothing_is_lost(app, tmp_path, name, content, words):
    if content is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("strokes.json", json.dumps([]))
        content = buffer.getvalue()
    before = count(app)
    path = tmp_path / name
    path.write_bytes(content)
    app.set_input_files("#import", str(path))
    helpers.wait_until(app, f"/{name} was not imported/.test(document.querySelector('#personal-status').textContent)")
    assert words in status(app) and "Nothing you had was changed" in status(app)
    assert app.get_attribute("#personal-status", "data-alert") == "true"
    assert count(app) == before


def test_a_collection_asks_for_each_digit_in_turn(app):
    if count(app):
        app.click("#forget")
        wait_count(app, 0)
    app.fill("#collect-count", "2")
    app.click("#collect")
    assert app.inner_text("#prompt") == "Draw a 0 (1 of 2)"
    assert app.is_hidden("#correct")
    samples = helpers.pinned_sample(40)
    drawn = []
    for digit in (0, 0, 1):
        sample = next(s for s in samples if s.label == digit and s not in drawn)
        drawn.append(sample)
        app.evaluate("scrollTo(0, 0)")
        helpers.draw(app, helpers.centered(sample, helpers.raster_width(app)))
        app.keyboard.press("Enter")
        helpers.wait_until(app, "digitpad.pad.strokeCount === 0")
    wait_count(app, 3)
    assert app.inner_text("#prompt") == "Draw a 1 (2 of 2)"
    assert [label for label, _ in stored_inputs(app)] == [0, 0, 1]
    app.click("#collect")  # stop
    assert app.is_hidden("#collecting")
    app.click("#forget")
    wait_count(app, 0)


# --- storage faults -----------------------------------------------------------------------

# As Chromium does where the person blocks sites' storage: the request fails, later.
# Only the page's own database is refused: PyScript waits forever on its own where it
# is refused too.
DENIED = """
  const open = IDBFactory.prototype.open;
  Object.defineProperty(IDBFactory.prototype, "open", {
    value(name, ...rest) {
      if (name !== "digitpad") return open.call(this, name, ...rest);
      const request = new EventTarget();
      const error = new DOMException("The user denied permission to access the database.", "UnknownError");
      Object.defineProperty(request, "error", { value: error });
      setTimeout(() => {
        const event = new Event("error");
        request.dispatchEvent(event);
        request.onerror?.call(request, event);
      });
      return request;
    },
  });
"""
FULL = """
  Object.defineProperty(IDBObjectStore.prototype, "add", {
    value() { throw new DOMException("The quota has been exceeded.", "QuotaExceededError"); },
  });
"""


def test_where_storage_is_denied_the_page_says_so_and_keeps_examples_for_the_visit(new_context, site):
    context = new_context(site)
    context.add_init_script(DENIED)
    page = helpers.open_app(context.new_page(), site)
    helpers.wait_until(page, "/keeps nothing/.test(document.querySelector('#personal-status').textContent)")
    sample = writer_samples(15, 1)[2]
    label(page, sample)
    assert count(page) == 1 and helpers.prediction(page)["value"] == "2"


def test_where_storage_is_full_the_page_says_so_and_the_original_reads(new_context, site):
    context = new_context(site)
    context.add_init_script(FULL)
    page = helpers.open_app(context.new_page(), site)
    sample = writer_samples(15, 1)[3]
    label(page, sample)
    assert "full" in status(page) and page.get_attribute("#personal-status", "data-alert") == "true"
    assert page.get_attribute("body", "data-model") == "original"
    assert helpers.prediction(page)["value"] == "3"


@pytest.mark.parametrize(
    "change, words",
    [
        ("record.version = 'another-model'", "another version"),
        ("record.weights.digit.kernel = new Float32Array(7)", "damaged"),
    ],
)
def test_a_stored_model_of_another_version_or_damaged_falls_back_to_the_original(new_context, site, change, words):
    context = new_context(site)
    page = helpers.open_app(context.new_page(), site)
    for sample in writer_samples(20, 1)[:2]:
        label(page, sample)
    learn(page)
    page.evaluate(
        f"""async () => {{
            const store = await digitpad.openStore();
            const record = await store.personal();
            {change};
            await store.keepPersonal(record);
        }}"""
    )
    page.reload()
    helpers.wait_ready(page)
    helpers.wait_until(page, f"/{words}/.test(document.querySelector('#personal-status').textContent)")
    assert page.get_attribute("body", "data-model") == "original"
    assert count(page) == 2  # the examples are kept: learning again makes a new model
    sample = writer_samples(20, 1)[5]
    page.evaluate("scrollTo(0, 0)")
    helpers.draw(page, helpers.centered(sample, helpers.raster_width(page)))
    assert helpers.prediction(page)["value"] == "5"


# --- the learning itself, against numpy ---------------------------------------------------


def mulberry32(seed: int):
    a = seed & 0xFFFFFFFF

    def imul(x, y):
        return (x * y) & 0xFFFFFFFF

    def random():
        nonlocal a
        a = (a + 0x6D2B79F5) & 0xFFFFFFFF
        t = a
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296

    return random


def numpy_learn(features, labels, head, epochs, batch_size, rate, seed):
    """static/learn.js's fine-tuning, in float64 numpy: softmax cross-entropy, Adam."""
    params = [(w.astype(np.float64), b.astype(np.float64)) for w, b in head]
    flat = [p for pair in params for p in pair]
    m = [np.zeros_like(p) for p in flat]
    v = [np.zeros_like(p) for p in flat]
    targets = np.eye(10)[labels]
    random = mulberry32(seed)
    order = list(range(len(labels)))
    step = 0
    for _ in range(epochs):
        for i in range(len(order) - 1, 0, -1):
            j = int(random() * (i + 1))
            order[i], order[j] = order[j], order[i]
        for at in range(0, len(order), batch_size):
            which = order[at : at + batch_size]
            x, y = features[which].astype(np.float64), targets[which]
            (w1, b1), (w2, b2) = params
            h = np.maximum(x @ w1 + b1, 0)
            z = h @ w2 + b2
            p = np.exp(z - z.max(1, keepdims=True))
            p /= p.sum(1, keepdims=True)
            dz = (p - y) / len(which)
            dh = (dz @ w2.T) * (h > 0)
            grads = [x.T @ dh, dh.sum(0), h.T @ dz, dz.sum(0)]
            step += 1
            for k, g in enumerate(grads):
                m[k] = 0.9 * m[k] + 0.1 * g
                v[k] = 0.999 * v[k] + 0.001 * g * g
                lr = rate * np.sqrt(1 - 0.999**step) / (1 - 0.9**step)
                flat[k] = flat[k] - lr * m[k] / (np.sqrt(v[k]) + 1e-7)
            params = [(flat[0], flat[1]), (flat[2], flat[3])]
    return params


def test_learning_in_the_page_matches_a_numpy_reference(app):
    rng = np.random.default_rng(7)
    n = 48
    pixels = (rng.random((n, 784)) ** 4 * 255).astype(np.uint8)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    result = app.evaluate(
        """async ([pixels, labels]) => {
            const model = digitpad.model;
            const x = Float32Array.from(pixels, (v) => v / 255);
            const features = model.features(x);
            const head = model.head.map((l) => [l.name, l.kernel.shape, Array.from(l.kernel.dataSync()),
                                                 Array.from(l.bias.dataSync())]);
            const f = Array.from(features.dataSync());
            const shape = features.shape;
            features.dispose();
            const learned = await digitpad.learn(model, {
                pixels: Uint8Array.from(pixels), labels: Uint8Array.from(labels),
                epochs: 3, batchSize: 16, rate: 0.001, seed: 11,
            });
            return { f, shape, head, learned: Object.fromEntries(Object.entries(learned).map(
                ([name, w]) => [name, [Array.from(w.kernel), Array.from(w.bias)]])) };
        }""",
        [pixels.ravel().tolist(), labels.tolist()],
    )
    features = np.array(result["f"], np.float32).reshape(result["shape"])
    head = [(np.array(k, np.float32).reshape(shape), np.array(b, np.float32)) for _, shape, k, b in result["head"]]
    expected = numpy_learn(features, labels.astype(int), head, epochs=3, batch_size=16, rate=0.001, seed=11)
    names = [name for name, *_ in result["head"]]
    for name, (w0, b0), (w, b) in zip(names, head, expected):
        got_w, got_b = result["learned"][name]
        for got, want, start in ((np.array(got_w).reshape(w.shape), w, w0), (np.array(got_b), b, b0)):
            moved, reference = (got - start).ravel(), (want - start).ravel()
            assert np.abs(reference).max() > 1e-3  # it learned something
            # Adam moves a weight whose gradient is float rounding by the full rate either
            # way, so a few weights differ between float32 and float64; the rest agree.
            close = np.abs(moved - reference) <= 2e-5 + 1e-3 * np.abs(reference)
            assert close.mean() > 0.95, f"{name}: {close.mean():.2%} of the weights agree"
            assert np.corrcoef(moved, reference)[0, 1] > 0.999
