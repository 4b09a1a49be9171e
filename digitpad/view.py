"""What the page shows for a reading, as plain values: the page only copies them over.

Numbers shown are the verdict's calibrated probabilities (``digitpad.decide``), so
"90% sure" means right nine times in ten. Standard library only; it runs in the browser.
"""

from __future__ import annotations

from dataclasses import dataclass

from digitpad.decide import DIGIT, NOT_A_DIGIT, UNSURE
from digitpad.preprocess import SIZE
from digitpad.reader import CLASSES, Reading

HINT = "Draw a digit"
DOUBT = {DIGIT: 0, UNSURE: 1, NOT_A_DIGIT: 2}


@dataclass(frozen=True)
class Bar:
    digit: int
    p: float
    label: str  # "37%"


@dataclass(frozen=True)
class View:
    value: str  # the likeliest digits, left to right; "" for an empty pad
    verdict: str  # the most doubtful digit's verdict: "digit", "unsure", "not a digit"; ""
    headline: str  # the big text: "42", "4 or 9?", "?" or the hint
    confidence: float  # 0..1, the chance the whole value is right
    sureness: str  # "97% sure", "Not sure", ... ; "" for an empty pad
    digits: tuple[tuple[str, str], ...]  # (label, "97%") each, when there are several
    focus: int  # which of ``digits`` the bars and the image describe; -1 if none
    bars: tuple[Bar, ...]  # CLASSES bars for the focused digit
    best: int  # the focused digit's likeliest value, whose bar stands out; -1 if none
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
            verdict="",
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
    verdicts = [d.verdict for d in reading.digits]
    worst = max(verdicts, key=lambda v: DOUBT[v.kind]).kind
    confidence = 1.0
    for v in verdicts:
        confidence *= v.confidence
    several = len(verdicts) > 1
    if several:
        headline = "".join("?" if v.kind == NOT_A_DIGIT else str(v.digit) for v in verdicts)
    else:
        headline = verdicts[0].label
    if worst == DIGIT:
        sureness = f"{percent(confidence)} sure"
    elif worst == UNSURE:
        sureness = "Not sure about every digit" if several else "Not sure: could be either"
    else:
        sureness = "Some of it does not look like a digit" if several else "That does not look like a digit"
    shown = focused.verdict
    return View(
        value=reading.text,
        verdict=worst,
        headline=headline,
        confidence=confidence,
        sureness=sureness,
        digits=tuple((v.label, percent(v.confidence)) for v in verdicts) if several else (),
        focus=reading.focus if several else -1,
        bars=tuple(Bar(d, p, percent(p)) for d, p in enumerate(shown.probabilities)),
        best=shown.digit,
        seen=grayscale_rgba(focused.pixels),
        announcement=(
            f"Reads {headline}, {sureness}." if worst == DIGIT else f"Reads {headline} {sureness}."
        ),
    )
