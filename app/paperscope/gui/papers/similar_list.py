"""Similar papers: the ten nearest papers of the current one, with cosine scores, from
the library's stored nearest-neighbour table (made with the map); a click shows one.
Above them, when the paper is recommended, why (its nearest liked papers)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

# what the list says while no paper is current (one without vectors says how to get them)
NO_PAPER = "Select a paper to see the papers most like it."


class SimilarList(QWidget):
    """Signal ``paper_chosen(int)`` when a similar paper is clicked."""

    paper_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("Similar papers")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.list = QListWidget()
        self.list.setMinimumHeight(44)  # two rows; the dock's minimum stays small
        self.list.setWordWrap(True)
        self.list.itemActivated.connect(self._on_item_chosen)
        self.list.itemClicked.connect(self._on_item_chosen)
        self.why = QLabel()
        self.why.setWordWrap(True)
        self.why.setTextFormat(Qt.TextFormat.PlainText)
        self.why.setVisible(False)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 4)
        layout.addWidget(self.why)
        layout.addWidget(self.title)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.note)
        self.show_note(NO_PAPER)

    def show_results(self, hits: list[Any]) -> None:
        """``hits``: ``ScoredPaper(id, title, score)``, best first."""
        self.list.clear()
        for hit in hits:
            # plain text items: a title is never interpreted as markup
            item = QListWidgetItem(f"{hit.score:.2f}  {hit.title}")
            item.setData(Qt.ItemDataRole.UserRole, int(hit.id))
            item.setToolTip(hit.title)
            self.list.addItem(item)
        self.note.setVisible(not hits)
        if not hits:
            self.note.setText("No similar papers stored for this paper.")

    def show_why(self, text: str) -> None:
        """Why the current paper is recommended ("" hides it)."""
        self.why.setText(text)
        self.why.setVisible(bool(text))

    def show_note(self, text: str) -> None:
        self.list.clear()
        self.note.setText(text)
        self.note.setVisible(True)

    def ids(self) -> list[int]:
        return [
            int(self.list.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.list.count())
        ]

    def _on_item_chosen(self, item: QListWidgetItem) -> None:
        self.paper_chosen.emit(int(item.data(Qt.ItemDataRole.UserRole)))
