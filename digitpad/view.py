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
    sureness: str  # "97% sure", "Not sure: 4 or 9?", ... ; "" for an empty pad
    digits: tuple[tuple[str, str], ...]  # (label, "97%") each, when there are several
    focus: int  # which of ``digits`` the bars and the image describe; -1 if none
    bars: tuple[Bar, ...]  # CLASSES bars for the focused digit
    best: int  # the focused digit's likeliest value, whose bar stands out; -1 if none
    seen: bytes  # RGBA SIZE x SIZE: the focused digit as the network sees it
    announcement: str  # for screen readers
    # Whether every digit reads as a digit, surely; False for an empty pad too.
    confident: bool = False
    # The doubtful digit's two likeliest values when one is unsure, else ().
    alternatives: tuple[Bar, ...] = ()
    # Each of ``digits``' verdict ("digit", "unsure", "not a digit"), when there are several.
    kinds: tuple[str, ...] = ()


ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")


def ordinal(i: int) -> str:
    """The digit at index ``i`` as people say it: "first", ..., then "11th"."""
    if i < len(ORDINALS):
        return ORDINALS[i]
    n = i + 1
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


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
    """Ink = 1 as white on black, like the MNIST digits the network learned from.

    ``pixels`` are in [0, 1], as preprocess.prepare makes them; this runs on every read,
    so the per-pixel work is two maps in C.
    """
    out = bytearray(SIZE * SIZE * 4)
    levels = bytes(map(round, map((255.0).__mul__, pixels)))
    out[0::4] = levels
    out[1::4] = levels
    out[2::4] = levels
    out[3::4] = b"\xff" * (SIZE * SIZE)
    return bytes(out)


def top(probabilities, n: int) -> tuple[Bar, ...]:
    """The ``n`` likeliest digits, likeliest first (the smaller digit first on a tie)."""
    order = sorted(range(len(probabilities)), key=lambda d: (-probabilities[d], d))[:n]
    return tuple(Bar(d, probabilities[d], percent(probabilities[d])) for d in order)


def doubt(verdicts) -> tuple[str, str, tuple[Bar, ...]]:
    """What the page says about a reading's doubtful digits: (sureness, what a screen
    reader hears after it, the alternatives to show)."""
    several = len(verdicts) > 1
    unsure = [i for i, v in enumerate(verdicts) if v.kind == UNSURE]
    junk = [i for i, v in enumerate(verdicts) if v.kind == NOT_A_DIGIT]
    if junk:
        if not several:
            return "That doesn\u2019t look like a digit", "", ()
        if len(junk) == 1:
            return f"The {ordinal(junk[0])} one doesn\u2019t look like a digit", "", ()
        return f"{len(junk)} of them don\u2019t look like digits", "", ()
    if not unsure:
        return "", "", ()
    first = verdicts[unsure[0]]
    alternatives = top(first.probabilities, 2)
    heard = " or ".join(f"{b.digit} {b.label}" for b in alternatives)
    if not several:
        return "Not sure: it could be either", heard, alternatives
    if len(unsure) == 1:
        return f"Not sure about the {ordinal(unsure[0])} digit: {first.label}", heard, alternatives
    return f"Not sure about {len(unsure)} digits; the {ordinal(unsure[0])}: {first.label}", heard, alternatives


def describe(reading: Reading, focus: int | None = None) -> View:
    """The view of a reading; the bars and the image show the digit at index ``focus``
    when given (the person picked it), else the one holding the latest stroke."""
    if reading.focused is None:
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
    if focus is None or not 0 <= focus < len(reading.digits):
        focus = reading.focus
    focused = reading.digits[focus]
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
        sureness, heard, alternatives = f"{percent(confidence)} sure", "", ()
        announcement = f"Reads {headline}, {sureness}."
    else:
        sureness, heard, alternatives = doubt(verdicts)
        if several:
            announcement = f"Reads {headline}. {sureness}."
        elif worst == UNSURE:
            announcement = f"Not sure: {headline}"
        else:
            announcement = f"{sureness}."
        if heard:
            announcement += f" {heard}."
    shown = focused.verdict
    return View(
        value=reading.text,
        verdict=worst,
        headline=headline,
        confidence=confidence,
        sureness=sureness,
        digits=tuple((v.label, percent(v.confidence)) for v in verdicts) if several else (),
        focus=focus if several else -1,
        bars=tuple(Bar(d, p, percent(p)) for d, p in enumerate(shown.probabilities)),
        best=shown.digit,
        seen=grayscale_rgba(focused.pixels),
        announcement=announcement,
        confident=worst == DIGIT,
        alternatives=alternatives,
        kinds=tuple(v.kind for v in verdicts) if several else (),
    )
