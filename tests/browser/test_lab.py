"""The steps view's lab on the real page: nothing of it is fetched before the steps
open; the what-if toggles change the input and what skipping costs on the batch; the
page's own preprocess.py runs from the editor, as it is or edited, on the digit and on
the batch; errors show as Python's tracebacks while the pad keeps reading; and the pad
reads with the edited code only when asked."""

import pytest

from tests.browser import helpers
from tests.browser.test_teaching import set_teaching

# Where the lab's own files are asked for.
LAB_FILES = ("vendor/codemirror/", "static/batch.json", "static/editor.css")
WATCH = """
window.labViolations = [];
addEventListener("securitypolicyviolation", (e) => labViolations.push(e.violatedDirective), true);
"""
SOURCE = (helpers.DIST / "digitpad" / "preprocess.py").read_text()
# The shipped centering, and an edit that leaves the digit where the fit put it, in
# the field's top-left corner.
CENTERING = (
    "    ox = min(max(round(size / 2 - cx), 0), size - width)\n"
    "    oy = min(max(round(size / 2 - cy), 0), size - height)\n"
)
NOT_CENTERED = SOURCE.replace(CENTERING, "    ox = oy = 0\n")


@pytest.fixture(scope="module")
def lab_page(browser, site):
    """One page for the module, every request it makes recorded from the start."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    log = helpers.RequestLog(context)
    page = context.new_page()
    page.requests = []
    page.on("request", lambda request: page.requests.append(request.url))
    page.add_init_script(WATCH)
    helpers.open_app(page, site)
    yield page
    context.close()
    assert log.foreign(site) == [], f"the page asked another host than {site}"


@pytest.fixture
def lab(lab_page):
    """The page with a held-out 3 on the pad, read, and the lab open and loaded."""
    page = lab_page
    if page.evaluate("digitpad.pad.strokeCount"):
        helpers.clear(page)
    draw_three(page)
    open_lab(page)
    return page


def draw_three(page) -> dict:
    page.locator("#pad").scroll_into_view_if_needed()  # the lab is far below it
    shown = helpers.draw(page, helpers.centered(helpers.pinned_sample(10)[3], helpers.raster_width(page)))
    assert shown["value"] == "3"
    return shown


def open_lab(page):
    set_teaching(page, True)
    helpers.wait_until(page, "['ready', 'unavailable'].includes(document.querySelector('#lab').dataset.batch)")
    helpers.wait_until(page, "['ready', 'failed'].includes(document.querySelector('#lab').dataset.editor)")
    assert page.get_attribute("#lab", "data-editor") == "ready"


def need_batch(page):
    if page.get_attribute("#lab", "data-batch") != "ready":
        pytest.skip("this build has no static/batch.json (built without the pen-digits file)")


def accuracy(page, selector: str, timeout: float = 60_000) -> float:
    helpers.wait_until(
        page, f"['done', 'failed'].includes(document.querySelector('{selector}').dataset.state)", timeout
    )
    assert page.get_attribute(selector, "data-state") == "done", page.inner_text("#code-error")
    return float(page.get_attribute(selector, "data-value"))


def pixels(page, selector: str) -> list[int]:
    """A 28 x 28 canvas's gray levels."""
    return page.eval_on_selector(
        selector,
        "c => Array.from(c.getContext('2d').getImageData(0, 0, 28, 28).data.filter((_, i) => i % 4 === 0))",
    )


def center_of_mass(levels: list[int]) -> tuple[float, float]:
    total = sum(levels)
    x = sum((i % 28 + 0.5) * v for i, v in enumerate(levels)) / total
    y = sum((i // 28 + 0.5) * v for i, v in enumerate(levels)) / total
    return x, y


def set_code(page, text: str):
    """Replace the editor's text, as a learner pasting it would."""
    page.click("#code .cm-content")
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(text)
    assert page.evaluate("document.querySelector('#code').value") == text


def run_code(page):
    page.click("#run-code")


def test_nothing_of_the_lab_is_fetched_before_the_steps_open(lab_page):
    page = lab_page
    if page.get_attribute("#teach", "aria-pressed") != "true":
        if page.evaluate("digitpad.pad.strokeCount"):
            helpers.clear(page)
        draw_three(page)  # a read with the steps closed: nothing of the lab either
        page.wait_for_timeout(300)
        asked = [url for url in page.requests if any(part in url for part in LAB_FILES)]
        assert asked == []
        assert page.is_hidden("#lab")
    open_lab(page)
    asked = [url for url in page.requests if any(part in url for part in LAB_FILES)]
    assert any("vendor/codemirror/editor.js" in url for url in asked)
    assert any("static/batch.json" in url for url in asked) or page.get_attribute("#lab", "data-batch") == "unavailable"


def test_the_unchanged_code_reads_the_batch_as_the_page_does(lab):
    page = lab
    need_batch(page)
    shipped = accuracy(page, "#shipped-accuracy")
    assert shipped >= 0.95
    assert page.evaluate("document.querySelector('#code').value") == SOURCE
    run_code(page)
    mine = accuracy(page, "#batch-accuracy")
    assert mine == shipped
    assert page.inner_text("#batch-accuracy").endswith("of 300")
    assert page.is_hidden("#code-error")
    assert page.get_attribute("#code-reading", "data-value") == "3"
    assert pixels(page, "#code-input") == pixels(page, "#seen")  # the input the page read
    assert page.evaluate("labViolations") == []


def test_an_edit_that_drops_the_centering_costs_accuracy(lab):
    page = lab
    need_batch(page)
    shipped = accuracy(page, "#shipped-accuracy")
    set_code(page, NOT_CENTERED)
    run_code(page)
    mine = accuracy(page, "#batch-accuracy")
    assert mine < shipped - 0.1
    x, y = center_of_mass(pixels(page, "#code-input"))
    assert x < 11 and y < 11  # left in the corner, where the fit put it
    assert center_of_mass(pixels(page, "#seen")) == pytest.approx((14, 14), abs=0.6)  # the pad reads as shipped
    page.click("#reset-code")


def test_a_syntax_error_is_shown_and_the_pad_keeps_reading(lab):
    page = lab
    page.click("#reset-code")
    page.click("#code .cm-content")
    page.keyboard.press("Control+Home")
    page.keyboard.type("def (")
    run_code(page)
    assert page.is_visible("#code-error")
    error = page.inner_text("#code-error")
    assert 'File "<your preprocess.py>", line 1' in error
    assert "SyntaxError" in error.splitlines()[-1]
    # Asking to read the pad with it runs it, fails, and leaves the shipped code reading.
    page.click("#use-code")
    assert not page.is_checked("#use-code")
    helpers.clear(page)
    shown = draw_three(page)
    assert shown["value"] == "3"
    assert page.evaluate("labViolations") == []
    page.click("#reset-code")


def test_reset_restores_the_shipped_source(lab):
    page = lab
    set_code(page, "print('hello')\n")
    page.click("#reset-code")
    assert page.evaluate("document.querySelector('#code').value") == SOURCE
    assert page.is_hidden("#code-error")


def test_the_what_if_toggles_change_the_input_and_squashing_costs_accuracy(lab):
    page = lab
    shown = helpers.prediction(page)
    inputs = {"": pixels(page, "#what-if-input")}
    assert inputs[""] == pixels(page, "#seen")  # nothing skipped: the page's own input
    assert page.get_attribute("#what-if-reading", "data-value") == "3"
    for skip in ("center", "crop", "squash"):
        page.check(f'#lab [data-skip="{skip}"]')
        inputs[skip] = pixels(page, "#what-if-input")
        page.uncheck(f'#lab [data-skip="{skip}"]')
    assert len({tuple(levels) for levels in inputs.values()}) == 4
    assert center_of_mass(inputs["center"]) != pytest.approx((14, 14), abs=0.6)
    assert sum(v > 0 for v in inputs["crop"]) < sum(v > 0 for v in inputs[""]) / 2  # drawn small
    # Squashing leaves nothing else to skip.
    page.check('#lab [data-skip="squash"]')
    assert page.is_disabled('#lab [data-skip="crop"]') and page.is_disabled('#lab [data-skip="center"]')
    if page.get_attribute("#lab", "data-batch") == "ready":
        squashed = accuracy(page, "#what-if-accuracy")
        assert squashed < accuracy(page, "#shipped-accuracy") - 0.1
    page.uncheck('#lab [data-skip="squash"]')
    assert page.is_enabled('#lab [data-skip="crop"]')
    # The reading at the top stayed the shipped pipeline's.
    assert helpers.prediction(page) == shown
    assert pixels(page, "#seen") == inputs[""]


def test_the_pad_reads_while_the_batch_is_measured(lab):
    page = lab
    need_batch(page)
    accuracy(page, "#shipped-accuracy")
    helpers.clear(page)
    # What the accuracy says, and the state it is in whenever the pad shows a reading.
    page.evaluate(
        """() => {
            const out = document.querySelector('#what-if-accuracy');
            window.labSeen = {progress: [], readings: []};
            window.labWatch = new MutationObserver(() => labSeen.progress.push(out.textContent));
            labWatch.observe(out, {childList: true, characterData: true, subtree: true});
            window.padWatch = new MutationObserver(() => labSeen.readings.push(out.dataset.state));
            padWatch.observe(document.querySelector('#prediction'), {attributeFilter: ['data-seq']});
        }"""
    )
    page.check('#lab [data-skip="crop"]')
    page.check('#lab [data-skip="center"]')  # a pipeline no test measured before
    assert page.get_attribute("#what-if-accuracy", "data-state") in ("waiting", "running")
    assert draw_three(page)["value"] == "3"
    assert 0.5 < accuracy(page, "#what-if-accuracy") < accuracy(page, "#shipped-accuracy")
    seen = page.evaluate("labWatch.disconnect(), padWatch.disconnect(), labSeen")
    progress = [text for text in seen["progress"] if text.startswith("measuring… ")]
    assert len(set(progress)) >= 3  # it showed how far it got, slice by slice
    assert "running" in seen["readings"]  # the pad read while the batch was measured
    page.uncheck('#lab [data-skip="center"]')
    page.uncheck('#lab [data-skip="crop"]')


def test_the_pad_reads_with_the_edited_code_only_when_asked(lab):
    page = lab
    shipped_input = pixels(page, "#seen")
    set_code(page, NOT_CENTERED)
    run_code(page)
    assert pixels(page, "#seen") == shipped_input  # run, but not used for reading
    seq = helpers.prediction(page)["seq"]
    page.check("#use-code")
    helpers.wait_until(page, f"Number(document.querySelector('#prediction').dataset.seq) > {seq}")
    x, y = center_of_mass(pixels(page, "#seen"))
    assert x < 11 and y < 11  # what the network read: the edited code's input
    assert pixels(page, "#seen") == pixels(page, "#code-input")
    seq = helpers.prediction(page)["seq"]
    page.uncheck("#use-code")
    helpers.wait_until(page, f"Number(document.querySelector('#prediction').dataset.seq) > {seq}")
    assert pixels(page, "#seen") == shipped_input
    page.click("#reset-code")


def test_code_that_fails_on_the_pad_gives_the_reading_back_to_the_shipped_code(lab):
    page = lab
    failing = SOURCE.replace("    fitted = normalize(fitted)\n", "    fitted = normalize(fitted)\n    assert width > 1000, 'too narrow'\n", 1)
    set_code(page, failing)
    page.click("#use-code")  # runs it: it fails on the digit in focus, and on the pad
    helpers.wait_until(page, "!document.querySelector('#code-error').hidden")
    error = page.inner_text("#code-error")
    assert "AssertionError: too narrow" in error and "in prepare" in error
    helpers.wait_until(page, "!document.querySelector('#use-code').checked")
    helpers.clear(page)
    assert draw_three(page)["value"] == "3"
    assert center_of_mass(pixels(page, "#seen")) == pytest.approx((14, 14), abs=0.6)
    page.click("#reset-code")


def test_the_lab_works_offline(lab):
    page = lab
    helpers.wait_until(page, "navigator.serviceWorker.controller !== null", timeout=30_000)
    page.context.set_offline(True)
    try:
        page.reload()
        helpers.wait_ready(page)
        draw_three(page)
        open_lab(page)
        assert page.get_attribute("#lab", "data-batch") in ("ready", "unavailable")
        if page.get_attribute("#lab", "data-batch") == "ready":
            assert accuracy(page, "#shipped-accuracy") >= 0.95
    finally:
        page.context.set_offline(False)
    assert page.evaluate("labViolations") == []
