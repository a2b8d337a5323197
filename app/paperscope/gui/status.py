"""The status bar's texts and the task runner's feedback, and the window's message boxes.

The current task's title and progress, the Cancel button, "Cancelled" when a task was;
a failed task's error box; a box listing the problems of an import or a load. The last
box shown is kept in :attr:`StatusBar.last_box` (modeless: tests and the window read it).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QProgressBar, QPushButton, QWidget

from paperscope.core.records import ReadIssue
from paperscope.gui.task_runner import TaskRunner


class StatusBar(QObject):
    """Signals: ``error_shown(message)`` after a task's error box was shown."""

    error_shown = Signal(str)

    def __init__(
        self, window: QMainWindow, runner: TaskRunner, permanent: Sequence[QWidget] = ()
    ) -> None:
        super().__init__(window)
        self._window = window
        self.runner = runner
        self._quiet_tasks: set[int] = set()
        self._titles: dict[int, str] = {}
        self.last_box: QMessageBox | None = None
        bar = window.statusBar()
        self.label = QLabel()
        self.progress_bar = QProgressBar()
        self.progress_bar.setMaximumWidth(280)
        self.progress_bar.setMinimumWidth(200)
        self.progress_bar.setRange(0, 1000)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(lambda: self.runner.cancel())
        bar.addWidget(self.label, 1)
        for widget in permanent:
            bar.addPermanentWidget(widget)
        bar.addPermanentWidget(self.progress_bar)
        bar.addPermanentWidget(self.cancel_button)
        self.progress_bar.hide()
        self.cancel_button.hide()
        runner.task_started.connect(self._on_runner_task_started)
        runner.task_progressed.connect(self._on_runner_task_progressed)
        runner.task_ended.connect(self._on_runner_task_ended)
        runner.error_raised.connect(self.show_error)

    def show_message(self, text: str) -> None:
        self.label.setText(text)

    def show_issues(self, title: str, issues: Sequence[ReadIssue], warning: bool = True) -> None:
        icon = QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Information
        box = QMessageBox(icon, "PaperScope", title, parent=self._window)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setInformativeText(f"{len(issues)} problem(s); see the details.")
        box.setDetailedText("\n".join(f"{i.severity}: {i}" for i in issues))
        self._show(box)

    def show_error(self, title: str, message: str, details: str) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Critical, "PaperScope", f"{title} failed", parent=self._window
        )
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setInformativeText(message)
        box.setDetailedText(details)
        self._show(box)
        self.error_shown.emit(message)

    def show_box(self, box: QMessageBox) -> None:
        """Show a modeless box the caller built (and keep it as :attr:`last_box`)."""
        self._show(box)

    def _show(self, box: QMessageBox) -> None:
        box.setModal(False)
        box.show()
        self.last_box = box

    # -- task runner feedback --------------------------------------------------------
    def _on_runner_task_started(self, task_id: int, title: str) -> None:
        if not title:  # a quiet background task (the sidebar's counts)
            self._quiet_tasks.add(task_id)
            return
        self.label.setText(title)
        self._titles[task_id] = title
        # the bar names its task: beside "Embeddings: CPU" a bare "70%" read as CPU load
        self.progress_bar.setFormat(f"{title} %p%")
        self.progress_bar.setToolTip(title)
        self.progress_bar.setRange(0, 0)
        self.progress_bar.show()
        self.cancel_button.show()

    def _on_runner_task_progressed(self, task_id: int, fraction: object, message: str) -> None:
        if task_id in self._quiet_tasks:
            return
        title = self._titles.get(task_id, "")
        if self.progress_bar.toolTip() != title:
            self.progress_bar.setFormat(f"{title} %p%")
            self.progress_bar.setToolTip(title)
        if isinstance(fraction, float | int):
            self.progress_bar.setRange(0, 1000)
            self.progress_bar.setValue(int(1000 * float(fraction)))
        else:
            self.progress_bar.setRange(0, 0)
        if message:
            self.label.setText(message)

    def _on_runner_task_ended(self, task_id: int, outcome: str) -> None:
        self._titles.pop(task_id, None)
        if not any(t.id not in self._quiet_tasks for t in self.runner.running()):
            self.progress_bar.hide()
            self.cancel_button.hide()
        if task_id in self._quiet_tasks:
            self._quiet_tasks.discard(task_id)
            return
        if outcome == "cancelled":
            self.label.setText("Cancelled")
