"""An event-loop watchdog for the GUI tests: how long was the UI thread unresponsive?

A precise ``QTimer`` ticks every ``interval_ms`` on the UI thread and records the gap
between consecutive ticks. A tick can only run when the event loop gets control, so a
gap of 300 ms means the loop was blocked (by a slot, a paint, a synchronous call on the
UI thread, or a worker holding the GIL) for about 300 ms. The test code itself runs on
the UI thread too: work a test does directly (``window.plots.add_runs(...)``) counts,
exactly as a menu action doing the same work would.

``phase(name)`` labels what is happening, so a failure says where the stall was.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Qt, QTimer

LIMIT_S = 0.200  # the limit: the event loop is never blocked longer than this


@dataclass
class Stall:
    seconds: float
    phase: str
    at: float  # seconds since the watchdog started


@dataclass
class Report:
    longest: float = 0.0
    phase: str = ""
    ticks: int = 0
    stalls: list[Stall] = field(default_factory=list)  # every gap over the limit

    def line(self) -> str:
        where = f" during {self.phase!r}" if self.phase else ""
        over = f"; {len(self.stalls)} gap(s) over the limit" if self.stalls else ""
        return f"longest event-loop stall {1000 * self.longest:.0f} ms{where}{over}"


class Watchdog(QObject):
    """``start()``, ``phase(name)``, ``stop() -> Report``; ``report`` while running."""

    def __init__(self, interval_ms: int = 10, limit_s: float = LIMIT_S) -> None:
        super().__init__()
        self.limit_s = limit_s
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._phase = ""
        self._t0 = self._last = 0.0
        self.report = Report()

    def start(self, phase: str = "") -> None:
        self.report = Report()
        self._phase = phase
        self._t0 = self._last = time.perf_counter()
        self._timer.start()

    def phase(self, name: str) -> None:
        """Label what follows (the gap that ends in this phase is charged to it)."""
        self._phase = name

    def _tick(self) -> None:
        now = time.perf_counter()
        gap = now - self._last
        self._last = now
        rep = self.report
        rep.ticks += 1
        if gap > rep.longest:
            rep.longest, rep.phase = gap, self._phase
        if gap > self.limit_s:
            rep.stalls.append(Stall(gap, self._phase, now - self._t0))

    def stop(self) -> Report:
        self._tick()  # the time since the last tick counts too
        self._timer.stop()
        return self.report

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def check(self) -> None:
        """Fail (``AssertionError``) when some gap exceeded the limit."""
        rep = self.report
        assert rep.longest <= self.limit_s, (
            f"the Qt event loop was blocked: {rep.line()} (limit {1000 * self.limit_s:.0f} ms); "
            + ", ".join(f"{1000 * s.seconds:.0f} ms in {s.phase!r} at {s.at:.1f} s"
                        for s in rep.stalls[:10])  # fmt: skip
        )
