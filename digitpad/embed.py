"""The pad inside another page: its URL options and the messages it trades with the host.

A course site or a notebook puts the pad in an iframe (``index.html?embed``) and talks
to it with ``postMessage``. Options come from the query string; anything unknown or
malformed is ignored, so a typo never breaks the page. Messages from the host are
checked for their exact shape and otherwise dropped without a word: any page may post
to a frame. See docs/embedding.md for the host's side.

Standard library only: this runs in the browser.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from digitpad.decide import DIGIT, decide
from digitpad.pad import RASTER_HEIGHT, Stroke
from digitpad.preprocess import prepare
from digitpad.reader import CLASSES, EMPTY, Digit, Reader, Reading, raster_box

PREFIX = "digitpad:"
PREDICTION = PREFIX + "prediction"
READY = PREFIX + "ready"
CLEAR = PREFIX + "clear"
UNDO = PREFIX + "undo"
COMMANDS = (CLEAR, UNDO)

THEMES = ("auto", "light", "dark")
NUMBER, ONE_DIGIT = "number", "digit"
MODES = (NUMBER, ONE_DIGIT)

TRUE = ("", "1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off")
DEFAULT_PORTS = {"http": 80, "https": 443}
# A host as browsers write it in an origin: ASCII labels (IDNs in punycode) or an IPv6
# address; anything else would make postMessage throw on the target origin.
HOST = re.compile(r"[a-z0-9-]+(\.[a-z0-9-]+)*\.?|[0-9a-f:.]*:[0-9a-f:.]*")


@dataclass(frozen=True)
class Options:
    """What the query string asks for; the defaults are the full page."""

    embed: bool = False  # compact layout: pad and reading only, no page chrome
    bars: bool = True  # show the probability bars
    theme: str = "auto"  # "light", "dark", or "auto" (the visitor's setting)
    mode: str = NUMBER  # NUMBER: digits are found by where they sit; ONE_DIGIT: all ink is one
    origin: str = "*"  # the host origin messages go to and come from; "*": any
    messages: bool = True  # False when ``origin`` was given but is not an origin: talk to nobody


def parse_options(query: str) -> Options:
    """Options from a query string such as ``location.search`` ("?embed&bars=0").

    The first value of a repeated key counts, as with URLSearchParams.get; names are
    case-sensitive, values are not. An invalid value keeps the default, except for
    ``origin``: a host that asked to be the only one heard and misspelt its origin gets
    a pad that talks to no one, not one that talks to everyone.
    """
    given: dict[str, str] = {}
    for key, value in parse_qsl(query.removeprefix("?"), keep_blank_values=True):
        given.setdefault(key, value)
    options = {}
    for key in ("embed", "bars"):
        if key in given:
            flag = _flag(given[key])
            if flag is not None:
                options[key] = flag
    theme = given.get("theme", "").lower()
    if theme in THEMES:
        options["theme"] = theme
    mode = given.get("mode", "").lower()
    if mode in MODES:
        options["mode"] = mode
    if "origin" in given:
        origin = normalize_origin(given["origin"])
        if origin is None:
            options["messages"] = False
        else:
            options["origin"] = origin
    return Options(**options)


def _flag(value: str) -> bool | None:
    value = value.lower()
    return True if value in TRUE else False if value in FALSE else None


def normalize_origin(text: str) -> str | None:
    """``text`` as the browser writes ``event.origin`` ("https://course.example.org"),
    or None when it is not an http(s) origin. "*" stays "*"."""
    if text == "*":
        return "*"
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = parts.hostname
    if scheme not in DEFAULT_PORTS or not host or not HOST.fullmatch(host):
        return None
    if parts.username is not None or parts.password is not None:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return None
    if ":" in host:
        host = f"[{host}]"
    if port is None or port == DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


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


def read_as_one_digit(
    reader: Reader, strokes: Sequence[Stroke], width: int, height: int = RASTER_HEIGHT
) -> Reading:
    """Read the whole drawing as a single digit with ``reader``'s raster, classifier,
    brush and calibration: mode=digit, for questions whose answer is one digit, where
    a digit drawn in pieces must never read as two."""
    strokes = list(strokes)
    indices = [i for i, stroke in enumerate(strokes) if stroke]
    box = raster_box(strokes, indices, width, height, reader.brush)
    if box is None:
        return EMPTY
    x0, y0, x1, y1 = box
    alpha = reader.raster(indices, x0, y0, x1 - x0, y1 - y0, reader.brush)
    prepared = prepare(alpha, x1 - x0, y1 - y0)
    if prepared is None:
        return EMPTY
    (answer,) = reader.classify([prepared.pixels])
    probabilities = tuple(float(p) for p in answer)
    if len(probabilities) != CLASSES:
        raise ValueError(
            f"the classifier must give {CLASSES} probabilities, gave {len(probabilities)}"
        )
    value = max(range(CLASSES), key=probabilities.__getitem__)
    verdict = decide(probabilities, [strokes[i] for i in indices], reader.calibration, reader.brush)
    pixels = tuple(prepared.pixels)
    return Reading((Digit(value, probabilities, pixels, tuple(indices), box, verdict),), 0)
