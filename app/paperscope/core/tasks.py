"""Long work is a plain function taking ``progress`` and ``cancel``.

``progress(fraction, message)`` reports a fraction in [0, 1] (or ``None`` when the
total is unknown) and a short text; ``cancel`` is a :class:`CancelToken` the function
checks between units of work. The GUI's task runner and the CLI both drive these.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol


class Progress(Protocol):
    def __call__(self, fraction: float | None, message: str = "") -> None: ...


class Cancelled(Exception):
    """Raised inside a task when its :class:`CancelToken` was cancelled."""


class CancelToken:
    """A thread-safe flag. ``check()`` raises :class:`Cancelled` once it is set."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled()


def no_progress(fraction: float | None, message: str = "") -> None:
    """A progress callback that ignores everything."""


def sub_progress(progress: Progress, start: float, end: float) -> Progress:
    """Map a sub-task's [0, 1] onto [start, end] of its parent's progress."""

    def report(fraction: float | None, message: str = "") -> None:
        progress(None if fraction is None else start + (end - start) * fraction, message)

    return report


def never_cancelled() -> CancelToken:
    return CancelToken()


ProgressFn = Callable[[float | None, str], None]
