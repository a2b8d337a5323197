"""Watching dropped run folders while training writes to them (TensorBoard's reload).

:class:`FolderWatch` keeps the :class:`~paperscope.workflows.runs.RunWatcher` of every
load that asked to be watched and, every :data:`WATCH_INTERVAL_MS`, polls them all on
the task runner's background lane (never two polls at once, never behind a long job).
A poll reads only what was appended and what is new; its :class:`WatchUpdate` reaches
the plots (new runs join the panes, changed runs are replaced in place so names,
colours, checks and the table's selection stay) and the status bar's "Watching" label.
Problems found while watching go to that label's tooltip, not to dialogs: a run being
written is often mid-record.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel

from paperscope.workflows.runs import poll_watchers

if TYPE_CHECKING:
    from paperscope.gui.task_runner import Task, TaskRunner
    from paperscope.workflows.runs import RunWatcher, WatchUpdate

WATCH_INTERVAL_MS = 2000
MAX_ISSUES_SHOWN = 20


class FolderWatch(QObject):
    """Signals: ``updated(WatchUpdate)`` after an update was applied, ``failed(str, str)``
    when a poll raised (watching stops; message and details)."""

    updated = Signal(object)
    failed = Signal(str, str)

    def __init__(
        self,
        runner: TaskRunner,
        apply: Callable[[WatchUpdate], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self._apply = apply
        self.watchers: list[RunWatcher] = []
        self.enabled = True
        self.label = QLabel()
        self.label.setContentsMargins(0, 0, 10, 0)
        self.label.hide()
        self._task: Task | None = None
        self._issues: list[str] = []
        self._last_update = ""
        self.timer = QTimer(self, interval=WATCH_INTERVAL_MS)
        self.timer.timeout.connect(self.poll)

    # -- what is watched -------------------------------------------------------------
    def paths(self) -> list[Path]:
        return [p for w in self.watchers for p in w.paths]

    def add(self, watcher: RunWatcher) -> None:
        """Watch what ``watcher`` loaded; an older watcher of the same paths is replaced
        (the same folder dropped twice is polled once)."""
        new = {p.resolve() for p in watcher.paths}
        self.watchers = [w for w in self.watchers if not {p.resolve() for p in w.paths} <= new]
        self.watchers.append(watcher)
        self._sync()

    def clear(self) -> None:
        self.watchers.clear()
        self._sync()

    def set_enabled(self, enabled: bool) -> None:
        self.enabled = enabled
        self._sync()

    def _sync(self) -> None:
        if self.enabled and self.watchers:
            if not self.timer.isActive():
                self.timer.start()
        else:
            self.timer.stop()
        self._update_label()

    # -- polling ---------------------------------------------------------------------
    def poll(self) -> None:
        """One look at every watched path (skipped while the previous one runs; a poll
        cancelled with everything else simply ends, and the next tick polls again)."""
        if not self.watchers or not self.enabled:
            return
        if self._task is not None and not self._task.done.is_set():
            return
        self._task = self.runner.submit(
            poll_watchers, list(self.watchers),
            title="", background=True,
            on_result=self._on_result, on_error=self._on_error,
        )  # fmt: skip

    def _on_result(self, update: WatchUpdate) -> None:
        if not update:
            return
        self._apply(update)
        self._issues = (self._issues + [str(i) for i in update.issues])[-MAX_ISSUES_SHOWN:]
        parts = []
        if update.added:
            parts.append(f"{len(update.added)} new run{'s' if len(update.added) != 1 else ''}")
        if update.changed:
            n = len(update.changed)
            parts.append(f"{n} run{'s' if n != 1 else ''} updated")
        if update.removed:
            parts.append(f"{len(update.removed)} gone")
        if parts:
            self._last_update = f"{time.strftime('%H:%M:%S')}: {', '.join(parts)}"
        self._update_label()
        self.updated.emit(update)

    def _on_error(self, message: str, details: str) -> None:
        self.clear()
        self.failed.emit(message, details)

    def _update_label(self) -> None:
        n = len(self.paths())
        if not self.watchers:
            self.label.hide()
            return
        what = f"{n} folder{'s' if n != 1 else ''}" if n else "nothing"
        text = f"Watching {what}" if self.enabled else f"Not watching ({what})"
        if self._issues:
            text += f" · {len(self._issues)} problem{'s' if len(self._issues) != 1 else ''}"
        self.label.setText(text)
        tip = ["New records and new runs in these are picked up every "
               f"{WATCH_INTERVAL_MS / 1000:g} s (File → Watch run folders):"]  # fmt: skip
        tip += [f"  {p}" for p in self.paths()]
        if self._last_update:
            tip.append(f"Last change {self._last_update}")
        if self._issues:
            tip.append("Problems:")
            tip += [f"  {i}" for i in self._issues]
        self.label.setToolTip("\n".join(tip))
        self.label.show()

    def stop(self) -> None:
        self.timer.stop()
