"""The embedded pad's URL options and messages (digitpad.embed)."""

import dataclasses
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digitpad import embed
from digitpad.embed import Options, accepts, command, options_from
from digitpad.reader import EMPTY, Reader
from tests.test_reader import InkClassifier, bar, circle, numpy_raster

WIDTH = 620


# --- options (static/options.js reads the URL: tests/browser/test_options.py) -------------


def test_no_options_is_the_full_page():
    assert Options() == Options(embed=False, bars=True, theme="auto", mode="number", origin="*", messages=True)
    assert options_from({}) == Options()


EVERY = {
    "embed": True,
    "bars": False,
    "theme": "dark",
    "mode": "digit",
    "origin": "https://course.example.org",
    "messages": True,
}


def test_options_from_what_the_page_read():
    assert options_from(EVERY) == Options(**EVERY)
    assert options_from({"embed": True, "theme": "light"}) == Options(embed=True, theme="light")
    nobody = {**EVERY, "origin": "*", "messages": False}
    assert options_from(nobody) == Options(**nobody)
    assert options_from({"origin": "http://[::1]:8888"}).origin == "http://[::1]:8888"
    assert options_from({**EVERY, "later": 1}) == Options(**EVERY)  # fields it does not know


@pytest.mark.parametrize("damaged", [None, "?embed", ["embed"], 1, {"embed": True}.items()])
def test_anything_but_an_object_is_the_full_page(damaged):
    assert options_from(damaged) == Options()


@pytest.mark.parametrize(
    "field, value",
    [
        ("embed", "true"), ("embed", 1), ("embed", None),
        ("bars", 0), ("bars", "0"), ("messages", "false"),
        ("theme", "purple"), ("theme", "DARK"), ("theme", True), ("theme", ["dark"]),
        ("mode", "letters"), ("mode", None), ("mode", {"digit": 1}),
    ],
)
def test_a_field_of_the_wrong_type_or_value_keeps_its_default(field, value):
    options = options_from({**EVERY, field: value})
    assert getattr(options, field) == getattr(Options(), field)
    assert options == Options(**{**EVERY, field: getattr(Options(), field)})


@pytest.mark.parametrize(
    "origin",
    [
        None, 42, "", "null", "course.example.org", "javascript:alert(1)", "https://a@b.org",
        "https://course.example.org/lesson", "https://course.example.org?x", " https://course.example.org",
    ],
)
def test_a_damaged_origin_talks_to_nobody(origin):
    options = options_from({**EVERY, "origin": origin})
    assert not options.messages and options.embed
    assert not accepts(options, "https://course.example.org") and not accepts(options, origin)


def test_an_origin_restricts_who_is_heard():
    anyone = Options(embed=True)
    only = options_from({"embed": True, "origin": "https://course.example.org"})
    assert accepts(anyone, "https://elsewhere.example") and accepts(anyone, "null")
    assert accepts(only, "https://course.example.org")
    assert not accepts(only, "https://elsewhere.example")
    assert not accepts(only, "http://course.example.org")


fields = st.sampled_from([*EVERY, "Embed"]) | st.text(max_size=6)
field_values = st.none() | st.booleans() | st.integers() | st.text() | st.sampled_from(
    [*embed.THEMES, *embed.MODES, "*", "https://course.example.org"]
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(fields, field_values))
def test_any_object_gives_valid_options(damaged):
    options = options_from(damaged)
    assert options.theme in embed.THEMES and options.mode in embed.MODES
    assert type(options.embed) is bool and type(options.bars) is bool and type(options.messages) is bool
    assert options.origin == "*" or embed.ORIGIN.fullmatch(options.origin)
    assert options_from(dataclasses.asdict(options)) == options


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
    return Reader(numpy_raster(strokes), InkClassifier(), calibration=None).read(strokes, WIDTH)


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
    assert embed.ready_message(Options(mode="digit")) == {"type": "digitpad:ready", "mode": "digit"}
