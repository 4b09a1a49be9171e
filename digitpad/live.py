"""Reading a drawing while it is drawn, and once more when the pen lifts.

While a stroke grows the pad asks, at each frame that added ink, for one step of a live
read. A read comes in three steps, each a task of its own, so that a pen lift waits for
one step at most: the ink made ready for the network (``Reader.prepare``), then
classified (``Reader.finish``), then shown (which reads the drawing whole when frames
added ink meanwhile, the longest step). A lift on the strokes a live read is
working on finishes that read instead of starting over, and a lift on strokes a live
read has already shown shows that reading again. The last step shows the drawing as it
is then: when frames added ink since the read began, that step reads it whole, so a pen
that lifts soon after its last move usually finds its ink read.

Live reads take at most ``LIVE_SHARE`` of the main thread: a frame that comes sooner
after the last read began than that read's steps allow lets a later frame read.

The pad (static/pad.js) only keeps the beat: it calls ``step`` at each frame and again
in a task of its own while ``step`` asks for it, and ``lift`` when a stroke ends, on
clear and on undo. All the state is here, and none of it touches the DOM.
Standard library only.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from digitpad.pad import Stroke
from digitpad.reader import Draft, Reader, Reading

# Share of the main thread live reads may take while a stroke grows; the rest is the
# pen's and the page's.
LIVE_SHARE = 2 / 3

# What ``step`` asks of the pad.
NEXT_TASK = "task"  # the next step, in a task of its own
NEXT_FRAME = "frame"  # a step at the next frame: the last read was too recent
DONE = ""  # nothing until more ink comes

Drawn = tuple[list[Stroke], int]  # the pad's strokes and its width in raster pixels


@dataclass
class _Read:
    """A read of one drawing: its draft until it is classified, then its reading."""

    strokes: list[Stroke]
    width: int
    result: Draft | Reading

    def of(self, strokes: Sequence[Stroke], width: int) -> bool:
        return self.width == width and self.strokes == strokes


class LiveRead:
    """Reads the pad while it is drawn on and when a stroke ends.

    ``drawn()`` gives the pad's strokes and width now; ``show(reading, announce)`` puts
    a reading on the page, ``announce`` when a stroke ended rather than mid-stroke.
    """

    def __init__(
        self,
        reader: Reader,
        drawn: Callable[[], Drawn],
        show: Callable[[Reading, bool], None],
        clock: Callable[[], float] = time.perf_counter,
    ):
        self.reader = reader
        self.drawn = drawn
        self.show = show
        self.clock = clock
        self.shown: _Read | None = None  # the last reading shown, with its drawing
        self.pending: _Read | None = None  # a live read under way
        self.started = -float("inf")  # when the last live read began, in seconds
        self.took = 0.0  # how long its steps took together, in seconds

    def step(self) -> str:
        """One step of a live read: NEXT_TASK when another step follows, NEXT_FRAME
        when reading now would take more than LIVE_SHARE of the time, DONE otherwise."""
        start = self.clock()
        if self.pending is None:
            if self.took > LIVE_SHARE * (start - self.started):
                return NEXT_FRAME
            self.started, self.took = start, 0.0
            strokes, width = self.drawn()
            if self.shown is not None and self.shown.of(strokes, width):
                return DONE  # the pen rests: its ink has been read
            self.pending = _Read(strokes, width, self.reader.prepare(strokes, width))
            wants = NEXT_TASK
        elif isinstance(self.pending.result, Draft):
            self.pending.result = self.reader.finish(self.pending.result)
            wants = NEXT_TASK
        else:
            done, self.pending = self.pending, None
            strokes, width = self.drawn()
            if not done.of(strokes, width):  # ink came since this read began
                done = _Read(strokes, width, self.reader.read(strokes, width))
            self._show(done, announce=False)
            wants = DONE
        self.took += self.clock() - start
        return wants

    @property
    def reading(self) -> Reading | None:
        """The reading last shown."""
        return None if self.shown is None else self.shown.result

    def lift(self) -> None:
        """Read the pad as it is now and show it, announced: a stroke ended, or the pad
        was cleared or undone."""
        strokes, width = self.drawn()
        started, self.pending = self.pending, None
        if self.shown is not None and self.shown.of(strokes, width):
            done = self.shown  # a pen lifted where the last live read saw it
        elif started is not None and started.of(strokes, width):
            done = started  # a pen lifted while a live read was under way
            if isinstance(done.result, Draft):
                done.result = self.reader.finish(done.result)
        else:
            done = _Read(strokes, width, self.reader.read(strokes, width))
        self._show(done, announce=True)

    def reread(self) -> None:
        """Read the pad afresh and show it, announced: how it is read has changed."""
        self.shown = self.pending = None
        self.lift()

    def _show(self, done: _Read, announce: bool) -> None:
        self.shown = done
        self.show(done.result, announce)
