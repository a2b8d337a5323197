"""The detail pane's files: the paper's PDFs with their status and notes, page 1 as a
thumbnail (drawn by PDFium on the task runner's background lane, never on the UI
thread), where the searched words occur in the full text, "Open PDF" in the system
viewer (``QDesktopServices``), "Attach PDF…" and "Locate…" for a missing file (which
relinks the other missing files of its folder too)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QDragEnterEvent, QDropEvent, QImage, QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from paperscope.library.store import Store
from paperscope.library.store.attachments import StoredAttachment
from paperscope.workflows import attachments as flow

THUMB_WIDTH = 120  # pixels; an A4 page is then 170 high


def image_of(arr: Any) -> QImage:
    """An RGB uint8 array (height × width × 3) as a QImage (copied: owns its bytes)."""
    h, w = int(arr.shape[0]), int(arr.shape[1])
    return QImage(arr.tobytes(), w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class AttachmentsPanel(QWidget):
    """``show_paper(id, query)``. Signals: ``changed(paper_id)`` after a file was
    attached or relinked, ``thumbnail_shown(path)``."""

    changed = Signal(int)
    thumbnail_shown = Signal(str)

    def __init__(
        self, store: Store, submit: Callable[..., Any] | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._submit = submit
        self._paper_id = -1
        self._files: list[StoredAttachment] = []
        self.thumbnail = QLabel()
        self.thumbnail.setFixedWidth(THUMB_WIDTH)
        self.thumbnail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        self.files_label = QLabel()
        self.files_label.setTextFormat(Qt.TextFormat.PlainText)
        self.files_label.setWordWrap(True)
        self.snippet = QLabel()
        self.snippet.setTextFormat(Qt.TextFormat.PlainText)
        self.snippet.setWordWrap(True)
        self.attach_button = QPushButton("Attach PDF…")
        self.attach_button.clicked.connect(self.choose_and_attach)
        self.locate_button = QPushButton("Locate…")
        self.locate_button.clicked.connect(self.choose_and_locate)
        buttons = QHBoxLayout()
        buttons.addWidget(self.attach_button)
        buttons.addWidget(self.locate_button)
        buttons.addStretch(1)
        text = QVBoxLayout()
        text.addWidget(self.files_label)
        text.addWidget(self.snippet)
        text.addLayout(buttons)
        text.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.thumbnail)
        layout.addLayout(text, 1)
        self.setMaximumHeight(190)
        self.setAcceptDrops(True)  # a PDF dropped here is attached to the shown paper
        self.show_paper(-1, "")

    # -- what is shown -------------------------------------------------------------------
    def files(self) -> list[StoredAttachment]:
        return list(self._files)

    def local_pdf(self) -> StoredAttachment | None:
        """The first attached PDF that is there (what "Open PDF" opens)."""
        return next((a for a in self._files if a.kind == "pdf" and a.status == "ok"), None)

    def show_paper(self, paper_id: int, query: str) -> None:
        self._paper_id = paper_id
        self._files = self._store.attachments_of(paper_id) if paper_id >= 0 else []
        self.attach_button.setEnabled(paper_id >= 0)
        self.locate_button.setEnabled(any(a.status == "missing" for a in self._files))
        self.setVisible(paper_id >= 0)
        lines = []
        for a in self._files:
            state = "missing" if a.status == "missing" else a.kind.upper()
            note = f" — {a.note}" if a.note and a.note != "file not found" else ""
            lines.append(f"• {a.name} ({state}){note}")
        self.files_label.setText("\n".join(lines) or "No files attached (drop a PDF here).")
        self.files_label.setToolTip("\n".join(a.path for a in self._files))
        snippet = self._store.fulltext_snippet(paper_id, query) if paper_id >= 0 and query else ""
        self.snippet.setText(f"In the full text: {snippet}" if snippet else "")
        self.snippet.setVisible(bool(snippet))
        self.thumbnail.clear()
        self.thumbnail.setVisible(False)
        pdf = self.local_pdf()
        if pdf is not None and self._submit is not None:
            self._submit(
                flow.thumbnail, Path(pdf.path), THUMB_WIDTH, title="", key="pdf-thumbnail",
                background=True, on_result=lambda arr, p=pdf.path, pid=paper_id: self._show_thumb(
                    arr, p, pid),
                on_error=lambda *_a: None,
            )  # fmt: skip

    def _show_thumb(self, arr: Any, path: str, paper_id: int) -> None:
        if paper_id != self._paper_id or arr is None:
            return  # another paper is shown by now, or the page could not be drawn
        self.thumbnail.setPixmap(QPixmap.fromImage(image_of(arr)))
        self.thumbnail.setVisible(True)
        self.thumbnail_shown.emit(path)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._paper_id >= 0 and event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        pdfs = [p for p in paths if p.suffix.lower() == ".pdf" and p.is_file()]
        if pdfs:
            event.acceptProposedAction()
            self.attach(pdfs)

    # -- actions -------------------------------------------------------------------------
    def open_pdf(self) -> bool:
        pdf = self.local_pdf()
        if pdf is None:
            return False
        QDesktopServices.openUrl(QUrl.fromLocalFile(pdf.path))
        return True

    def attach(self, paths: list[Path]) -> None:
        if self._paper_id < 0:
            return
        pid = self._paper_id
        if self._submit is None:
            flow.attach_files(self._store, pid, paths)
            self._after_change(pid)
            return
        submit = self._submit

        def attached(_issues: Any) -> None:
            self._after_change(pid)
            submit(flow.extract_fulltext, self._store, title="Reading the PDFs' text",
                   key="pdf-fulltext", on_result=lambda _n: self._after_change(pid))  # fmt: skip

        submit(
            flow.attach_files, self._store, pid, paths,
            title=f"Attaching {', '.join(p.name for p in paths)}", on_result=attached,
        )  # fmt: skip

    def choose_and_attach(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Attach PDFs", "", "PDF (*.pdf)")
        if files:
            self.attach([Path(f) for f in files])

    def locate(self, attachment_id: int, new_path: Path) -> list[int]:
        done = flow.relink(self._store, attachment_id, new_path)
        self._after_change(self._paper_id)
        return done

    def choose_and_locate(self) -> None:
        missing = next((a for a in self._files if a.status == "missing"), None)
        if missing is None:
            return
        found, _ = QFileDialog.getOpenFileName(
            self, f"Locate {missing.name}", "", f"{missing.name};;All files (*)"
        )
        if found:
            self.locate(missing.id, Path(found))

    def _after_change(self, paper_id: int) -> None:
        self.changed.emit(paper_id)
        if paper_id == self._paper_id:
            self.show_paper(paper_id, "")
