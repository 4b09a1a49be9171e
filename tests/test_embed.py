"""The embedded pad's URL options and messages (digitpad.embed)."""

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digitpad import embed
from digitpad.embed import Options, accepts, command, normalize_origin, parse_options
from digitpad.reader import EMPTY, Reader
from tests.test_reader import InkClassifier, bar, circle, numpy_raster

WIDTH = 620


# --- options ---------------------------------------------------------------------------


def test_no_options_is_the_full_page():
    assert parse_options("") == parse_options("?") == Options()
    assert Options() == Options(embed=False, bars=True, theme="auto", mode="number", origin="*")


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
        ("?bars=0&bars=1", {"bars": False}),  # the first value counts, as URLSearchParams.get
        ("?from=home-screen&embed", {"embed": True}),  # other parameters are no business of ours
    ],
)
def test_options(query, expected):
    assert parse_options(query) == Options(**expected)


@pytest.mark.parametrize(
    "query", ["?bars=maybe", "?theme=purple", "?mode=letters", "?Embed", "?embed=2", "?theme=", "?mode"]
)
def test_unknown_values_keep_the_defaults(query):
    assert parse_options(query) == Options()


@pytest.mark.parametrize(
    "text, origin",
    [
        ("https://course.example.org", "https://course.example.org"),
        ("https://Course.Example.ORG/", "https://course.example.org"),
        ("https://course.example.org:443", "https://course.example.org"),
        ("http://127.0.0.1:8001", "http://127.0.0.1:8001"),
        ("http://localhost:80", "http://localhost"),
        ("http://[::1]:8888", "http://[::1]:8888"),
        ("*", "*"),
    ],
)
def test_origins_are_written_as_the_browser_writes_them(text, origin):
    assert normalize_origin(text) == origin
    assert parse_options(f"?origin={text}").origin == origin


@pytest.mark.parametrize(
    "text",
    [
        "",
        "course.example.org",
        "javascript:alert(1)",
        "file:///home/me",
        "https://course.example.org/lesson/2",
        "https://course.example.org?x=1",
        "https://user:pw@course.example.org",
        "https://exa mple.org",
        "https://café.example",
        "https://example.org:99999",
        "http://[::1",
        "null",
    ],
)
def test_a_misspelt_origin_talks_to_nobody(text):
    assert normalize_origin(text) is None
    options = parse_options(f"?embed&origin={text}")
    assert options.embed and not options.messages
    assert not accepts(options, "https://course.example.org")


def test_an_origin_restricts_who_is_heard():
    anyone = parse_options("?embed")
    only = parse_options("?embed&origin=https://course.example.org")
    assert accepts(anyone, "https://elsewhere.example") and accepts(anyone, "null")
    assert accepts(only, "https://course.example.org")
    assert not accepts(only, "https://elsewhere.example")
    assert not accepts(only, "http://course.example.org")


names = st.sampled_from(["embed", "bars", "theme", "mode", "origin", "Embed"]) | st.text(max_size=6)
values = st.sampled_from(["", "0", "1", "dark", "LIGHT", "digit", "http://127.0.0.1:8001", "*"]) | st.text()
queries = st.text() | st.lists(st.tuples(names, values), max_size=6).map(
    lambda pairs: "?" + "&".join(f"{k}={v}" for k, v in pairs)
)


@settings(max_examples=500, deadline=None)
@given(queries)
def test_any_query_gives_valid_options(query):
    options = parse_options(query)
    assert options.theme in embed.THEMES and options.mode in embed.MODES
    assert isinstance(options.embed, bool) and isinstance(options.bars, bool)
    assert options.origin == "*" or normalize_origin(options.origin) == options.origin


# --- messages from the host ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["digitpad:clear", "digitpad:undo"])
def test_commands(kind):
    assert command({"type": kind}) == kind


@pytest.mark.parametrize(
    "message",
    [
        None,
        "digitpad:clear",
        ["digitpad:clear"],
        {},
        {"type": "digitpad:Clear"},
        {"type": "digitpad:prediction"},
        {"type": "clear"},
        {"type": ["digitpad:clear"]},
        {"type": "digitpad:clear", "then": "digitpad:undo"},
        {"kind": "digitpad:clear"},
        {1: "digitpad:clear"},
    ],
)
def test_anything_else_is_ignored(message):
    assert command(message) is None


class Tricky(dict):
    """A dict subclass, as no structured clone ever makes: not a plain object."""


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.sampled_from(embed.COMMANDS),
    lambda children: st.lists(children) | st.dictionaries(st.text() | st.sampled_from(["type"]), children),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_any_message_is_ignored_or_a_command(message):
    kind = command(message)
    assert kind is None or (kind in embed.COMMANDS and message == {"type": kind})


def test_only_plain_dicts_count():
    assert command(Tricky(type="digitpad:clear")) is None


# --- messages to the host ----------------------------------------------------------------


def read(strokes):
    return Reader(numpy_raster(strokes), InkClassifier()).read(strokes, WIDTH)


def test_a_prediction_message():
    reading = read([bar(120), circle(470, 140)])
    message = embed.prediction_message(reading, Options(embed=True))
    assert json.loads(json.dumps(message)) == message  # plain data, as postMessage clones it
    assert message["type"] == "digitpad:prediction" and message["mode"] == "number"
    assert message["value"] == reading.text == "10"
    assert len(message["probabilities"]) == 2
    assert all(len(p) == 10 and math.isclose(sum(p), 1, abs_tol=1e-4) for p in message["probabilities"])
    assert [d["value"] for d in message["digits"]] == [1, 0]
    for digit, p in zip(message["digits"], message["probabilities"]):
        assert digit["confidence"] == max(p)
        assert digit["verdict"] in ("digit", "unsure", "not a digit")
    assert message["confidence"] == pytest.approx(math.prod(d["confidence"] for d in message["digits"]), abs=1e-5)
    assert message["confident"] == all(d["verdict"] == "digit" for d in message["digits"])


def test_an_empty_pad_says_so():
    message = embed.prediction_message(EMPTY, Options())
    assert message == {
        "type": "digitpad:prediction",
        "mode": "number",
        "value": "",
        "confidence": 0.0,
        "confident": False,
        "probabilities": [],
        "digits": [],
    }


def test_ready_message():
    assert embed.ready_message(parse_options("?mode=digit")) == {"type": "digitpad:ready", "mode": "digit"}


# --- mode=digit ----------------------------------------------------------------------------


def test_one_digit_mode_reads_everything_as_one_digit():
    strokes = [bar(100), bar(300)]
    assert len(read(strokes).digits) == 2
    classify = InkClassifier()
    reader = Reader(numpy_raster(strokes), classify)
    reading = embed.read_as_one_digit(reader, strokes, WIDTH)
    assert len(reading.digits) == 1 and reading.focus == 0
    assert reading.digits[0].strokes == (0, 1)
    assert classify.batches == [1]


def test_one_digit_mode_prepares_a_digit_as_the_reader_does():
    strokes = [circle(300, 140, 80), bar(300, 30, 250)]
    whole = read(strokes)
    reader = Reader(numpy_raster(strokes), InkClassifier())
    one = embed.read_as_one_digit(reader, strokes, WIDTH)
    assert len(whole.digits) == 1
    assert one.digits[0].pixels == whole.digits[0].pixels
    assert one.digits[0].box == whole.digits[0].box
    assert one.digits[0].verdict == whole.digits[0].verdict


def test_one_digit_mode_of_nothing_is_empty():
    reader = Reader(numpy_raster([]), InkClassifier())
    assert embed.read_as_one_digit(reader, [], WIDTH) is EMPTY
    off_pad = [[(-500, -500), (-490, -500)]]
    reader = Reader(numpy_raster(off_pad), InkClassifier())
    assert embed.read_as_one_digit(reader, off_pad, WIDTH) is EMPTY
