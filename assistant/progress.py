"""What the server is indexing now, one line per file, for every open page to show.

One :class:`Indexing` lives on the server. The upload handler tells it which files a run holds,
which one is being read and how many of its chunks are embedded; every page's timer reads
:meth:`Indexing.html`, so a tab that did not start the upload sees it too:

>>> clock = iter([0.0, 5.0, 15.0, 15.0]).__next__
>>> now = Indexing(clock)
>>> now.begin(["big.txt"]); now.reading(0); now.embedded(0, 0, 200); now.embedded(0, 50, 200)
>>> now.lines()
['big.txt: 25% · about 30 s left']

The rate is read over the last :data:`WINDOW_S` seconds of reports, so an estimate follows an
embedder that speeds up or slows down (the first slices of a run are often the slowest).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.rendering import inert


@dataclass
class FileProgress:
    """One file of a run: waiting, being read (``started``), embedding (``total`` chunks), or done."""

    name: str
    started: float | None = None
    embedding: float | None = None  # when its first chunk went to the embedder
    done: int = 0
    total: int = 0
    finished: bool = False
    reports: list[tuple[float, int]] = field(default_factory=list)  # (when, done) as the embedder said

    def fraction(self) -> float:
        if self.finished:
            return 1.0
        return self.done / self.total if self.total else 0.0


class Indexing:
    """The files being indexed now, shared by every page; safe to call from any thread."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._files: list[FileProgress] = []

    def begin(self, names: list[str]) -> None:
        """A run of files starts (each waits until :meth:`reading` names it)."""
        with self._lock:
            self._files = [FileProgress(name) for name in names]

    def reading(self, i: int) -> None:
        """File ``i`` is being read and cut; its clock starts."""
        with self._lock:
            self._files[i].started = self._clock()

    def embedded(self, i: int, done: int, total: int) -> None:
        """``done`` of file ``i``'s ``total`` chunks are embedded."""
        with self._lock:
            f = self._files[i]
            when = self._clock()
            if f.embedding is None:
                f.embedding = when
            f.done, f.total = done, total
            f.reports.append((when, done))

    def reporter(self, i: int) -> Callable[[int, int], None]:
        """What file ``i``'s embedder calls with (done, total) as it goes."""
        return lambda done, total: self.embedded(i, done, total)

    def finished(self, i: int) -> None:
        with self._lock:
            self._files[i].finished = True

    def end(self) -> None:
        """The run is over: nothing is shown any more."""
        with self._lock:
            self._files = []

    def active(self) -> bool:
        with self._lock:
            return bool(self._files)

    def lines(self) -> list[str]:
        """One line of plain text per file of the run (names as they came: escape them to show them)."""
        with self._lock:
            now = self._clock()
            return [f"{f.name}: {self._state(f, now)}" for f in self._files]

    def html(self) -> str:
        """The run as the page shows it: per file its name, a bar, the share done and the time left."""
        with self._lock:
            now = self._clock()
            rows = [f'<div class="indexing-file"><span class="indexing-name">{inert(f.name)}</span> '
                    f'<progress max="100" value="{round(100 * f.fraction())}"></progress> '
                    f'<span class="indexing-state">{inert(self._state(f, now))}</span></div>'
                    for f in self._files]
        return f'<div class="indexing"><strong>Indexing</strong>{"".join(rows)}</div>' if rows else ""

    @staticmethod
    def _state(f: FileProgress, now: float) -> str:
        if f.finished:
            return "done"
        if f.started is None:
            return "waiting"
        if not f.total:
            return "reading the file…"
        share = f"{math.floor(100 * f.fraction())}%"
        if not f.done or f.embedding is None:
            return f"{share} · estimating the time left…"
        if f.done >= f.total:
            return "100% · writing to the index…"
        # The embedding rate over the last few seconds of reports (reading and cutting the file, done by
        # now, would skew it), and the time since the last report already spent of what is left.
        last, done = f.reports[-1]
        window = [(t, d) for t, d in f.reports if last - WINDOW_S <= t <= last - 1.0 and d < done]
        since, before = window[0] if window else (f.embedding, 0)
        rate = (done - before) / (last - since) if last > since else math.inf
        left = (f.total - done) / rate - (now - last)
        return f"{share} · {_duration(max(left, 0.0))}"


WINDOW_S = 6.0  # seconds of reports the rate is read over


def _duration(seconds: float) -> str:
    """ "about 40 s left", "about 3 min left", "less than a second left"."""
    if seconds < 1:
        return "less than a second left"
    if seconds < 90:
        return f"about {math.ceil(seconds)} s left"
    return f"about {round(seconds / 60)} min left"
