"""The pad inside another page: its URL options and the messages it trades with the host.

A course site or a notebook puts the pad in an iframe (``index.html?embed``) and talks
to it with ``postMessage``. Options come from the query string, which static/options.js
reads before Python starts (the page styles itself from them); anything unknown or
malformed is ignored, so a typo never breaks the page. Messages from the host are
checked for their exact shape and otherwise dropped without a word: any page may post
to a frame. See docs/embedding.md for the host's side.

Standard library only: this runs in the browser.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from digitpad.decide import DIGIT
from digitpad.reader import Reading

PREFIX = "digitpad:"
PREDICTION = PREFIX + "prediction"
READY = PREFIX + "ready"
CLEAR = PREFIX + "clear"
UNDO = PREFIX + "undo"
COMMANDS = (CLEAR, UNDO)

THEMES = ("auto", "light", "dark")
NUMBER, ONE_DIGIT = "number", "digit"
MODES = (NUMBER, ONE_DIGIT)

# An origin as static/options.js writes it (the browser's URL.origin): scheme and host,
# perhaps a port, and nothing after them.
ORIGIN = re.compile(r"https?://[^\s/?#@]+")


@dataclass(frozen=True)
class Options:
    """What the query string asks for; the defaults are the full page."""

    embed: bool = False  # compact layout: pad and reading only, no page chrome
    bars: bool = True  # show the probability bars
    theme: str = "auto"  # "light", "dark", or "auto" (the visitor's setting)
    mode: str = NUMBER  # NUMBER: digits are found by where they sit; ONE_DIGIT: all ink is one
    origin: str = "*"  # the host origin messages go to and come from; "*": any
    messages: bool = True  # False when ``origin`` was given but is not an origin: talk to nobody


def options_from(given: object) -> Options:
    """Options from what static/options.js read from the URL (window.digitpad.options,
    as a dict). A field that is missing, or of the wrong type or value, keeps its
    default, so a damaged object never breaks the page; but a damaged ``origin``, like
    a misspelt one, means talking to no one rather than to everyone."""
    if not isinstance(given, Mapping):
        return Options()
    fields = {}
    for name in ("embed", "bars", "messages"):
        if type(given.get(name)) is bool:
            fields[name] = given[name]
    for name, choices in (("theme", THEMES), ("mode", MODES)):
        if type(given.get(name)) is str and given[name] in choices:
            fields[name] = given[name]
    origin = given.get("origin")
    if type(origin) is str and (origin == "*" or ORIGIN.fullmatch(origin)):
        fields["origin"] = origin
    elif "origin" in given:
        fields["messages"] = False
    return Options(**fields)


def accepts(options: Options, origin: str) -> bool:
    """Whether a message from ``origin`` (``event.origin``) may be heard."""
    return options.messages and options.origin in ("*", origin)


def command(message: object) -> str | None:
    """The command in a message from the host, or None for anything else.

    A command is exactly ``{"type": "digitpad:clear"}`` or ``{"type": "digitpad:undo"}``:
    a plain object (a dict here) with that one key. Never raises.
    """
    if type(message) is not dict or len(message) != 1:
        return None
    kind = message.get("type")
    return kind if type(kind) is str and kind in COMMANDS else None


def ready_message(options: Options) -> dict:
    """Sent once the pad reads and listens: the host may send commands from now on."""
    return {"type": READY, "mode": options.mode}


def prediction_message(reading: Reading, options: Options) -> dict:
    """What the host hears about a reading (see docs/embedding.md for each field).

    Probabilities and confidences are the calibrated ones the page shows.
    """
    verdicts = [d.verdict for d in reading.digits]
    return {
        "type": PREDICTION,
        "mode": options.mode,
        "value": reading.text,
        "confidence": _round(math.prod(v.confidence for v in verdicts)) if verdicts else 0.0,
        "confident": bool(verdicts) and all(v.kind == DIGIT for v in verdicts),
        "probabilities": [[_round(p) for p in v.probabilities] for v in verdicts],
        "digits": [
            {
                "value": d.value,
                "label": v.label,
                "verdict": v.kind,
                "confidence": _round(v.confidence),
            }
            for d, v in zip(reading.digits, verdicts)
        ],
    }


def _round(p: float) -> float:
    return round(float(p), 6)
