"""Edit → Merge duplicates…: candidate pairs side by side, a choice per field of which
value to keep, "Not duplicates", and Undo of the last merge. A preprint and its venue
version are offered as such ("Preprint → published"): merged, the paper keeps the
preprint's id and arXiv id and takes the venue's fields by default."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from paperscope.core.tasks import CancelToken, Progress, no_progress
from paperscope.gui.papers.table_model import MISSING
from paperscope.gui.state import AppState
from paperscope.library.published import PublishedPair, pair_of
from paperscope.library.store import Store
from paperscope.library.store.merging import MERGE_FIELDS, MergeCandidate
from paperscope.state.session import Session

_HIDDEN = ("extra", "source", "creators", "fields")  # fields: merged key by key


def load_candidates(
    store: Store, progress: Progress = no_progress, cancel: CancelToken | None = None
) -> list[tuple[MergeCandidate, str, str, PublishedPair | None]]:
    """The candidate pairs with both titles, and for a preprint and its venue version
    that pair (merged as "published as"), on the task runner."""
    progress(None, "Looking for duplicates")
    cands = store.merge_candidates()
    ids = sorted({c.a for c in cands} | {c.b for c in cands})
    papers = dict(zip(ids, store.papers(ids), strict=True))
    out: list[tuple[MergeCandidate, str, str, PublishedPair | None]] = []
    for c in cands:
        a, b = papers.get(c.a), papers.get(c.b)
        pair = pair_of(c.a, a, c.b, b, c.reason) if a is not None and b is not None else None
        out.append((c, a.title if a else "", b.title if b else "", pair))
    return out


def shown(value: Any, limit: int = 160) -> str:
    if value is None or value == "" or value == [] or value == ():
        return MISSING
    if isinstance(value, list | tuple):
        text = "; ".join(str(v) for v in value)
    elif hasattr(value, "isoformat"):
        text = value.isoformat()
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class MergeDialog(QDialog):
    """``session``: the store, the runner and the shared selection.

    Signals: ``loaded()`` when the candidates are listed, ``merged(merge_id)``,
    ``undone(merge_id)``."""

    loaded = Signal()
    merged = Signal(int)
    undone = Signal(int)

    def __init__(self, session: Session[AppState], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Merge duplicates")
        self.resize(1100, 640)
        self._session = session
        self.candidates: list[MergeCandidate] = []
        self.published: dict[tuple[int, int], PublishedPair] = {}
        self._groups: dict[str, QButtonGroup] = {}
        self.list = QListWidget()
        self.list.currentRowChanged.connect(self._show_pair)
        self.fields = QTableWidget(0, 3)
        self.fields.setHorizontalHeaderLabels(["Field", "Paper A", "Paper B"])
        self.fields.verticalHeader().setVisible(False)
        self.fields.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        self.fields.horizontalHeader().resizeSection(0, 100)
        for c in (1, 2):
            self.fields.horizontalHeader().setSectionResizeMode(c, QHeaderView.ResizeMode.Stretch)
        self.reason = QLabel()
        self.reason.setTextFormat(Qt.TextFormat.PlainText)
        self.merge_button = QPushButton("Merge (keep A, with the chosen values)")
        self.merge_button.setAutoDefault(False)
        self.merge_button.clicked.connect(self.merge_current)
        self.not_dup_button = QPushButton("Not duplicates")
        self.not_dup_button.setAutoDefault(False)
        self.not_dup_button.clicked.connect(self.not_duplicates)
        self.undo_button = QPushButton("Undo last merge")
        self.undo_button.clicked.connect(self.undo_last)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.reason)
        rl.addWidget(self.fields, 1)
        splitter = QSplitter()
        splitter.addWidget(self.list)
        splitter.addWidget(right)
        splitter.setSizes([360, 740])
        self.status = QLabel()
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        for b in (self.merge_button, self.not_dup_button, self.undo_button, close):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)
        self._update_buttons()
        self.reload()

    @property
    def store(self) -> Store:
        return self._session.store  # type: ignore[no-any-return]

    def reload(self) -> None:
        self.status.setText("Looking for duplicates…")
        self._session.runner.submit(
            load_candidates, self.store, title="Looking for duplicates", key="merge-candidates",
            on_result=self._on_loaded,
        )  # fmt: skip

    def _on_loaded(self, rows: list[tuple[MergeCandidate, str, str, PublishedPair | None]]) -> None:
        self.candidates = [c for c, _a, _b, _p in rows]
        self.published = {(c.a, c.b): p for c, _a, _b, p in rows if p is not None}
        self.list.clear()
        for c, ta, tb, pub in rows:
            mark = "Preprint → published: " if pub is not None else ""
            item = QListWidgetItem(f"{mark}{shown(ta, 70)}\n  ↔ {shown(tb, 70)}")
            item.setToolTip(f"{ta}\n{tb}\n({c.reason}; confidence {c.confidence:.2f})")
            self.list.addItem(item)
        self.status.setText(f"{len(rows)} candidate pair(s)")
        if rows:
            self.list.setCurrentRow(0)
        else:
            self._show_pair(-1)
        self._update_buttons()
        self.loaded.emit()

    def _update_buttons(self) -> None:
        has = self.list.currentRow() >= 0 and bool(self.candidates)
        self.merge_button.setEnabled(has)
        self.not_dup_button.setEnabled(has)
        self.undo_button.setEnabled(bool(self.store.merges()))

    def current(self) -> MergeCandidate | None:
        row = self.list.currentRow()
        return self.candidates[row] if 0 <= row < len(self.candidates) else None

    def _show_pair(self, _row: int) -> None:
        self.fields.setRowCount(0)
        self._groups.clear()
        cand = self.current()
        self._update_buttons()
        if cand is None:
            self.reason.setText("No candidates.")
            return
        level = "low" if cand.low else "high"
        pub = self.published.get((cand.a, cand.b))
        self.merge_button.setText(
            "Merge (keep A, with the chosen values)"
            if pub is None
            else f"Merge as published (keep the preprint #{pub.preprint_id})"
        )
        head = (
            ""
            if pub is None
            else f"Preprint → published: #{pub.preprint_id} is the preprint of "
            f"#{pub.venue_id} ({', '.join(str(x) for x in (pub.venue, pub.venue_year) if x)})\n"
        )
        self.reason.setText(
            f"{head}Why: {cand.reason}   (A = #{cand.a}, B = #{cand.b})\n"
            f"Evidence: {'; '.join(cand.evidence)}\n"
            f"Confidence: {cand.confidence:.2f} ({level})"
            + ("  — probably different papers: “Not duplicates” is the default" if cand.low else "")
        )
        # the default answer (Enter) follows the confidence
        self.not_dup_button.setDefault(cand.low)
        self.merge_button.setDefault(not cand.low)
        a, b = self.store.paper_row(cand.a), self.store.paper_row(cand.b)
        if a is None or b is None:
            return
        preview = (
            self.store.merged_values(cand.a, [cand.b])
            if pub is None
            else self.store.published_values(pub.preprint_id, pub.venue_id)
        )
        for f in MERGE_FIELDS:
            if f in _HIDDEN or (shown(a[f]) == MISSING and shown(b[f]) == MISSING):
                continue
            r = self.fields.rowCount()
            self.fields.insertRow(r)
            name = QTableWidgetItem(f)
            name.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.fields.setItem(r, 0, name)
            group = QButtonGroup(self.fields)
            for col, (pid, row) in enumerate(((cand.a, a), (cand.b, b)), start=1):
                radio = QRadioButton(shown(row[f]))  # plain text: titles shown literally
                radio.setToolTip(shown(row[f], 2000))
                radio.setProperty("paper_id", pid)
                group.addButton(radio, pid)
                self.fields.setCellWidget(r, col, radio)
            same = shown(a[f]) == shown(b[f])
            take_b = not same and preview[f] == b[f] and preview[f] != a[f]
            group.button(cand.b if take_b else cand.a).setChecked(True)
            self._groups[f] = group
        self.fields.resizeRowsToContents()

    def choose(self, field: str, side: str) -> None:
        """Keep the value of paper ``"a"`` or ``"b"`` for ``field``."""
        cand = self.current()
        if cand is not None and field in self._groups:
            self._groups[field].button(cand.a if side == "a" else cand.b).setChecked(True)

    def choices(self) -> dict[str, int]:
        return {f: g.checkedId() for f, g in self._groups.items()}

    def merge_current(self) -> int | None:
        cand = self.current()
        if cand is None:
            return None
        pub = self.published.get((cand.a, cand.b))
        if pub is None:
            merge_id = self.store.merge(cand.a, [cand.b], self.choices())
            kept, other = cand.a, cand.b
        else:
            merge_id = self.store.merge_published(
                pub.preprint_id, pub.venue_id, how=pub.reason, field_choices=self.choices()
            )
            kept, other = pub.preprint_id, pub.venue_id
        self._session.app.notify_library_changed()
        self.status.setText(f"Merged #{other} into #{kept}")
        self.merged.emit(merge_id)
        self.reload()  # pairs with the merged-away paper are gone
        return merge_id

    def not_duplicates(self) -> None:
        cand = self.current()
        if cand is not None:
            self.store.mark_not_duplicates(cand.a, cand.b)
            self.status.setText(f"#{cand.a} and #{cand.b} are not duplicates")
            self._drop_current()

    def _drop_current(self) -> None:
        row = self.list.currentRow()
        self.list.takeItem(row)
        del self.candidates[row]
        self._show_pair(self.list.currentRow())

    def undo_last(self) -> int | None:
        merge_id = self.store.undo_merge()
        if merge_id is not None:
            self._session.app.notify_library_changed()
            self.status.setText("Last merge undone")
            self.undone.emit(merge_id)
            self.reload()
        self._update_buttons()
        return merge_id
