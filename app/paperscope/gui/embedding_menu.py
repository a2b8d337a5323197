"""The embedding model: which one (a setting), where it runs (the status bar's label),
embedding the library and deleting a model's vectors (the Library menu's first part)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSettings
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QLabel, QMenu, QMessageBox, QWidget

from paperscope.core.records import ReadIssue
from paperscope.gui.state import AppState
from paperscope.gui.status import StatusBar
from paperscope.state.session import Session


class EmbeddingMenu(QObject):
    """``label``: "Embeddings: CPU/GPU…" for the status bar; :meth:`fill` adds the
    actions to a menu; :meth:`model_path` is the chosen model folder (None: bundled)."""

    def __init__(
        self,
        session: Session[AppState],
        status: StatusBar,
        settings: Callable[[], QSettings],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.status = status
        self._settings = settings
        self._parent = parent
        self.label = QLabel("Embeddings: —")
        self.label.setToolTip("Where the embedding model runs (Library → Embed papers)")

    def fill(self, menu: QMenu) -> None:
        def add(text: str, slot: Callable[[], Any], shortcut: str | None = None) -> None:
            action = QAction(text, self._parent)
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
            action.triggered.connect(slot)
            menu.addAction(action)

        add("&Embed papers", self.embed_papers, "Ctrl+Shift+M")
        add("Choose embedding &model…", self.choose_model)
        add("&Delete this model's embeddings", self.delete_vectors)

    def model_path(self) -> Path | None:
        """The embedding model folder chosen in Settings (None: the bundled model)."""
        value = self._settings().value("embedding/model")
        return Path(str(value)) if value else None

    def embed_papers(self) -> None:
        from paperscope.workflows.embed import embed_library

        self.session.runner.submit(
            embed_library, self.session.store, model_path=self.model_path(),
            title="Embedding papers", key="embed", on_result=self._on_embed_finished,
        )  # fmt: skip

    def _on_embed_finished(self, summary: Any) -> None:
        self.label.setText(f"Embeddings: {summary.device}")
        self.status.show_message(summary.line())

    def detect_device(self) -> None:
        """Fill the device label (off the UI thread: it may ask the driver)."""
        from paperscope.workflows.embed import query_encoder

        self.session.runner.submit(
            lambda progress, cancel: query_encoder(self.model_path()).device_label(),
            title="Looking for a GPU",
            on_result=lambda label: self.label.setText(f"Embeddings: {label}"),
            on_error=lambda message, _d: self.label.setText("Embeddings: unavailable"),
        )  # fmt: skip

    def choose_model(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self._parent, "Choose a sentence-transformers model folder"
        )
        if not folder:
            return
        from paperscope.embedding.model import ModelError, load_model_info

        try:
            info = load_model_info(folder)
        except ModelError as exc:
            issue = ReadIssue(folder, "", str(exc), "skipped")
            self.status.show_issues("Not a model folder", [issue])
            return
        s = self._settings()
        s.setValue("embedding/model", folder)
        s.sync()
        self.status.show_message(f"Embedding model: {info.name} (vectors are kept per model)")

    def delete_vectors(self) -> None:
        from paperscope.workflows.embed import delete_model_vectors

        answer = QMessageBox.question(
            self._parent, "Delete embeddings",
            "Delete every vector of the current model from this library?",
        )  # fmt: skip
        if answer == QMessageBox.StandardButton.Yes:
            n = delete_model_vectors(self.session.store, self.model_path())
            self.status.show_message(f"Deleted {n:,} vectors")
