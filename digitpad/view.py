"""What the page shows for a reading, as plain values: the page only copies them over.

Standard library only; it runs in the browser.
"""

from __future__ import annotations

from dataclasses import dataclass

from digitpad.preprocess import SIZE
from digitpad.reader import CLASSES, Reading

HINT = "Draw a digit"


@dataclass(frozen=True)
class Bar:
    digit: int
    p: float
    label: str  # "37%"


@dataclass(frozen=True)
class View:
    value: str  # what it reads, "" for an empty pad
    headline: str  # the big text: the value, or the hint
    confidence: float  # 0..1, the chance the whole value is right
    sureness: str  # "97% sure", "" for an empty pad
    digits: tuple[tuple[str, str], ...]  # (digit, "97%") each, when there are several
    focus: int  # which of ``digits`` the bars and the image describe; -1 if none
    bars: tuple[Bar, ...]  # CLASSES bars for the focused digit
    best: int  # the focused digit's value, whose bar stands out; -1 if none
    seen: bytes  # RGBA SIZE x SIZE: the focused digit as the network sees it
    announcement: str  # for screen readers


def percent(p: float) -> str:
    """A probability as people read it: whole percents, never a false 0% or 100%."""
    if p <= 0:
        return "0%"
    if p < 0.01:
        return "<1%"
    if p > 0.99 and p < 1:
        return ">99%"
    return f"{round(p * 100)}%"


def grayscale_rgba(pixels) -> bytes:
    """Ink = 1 as white on black, like the MNIST digits the network learned from."""
    out = bytearray(SIZE * SIZE * 4)
    levels = bytes(min(255, max(0, round(v * 255))) for v in pixels)
    out[0::4] = levels
    out[1::4] = levels
    out[2::4] = levels
    out[3::4] = b"\xff" * (SIZE * SIZE)
    return bytes(out)


def describe(reading: Reading) -> View:
    focused = reading.focused
    if focused is None:
        return View(
            value="",
            headline=HINT,
            confidence=0.0,
            sureness="",
            digits=(),
            focus=-1,
            bars=tuple(Bar(d, 0.0, "") for d in range(CLASSES)),
            best=-1,
            seen=grayscale_rgba([0.0] * (SIZE * SIZE)),
            announcement="The pad is empty.",
        )
    sureness = f"{percent(reading.confidence)} sure"
    digits = (
        tuple((str(d.value), percent(d.confidence)) for d in reading.digits)
        if len(reading.digits) > 1
        else ()
    )
    return View(
        value=reading.text,
        headline=reading.text,
        confidence=reading.confidence,
        sureness=sureness,
        digits=digits,
        focus=reading.focus if digits else -1,
        bars=tuple(Bar(d, p, percent(p)) for d, p in enumerate(focused.probabilities)),
        best=focused.value,
        seen=grayscale_rgba(focused.pixels),
        announcement=f"Reads {reading.text}, {sureness}.",
    )
