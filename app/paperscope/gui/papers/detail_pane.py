"""The detail pane: everything about the current paper, as plain text, with its
links, reading status, rating and editable notes.

Titles and abstracts come from files written by others; they are always shown as
plain text (a title containing ``<img src=…>`` is displayed literally, never rendered).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QFont,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from paperscope.gui.papers.attachments_panel import AttachmentsPanel
from paperscope.gui.papers.paper_results import PaperResultsSection
from paperscope.gui.papers.record_form import RecordForm
from paperscope.gui.papers.table_model import MISSING, format_authors
from paperscope.library.links import Link, paper_links
from paperscope.library.published import published_line
from paperscope.library.store import Store
from paperscope.library.store.organize import STATUSES

Block = tuple[str, str] | tuple[str, str, str]


# characters of one field the pane lays out (a 1 MB field took 25 s to lay out)
MAX_SHOWN = 20_000


# columns the pane shows above the record (not repeated in it)
_SHOWN_ABOVE = {"title", "abstract", "_format", "_tex"}  # _tex: the TeX as read (export)
_FORMATS = {"bibtex": "BibTeX", "csl": "CSL-JSON", "ris": "RIS"}


def _field_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict) and isinstance(value.get("date-parts"), list):
        return " – ".join(
            "-".join(str(x) for x in d) for d in value["date-parts"] if isinstance(d, list)
        )
    return json.dumps(value, ensure_ascii=False)


def record_lines(row: dict[str, Any]) -> list[str]:
    """Every field of the paper's source record as ``name: value`` lines (plain text),
    after the entry type, citation key and the names with their roles."""
    fields = row.get("fields") or {}
    lines: list[str] = []
    if fields:
        fmt = _FORMATS.get(str(fields.get("_format")), str(fields.get("_format") or ""))
        lines.append(f"source format: {fmt}   type: {row.get('kind') or MISSING}")
    if row.get("citation_key"):
        lines.append(f"citation key: {row['citation_key']}")
    creators = row.get("creators") or []
    for role, label in (("author", "authors"), ("editor", "editors")):
        names = [
            c.get("literal") or ", ".join(x for x in (
                " ".join(p for p in (c.get("particle", ""), c.get("family", "")) if p),
                c.get("given", ""), c.get("suffix", ""),
            ) if x)
            for c in creators
            if c.get("role", "author") == role
        ]  # fmt: skip
        if names:
            lines.append(f"{label}: " + " · ".join(names))
    for name, value in fields.items():
        if name in _SHOWN_ABOVE:
            continue
        text = " ".join(_field_text(value).split())
        if text:
            lines.append(f"{'@preamble of its file' if name == '_preamble' else name}: {text}")
    return lines


class NotesEdit(QPlainTextEdit):
    """Notes; saved when the pane's "Save notes" is pressed, focus leaves, or the
    paper changes."""

    focus_left = Signal()

    def focusOutEvent(self, event: Any) -> None:
        super().focusOutEvent(event)
        self.focus_left.emit()


class PaperDetailPane(QWidget):
    """Shows one paper. ``show_paper(id)``; -1 clears it.

    The text is built with :class:`QTextCursor` inserts, which put every string in
    literally: markup inside a title or an abstract is shown, never interpreted.

    Signals: ``link_opened(url)``, ``edited(paper_id)`` after the status, the rating,
    the notes or a field of the record were saved. A field is edited one at a time
    (``set_field``) and each edit can be undone (``undo_field``).
    """

    link_opened = Signal(str)
    edited = Signal(int)

    def __init__(
        self,
        store: Store,
        submit: Callable[..., Any] | None = None,
        query: Callable[[], str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._query = query or (lambda: "")
        # the paper's PDFs: thumbnail, full-text snippet, Attach PDF…, Locate…
        self.files = AttachmentsPanel(store, submit)
        self.files.changed.connect(self._on_files_changed)
        self._paper_id = -1
        self._url = ""
        self._links: list[Link] = []
        self._loading = False
        self.view = QTextBrowser()
        self.view.setOpenLinks(False)
        self.view.setFrameShape(QFrame.Shape.NoFrame)
        self.pdf_button = QPushButton("Open PDF")
        self.pdf_button.clicked.connect(self.open_pdf)
        self.open_button = QPushButton("Open arXiv page")
        self.open_button.clicked.connect(self._open_link)
        self.open_button.setEnabled(False)
        self.code_button = QPushButton("Open code")
        self.code_button.clicked.connect(lambda: self._open_kind("code"))
        buttons = QHBoxLayout()
        for b in (self.pdf_button, self.open_button, self.code_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.status_box = QComboBox()
        self.status_box.addItems(list(STATUSES))
        self.status_box.currentTextChanged.connect(self._on_status)
        self.rating_box = QComboBox()
        self.rating_box.addItems(["No rating", *("★" * r for r in range(1, 6))])
        self.rating_box.currentIndexChanged.connect(self._on_rating)
        user = QHBoxLayout()
        user.addWidget(QLabel("Status"))
        user.addWidget(self.status_box)
        user.addSpacing(12)
        user.addWidget(QLabel("Rating"))
        user.addWidget(self.rating_box)
        user.addStretch(1)
        self.notes = NotesEdit()
        self.notes.setPlaceholderText("Notes on this paper (saved with the library)")
        self.notes.setMaximumHeight(76)
        self.notes.focus_left.connect(self.save_notes)
        self.save_notes_button = QPushButton("Save notes")
        self.save_notes_button.clicked.connect(self.save_notes)
        self.notes.modificationChanged.connect(self.save_notes_button.setEnabled)
        notes_row = QHBoxLayout()
        notes_row.addWidget(QLabel("Notes"))
        notes_row.addStretch(1)
        notes_row.addWidget(self.save_notes_button)
        # the record as a form by entry type (edit a line, leave it: stored, with Undo)
        self.form = RecordForm()
        self.form.field_edited.connect(self._on_form_edited)
        # any field by name: pick (or type) it, edit, Set; Undo
        self.field_name = QComboBox()
        self.field_name.setEditable(True)
        self.field_name.setMinimumWidth(110)
        self.field_name.currentTextChanged.connect(self._on_field_chosen)
        self.field_value = QLineEdit()
        self.field_value.setPlaceholderText("value (empty removes the field)")
        self.field_value.returnPressed.connect(self.set_field)
        self.set_field_button = QPushButton("Set")
        self.set_field_button.clicked.connect(self.set_field)
        self.undo_field_button = QPushButton("Undo")
        self.undo_field_button.clicked.connect(self.undo_field)
        self.undo_field_button.setEnabled(False)
        self._field_undo: list[tuple[int, str, Any]] = []
        self._fields: dict[str, Any] = {}
        field_row = QHBoxLayout()
        field_row.addWidget(QLabel("Field"))
        field_row.addWidget(self.field_name)
        field_row.addWidget(self.field_value, 1)
        field_row.addWidget(self.set_field_button)
        field_row.addWidget(self.undo_field_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.view, 2)
        layout.addWidget(self.files)
        form_scroll = QScrollArea()  # a long record scrolls; the text above keeps its room
        form_scroll.setWidget(self.form)
        form_scroll.setWidgetResizable(True)
        form_scroll.setFrameShape(QFrame.Shape.NoFrame)
        form_scroll.setMinimumHeight(90)
        # the record's form and the paper's reported results and linked runs, in tabs
        self.results = PaperResultsSection(store)
        # each tab scrolls, so neither sets the dock's (and the window's) minimum height
        results_scroll = QScrollArea()
        results_scroll.setWidget(self.results)
        results_scroll.setWidgetResizable(True)
        results_scroll.setFrameShape(QFrame.Shape.NoFrame)
        results_scroll.setMinimumHeight(90)
        self.tabs = QTabWidget()
        self.tabs.addTab(form_scroll, "Record")
        self.tabs.addTab(results_scroll, "Results && runs")
        layout.addWidget(self.tabs, 3)
        layout.addLayout(field_row)
        layout.addLayout(buttons)
        layout.addLayout(user)
        layout.addLayout(notes_row)
        layout.addWidget(self.notes)
        self.show_paper(-1)

    @property
    def paper_id(self) -> int:
        return self._paper_id

    def text(self) -> str:
        """Everything shown, as plain text."""
        return self.view.toPlainText()

    def show_paper(self, paper_id: int) -> None:
        if paper_id != self._paper_id:
            self.save_notes()
        same = paper_id == self._paper_id
        self._paper_id = paper_id
        row = self._store.paper_row(paper_id) if paper_id >= 0 else None
        self.view.clear()
        self._loading = True
        try:
            self._fill(row, keep_notes=same)
        finally:
            self._loading = False
        self.show_results()

    def show_results(self) -> None:
        """Refill "Results & runs" (links or results changed elsewhere)."""
        self.results.show_paper(self._paper_id)
        n_results, n_runs = self.results.counts()
        self.tabs.setTabText(1, f"Results ({n_results}) && runs ({n_runs})")

    def _fill(self, row: dict[str, Any] | None, keep_notes: bool) -> None:
        for w in (self.status_box, self.rating_box, self.notes, self.save_notes_button):
            w.setEnabled(row is not None)
        if row is None:
            self._paper_id = -1
            self._write([("Select a paper to see its details.", "muted")])
            self._url = ""
            self._links = []
            self.notes.setPlainText("")
            for b in (self.pdf_button, self.open_button, self.code_button):
                b.setEnabled(False)
            self.files.show_paper(-1, "")
            self._fill_field_names(None)
            return
        authors = row["authors"] or []
        n = (row.get("extra") or {}).get("n_authors")
        author_text = (
            format_authors(authors, limit=12, creators=row.get("creators"))
            if authors or row.get("creators")
            else (f"{n} authors" if n else MISSING)
        )
        paper = self._store.papers([row["id"]])
        blocks: list[Block] = [
            (row["title"], "title"),
            (author_text, "body"),
            (self._meta_line(row), "muted"),
        ]
        if paper and (published := published_line(paper[0])):
            blocks.append((published, "body"))  # "Published as eLife, 2021"
        tags = self._store.paper_tags([row["id"]]).get(row["id"], [])
        if tags:
            blocks.append(("Tags: ", "muted"))
            for t in tags:
                blocks.append((f"■ {t.name}  ", "tag", t.color))
        collections = self._store.paper_collections(row["id"])
        if collections:
            blocks.append(("In: " + ", ".join(c.name for c in collections), "muted"))
        if row.get("keywords"):
            blocks.append(("Keywords: " + ", ".join(row["keywords"]), "muted"))
        blocks.append((row["abstract"] or "No abstract.", "body"))
        lines = record_lines(row)
        if lines:
            blocks.append(("The whole record", "heading"))
            blocks.extend((line, "field") for line in lines)
        self._write(blocks)
        self._fill_field_names(row)
        self.status_box.setCurrentText(row["status"])
        self.rating_box.setCurrentIndex(int(row.get("rating") or 0))
        if not keep_notes or not self.notes.document().isModified():
            self.notes.setPlainText(row.get("notes") or "")
            self.notes.document().setModified(False)
        self.save_notes_button.setEnabled(False)
        self._links = paper_links(paper[0]) if paper else []
        kinds = {link.kind for link in self._links}
        self._url = self._link(row)
        self.open_button.setEnabled(bool(self._url))
        self.open_button.setText("Open arXiv page" if row.get("arxiv_id") else "Open link")
        self.files.show_paper(row["id"], self._query())
        self.pdf_button.setEnabled("pdf" in kinds or self.files.local_pdf() is not None)
        self.code_button.setEnabled("code" in kinds)

    def _write(self, blocks: list[Block]) -> None:
        cursor = self.view.textCursor()
        base = self.view.font().pointSizeF()
        first = True
        for block_spec in blocks:
            text, style = block_spec[0], block_spec[1]
            if len(text) > MAX_SHOWN:  # no abstract is that long; laying it out would freeze
                text = f"{text[:MAX_SHOWN]} … ({len(text) - MAX_SHOWN:,} more characters not shown)"
            fmt = QTextCharFormat()
            if style == "title":
                fmt.setFontWeight(QFont.Weight.Bold)
                fmt.setFontPointSize(base * 1.25)
            elif style == "muted":
                fmt.setForeground(self.palette().placeholderText())
            elif style == "tag":
                fmt.setForeground(QColor(block_spec[2]))  # type: ignore[misc]
                fmt.setFontWeight(QFont.Weight.Bold)
                cursor.insertText(text, fmt)  # on the "Tags:" line
                continue
            if style == "heading":
                fmt.setFontWeight(QFont.Weight.Bold)
            block = QTextBlockFormat()
            block.setBottomMargin(0 if style == "field" else 6)
            if style == "heading":
                block.setTopMargin(8)
            if not first:
                cursor.insertBlock(block)
            else:
                cursor.setBlockFormat(block)
            first = False
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
        if row.get("rating"):
            parts.append("★" * int(row["rating"]))
        return "  ·  ".join(parts)

    @staticmethod
    def _link(row: dict[str, Any]) -> str:
        if row.get("arxiv_id"):
            return f"https://arxiv.org/abs/{row['arxiv_id']}"
        if row.get("doi"):
            return f"https://doi.org/{row['doi']}"
        url = row.get("url") or ""
        return url if url.startswith(("http://", "https://")) else ""

    # -- edits -----------------------------------------------------------------------
    def _fill_field_names(self, row: dict[str, Any] | None) -> None:
        fields = (row or {}).get("fields") or {}
        if row is not None and not fields and self._paper_id >= 0:
            # read from a page, an API or a PDF (no record of its own): the form shows
            # the fields its BibTeX export would have, so title, year, eprint… are there
            from paperscope.library.export import bibtex_fields

            papers = self._store.papers([self._paper_id])
            fields = bibtex_fields(papers[0]) if papers else {}
        self._fields = {k: v for k, v in fields.items() if k != "_format"}
        current = self.field_name.currentText()
        self.field_name.blockSignals(True)
        self.field_name.clear()
        self.field_name.addItems([k for k in self._fields if isinstance(self._fields[k], str)])
        self.field_name.setCurrentText(current if current in self._fields else "")
        self.field_name.blockSignals(False)
        self._on_field_chosen(self.field_name.currentText())
        for w in (self.field_name, self.field_value, self.set_field_button):
            w.setEnabled(row is not None)
        self.undo_field_button.setEnabled(bool(self._field_undo))
        self.form.set_record((row or {}).get("kind"), fields if row is not None else None)

    def _on_field_chosen(self, name: str) -> None:
        value = getattr(self, "_fields", {}).get(name.strip(), "")
        self.field_value.setText(value if isinstance(value, str) else "")

    def set_field(self) -> None:
        """Set the chosen field of the shown paper's record to the typed value."""
        self._store_field(self.field_name.currentText().strip(), self.field_value.text())

    def _on_form_edited(self, name: str, value: str) -> None:
        self._store_field(name, value)

    def _store_field(self, name: str, value: str) -> None:
        if self._paper_id < 0 or not name:
            return
        pid = self._paper_id
        old = self._store.set_field(pid, name, value)
        self._field_undo.append((pid, name, old))
        self.edited.emit(pid)
        self.show_paper(pid)

    def undo_field(self) -> None:
        """Undo the last field edit (of whichever paper it was)."""
        if not self._field_undo:
            return
        pid, name, old = self._field_undo.pop()
        self._store.set_field(pid, name, old)
        self.edited.emit(pid)
        self.show_paper(pid if pid == self._paper_id else self._paper_id)

    def save_notes(self) -> None:
        if self._paper_id < 0 or not self.notes.document().isModified():
            return
        self._store.set_notes(self._paper_id, self.notes.toPlainText())
        self.notes.document().setModified(False)
        self.edited.emit(self._paper_id)

    def _on_status(self, status: str) -> None:
        if not self._loading and self._paper_id >= 0 and status in STATUSES:
            self._store.set_status([self._paper_id], status)
            self.edited.emit(self._paper_id)

    def _on_rating(self, index: int) -> None:
        if not self._loading and self._paper_id >= 0:
            self._store.set_rating([self._paper_id], index or None)
            self.edited.emit(self._paper_id)

    # -- links -----------------------------------------------------------------------
    def links(self) -> list[Link]:
        return list(self._links)

    def open_pdf(self) -> None:
        """The attached PDF in the system viewer, else the paper's PDF link."""
        if not self.files.open_pdf():
            self._open_kind("pdf")

    def _on_files_changed(self, paper_id: int) -> None:
        self.edited.emit(paper_id)

    def _open_kind(self, kind: str) -> None:
        for link in self._links:
            if link.kind == kind:
                self._open(link.url)
                return

    def _open_link(self) -> None:
        if self._url:
            self._open(self._url)

    def _open(self, url: str) -> None:
        if url.startswith(("http://", "https://")):
            self.link_opened.emit(url)
            QDesktopServices.openUrl(QUrl(url))
