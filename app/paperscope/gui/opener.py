"""Opening things: files and folders routed to the library (papers, after a preview when
they come from outside) or to the plots (runs), and the File menu's dialogs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from paperscope.gui.state import AppState
from paperscope.gui.status import StatusBar
from paperscope.state.session import Session
from paperscope.state.workspace import SUFFIX
from paperscope.workflows import open as open_flow
from paperscope.workflows.papers import ImportPreview, add_previewed, import_paths, preview_import

PAPER_FILTER = "Papers (*.pdf *.txt *.json *.jsonl *.bib *.ris *.xml *.atom);;All files (*)"


class Opener(QObject):
    """``load_runs(paths)`` and ``open_workspace(path)`` are the window's. Signals:
    ``import_finished(summary)``, ``preview_shown(preview)``."""

    import_finished = Signal(object)
    preview_shown = Signal(object)

    def __init__(
        self,
        session: Session[AppState],
        status: StatusBar,
        load_runs: Callable[[Sequence[Path]], None],
        open_workspace: Callable[[Path], bool],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.status = status
        self._load_runs = load_runs
        self._open_workspace = open_workspace
        self._parent = parent

    def open_paths(self, paths: Sequence[Path], confirm: bool = False) -> None:
        """Route files and folders: papers into the library, logs onto the plot pane.

        ``confirm``: paper files opened from outside (the file manager, a second launch)
        are imported only after the user saw what would be added.
        """
        paths = [Path(p) for p in paths]
        for ws in [p for p in paths if p.suffix == SUFFIX and p.is_file()]:
            self._open_workspace(ws)
        paths = [p for p in paths if p.suffix != SUFFIX]
        if not paths:
            return
        routed = open_flow.route_paths(paths)
        if routed.issues:
            self.status.show_issues("Nothing to open", routed.issues)
        if routed.papers:
            if confirm:
                self.session.runner.submit(
                    preview_import, self.session.store, routed.papers,
                    title="Reading " + ", ".join(p.name for p in routed.papers),
                    on_result=self._on_preview_ready,
                )  # fmt: skip
            else:
                self.import_papers(routed.papers)
        if routed.runs:
            self._load_runs(routed.runs)

    def _on_preview_ready(self, preview: ImportPreview) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Question, "Import papers", "Import these papers?",
            parent=self._parent,
        )  # fmt: skip
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setInformativeText(preview.line())
        if preview.issues:
            box.setDetailedText("\n".join(f"{i.severity}: {i}" for i in preview.issues))
        if preview.can_import:
            box.setStandardButtons(
                QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel
            )
            box.button(QMessageBox.StandardButton.Ok).setText("Import")
        else:  # nothing to import: say why, offer no Import button
            box.setIcon(QMessageBox.Icon.Warning)
            box.setText("Nothing to import")
            box.setStandardButtons(QMessageBox.StandardButton.Close)
        box.finished.connect(lambda code: self._on_preview_answered(preview, code))
        self.status.show_box(box)
        self.preview_shown.emit(preview)

    def _on_preview_answered(self, preview: ImportPreview, code: int) -> None:
        if code == QMessageBox.StandardButton.Ok:
            self.session.runner.submit(
                add_previewed, self.session.store, preview, title="Importing papers",
                on_result=self._on_import_finished,
            )  # fmt: skip

    def import_papers(self, paths: Sequence[Path]) -> None:
        self.session.runner.submit(
            import_paths, self.session.store, list(paths),
            title=f"Importing {', '.join(Path(p).name for p in paths)}",
            on_result=self._on_import_finished,
        )  # fmt: skip

    def _on_import_finished(self, summary: Any) -> None:
        self.session.app.notify_library_changed()
        self.status.show_message(f"Import: {summary.line()}")
        if summary.issues:
            self.status.show_issues(
                f"Import finished: {summary.line()}", summary.issues, warning=False
            )
        self.import_finished.emit(summary)
        self.read_pdf_text()

    def read_pdf_text(self) -> None:
        """Read the text of the attached PDFs not read yet, in the background (what was
        read stays read: a restart goes on where this stopped)."""
        from paperscope.workflows.attachments import extract_fulltext

        store = self.session.store
        if store.pending_text_count():
            self.session.runner.submit(
                extract_fulltext, store, title="Reading the PDFs' text", key="pdf-fulltext",
                on_result=lambda _n: self.session.app.notify_library_changed(),
            )  # fmt: skip

    # -- the File menu's dialogs -----------------------------------------------------
    def choose_and_open(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self._parent, "Open papers or runs", "", "All files (*)"
        )
        if files:
            self.open_paths([Path(f) for f in files])

    def choose_papers(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self._parent, "Import papers", "", PAPER_FILTER)
        if files:
            self.import_papers([Path(f) for f in files])

    def choose_runs(self) -> None:
        folder = QFileDialog.getExistingDirectory(self._parent, "Open a folder of runs")
        if folder:
            self._load_runs([Path(folder)])
