"""File → Export papers…: the selection, the current search or the whole library, to
BibTeX, CSL-JSON, RIS or CSV, written on the task runner. A preprint published as a
venue version is cited as the venue unless "Cite published preprints as preprints"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from paperscope.core.text import count
from paperscope.gui.state import AppState
from paperscope.state.session import Session
from paperscope.workflows.papers import export_papers

FORMATS = (("bibtex", "BibTeX", "bib"), ("csljson", "CSL-JSON", "json"), ("ris", "RIS", "ris"),
           ("csv", "CSV", "csv"))  # fmt: skip


class ExportDialog(QDialog):
    """``session``: the store, the runner and the shared selection. ``selection``: ids;
    ``query``: the search box text; ``shown``: the ids matching it (any mode).

    Signals: ``exported(count, path)``."""

    exported = Signal(int, str)

    def __init__(
        self,
        session: Session[AppState],
        selection: list[int],
        query: str,
        shown: np.ndarray,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export papers")
        self._session = session
        self._selection = list(selection)
        self._query = query.strip()
        self._shown = shown
        total = session.store.paper_count()
        self.selection_radio = QRadioButton(f"The selected papers ({len(selection):,})")
        self.search_radio = QRadioButton(f"The current search ({len(shown):,}): {self._query}")
        self.library_radio = QRadioButton(f"The whole library ({total:,})")
        self.selection_radio.setEnabled(bool(selection))
        self.search_radio.setEnabled(bool(self._query))
        group = QButtonGroup(self)
        for r in (self.selection_radio, self.search_radio, self.library_radio):
            group.addButton(r)
        (self.selection_radio if selection else self.library_radio).setChecked(True)
        self.format_box = QComboBox()
        for key, label, _ext in FORMATS:
            self.format_box.addItem(label, key)
        self.format_box.currentIndexChanged.connect(self._fix_extension)
        self.path_edit = QLineEdit(str(Path.home() / "papers.bib"))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        self.preprint_box = QCheckBox("Cite published preprints as preprints (not the venue)")
        form = QFormLayout()
        form.addRow("Format", self.format_box)
        form.addRow("File", path_row)
        form.addRow("", self.preprint_box)
        self.status = QLabel()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        buttons.accepted.connect(self.start)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Export"))
        for r in (self.selection_radio, self.search_radio, self.library_radio):
            layout.addWidget(r)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(buttons)

    def fmt(self) -> str:
        return str(self.format_box.currentData())

    def set_format(self, fmt: str) -> None:
        self.format_box.setCurrentIndex([f[0] for f in FORMATS].index(fmt))

    def _fix_extension(self) -> None:
        ext = FORMATS[self.format_box.currentIndex()][2]
        path = Path(self.path_edit.text() or "papers")
        self.path_edit.setText(str(path.with_suffix("." + ext)))

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export papers", self.path_edit.text())
        if path:
            self.path_edit.setText(path)

    def start(self) -> None:
        """Export on the task runner; the dialog closes when the file is written."""
        out = Path(self.path_edit.text()).expanduser()
        kwargs: dict[str, Any] = {"preprint": self.preprint_box.isChecked()}
        if self.selection_radio.isChecked():
            kwargs["ids"] = self._selection
        elif self.search_radio.isChecked():
            kwargs["ids"] = self._shown
        self.status.setText("Exporting…")
        self._session.runner.submit(
            export_papers, self._session.store, self.fmt(), out, title=f"Exporting to {out.name}",
            on_result=lambda n: self._done(n, out), on_error=self._failed, **kwargs,
        )  # fmt: skip

    def _done(self, n: int, out: Path) -> None:
        self.status.setText(f"Exported {count(n, 'paper')} to {out}")
        self.exported.emit(n, str(out))
        self.accept()

    def _failed(self, message: str, _details: str) -> None:
        self.status.setText(f"Export failed: {message}")
