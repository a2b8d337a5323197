"""The embedding model: which one (a setting), where it runs (the status bar's label),
embedding the library and deleting a model's vectors, importing vectors made elsewhere
and exporting the library's (the Library menu's first part)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QLabel, QMenu, QMessageBox, QWidget

from paperscope.core.records import ReadIssue
from paperscope.gui.state import AppState
from paperscope.gui.status import StatusBar
from paperscope.state.session import Session


class EmbeddingMenu(QObject):
    """``label``: "Embeddings: CPU/GPU…" for the status bar; :meth:`fill` adds the
    actions to a menu; :meth:`model_path` is the chosen model folder (None: bundled).
    ``vectors_imported(model id)``: vectors were imported (the window maps them)."""

    vectors_imported = Signal(str)

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
        add("&Import vectors (Parquet, .npy)…", self.import_vectors)
        add("E&xport vectors and map…", self.export_vectors)

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

    def import_vectors(self, path: str | None = None, ids_path: str | None = None) -> None:
        """Ask for a ``.parquet`` or ``.npy`` file (and a ``.npy``'s ids file when it has
        no ``NAME.ids.txt`` beside it), import it as its own model, then map it."""
        from paperscope.workflows.vectors import ids_file_for, import_vectors

        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                self._parent, "Import vectors", "", "Vectors (*.parquet *.npy)"
            )
        if not path:
            return
        npy = path.lower().endswith(".npy")
        if npy and ids_path is None and not ids_file_for(Path(path)).exists():
            ids_path, _ = QFileDialog.getOpenFileName(
                self._parent, "The ids of these vectors (one a line)", str(Path(path).parent),
                "Ids (*.txt *.csv);;All files (*)",
            )  # fmt: skip
            if not ids_path:
                return
        self.session.runner.submit(
            import_vectors, self.session.store, Path(path), Path(ids_path) if ids_path else None,
            title="Importing vectors", key="import-vectors", on_result=self._on_imported,
        )  # fmt: skip

    def _on_imported(self, result: Any) -> None:
        self.status.show_message(result.line())
        if result.issues:
            self.status.show_issues(result.line(), result.issues)
        if result.imported:
            self.vectors_imported.emit(result.model_id)

    def export_vectors(self, path: str | None = None) -> None:
        """Write the newest map's vectors, ids and layout to ``.parquet`` or ``.npy``."""
        from paperscope.workflows.vectors import export_vectors

        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                self._parent, "Export vectors and map", "vectors.parquet",
                "Parquet (*.parquet);;NumPy (*.npy)",
            )  # fmt: skip
        if not path:
            return
        self.session.runner.submit(
            export_vectors, self.session.store, Path(path), title="Exporting vectors",
            on_result=lambda written: self.status.show_message(
                "Wrote " + ", ".join(Path(p).name for p in written)
            ),
        )  # fmt: skip
