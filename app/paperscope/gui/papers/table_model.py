"""The papers table: a window onto the library that never loads every row.

The model holds only the ordered paper ids (a numpy array, 8 MB for a million papers)
and their search scores, and fetches the visible rows in blocks from the store as the
view asks for them. Which ids, in which order, comes from the store's search
(:meth:`Store.search_ids`, :meth:`Store.float_ids`) and sorting
(:meth:`Store.order_ids`): the model never filters or sorts by itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QMimeData, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QIcon

from paperscope.core import paths
from paperscope.core.records import Creator
from paperscope.gui.state import PAPERS_MIME
from paperscope.library.store import Store

MISSING = "—"
# rows fetched at once: a screenful. DuckDB answers up to ~50 scattered ids in ~2 ms
# but 256 in ~30 ms (measured on 100k papers), and a search scatters them.
BLOCK = 48
CACHE_ROWS = 5000

# (header, store column, sort key or None when the column cannot be sorted)
COLUMNS: tuple[tuple[str, str, str | None], ...] = (
    ("Title", "title", "title"),
    ("Authors", "authors", "authors"),
    ("Date", "date", "date"),
    ("Upvotes", "upvotes", "upvotes"),
    ("Org.", "organisation", "organisation"),
    ("Status", "status", "status"),
    ("Rating", "rating", "rating"),
    ("Tags", "tags", "tags"),
    ("PDF", "files", None),  # a cell shows a paperclip icon (no font needs the emoji)
    ("Score", "score", "score"),
)
_FULL_NAMES = {"Org.": "Organisation", "PDF": "Attached files (PDFs)"}


def paperclip() -> QIcon:
    """The paperclip of the attachments column (resources/icons/paperclip.svg)."""
    global _PAPERCLIP
    if _PAPERCLIP is None:
        _PAPERCLIP = QIcon(str(paths.resources_dir() / "icons" / "paperclip.svg"))
    return _PAPERCLIP


_PAPERCLIP: QIcon | None = None
COLUMN_INDEX = {c[1]: i for i, c in enumerate(COLUMNS)}
_FETCH = (
    "title", "authors", "date", "year", "upvotes", "organisation", "status", "n_authors",
    "rating", "creators", "tag_ids", "n_files",
)  # fmt: skip
_RIGHT = ("upvotes", "score")
MODES = ("filter", "float")
RECOMMENDED = "recommended"  # the sort key of View → Sort by recommendation

Index = QModelIndex | QPersistentModelIndex

# the roles as plain ints: data() runs some 2,000 times a repaint, and comparing an int
# with an enum member costs more than the rest of a call
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_USER = int(Qt.ItemDataRole.UserRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_RIGHT_ALIGNED = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


# how names are shown: "given" (Given Family, as the source wrote them) or "family"
# (Family, G., from the stored parts); View → Names as "Family, G." sets it
NAME_STYLES = ("given", "family")
_name_style = ["given"]


def set_name_style(style: str) -> None:
    if style not in NAME_STYLES:
        raise ValueError(f"unknown name style {style!r}")
    _name_style[0] = style


def name_style() -> str:
    return _name_style[0]


def format_authors(
    authors: list[str] | None, limit: int = 3, creators: str | list[Any] | None = None
) -> str:
    """The authors as the user prefers: display strings, or (``family`` style, when the
    names' parts are stored) ``Family, G.; Other, A.`` from ``creators`` (JSON text or
    dicts)."""
    if _name_style[0] == "family" and creators:
        parts = json.loads(creators) if isinstance(creators, str) else creators
        people = [Creator.from_dict(d) for d in parts if isinstance(d, dict)]
        names = [c.display_family_first() for c in people if c.role == "author"]
        names = [n for n in names if n and n != "others"] or [
            c.display_family_first() for c in people if c.role == "editor"
        ]
        if names:
            more = len(names) > limit or any(c.is_others for c in people)
            return "; ".join(names[:limit]) + (" et al." if more else "")
    if not authors:
        return MISSING
    shown = ", ".join(authors[:limit])
    return shown + (" et al." if len(authors) > limit else "")


def stars(rating: int | None) -> str:
    return MISSING if not rating else "★" * int(rating) + "☆" * (5 - int(rating))


CELL_CHARS = 2_000  # characters a cell holds at most


class PaperTableModel(QAbstractTableModel):
    """Rows: papers. ``set_query(text)``, ``set_mode("filter"|"float")``, ``sort(col)``.

    ``n_matches`` counts the papers matching the query (all papers without one); in
    float mode they are the first ``n_matches`` rows and the rest follow.
    """

    def __init__(self, store: Store, parent: Any = None) -> None:
        super().__init__(parent)
        self._store = store
        self._ids = np.zeros(0, dtype=np.int64)
        self._scores = np.zeros(0, dtype=np.float64)
        self._rows: dict[int, dict[str, Any]] = {}
        self._tags: dict[int, list[Any]] = {}
        self._files: dict[int, int] = {}  # attachments per paper (the paperclip column)
        # each fetched paper's cells as shown (one string per column, score left out),
        # and the store's write version they were read under: kept while the query, the
        # sort or the mode change, dropped when anything was written since
        self._cells: dict[int, list[str]] = {}
        self._version = -1
        self._flags: Qt.ItemFlag | None = None
        self._sort: tuple[str, bool] = ("id", False)
        self._recommendation: Any = None  # workflows.recommend.Recommendation
        self._explainer: Callable[[int], str] | None = None
        self._shown_scores = False
        self._query = ""
        self._mode = "filter"
        self.n_matches = 0
        self.refresh()

    # -- what is shown ---------------------------------------------------------------
    @property
    def query(self) -> str:
        return self._query

    @property
    def mode(self) -> str:
        return self._mode

    @property
    def sort_key(self) -> tuple[str, bool]:
        return self._sort

    def _compute(self) -> tuple[np.ndarray, np.ndarray, int]:
        query = self._query.strip()
        sort, desc = self._sort
        if sort == RECOMMENDED:  # the search's own order, then reordered by recommendation
            self._sort = ("score", True) if query else ("id", False)
            try:
                ids, scores, n = self._compute()
            finally:
                self._sort = (sort, desc)
            rec = self._recommendation
            if rec is None:
                return ids, scores, n
            head = rec.order(ids[:n])
            sorter = np.argsort(ids[:n], kind="stable")
            head_scores = scores[:n][sorter[np.searchsorted(ids[:n], head, sorter=sorter)]]
            return (np.concatenate([head, ids[n:]]),
                    np.concatenate([head_scores, scores[n:]]), n)  # fmt: skip
        by_tags = sort == "tags"
        if by_tags:  # the store sorts stored columns; tags are sorted here
            sort, desc = ("score", True) if query else ("id", False)
        if not query:
            if sort == "score":
                sort, desc = "id", False
            ids = self._store.order_ids(None, sort, desc)
            if by_tags:
                ids = self._order_by_tags(ids, self._sort[1])
            return ids, np.zeros(len(ids), dtype=np.float64), len(ids)
        if sort == "id":
            sort, desc = "score", True
        hits, scores = self._store.search_ids(self._query, sort, desc)
        if by_tags:
            order = self._order_by_tags(np.arange(len(hits)), self._sort[1], hits)
            hits, scores = hits[order], scores[order]
        if self._mode == "filter":
            return hits, scores, len(hits)
        # float mode: the matches first (in search order), then every other paper
        rest = self._store.order_ids(
            None, "id" if sort == "score" else sort, desc and sort != "score"
        )
        rest = rest[~np.isin(rest, hits)]
        if by_tags:
            rest = self._order_by_tags(rest, self._sort[1])
        all_scores = np.concatenate([scores, np.zeros(len(rest), dtype=np.float64)])
        return np.concatenate([hits, rest]), all_scores, len(hits)

    def _order_by_tags(
        self, items: np.ndarray, descending: bool, ids: np.ndarray | None = None
    ) -> np.ndarray:
        """``items`` reordered by the place of each paper's first tag (the tag order
        of the sidebar; reversed when ``descending``), untagged papers last, ties in
        the order given. ``ids``: the paper id of each item when ``items`` are not ids."""
        pids = np.asarray(items if ids is None else ids, dtype=np.int64)
        if len(pids) == 0:
            return items
        tag_pids, first = self._store.first_tag_positions()
        untagged = np.iinfo(np.int64).max
        key = np.full(len(pids), untagged, dtype=np.int64)
        if len(tag_pids):
            lookup = np.full(max(int(pids.max()), int(tag_pids.max())) + 1, untagged, np.int64)
            lookup[tag_pids] = -first if descending else first
            key = lookup[pids]
        order = np.argsort(key, kind="stable")
        return items[order]

    def names_changed(self) -> None:
        """The name style changed: repaint the authors column (nothing is fetched again)."""
        self._cells.clear()
        if self.rowCount():
            col = self.columnCount() - 1
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, col))

    def refresh(self) -> None:
        """Re-run the query (after an import, an edit): rows are fetched again."""
        self._forget_rows()
        self._show_query()

    def _show_query(self) -> None:
        """Re-run the query (a new query or mode); the fetched rows are kept (see
        ``_cells``)."""
        self._shown_scores = False
        ids, scores, n = self._compute()
        self.beginResetModel()
        self._ids, self._scores, self.n_matches = ids, scores, n
        self.endResetModel()

    def _forget_rows(self) -> None:
        self._rows.clear()
        self._tags.clear()
        self._files.clear()
        self._cells.clear()

    def reload_rows(self) -> None:
        """Forget the fetched rows (papers were edited) and repaint, keeping the order."""
        self._forget_rows()
        if len(self._ids):
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._ids) - 1, len(COLUMNS) - 1)
            )

    def set_query(self, text: str) -> None:
        if text != self._query:
            self._query = text
            self._show_query()

    def set_filter(self, text: str) -> None:  # the name the window used before search
        self.set_query(text)

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"mode is one of {MODES}")
        if mode != self._mode:
            self._mode = mode
            if self._query.strip():
                self._show_query()

    def set_recommendation(self, rec: Any) -> None:
        """The recommender's latest ranking (``None``: none), for the Recommended sort."""
        self._recommendation = rec
        if self._sort[0] == RECOMMENDED:
            self.sort_by(RECOMMENDED)

    def set_explainer(self, explain: Callable[[int], str] | None) -> None:
        """``explain(paper id)``: the tooltip of a recommended paper's score (its why)."""
        self._explainer = explain

    def set_ids(self, ids: np.ndarray, scores: np.ndarray | None = None) -> None:
        """Show exactly these papers in this order (map selections, semantic search)."""
        self._shown_scores = scores is not None
        self.beginResetModel()
        self._ids = np.asarray(ids, dtype=np.int64)
        self._scores = (
            np.zeros(len(self._ids), dtype=np.float64)
            if scores is None
            else np.asarray(scores, dtype=np.float64)
        )
        self.n_matches = len(self._ids)
        self.endResetModel()

    def ids(self) -> np.ndarray:
        return self._ids

    def matching_ids(self) -> np.ndarray:
        """The papers matching the query (every paper when there is none)."""
        return self._ids[: self.n_matches]

    def paper_id(self, row: int) -> int:
        return int(self._ids[row]) if 0 <= row < len(self._ids) else -1

    def score(self, row: int) -> float:
        return float(self._scores[row]) if 0 <= row < len(self._scores) else 0.0

    def row_of(self, paper_id: int) -> int:
        hits = np.flatnonzero(self._ids == paper_id)
        return int(hits[0]) if len(hits) else -1

    def rows_of(self, paper_ids: list[int]) -> list[int]:
        if not paper_ids:
            return []
        return [int(r) for r in np.flatnonzero(np.isin(self._ids, paper_ids))]

    def _row(self, row: int) -> dict[str, Any] | None:
        pid = int(self._ids[row])
        if self._version != self._store.write_version:
            self._forget_rows()  # something was written since these were read
        got = self._rows.get(pid)
        if got is None:
            self._fetch(row)
            got = self._rows.get(pid)
        return got

    def _fetch(self, row: int) -> None:
        """The block of rows around ``row``: one query (tags and file counts with the
        columns), the tags' names and colours from the store's list of tags."""
        self._version = self._store.write_version
        start = (row // BLOCK) * BLOCK
        block = self._ids[start : start + BLOCK]
        if len(self._rows) > CACHE_ROWS:
            self._forget_rows()
        by_id = {t.id: t for t in self._store.tags()}
        fetched = self._store.table_rows(block, _FETCH)
        for p in block.tolist():
            values = fetched.get(p)
            if values is None:
                continue
            record = dict(zip(_FETCH, values, strict=True))
            tags = [by_id[t] for t in record.pop("tag_ids") or () if t in by_id]
            tags.sort(key=lambda t: t.position)
            self._rows[p] = record
            self._tags[p] = tags
            self._files[p] = int(record.pop("n_files") or 0)

    def _cells_of(self, row: int) -> list[str] | None:
        """The row's cells as shown (made once per fetched paper)."""
        pid = int(self._ids[row])
        if self._version == self._store.write_version:
            got = self._cells.get(pid)
            if got is not None:
                return got
        values = self._row(row)
        if values is None:
            return None
        cells = [self._display(pid, values, name) for _h, name, _k in COLUMNS]
        self._cells[pid] = cells
        return cells

    def _display(self, pid: int, values: dict[str, Any], col: str) -> str:
        if col == "score":
            return ""  # from the scores, per row
        if col == "tags":
            tags = self._tags.get(pid, [])
            return ", ".join(t.name for t in tags) if tags else MISSING
        if col == "files":
            n = self._files.get(pid, 0)
            return str(n) if n > 1 else ""  # the paperclip is the decoration
        if col == "rating":
            return stars(values["rating"])
        if col == "authors":
            if not values["authors"] and values["n_authors"]:
                n = values["n_authors"]
                return f"{n} author{'s' if n != 1 else ''}"
            return format_authors(values["authors"], creators=values["creators"])
        if col == "date":
            if values["date"] is not None:
                return str(values["date"].isoformat())
            return str(values["year"]) if values["year"] is not None else MISSING
        value = values[col]
        if value is None or value == "":
            return MISSING
        text = str(value)
        # a cell shows one line: eliding a megabyte title on every repaint would stall
        return text if len(text) <= CELL_CHARS else text[:CELL_CHARS] + "…"

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
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            # the full name: headings are short so that no heading is ever clipped
            return _FULL_NAMES.get(COLUMNS[section][0], COLUMNS[section][0])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        role = int(role)
        if role == _DISPLAY:  # the one role of every cell that is not empty
            column = index.column()
            if COLUMNS[column][1] == "score":
                return self._score_text(index.row())
            cells = self._cells_of(index.row())
            return MISSING if cells is None else cells[column]
        if role == _USER:
            return self.paper_id(index.row())
        col = COLUMNS[index.column()][1]
        if role == _ALIGN:
            return _RIGHT_ALIGNED if col in _RIGHT else None
        if role == _FOREGROUND:
            if col != "tags":
                return None
            row = self._row(index.row())
            tags = self._tags.get(self.paper_id(index.row()), [])
            return QColor(tags[0].color) if row is not None and tags else None
        if role == _DECORATION:
            if col != "files":
                return None
            return paperclip() if self._files.get(self.paper_id(index.row()), 0) else None
        if role != _TOOLTIP:
            return None
        if col == "score":
            if self._explainer is not None:
                why = self._explainer(self.paper_id(index.row()))
                if why:
                    return why
            return self._score_text(index.row())
        values = self._row(index.row())
        if values is None:
            return MISSING
        if col == "files":
            n = self._files.get(self.paper_id(index.row()), 0)
            return f"{n} attached file{'s' if n != 1 else ''}" if n else "No attached file"
        if col == "authors" and values["authors"]:
            return "\n".join(values["authors"])
        return self._display(self.paper_id(index.row()), values, col)

    def _score_text(self, row: int) -> str:
        if row >= self.n_matches or not (self._query.strip() or self._shown_scores):
            return MISSING
        s = self.score(row)
        return f"{s:.2f}" if s else MISSING

    def flags(self, index: Index) -> Qt.ItemFlag:
        # the same for every cell; combined once (enum arithmetic is slow in Python)
        if not index.isValid():
            return super().flags(index) | Qt.ItemFlag.ItemIsDragEnabled
        if self._flags is None:
            self._flags = super().flags(index) | Qt.ItemFlag.ItemIsDragEnabled  # onto a pane
        return self._flags

    def mimeTypes(self) -> list[str]:
        return [PAPERS_MIME]

    def mimeData(self, indexes: Any) -> QMimeData:
        ids = list(dict.fromkeys(self.paper_id(i.row()) for i in indexes))
        mime = QMimeData()
        mime.setData(PAPERS_MIME, json.dumps(ids).encode())
        return mime

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if column < 0 or column >= len(COLUMNS):
            key, descending = "id", False
        else:
            sort_key = COLUMNS[column][2]
            if sort_key is None:
                return
            key, descending = sort_key, order == Qt.SortOrder.DescendingOrder
        self.sort_by(key, descending)

    def sort_by(self, key: str, descending: bool = False) -> None:
        """Sort by a column's key, or by ``RECOMMENDED`` (best first, unranked after)."""
        self._sort = (key, descending)
        self._shown_scores = False
        ids, scores, n = self._compute()
        self.layoutAboutToBeChanged.emit()
        self._ids, self._scores, self.n_matches = ids, scores, n
        self.layoutChanged.emit()
