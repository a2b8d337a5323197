"""The detail pane: everything about the current paper, as plain text.

Titles and abstracts come from files written by others; they are always shown as
plain text (a title containing ``<img src=…>`` is displayed literally, never rendered).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices, QFont, QTextBlockFormat, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from paperscope.gui.papers.table_model import MISSING, format_authors
from paperscope.library.store import Store


class PaperDetailPane(QWidget):
    """Shows one paper. ``show_paper(id)``; -1 clears it.

    The text is built with :class:`QTextCursor` inserts, which put every string in
    literally: markup inside a title or an abstract is shown, never interpreted.
    """

    link_opened = Signal(str)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._paper_id = -1
        self._url = ""
        self.view = QTextBrowser()
        self.view.setOpenLinks(False)
        self.view.setFrameShape(QFrame.Shape.NoFrame)
        self.open_button = QPushButton("Open arXiv page")
        self.open_button.clicked.connect(self._open_link)
        self.open_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        self.show_paper(-1)

    @property
    def paper_id(self) -> int:
        return self._paper_id

    def text(self) -> str:
        """Everything shown, as plain text."""
        return self.view.toPlainText()

    def show_paper(self, paper_id: int) -> None:
        self._paper_id = paper_id
        row = self._store.paper_row(paper_id) if paper_id >= 0 else None
        self.view.clear()
        if row is None:
            self._write([("Select a paper to see its details.", "muted")])
            self._url = ""
            self.open_button.setEnabled(False)
            return
        authors = row["authors"] or []
        n = (row.get("extra") or {}).get("n_authors")
        author_text = (
            format_authors(authors, limit=12) if authors else (f"{n} authors" if n else MISSING)
        )
        blocks: list[tuple[str, str]] = [
            (row["title"], "title"),
            (author_text, "body"),
            (self._meta_line(row), "muted"),
        ]
        if row.get("keywords"):
            blocks.append(("Keywords: " + ", ".join(row["keywords"]), "muted"))
        blocks.append((row["abstract"] or "No abstract.", "body"))
        if row.get("notes"):
            blocks.append(("Notes: " + row["notes"], "body"))
        self._write(blocks)
        self._url = self._link(row)
        self.open_button.setEnabled(bool(self._url))
        self.open_button.setText("Open arXiv page" if row.get("arxiv_id") else "Open link")

    def _write(self, blocks: list[tuple[str, str]]) -> None:
        cursor = self.view.textCursor()
        base = self.view.font().pointSizeF()
        for i, (text, style) in enumerate(blocks):
            fmt = QTextCharFormat()
            if style == "title":
                fmt.setFontWeight(QFont.Weight.Bold)
                fmt.setFontPointSize(base * 1.25)
            elif style == "muted":
                fmt.setForeground(self.palette().placeholderText())
            block = QTextBlockFormat()
            block.setBottomMargin(6)
            if i:
                cursor.insertBlock(block)
            else:
                cursor.setBlockFormat(block)
            cursor.insertText(text, fmt)
        self.view.moveCursor(QTextCursor.MoveOperation.Start)

    @staticmethod
    def _meta_line(row: dict[str, Any]) -> str:
        parts = []
        if row.get("date"):
            parts.append(row["date"].isoformat())
        elif row.get("year"):
            parts.append(str(row["year"]))
        for key in ("venue", "organisation"):
            if row.get(key):
                parts.append(str(row[key]))
        if row.get("upvotes") is not None:
            parts.append(f"▲ {row['upvotes']}")
        if row.get("arxiv_id"):
            parts.append(f"arXiv:{row['arxiv_id']}")
        if row.get("doi"):
            parts.append(f"doi:{row['doi']}")
        parts.append(f"status: {row['status']}")
        return "  ·  ".join(parts)

    @staticmethod
    def _link(row: dict[str, Any]) -> str:
        if row.get("arxiv_id"):
            return f"https://arxiv.org/abs/{row['arxiv_id']}"
        if row.get("doi"):
            return f"https://doi.org/{row['doi']}"
        url = row.get("url") or ""
        return url if url.startswith(("http://", "https://")) else ""

    def _open_link(self) -> None:
        if self._url:
            self.link_opened.emit(self._url)
            QDesktopServices.openUrl(QUrl(self._url))
