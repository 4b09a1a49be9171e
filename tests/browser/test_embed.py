"""The pad embedded in another site: examples/notebook-site on one origin holds the pad
(dist/) from another in an iframe; they talk only through postMessage."""

from contextlib import contextmanager
from urllib.parse import quote, urlsplit

import pytest

from tests.browser import helpers

EXAMPLE = helpers.ROOT / "examples" / "notebook-site"


@contextmanager
def two_origins(pad_dir=helpers.DIST):
    """The pad and the course page on two ports of 127.0.0.1: two origins."""
    with helpers.serving(pad_dir) as pad_site, helpers.serving(EXAMPLE) as course_site:
        yield pad_site, course_site


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def course_url(course_site: str, pad_url: str) -> str:
    return f"{course_site}index.html?pad={quote(pad_url, safe='')}"


class Course:
    """The course page, its pad frame, and every error either reports."""

    def __init__(self, context, url):
        self.errors = []
        self.page = context.new_page()
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.goto(url)
        self.frame = self.page.wait_for_selector("#answer-pad").content_frame()
        self.frame.wait_for_load_state()
        helpers.wait_ready(self.frame)

    def answer(self) -> dict:
        return self.page.eval_on_selector(
            "#answer", "e => ({value: e.dataset.value, verdict: document.querySelector('#verdict').dataset.verdict})"
        )

    def strokes(self) -> int:
        return self.frame.evaluate("digitpad.pad.strokeCount")

    def draw(self, strokes):
        """Draw raster strokes in the frame with the page's mouse."""
        box = self.frame.locator("#pad").bounding_box()  # in the course page's pixels
        before = self.strokes()
        for stroke in strokes:
            self.page.mouse.move(*helpers.to_screen(box, *stroke[0]))
            self.page.mouse.down()
            for point in stroke[1:]:
                self.page.mouse.move(*helpers.to_screen(box, *point))
            self.page.mouse.up()
        helpers.wait_until(self.frame, f"digitpad.pad.strokeCount === {before + len(strokes)}")

    def draw_digit(self, sample):
        self.draw(helpers.centered(sample, self.frame.evaluate("digitpad.pad.rasterWidth")))

    def post(self, script: str):
        """Run ``script`` with ``pad`` bound to the frame's window, from the course page."""
        self.page.evaluate(f"() => {{ const pad = document.querySelector('#answer-pad').contentWindow; {script} }}")


@pytest.fixture(scope="module")
def course(browser):
    """The course page with its pad, both served, for the whole module."""
    with two_origins() as (pad_site, course_site):
        context = browser.new_context(viewport={"width": 1000, "height": 900})
        log = helpers.RequestLog(context)
        try:
            yield Course(context, course_url(course_site, pad_site + "index.html?embed"))
        finally:
            context.close()
        asked = {origin(url) for url in log.urls if urlsplit(url).scheme.startswith("http")}
        assert asked == {origin(pad_site), origin(course_site)}


@pytest.fixture
def fresh(course):
    """The course page with an empty pad."""
    if course.strokes():
        course.page.click("#clear")
        helpers.wait_until(course.frame, "digitpad.pad.strokeCount === 0")
    helpers.wait_until(course.page, "document.querySelector('#answer').dataset.value === ''")
    return course


def test_the_course_page_reads_the_answer_and_clears_the_pad(fresh):
    course = fresh
    seven = helpers.pinned_sample(10)[7]
    course.draw_digit(seven)
    helpers.wait_until(course.page, "document.querySelector('#answer').dataset.value === '7'")
    assert course.answer() == {"value": "7", "verdict": "correct"}
    assert course.frame.get_attribute("#prediction", "data-value") == "7"

    course.page.click("#clear")  # the course page's button: a digitpad:clear message
    helpers.wait_until(course.frame, "document.querySelector('#prediction').dataset.value === ''")
    assert course.strokes() == 0
    helpers.wait_until(course.page, "document.querySelector('#answer').dataset.value === ''")

    course.draw_digit(helpers.pinned_sample(10)[3])
    helpers.wait_until(course.page, "document.querySelector('#answer').dataset.value === '3'")
    assert course.answer()["verdict"] == "incorrect"
    assert course.errors == []


def test_the_frame_shows_only_the_pad_and_its_reading(course):
    frame = course.frame
    for hidden in (".masthead", ".footer", ".how", ".keys"):
        assert not frame.locator(hidden).is_visible(), hidden
    for shown in ("#pad", "#prediction", "#probabilities", "#clear", "#undo"):
        assert frame.locator(shown).is_visible(), shown
    # The frame's content fits it: nothing to scroll.
    assert frame.evaluate("document.documentElement.scrollHeight <= innerHeight + 1")


def test_the_pad_tells_the_host_each_reading(fresh):
    course = fresh
    course.page.evaluate(
        "window.heard = []; addEventListener('message', e => e.data?.type?.startsWith('digitpad:') && heard.push(e.data))"
    )
    samples = helpers.pinned_sample(10)
    width = course.frame.evaluate("digitpad.pad.rasterWidth")
    course.draw(helpers.centered(samples[4], width, left=width / 2 - 210))
    course.draw(helpers.centered(samples[2], width, left=width / 2))
    helpers.wait_until(course.page, "document.querySelector('#answer').dataset.value === '42'")
    last = course.page.evaluate("heard.at(-1)")
    assert last["type"] == "digitpad:prediction" and last["value"] == "42" and last["mode"] == "number"
    assert [d["value"] for d in last["digits"]] == [4, 2]
    assert len(last["probabilities"]) == 2 and all(len(p) == 10 for p in last["probabilities"])
    assert last["confident"] is True and 0 < last["confidence"] <= 1, last["digits"]
    # One message per pen lift, none while a stroke is drawn.
    strokes = len(samples[4].strokes) + len(samples[2].strokes)
    assert course.page.evaluate("heard.length") == strokes


def test_malformed_or_foreign_messages_are_ignored(fresh):
    course = fresh
    four = helpers.pinned_sample(10)[4]
    course.draw_digit(four)
    drawn = course.strokes()
    assert drawn >= 2
    course.post(
        """
        const junk = [
          "digitpad:clear", null, 42, ["digitpad:clear"], {}, {type: "clear"},
          {type: "digitpad:Clear"}, {type: ["digitpad:clear"]}, {type: "digitpad:prediction"},
          {type: "digitpad:clear", also: "digitpad:undo"}, {kind: "digitpad:undo"},
          new Map([["type", "digitpad:clear"]]), new Date(), new Uint8Array(8),
          Object.assign(Object.create(null), {type: "digitpad:clear", x: 1}),
          {type: "digitpad:clear", nested: {deep: [1, {type: "digitpad:undo"}]}},
        ];
        for (const message of junk) pad.postMessage(message, "*");
        """
    )
    # A window other than the host (here the pad's own) is not obeyed either.
    course.frame.evaluate(
        """() => new Promise((done) => {
             addEventListener("message", (e) => e.data === "done" && done());
             postMessage({type: "digitpad:clear"}, "*");
             postMessage("done", "*");
           })"""
    )
    # Messages arrive in order: once this undo is done, all of the above were seen.
    course.post('pad.postMessage({type: "digitpad:undo"}, "*");')
    helpers.wait_until(course.frame, f"digitpad.pad.strokeCount === {drawn - 1}")
    assert course.strokes() == drawn - 1
    assert course.frame.get_attribute("body", "data-state") == "ready"
    assert course.errors == []


def test_a_pad_for_another_origin_neither_tells_nor_obeys(browser):
    with two_origins() as (pad_site, course_site):
        context = browser.new_context()
        try:
            course = Course(context, course_url(course_site, pad_site + "index.html?embed&origin=http://127.0.0.1:1"))
            course.draw_digit(helpers.pinned_sample(10)[7])
            helpers.wait_until(course.frame, "document.querySelector('#prediction').dataset.value === '7'")
            course.page.click("#clear")
            course.post('pad.postMessage({type: "digitpad:undo"}, "*");')
            course.page.wait_for_timeout(500)
            assert course.strokes() > 0
            assert course.answer()["value"] == ""  # it heard nothing
        finally:
            context.close()


def test_works_where_service_workers_are_off_limits(browser):
    """Some browsers refuse service workers to a third-party frame: the pad does without,
    Python still starts from its snapshot. It says when it is ready, then what it reads."""
    with two_origins() as (pad_site, course_site):
        context = browser.new_context()
        context.add_init_script(
            """Object.defineProperty(Navigator.prototype, "serviceWorker", {
                 get() { throw new DOMException("no service workers here", "SecurityError"); },
               });
               if (window === top) {
                 window.heard = [];
                 addEventListener("message", (e) => heard.push(e.data?.type));
               }"""
        )
        try:
            course = Course(context, course_url(course_site, pad_site + "index.html?embed"))
            assert course.frame.evaluate(
                "performance.getEntriesByName('digitpad: Python restored from its snapshot').length"
            ) == 1
            course.draw_digit(helpers.pinned_sample(10)[7])
            helpers.wait_until(course.page, "document.querySelector('#answer').dataset.value === '7'")
            heard = course.page.evaluate("heard")
            assert heard[:2] == ["digitpad:ready", "digitpad:prediction"]
            assert course.errors == []
        finally:
            context.close()


# What static/app.js sets on <html> for each query, before Python loads.
STYLED = {
    "?embed&bars=0&theme=dark": {"embed": "", "bars": "0", "theme": "dark"},
    "?embed=1&bars=false&theme=LIGHT": {"embed": "", "bars": "0", "theme": "light"},
    "?bars=0&bars=1&embed=no": {"bars": "0"},
    "?theme=purple&bars=maybe&embed=2": {},
    "?embed=&theme=auto&mode=digit": {"embed": ""},
    "?from=home-screen": {},
}


def test_the_page_styles_itself_from_its_options_before_python(new_context, site):
    """static/app.js styles the page from the URL before Python loads, and hands Python
    the very options it styled from."""
    page = new_context(site).new_page()
    for query, styled in STYLED.items():
        page.goto(site + "index.html" + query, wait_until="domcontentloaded")
        assert page.evaluate("({...document.documentElement.dataset})") == styled, query
        parsed = page.evaluate("async () => (await import('./static/options.js')).parseOptions(location.search)")
        assert page.evaluate("digitpad.options") == parsed, query


def test_embed_options_bars_and_theme(new_context, site):
    context = new_context(site, color_scheme="light", viewport={"width": 640, "height": 360})
    page = helpers.open_app(context.new_page(), site + "index.html?embed&bars=0&theme=dark")
    assert not page.locator("#probabilities").is_visible()
    assert page.locator("#prediction").is_visible() and page.locator("#pad").is_visible()
    assert not page.locator(".masthead").is_visible()
    colors = page.evaluate(
        "[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.querySelector('#pad')).color]"
    )
    assert colors == ["rgb(13, 15, 21)", "rgb(243, 244, 250)"]  # style.css's dark --bg and --ink
    # The dark theme's light ink is what the pad draws with.
    sample = helpers.pinned_sample(10)[1]
    assert helpers.draw(page, helpers.centered(sample, helpers.raster_width(page)))["value"] == "1"
    drawn = page.evaluate(
        """() => { const c = document.querySelector('#pad');
                   const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                   let best = 0, at = 0;
                   for (let i = 3; i < d.length; i += 4) if (d[i] > best) { best = d[i]; at = i - 3; }
                   return [d[at], d[at + 1], d[at + 2]]; }"""
    )
    assert min(drawn) > 200


LOOK = """() => {
  const style = (selector) => getComputedStyle(document.querySelector(selector));
  return {
    background: style("body").backgroundColor,
    text: style("body").color,
    ink: style("#pad").color,
    pad: style(".pad-frame").backgroundColor,
    card: style(".card").backgroundColor,
    border: style(".card").borderColor,
    shadow: style(".card").boxShadow,
    button: style("#clear").backgroundColor,
    track: style(".probabilities .bar").backgroundColor,
    muted: style(".tagline").color,
    drawn_ink: style(".shot.ink canvas").filter,
  };
}"""

LIGHT = {"background": "rgb(244, 245, 249)", "ink": "rgb(24, 27, 42)", "drawn_ink": "none"}
DARK = {"background": "rgb(13, 15, 21)", "ink": "rgb(243, 244, 250)", "drawn_ink": "invert(1)"}


def test_a_forced_theme_wins_over_the_system_setting(new_context, site):
    """theme=light|dark shows the palette the other system setting shows; without it
    (or with theme=auto) the system setting wins, also when it changes."""
    # Without motion: a colour change shows at once, not through a transition.
    context = new_context(site, viewport={"width": 640, "height": 360}, reduced_motion="reduce")
    page = context.new_page()

    def look(query, system):
        page.emulate_media(color_scheme=system)
        page.goto(site + "index.html" + query, wait_until="load")
        return page.evaluate(LOOK)

    light, dark = look("?embed", "light"), look("?embed", "dark")
    assert LIGHT.items() <= light.items() and DARK.items() <= dark.items()
    assert [name for name in light if light[name] == dark[name]] == []
    assert look("?embed&theme=dark", "light") == dark
    assert look("?embed&theme=light", "dark") == light
    assert look("?theme=dark", "light") == dark  # the whole page too, not only the frame
    assert look("?embed&theme=auto", "dark") == dark

    page.emulate_media(color_scheme="light")  # the visitor switches while the pad is open
    assert page.evaluate(LOOK) == light
    look("?embed&theme=dark", "dark")
    page.emulate_media(color_scheme="light")
    assert page.evaluate(LOOK) == dark


def test_one_digit_mode_from_a_subpath_offline(new_context, tmp_path):
    with helpers.serving_under(tmp_path, "courses/pad") as site:
        context = new_context(site, viewport={"width": 1280, "height": 500})
        page = helpers.open_app(context.new_page(), site + "index.html?embed&mode=digit")
        helpers.wait_until(page, "navigator.serviceWorker.controller !== null", timeout=30_000)
        context.set_offline(True)
        try:
            page.reload()
            helpers.wait_ready(page)
            assert page.get_attribute("html", "data-embed") == ""
            width = helpers.raster_width(page)
            samples = helpers.pinned_sample(10)
            # Two digits side by side: still one digit in this mode.
            helpers.draw(page, helpers.centered(samples[4], width, left=width / 2 - 240))
            shown = helpers.draw(page, helpers.centered(samples[2], width, left=width / 2))
            assert len(shown["value"]) == 1
            helpers.clear(page)
            assert helpers.draw(page, helpers.centered(samples[5], width))["value"] == "5"
        finally:
            context.set_offline(False)
