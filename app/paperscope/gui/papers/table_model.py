"""The papers table: a window onto the library that never loads every row.

The model holds only the ordered paper ids (a numpy array, 8 MB for a million papers)
and fetches the visible rows in blocks from the store as the view asks for them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from paperscope.library.store import Store

MISSING = "—"
BLOCK = 256

# (header, store column, sort column)
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("Title", "title", "title"),
    ("Authors", "authors", "authors"),
    ("Date", "date", "date"),
    ("Upvotes", "upvotes", "upvotes"),
    ("Organisation", "organisation", "organisation"),
    ("Status", "status", "status"),
)
_FETCH = ("title", "authors", "date", "year", "upvotes", "organisation", "status", "n_authors")

Index = QModelIndex | QPersistentModelIndex


def format_authors(authors: list[str] | None, limit: int = 3) -> str:
    if not authors:
        return MISSING
    shown = ", ".join(authors[:limit])
    return shown + (" et al." if len(authors) > limit else "")


class PaperTableModel(QAbstractTableModel):
    def __init__(self, store: Store, parent: Any = None) -> None:
        super().__init__(parent)
        self._store = store
        self._ids = np.zeros(0, dtype=np.int64)
        self._rows: dict[int, tuple[Any, ...]] = {}
        self._sort = ("id", False)
        self._filter = ""
        self.refresh()

    # -- data ------------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read the ids (after an import, an edit, a new sort or filter)."""
        self.beginResetModel()
        self._ids = self._store.paper_ids(self._sort[0], self._sort[1], self._filter)
        self._rows.clear()
        self.endResetModel()

    def set_filter(self, text: str) -> None:
        if text != self._filter:
            self._filter = text
            self.refresh()

    def set_ids(self, ids: np.ndarray) -> None:
        """Show exactly these papers in this order (search results, map selections)."""
        self.beginResetModel()
        self._ids = np.asarray(ids, dtype=np.int64)
        self._rows.clear()
        self.endResetModel()

    def ids(self) -> np.ndarray:
        return self._ids

    def paper_id(self, row: int) -> int:
        return int(self._ids[row]) if 0 <= row < len(self._ids) else -1

    def row_of(self, paper_id: int) -> int:
        hits = np.flatnonzero(self._ids == paper_id)
        return int(hits[0]) if len(hits) else -1

    def _row(self, row: int) -> tuple[Any, ...] | None:
        pid = int(self._ids[row])
        got = self._rows.get(pid)
        if got is None:
            start = (row // BLOCK) * BLOCK
            block = self._ids[start : start + BLOCK]
            if len(self._rows) > 20 * BLOCK:
                self._rows.clear()
            self._rows.update(self._store.table_rows(block, _FETCH))
            got = self._rows.get(pid)
        return got

    # -- Qt model API ----------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][0]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.UserRole:
            return self.paper_id(index.row())
        if role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.TextAlignmentRole,
        ):
            return None
        col = COLUMNS[index.column()][1]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if col == "upvotes":
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        row = self._row(index.row())
        if row is None:
            return MISSING
        values = dict(zip(_FETCH, row, strict=True))
        if col == "authors":
            if not values["authors"] and values["n_authors"]:
                return f"{values['n_authors']} authors"
            text = format_authors(values["authors"])
            if role == Qt.ItemDataRole.ToolTipRole and values["authors"]:
                return "\n".join(values["authors"])
            return text
        if col == "date":
            if values["date"] is not None:
                return values["date"].isoformat()
            return str(values["year"]) if values["year"] is not None else MISSING
        value = values[col]
        if value is None or value == "":
            return MISSING
        return str(value)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        descending = order == Qt.SortOrder.DescendingOrder
        self._sort = (COLUMNS[column][2], descending)
        self.layoutAboutToBeChanged.emit()
        self._ids = self._store.paper_ids(self._sort[0], descending, self._filter)
        self._rows.clear()
        self.layoutChanged.emit()

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
