"""The page's URL options, as static/options.js reads them in Chromium, and as
digitpad/embed.py takes what it read."""

from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digitpad import embed
from digitpad.embed import Options, options_from

DEFAULTS = {"embed": False, "bars": True, "theme": "auto", "mode": "number", "origin": "*", "messages": True}
PARSE = """async (search) => {
  const { parseOptions } = await import("./options.js");
  const options = parseOptions(search);
  return { options, frozen: Object.isFrozen(options) };
}"""


@pytest.fixture(scope="module")
def page(browser, site):
    """A page of the site's origin that loads nothing else: options.js itself."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(site + "static/options.js")
    yield page
    context.close()


def parse(page, search: str) -> dict:
    result = page.evaluate(PARSE, search)
    assert result["frozen"], search
    return result["options"]


def test_no_options_is_the_full_page(page):
    assert parse(page, "") == parse(page, "?") == DEFAULTS
    assert Options(**DEFAULTS) == Options()


@pytest.mark.parametrize(
    "query, expected",
    [
        ("?embed", {"embed": True}),
        ("?embed=1", {"embed": True}),
        ("?embed=true&bars=0", {"embed": True, "bars": False}),
        ("?embed&bars=off&theme=dark&mode=digit", {"embed": True, "bars": False, "theme": "dark", "mode": "digit"}),
        ("embed&theme=LIGHT", {"embed": True, "theme": "light"}),  # with or without "?"
        ("?theme=auto&mode=number", {}),
        ("?embed=0", {"embed": False}),
        ("?bars=1", {"bars": True}),
        ("?bars=0&bars=1", {"bars": False}),  # the first value counts
        ("?mode=DIGIT&mode=number", {"mode": "digit"}),
        ("?from=home-screen&embed", {"embed": True}),  # other parameters are no business of ours
    ],
)
def test_options(page, query, expected):
    assert parse(page, query) == {**DEFAULTS, **expected}


@pytest.mark.parametrize(
    "query", ["?bars=maybe", "?theme=purple", "?mode=letters", "?Embed", "?embed=2", "?theme=", "?mode", "?THEME=dark"]
)
def test_unknown_values_keep_the_defaults(page, query):
    assert parse(page, query) == DEFAULTS


@pytest.mark.parametrize(
    "text, origin",
    [
        ("https://course.example.org", "https://course.example.org"),
        ("https://Course.Example.ORG/", "https://course.example.org"),
        ("https://course.example.org:443", "https://course.example.org"),
        ("http://127.0.0.1:8001", "http://127.0.0.1:8001"),
        ("http://localhost:80", "http://localhost"),
        ("http://[::1]:8888", "http://[::1]:8888"),
        ("https://café.example", "https://xn--caf-dma.example"),  # as event.origin writes it
        ("*", "*"),
    ],
)
def test_origins_are_written_as_the_browser_writes_them(page, text, origin):
    options = parse(page, f"?origin={quote(text, safe='')}")
    assert options["origin"] == origin and options["messages"]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "course.example.org",
        "javascript:alert(1)",
        "file:///home/me",
        "ftp://course.example.org",
        "https://course.example.org/lesson/2",
        "https://course.example.org?x=1",
        "https://course.example.org#top",
        "https://user:pw@course.example.org",
        "https://example.org:99999",
        "http://[::1",
        "null",
        "**",
    ],
)
def test_a_misspelt_origin_talks_to_nobody(page, text):
    options = parse(page, f"?embed&origin={quote(text, safe='')}")
    assert options == {**DEFAULTS, "embed": True, "messages": False}
    assert not embed.accepts(options_from(options), "https://course.example.org")


names = st.sampled_from(["embed", "bars", "theme", "mode", "origin", "Embed"]) | st.text(max_size=6)
values = st.sampled_from(["", "0", "1", "dark", "LIGHT", "digit", "http://127.0.0.1:8001", "*"]) | st.text()
queries = st.text() | st.lists(st.tuples(names, values), max_size=6).map(
    lambda pairs: "?" + "&".join(f"{k}={v}" for k, v in pairs)
)


@settings(max_examples=500, deadline=None)
@given(queries)
def test_any_query_gives_valid_options_that_python_takes_whole(page, query):
    options = parse(page, query)
    assert options.keys() == DEFAULTS.keys()
    assert options["theme"] in embed.THEMES and options["mode"] in embed.MODES
    assert all(type(options[name]) is bool for name in ("embed", "bars", "messages"))
    origin = options["origin"]
    assert origin == "*" or parse(page, f"?origin={quote(origin, safe='')}")["origin"] == origin
    assert options_from(options) == Options(**options)
