"""Which of a digit's pixels pushed the network toward its answer, and which toward the
runner-up: by occlusion, so it needs nothing but the classifier the reader uses.

Each PATCH x PATCH square of ink is erased in turn, all of them in one batch, and the
network reads every copy. Where erasing ink lowers the top class's lead over the
runner-up, that ink spoke for the top class; where it raises the lead, for the
runner-up. A pixel's score is the mean change over the squares that cover it, in the
log of the odds between the two classes.

Standard library only: this runs in the browser, and only while the steps are shown.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from digitpad.preprocess import SIZE
from digitpad.steps import Picture

PATCH = 4  # px: the square erased at a time
STRIDE = 2  # px between squares
# A pixel darker than this is paper, not ink: squares with none of it are not tried.
INK = 0.05
# Probabilities are floored here before their log, so a certain answer stays finite.
FLOOR = 1e-9
# Where the map is drawn: the ink faint, the scores strong on top of it.
TOWARD_TOP = (255, 96, 64)  # red-orange
TOWARD_RUNNER_UP = (64, 150, 255)  # blue
INK_SHADE = 0.35

Classify = Callable[[list[list[float]]], list[list[float]]]


@dataclass(frozen=True)
class Saliency:
    top: int  # the class the network gives the digit
    runner_up: int  # its second choice
    scores: tuple[float, ...]  # SIZE * SIZE, row-major: > 0 toward ``top``, < 0 toward ``runner_up``
    picture: Picture  # SIZE x SIZE: the input, with the scores in colour over it
    explanation: str

    @property
    def marked(self) -> int:
        """How many pixels have a score at all."""
        return sum(1 for s in self.scores if s)


def _margin(probabilities: Sequence[float], top: int, runner_up: int) -> float:
    return math.log(max(probabilities[top], FLOOR)) - math.log(max(probabilities[runner_up], FLOOR))


def squares(pixels: Sequence[float]) -> list[tuple[int, int]]:
    """The top-left corners of the squares worth erasing: those holding ink."""
    corners = []
    last = SIZE - PATCH
    for y in range(0, last + 1, STRIDE):
        for x in range(0, last + 1, STRIDE):
            if any(pixels[(y + dy) * SIZE + x + dx] > INK for dy in range(PATCH) for dx in range(PATCH)):
                corners.append((x, y))
    return corners


def occlusion(pixels: Sequence[float], classify: Classify,
              probabilities: Sequence[float] | None = None) -> Saliency:
    """The saliency of a 28x28 input (ink = 1). ``probabilities`` are the network's for
    the input itself, when the caller has them already."""
    if len(pixels) != SIZE * SIZE:
        raise ValueError(f"a {SIZE}x{SIZE} input has {SIZE * SIZE} pixels, got {len(pixels)}")
    pixels = list(pixels)
    corners = squares(pixels)
    batch = []
    for x, y in corners:
        erased = pixels[:]
        for dy in range(PATCH):
            row = (y + dy) * SIZE + x
            erased[row : row + PATCH] = [0.0] * PATCH
        batch.append(erased)
    outputs = classify(([] if probabilities is not None else [pixels]) + batch)
    if probabilities is None:
        probabilities, outputs = outputs[0], outputs[1:]
    ranked = sorted(range(len(probabilities)), key=lambda k: -probabilities[k])
    top, runner_up = ranked[0], ranked[1]
    lead = _margin(probabilities, top, runner_up)

    total = [0.0] * (SIZE * SIZE)
    count = [0] * (SIZE * SIZE)
    for (x, y), out in zip(corners, outputs):
        change = lead - _margin(out, top, runner_up)
        for dy in range(PATCH):
            for dx in range(PATCH):
                at = (y + dy) * SIZE + x + dx
                total[at] += change
                count[at] += 1
    scores = tuple(t / n if n and pixels[i] > INK else 0.0 for i, (t, n) in enumerate(zip(total, count)))
    return Saliency(top, runner_up, scores, _picture(pixels, scores),
                    f"Orange ink spoke for {top}, blue for {runner_up}: each {PATCH} × {PATCH} "
                    f"square of ink was erased in turn, and the network read the digit again.")


def _picture(pixels: Sequence[float], scores: Sequence[float]) -> Picture:
    peak = max((abs(s) for s in scores), default=0.0) or 1.0
    rgba = bytearray(SIZE * SIZE * 4)
    for i, (ink, score) in enumerate(zip(pixels, scores)):
        shade = ink * INK_SHADE * 255
        strength = min(1.0, abs(score) / peak)
        colour = TOWARD_TOP if score > 0 else TOWARD_RUNNER_UP
        rgba[i * 4 : i * 4 + 4] = bytes(
            (*(round(shade + (c - shade) * strength) for c in colour), 255)
        )
    return Picture(bytes(rgba), SIZE, SIZE)
