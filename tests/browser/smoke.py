"""The smoke suite each engine runs (tests/browser/test_firefox.py, test_webkit.py):
the built page in a real browser, from a first visit on, with the real model.

One browser and one test server per engine. The first visit is cold (a fresh
profile); its requests, as the server saw them, are kept for the check that each file
comes over the network once. The offline check comes last: it takes the server away.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import ClassVar

import pytest

from digitpad.pad import RASTER_HEIGHT
from tests.browser import engines, helpers

FRAME = "document.querySelector('#answer')"  # the host page's iframe (engines.host_page)
PAD = f"{FRAME}.contentWindow"


@dataclass
class Visit:
    browser: engines.Engine
    server: engines.RecordingServer
    first_visit: list[tuple[str, int]] = field(default_factory=list)
    errors_at_start: list[str] = field(default_factory=list)
    ready_s: float = 0.0


class SmokeSuite:
    """Subclassed once per engine, with ``Engine`` set to its engines.Engine."""

    Engine: type[engines.Engine]
    # Paths this engine asks for once more than the page does, and why (see
    # engines.fetched_too_often).
    ASKS_ITSELF: ClassVar[dict[str, str]] = {}

    @pytest.fixture(scope="class")
    @classmethod
    def visit(cls):
        server = engines.RecordingServer()
        try:
            browser = cls.Engine()
        except BaseException:
            server.stop()
            raise
        try:
            started = time.monotonic()
            browser.open_app(server.url)
            visit = Visit(browser, server, ready_s=time.monotonic() - started)
            visit.errors_at_start = browser.errors()
            # The worker takes the page over once it has cached the site; then the
            # first visit has asked for all it will.
            browser.wait("navigator.serviceWorker.controller !== null", timeout=engines.READY_S)
            visit.first_visit = server.quiet()
            print(
                f"\n{browser.name} {browser.version}: a first visit ready in {visit.ready_s:.1f} s"
            )
            yield visit
        finally:
            browser.close()
            server.stop()

    @pytest.fixture
    def page(self, visit):
        """The app, ready, with an empty pad."""
        browser = visit.browser
        if (
            browser.js("location.href") != visit.server.url
            or browser.js("document.body.dataset.state") != "ready"
        ):
            browser.open_app(visit.server.url)
        if browser.js("digitpad.pad.strokeCount"):
            clear(browser)
        yield browser
        assert browser.errors() == []

    # --- the checks, in the order they run --------------------------------------------

    def test_the_page_gets_ready_without_errors(self, visit):
        assert visit.errors_at_start == []
        assert visit.browser.js("document.body.dataset.state") == "ready"
        assert visit.browser.js("digitpad.readyMs") > 0

    def test_a_first_visit_fetches_each_file_once(self, visit):
        too_often = engines.fetched_too_often(visit.first_visit, extra=self.ASKS_ITSELF)
        assert too_often == {}, f"asked for more than once (path: statuses in order): {too_often}"

    def test_pointer_actions_draw_digits_it_reads(self, page):
        samples = helpers.pinned_sample(10)
        for digit in (2, 5, 8):
            shown = page.draw_digit(samples[digit])
            assert shown["value"] == str(digit), (
                f"writer {samples[digit].writer}'s {digit}: {shown}"
            )
            clear(page)

        # A number, its right digit written first: the order on the pad is what counts.
        width = page.js("digitpad.pad.rasterWidth")
        four, two = helpers.pinned_sample(30)[4], helpers.pinned_sample(30)[2]
        page.draw(helpers.centered(two, width, left=width / 2))
        shown = page.draw(helpers.centered(four, width, left=width / 2 - RASTER_HEIGHT * 0.75))
        assert shown["value"] == "42"
        assert page.js("document.querySelectorAll('#digits li').length") == 2

    def test_clear_and_undo_buttons_and_keys(self, page):
        width = page.js("digitpad.pad.rasterWidth")
        samples = helpers.pinned_sample(10)
        first, second = samples[1], samples[7]
        page.draw(helpers.centered(first, width, left=40))
        both = page.draw(helpers.centered(second, width, left=width / 2))
        assert len(both["value"]) == 2

        for _ in second.strokes:
            page.click("#undo")
        page.wait(f"digitpad.pad.strokeCount === {len(first.strokes)}")
        one = page.prediction()
        assert one["value"] == both["value"][0] and one["seq"] > both["seq"]

        page.press(engines.CONTROL, "z")
        page.wait(f"digitpad.pad.strokeCount === {len(first.strokes) - 1}")

        page.click("#clear")
        page.wait("digitpad.pad.strokeCount === 0")
        cleared = page.prediction()
        assert cleared["value"] == "" and cleared["text"] == "Draw a digit"

        page.draw_digit(samples[3])
        before = page.prediction()["seq"]
        page.press(engines.ESCAPE)
        page.wait(f"digitpad.pad.strokeCount === 0 && {page.seq_of()} > {before}")
        assert page.prediction()["value"] == ""

    def test_an_embedded_pad_tells_the_host_page_what_was_written(self, visit):
        browser, server = visit.browser, visit.server
        browser.goto(server.url + server.HOST_PAGE.lstrip("/"))
        browser.hook_errors()
        browser.wait(
            f"{PAD}.document.body?.dataset.state !== 'loading' && {PAD}.digitpad",
            timeout=engines.READY_S,
        )
        browser.wait_ready(document=f"{PAD}.document")
        browser.hook_errors(PAD)
        assert browser.js(f"{PAD}.document.documentElement.dataset.embed") == ""
        browser.wait("messages.some((m) => m.data?.type === 'digitpad:ready')")

        seven = helpers.pinned_sample(10)[7]
        browser.draw_digit(seven, window=PAD, offset=FRAME)
        message = browser.wait(
            "messages.findLast((m) => m.data?.type === 'digitpad:prediction' && m.data.value)"
        )
        data = message["data"]
        assert message["origin"] == server.url.rstrip("/")
        assert (data["value"], data["confident"], data["mode"]) == ("7", True, "number")
        assert [d["value"] for d in data["digits"]] == [7]
        assert len(data["probabilities"]) == 1 and sum(data["probabilities"][0]) == pytest.approx(
            1, abs=1e-3
        )

        # The host clears the pad; the pad says it is empty.
        browser.js(f"{PAD}.postMessage({{type: 'digitpad:clear'}}, location.origin)")
        browser.wait(f"{PAD}.digitpad.pad.strokeCount === 0 && messages.at(-1).data.value === ''")
        assert browser.errors() + browser.errors(PAD) == []

    def test_a_later_visit_works_offline(self, visit):
        browser, server = visit.browser, visit.server
        browser.open_app(server.url)
        browser.wait("navigator.serviceWorker.controller !== null")
        server.stop()
        try:
            browser.open_app(server.url)
            shown = browser.draw_digit(helpers.pinned_sample(10)[3])
            assert shown["value"] == "3"
            assert browser.errors() == []
            # Truly offline: what the worker has not cached does not come.
            assert (
                browser.js("fetch('not-cached.txt').then(() => 'came', () => 'failed')") == "failed"
            )
            browser.errors()  # that failure is all they hold
        finally:
            server.start()


def clear(browser: engines.Engine) -> None:
    seq = browser.prediction()["seq"]
    browser.click("#clear")
    browser.wait(f"digitpad.pad.strokeCount === 0 && {browser.seq_of()} > {seq}")
