"""What an empty library shows instead of an empty table."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


class WelcomePage(QWidget):
    demo_requested = Signal()
    import_requested = Signal()
    runs_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("Your library is empty")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        title.setFont(font)
        text = QLabel(
            "Import papers from BibTeX, RIS, CSL-JSON, arXiv or the Hugging Face daily papers, "
            "or drop files and folders anywhere on this window."
        )
        text.setWordWrap(True)
        self.demo_button = QPushButton("Open the demo library")
        self.import_button = QPushButton("Import papers…")
        self.runs_button = QPushButton("Open runs…")
        self.demo_button.clicked.connect(self.demo_requested)
        self.import_button.clicked.connect(self.import_requested)
        self.runs_button.clicked.connect(self.runs_requested)
        # one column, at most 460 px wide and centred: the labels fill its width, so a
        # wrapped text gets the height it needs (centring each label alone gave it its
        # one-line width and cut the wrapped lines off)
        column = QWidget()
        column.setMaximumWidth(460)
        inner = QVBoxLayout(column)
        inner.setContentsMargins(0, 0, 0, 0)
        for w in (title, text, self.demo_button, self.import_button, self.runs_button):
            inner.addWidget(w)
        title.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.text = text
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(column, 4)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addLayout(row)
        layout.addStretch(3)
