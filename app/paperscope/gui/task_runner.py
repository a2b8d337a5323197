"""The one place that owns worker threads.

Any workflow function ``fn(*args, progress=..., cancel=...)`` runs on a thread pool.
Progress is throttled (at most every 100 ms reaches the UI), a task can be cancelled,
an exception becomes an error dialog with the traceback in its details (the app lives
on), and tasks sharing a ``key`` supersede each other: a newer one cancels the older
and the older's result is dropped (ndv's generation counter). On close the runner
cancels everything and waits.

Short, frequent background jobs (the run watcher's polls) go to a lane of their own
(``background=True``, one thread), so they never wait behind a five-minute embedding
and never hold a thread a long job needs.
"""

from __future__ import annotations

import gc
import importlib
import itertools
import logging
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from paperscope.core.tasks import Cancelled, CancelToken

# every titled task (an import, an export, a map, loading runs…) leaves a line at INFO in
# the log file: when it started, how it ended, its last progress message; quiet ones
# (no title: the periodic background jobs) leave none
log = logging.getLogger("paperscope.tasks")


def preload(*modules: str) -> None:
    """Import heavy modules (on a worker) with the cyclic garbage collector paused, then
    freeze what exists (``gc.freeze``).

    Why: importing numba, umap, sklearn or pyqtgraph creates hundreds of thousands of
    long-lived objects, and CPython answers with full (generation 2) collections, each
    walking the whole heap with the GIL held: 200–400 ms in which the UI thread cannot
    run, whichever thread triggered it (measured by ``tests/gui/test_no_freeze.py``).
    Frozen objects are skipped by later collections, so they stay short. Modules are
    never unloaded, so freezing them leaks nothing."""
    missing = [m for m in modules if m not in sys.modules]
    if not missing:
        return
    enabled = gc.isenabled()
    gc.disable()
    try:
        with warnings.catch_warnings():
            # umap-learn without TensorFlow warns that ParametricUMAP is unavailable
            warnings.filterwarnings("ignore", category=ImportWarning)
            for name in missing:
                importlib.import_module(name)
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def settle_heap() -> None:
    """Collect the young generations and freeze the survivors (cheap: no full pass).
    Called on the UI thread when a task that imported modules ended, so the next full
    collection does not walk what those imports created."""
    gc.collect(1)
    gc.freeze()


class _Signals(QObject):
    progressed = Signal(int, object, str)  # task id, fraction or None, message
    finished = Signal(int, object)  # task id, result
    failed = Signal(int, str, str)  # task id, message, traceback
    cancelled = Signal(int)
    partial = Signal(int, object)  # task id, a partial result (e.g. a layout on its way)


@dataclass
class Task:
    id: int
    title: str
    key: str | None
    cancel: CancelToken = field(default_factory=CancelToken)
    on_result: Callable[[Any], None] | None = None
    on_error: Callable[[str, str], None] | None = None
    on_partial: Callable[[Any], None] | None = None
    done: threading.Event = field(default_factory=threading.Event)
    started: float = field(default_factory=time.monotonic)
    last_message: str = ""


class _Job(QRunnable):
    def __init__(
        self,
        runner: TaskRunner,
        task: Task,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._runner, self._task, self._fn, self._args, self._kwargs = (
            runner,
            task,
            fn,
            args,
            kwargs,
        )

    def run(self) -> None:
        task, signals = self._task, self._runner._signals
        last = [0.0]

        def progress(fraction: float | None, message: str = "") -> None:
            now = time.monotonic()
            if now - last[0] >= 0.1 or fraction == 1.0:
                last[0] = now
                signals.progressed.emit(task.id, fraction, message)

        try:
            result = self._fn(*self._args, progress=progress, cancel=task.cancel, **self._kwargs)
        except Cancelled:
            signals.cancelled.emit(task.id)
        except Exception as exc:
            signals.failed.emit(task.id, f"{type(exc).__name__}: {exc}", traceback.format_exc())
        else:
            if task.cancel.cancelled:
                signals.cancelled.emit(task.id)
            else:
                signals.finished.emit(task.id, result)
        finally:
            task.done.set()


class TaskRunner(QObject):
    """Runs workflow functions off the UI thread.

    Signals
    -------
    task_started(id, title), task_progressed(id, fraction or None, message),
    task_ended(id, outcome) with outcome "finished" | "failed" | "cancelled",
    error_raised(title, message, details) for the window to show.
    """

    task_started = Signal(int, str)
    task_progressed = Signal(int, object, str)
    task_ended = Signal(int, str)
    error_raised = Signal(str, str, str)

    def __init__(self, parent: QObject | None = None, max_threads: int = 2) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._background_pool = QThreadPool(self)
        self._background_pool.setMaxThreadCount(1)
        self._signals = _Signals(self)
        self._signals.progressed.connect(self._on_progressed)
        self._signals.finished.connect(self._on_finished)
        self._signals.failed.connect(self._on_failed)
        self._signals.cancelled.connect(self._on_cancelled)
        self._signals.partial.connect(self._on_partial)
        self._tasks: dict[int, Task] = {}
        self._ids = itertools.count(1)
        self._n_modules = len(sys.modules)
        # Qt, numpy, duckdb and the app's modules are imported by now: one full
        # collection (before the window shows), then they are out of the GC's way
        gc.collect()
        gc.freeze()

    # -- API -------------------------------------------------------------------------
    def submit(
        self,
        fn: Callable[..., Any],
        *args: Any,
        title: str = "Working",
        key: str | None = None,
        on_result: Callable[[Any], None] | None = None,
        on_error: Callable[[str, str], None] | None = None,
        on_partial: Callable[[Any], None] | None = None,
        background: bool = False,
        **kwargs: Any,
    ) -> Task:
        """Run ``fn(*args, progress=…, cancel=…, **kwargs)`` on a worker thread.

        ``on_partial``: the function gets an ``on_partial`` callable it may call from the
        worker with intermediate results; they reach ``on_partial`` on the UI thread.
        ``background``: run on the background lane (one thread of its own, for short
        periodic jobs).
        """
        if key is not None:
            for old in self._tasks.values():
                if old.key == key:
                    old.cancel.cancel()
                    old.on_result = None  # superseded: its result is dropped
                    old.on_partial = None
        task = Task(
            next(self._ids),
            title,
            key,
            on_result=on_result,
            on_error=on_error,
            on_partial=on_partial,
        )
        if on_partial is not None:
            task_id = task.id
            kwargs["on_partial"] = lambda value: self._signals.partial.emit(task_id, value)
        self._tasks[task.id] = task
        if title:
            log.info("started: %s", title)
        self.task_started.emit(task.id, title)
        pool = self._background_pool if background else self._pool
        pool.start(_Job(self, task, fn, args, kwargs))
        return task

    def cancel(self, task_id: int | None = None) -> None:
        """Cancel one task, or every running task."""
        for task in list(self._tasks.values()):
            if task_id is None or task.id == task_id:
                task.cancel.cancel()

    def running(self) -> list[Task]:
        return list(self._tasks.values())

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        """Cancel everything and wait for the threads; ``False`` if some did not stop."""
        self.cancel()
        done = self._pool.waitForDone(timeout_ms)
        return self._background_pool.waitForDone(timeout_ms) and done

    # -- slots -----------------------------------------------------------------------
    def _on_progressed(self, task_id: int, fraction: object, message: str) -> None:
        task = self._tasks.get(task_id)
        if task is not None:
            if message:
                task.last_message = message
            self.task_progressed.emit(task_id, fraction, message)

    @staticmethod
    def _log_end(task: Task, outcome: str, message: str = "") -> None:
        if not task.title:
            return
        took = time.monotonic() - task.started
        said = message or task.last_message
        level = logging.ERROR if outcome == "failed" else logging.INFO
        log.log(level, "%s: %s (%.1f s)%s", outcome, task.title, took, f": {said}" if said else "")

    def _on_partial(self, task_id: int, value: object) -> None:
        task = self._tasks.get(task_id)
        if task is not None and task.on_partial is not None and not task.cancel.cancelled:
            task.on_partial(value)

    def _after_task(self) -> None:
        if len(sys.modules) != self._n_modules:  # the task imported something
            self._n_modules = len(sys.modules)
            settle_heap()

    def _on_finished(self, task_id: int, result: object) -> None:
        task = self._tasks.pop(task_id, None)
        self._after_task()
        if task is None:
            return
        self._log_end(task, "finished")
        self.task_ended.emit(task_id, "finished")
        if task.on_result is not None:
            try:
                task.on_result(result)
            except Exception as exc:
                self.error_raised.emit(
                    task.title, f"{type(exc).__name__}: {exc}", traceback.format_exc()
                )

    def _on_failed(self, task_id: int, message: str, details: str) -> None:
        task = self._tasks.pop(task_id, None)
        self._after_task()
        if task is None:
            return
        self._log_end(task, "failed", message)
        if task.title:
            log.error("%s", details)
        self.task_ended.emit(task_id, "failed")
        if task.on_error is not None:
            task.on_error(message, details)
        else:
            self.error_raised.emit(task.title, message, details)

    def _on_cancelled(self, task_id: int) -> None:
        task = self._tasks.pop(task_id, None)
        if task is not None:
            self._log_end(task, "cancelled")
            self.task_ended.emit(task_id, "cancelled")
