"""The papers pane: the search box over the table, keyboard-first.

The search box speaks :mod:`paperscope.library.search` (``author:smith year:>=2023
"flow matching" -survey``): results appear as you type (the last word is a prefix),
ranked by BM25 with their score in the table. Filter mode hides the papers that do
not match; float mode keeps every paper with the matches on top. Problems with the
query (``year:abc``) are shown under the box.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QObject,
    QPoint,
    QRect,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeyEvent,
    QPainter,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QStyleOptionHeader,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from paperscope.core.text import count, plural
from paperscope.gui.papers.table_model import COLUMN_INDEX, COLUMNS, PaperTableModel
from paperscope.gui.state import RUNS_MIME, AppState
from paperscope.library.search import parse
from paperscope.library.store import Store

SEMANTIC_PREFIX = "~"
# a search that took at most this long keeps up with typing: the next keystroke searches
# at once; after a slower one (FTS5 alone on a big library, an index being built)
# typing waits for a pause of 120 ms
LIVE_SEARCH_S = 0.05
TITLE_MIN = 240  # the Title column never gets narrower (the table scrolls sideways)
# the columns beside the (stretching) title: (width when there is room, narrowest)
_WIDTHS = {
    "authors": (150, 80), "date": (84, 80), "upvotes": (60, 44), "organisation": (90, 50),
    "status": (60, 56), "rating": (70, 64), "tags": (90, 50), "files": (34, 28),
    "score": (52, 44),
}  # fmt: skip
_DIGITS = {getattr(Qt.Key, f"Key_{n}"): n for n in range(1, 10)}


class SearchBox(QLineEdit):
    """Esc clears the box; Down moves into the table."""

    escaped = Signal()
    down_pressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.clear()
            self.escaped.emit()
            return
        if event.key() == Qt.Key.Key_Down:
            self.down_pressed.emit()
            return
        super().keyPressEvent(event)


class PapersTable(QTableView):
    """j/k move like the arrows; Enter shows the details; 1–9 toggle the first nine tags.
    Rows drag out as paper ids; runs dropped on a row emit ``runs_dropped(paper id,
    run ids)``. PDFs dropped on a row are attached to that paper
    (``files_dropped_on_paper(id, paths)``); any other file dropped goes to the window's
    routing (import)."""

    activated_paper = Signal(int)
    tag_number_pressed = Signal(int)
    runs_dropped = Signal(int, list)
    files_dropped_on_paper = Signal(int, list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)

    def paper_at(self, pos: QPoint) -> int:
        idx = self.indexAt(pos)
        return int(idx.data(Qt.ItemDataRole.UserRole)) if idx.isValid() else -1

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(RUNS_MIME) or event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        mime = event.mimeData()
        if mime.hasFormat(RUNS_MIME):
            ok = self.paper_at(event.position().toPoint()) >= 0
        else:
            ok = mime.hasUrls()
        if ok:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        pid = self.paper_at(event.position().toPoint())
        if mime.hasFormat(RUNS_MIME):
            if pid < 0:
                event.ignore()
                return
            event.acceptProposedAction()
            ids = json.loads(bytes(mime.data(RUNS_MIME).data()).decode())
            self.runs_dropped.emit(pid, [str(i) for i in ids])
            return
        paths = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]
        if not paths:
            event.ignore()
            return
        if pid >= 0 and all(p.suffix.lower() == ".pdf" and p.is_file() for p in paths):
            event.acceptProposedAction()
            self.files_dropped_on_paper.emit(pid, paths)
            return
        window = self.window()
        if window is not self:
            window.dropEvent(event)  # the window routes it: papers imported, runs plotted

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if key in (Qt.Key.Key_J, Qt.Key.Key_K) and not mods:
            row = self.currentIndex().row()
            row = (
                min(row + 1, self.model().rowCount() - 1)
                if key == Qt.Key.Key_J
                else max(row - 1, 0)
            )
            self.selectRow(row)
            return
        if key in _DIGITS and not mods:
            self.tag_number_pressed.emit(_DIGITS[key])
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            idx = self.currentIndex()
            if idx.isValid():
                self.activated_paper.emit(int(idx.data(Qt.ItemDataRole.UserRole)))
            return
        super().keyPressEvent(event)


class PapersHeader(QHeaderView):
    """The column header, painted without asking which columns are fully selected.

    Qt's own painting asks, for each section and its neighbours, whether every row of
    the column is selected: after Ctrl+A that walks every row of a million-row table
    per column on each repaint (seconds). The header shows no selection state anyway.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)

    def paintSection(self, painter: QPainter, rect: QRect, logical_index: int) -> None:
        if not rect.isValid():
            return
        opt = QStyleOptionHeader()
        self.initStyleOption(opt)
        opt.rect = rect
        opt.section = logical_index
        opt.text = str(
            self.model().headerData(logical_index, self.orientation(), Qt.ItemDataRole.DisplayRole)
            or ""
        )
        opt.textAlignment = self.defaultAlignment()
        opt.state |= QStyle.StateFlag.State_Raised
        if self.isEnabled():
            opt.state |= QStyle.StateFlag.State_Enabled
        if self.window().isActiveWindow():
            opt.state |= QStyle.StateFlag.State_Active
        if self.isSortIndicatorShown() and self.sortIndicatorSection() == logical_index:
            opt.sortIndicator = (
                QStyleOptionHeader.SortIndicator.SortDown
                if self.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
                else QStyleOptionHeader.SortIndicator.SortUp
            )
        visual, last = self.visualIndex(logical_index), self.count() - 1
        opt.position = (
            QStyleOptionHeader.SectionPosition.OnlyOneSection
            if last == 0
            else QStyleOptionHeader.SectionPosition.Beginning
            if visual == 0
            else QStyleOptionHeader.SectionPosition.End
            if visual == last
            else QStyleOptionHeader.SectionPosition.Middle
        )
        painter.save()
        self.style().drawControl(QStyle.ControlElement.CE_Header, opt, painter, self)
        painter.restore()


class PapersView(QWidget):
    """Signals: ``semantic_query(str)`` (a query typed as ``~text``: the semantic search
    hook, wired by the window), ``context_menu_requested(QPoint)`` (global position),
    ``save_search_requested(str)``, ``searched(str)`` after a query was applied."""

    semantic_query = Signal(str)
    context_menu_requested = Signal(QPoint)
    save_search_requested = Signal(str)
    searched = Signal(str)

    def __init__(self, store: Store, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = state
        self.index_busy = False
        self._waiting = False
        self.search = SearchBox()
        self.search.setPlaceholderText(
            'Search papers (Ctrl+F or /): words, "phrases", author:, title:, year:>=2023, '
            "tag:, status:, org:, -word"
        )
        self.search.setClearButtonEnabled(True)
        self.float_button = QToolButton()
        self.float_button.setText("Float matches")
        self.float_button.setCheckable(True)
        self.float_button.setToolTip(
            "Off: show only the matching papers. On: show every paper, the matches on top."
        )
        self.float_button.toggled.connect(self._on_float_toggled)
        self.save_button = QPushButton("Save search…")
        self.save_button.setToolTip("Keep this search as a smart collection in the sidebar")
        self.save_button.clicked.connect(
            lambda: self.save_search_requested.emit(self.search.text().strip())
        )
        self.problems_label = QLabel()
        self.problems_label.setWordWrap(True)
        self.problems_label.setTextFormat(Qt.TextFormat.PlainText)
        self.problems_label.setStyleSheet("color: #c0392b;")
        self.problems_label.hide()
        self.count_label = QLabel()
        self.model = PaperTableModel(store, self)
        self.table = PapersTable()
        self.table.setHorizontalHeader(PapersHeader(self.table))
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setDragEnabled(True)  # papers onto a plot pane; runs onto a paper
        self.table.setAcceptDrops(True)
        self.table.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.table.setWordWrap(False)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(
            lambda pos: self.context_menu_requested.emit(self.table.viewport().mapToGlobal(pos))
        )
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for name in _WIDTHS:
            header.setSectionResizeMode(COLUMN_INDEX[name], QHeaderView.ResizeMode.Interactive)
        self._fitting = False
        self._user_sized = False
        header.sectionResized.connect(self._on_section_resized)
        self._fit_columns()
        self.table.viewport().installEventFilter(self)
        header.setStretchLastSection(False)
        header.setHighlightSections(False)
        self.table.setColumnHidden(COLUMN_INDEX["score"], True)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.float_button)
        top.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.problems_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)
        # typing searches on the keystroke itself while searches keep up with it (the
        # last one took at most LIVE_SEARCH_S), else after a short pause in typing
        self._debounce = QTimer(self, singleShot=True, interval=120)
        self._debounce.timeout.connect(self._apply_search)
        self.clock = time.perf_counter  # (a test may put a clock of its own here)
        self._last_search_s = 0.0
        self._programmatic = False  # set_query searches once, itself
        self.search.textChanged.connect(self._on_typed)
        self.search.escaped.connect(self._apply_search)
        self.search.down_pressed.connect(self._focus_table)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.table.activated_paper.connect(state.set_current_paper)
        state.library_changed.connect(self.refresh)
        self._update_count()

    # -- column widths ---------------------------------------------------------------
    def _fit_columns(self) -> None:
        """The Title column stretches; the others keep their widths, narrowed (down to
        their narrowest) when the table is too narrow for the title to keep a third of
        it. Once the user resizes a column by hand, the widths are theirs."""
        if not self._user_sized:
            self._fit_others()
        # the title takes the rest, but never less than TITLE_MIN: then it is sized by
        # hand and the table scrolls sideways (a 70-px title column is unreadable)
        header = self.table.horizontalHeader()
        others = sum(
            header.sectionSize(c) for c in range(1, header.count()) if not header.isSectionHidden(c)
        )
        fits = self.table.viewport().width() - others >= TITLE_MIN
        mode = QHeaderView.ResizeMode.Stretch if fits else QHeaderView.ResizeMode.Interactive
        if header.sectionResizeMode(0) != mode:
            header.setSectionResizeMode(0, mode)
        if not fits and header.sectionSize(0) < TITLE_MIN:
            self._fitting = True
            try:
                header.resizeSection(0, TITLE_MIN)
            finally:
                self._fitting = False

    def _fit_others(self) -> None:
        # never narrower than the header's own text (no clipped headings at any scale)
        metrics = self.table.horizontalHeader().fontMetrics()
        cols = []
        for n, (wide, narrow) in _WIDTHS.items():
            c = COLUMN_INDEX[n]
            if self.table.isColumnHidden(c):
                continue
            heading = metrics.horizontalAdvance(str(COLUMNS[c][0])) + 20  # + sort arrow
            cols.append((c, max(wide, heading), max(narrow, heading)))
        need = sum(wide for _c, wide, _n in cols)
        slack = sum(wide - narrow for _c, wide, narrow in cols)
        avail = self.table.viewport().width()
        # the title keeps a third of the table where the others can give way
        excess = max(0.0, need - 0.66 * avail) if avail > 0 else 0.0
        give = min(1.0, excess / slack) if slack else 0.0
        self._fitting = True
        try:
            for c, wide, narrow in cols:
                self.table.horizontalHeader().resizeSection(c, round(wide - give * (wide - narrow)))
        finally:
            self._fitting = False

    def _on_section_resized(self, index: int, _old: int, _new: int) -> None:
        if not self._fitting and index != 0 and self.table.isVisible():
            self._user_sized = True

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_columns()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # the viewport settles after this widget's resize (scroll bars come and go)
        if event.type() == QEvent.Type.Resize:
            self._fit_columns()
        return False

    # -- searching -------------------------------------------------------------------
    def set_index_busy(self, busy: bool) -> None:
        """The window builds the text index in the background: word searches wait."""
        self.index_busy = busy
        if not busy and self._waiting:
            self._waiting = False
            self._apply_search()

    def set_query(self, text: str) -> None:
        """Put ``text`` in the box and search at once (sidebar clicks, tests)."""
        self._programmatic = True
        try:
            self.search.setText(text)
        finally:
            self._programmatic = False
        self._debounce.stop()
        self._apply_search()

    def _on_typed(self, text: str) -> None:
        if self._programmatic:
            return
        if self._last_search_s <= LIVE_SEARCH_S and not text.lstrip().startswith(SEMANTIC_PREFIX):
            self._apply_search()  # (a ~meaning query waits for the pause: it embeds)
        else:
            self._debounce.start()

    def set_float_mode(self, on: bool) -> None:
        self.float_button.setChecked(on)

    def _on_float_toggled(self, on: bool) -> None:
        self.model.set_mode("float" if on else "filter")
        self._update_count()

    def _apply_search(self) -> None:
        self._debounce.stop()
        text = self.search.text()
        self._state.set_search(text)
        if text.lstrip().startswith(SEMANTIC_PREFIX):
            # Semantic search ("~a query in plain words") is not a text query: the window
            # decides what to do with it; the table keeps showing what it showed.
            self._show_problems([])
            self.semantic_query.emit(text.lstrip()[len(SEMANTIC_PREFIX) :].strip())
            return
        plan = parse(text)
        if self.index_busy and plan.terms:
            # a search now would wait for the index being built: search once it is ready
            self._waiting = True
            self._show_problems(
                [*plan.problems, "Building the search index; the results follow when it is ready."]
            )
            return
        self._show_problems(plan.problems)
        selected = self._state.selection
        started = self.clock()
        self.model.set_query(text)
        self._last_search_s = self.clock() - started
        if self.table.isColumnHidden(COLUMN_INDEX["score"]) == bool(text.strip()):
            self.table.setColumnHidden(COLUMN_INDEX["score"], not text.strip())
            self._fit_columns()
        self._reselect(selected)
        self._update_count()
        self.searched.emit(text)

    def _show_problems(self, problems: list[str]) -> None:
        self.problems_label.setText("\n".join(problems))
        self.problems_label.setVisible(bool(problems))

    # -- the table -------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-run the search (the library changed), keeping the selection."""
        selected = self._state.selection
        current = self._state.current_paper
        if not self.search.text().lstrip().startswith(SEMANTIC_PREFIX):
            self.model.refresh()
        else:
            self.model.reload_rows()
        self._reselect(selected, current)
        self._update_count()

    def _reselect(self, ids: list[int], current: int = -1) -> None:
        rows = self.model.rows_of(ids)
        sm = self.table.selectionModel()
        # the papers no longer shown are no longer selected (a key must not act on them)
        self._state.set_selection([self.model.paper_id(r) for r in rows])
        if not rows:
            return
        selection = self._selection_of(rows)
        sm.blockSignals(True)
        sm.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        cur_row = self.model.row_of(current) if current >= 0 else rows[-1]
        if cur_row >= 0:
            sm.setCurrentIndex(
                self.model.index(cur_row, 0), QItemSelectionModel.SelectionFlag.NoUpdate
            )
        sm.blockSignals(False)
        self.table.viewport().update()

    def select_paper(self, paper_id: int) -> None:
        row = self.model.row_of(paper_id)
        if row >= 0:
            self.select_rows([row])
            self.table.scrollTo(self.model.index(row, 0))

    def select_rows(self, rows: list[int]) -> list[int]:
        """Select these rows (the last one current); returns their paper ids."""
        sm = self.table.selectionModel()
        sm.select(self._selection_of(rows), QItemSelectionModel.SelectionFlag.ClearAndSelect)
        if rows:
            sm.setCurrentIndex(
                self.model.index(rows[-1], 0), QItemSelectionModel.SelectionFlag.NoUpdate
            )
        return [self.model.paper_id(r) for r in rows]

    def _selection_of(self, rows: list[int]) -> QItemSelection:
        """Whole rows, consecutive ones as one range (a select-all stays one range)."""
        selection = QItemSelection()
        last = self.model.columnCount() - 1
        ordered = np.unique(np.asarray(rows, dtype=np.int64))
        if len(ordered) == 0:
            return selection
        breaks = np.flatnonzero(np.diff(ordered) != 1)
        starts = np.concatenate([[ordered[0]], ordered[breaks + 1]])
        ends = np.concatenate([ordered[breaks], [ordered[-1]]])
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
            selection.select(self.model.index(a, 0), self.model.index(b, last))
        return selection

    def _focus_table(self) -> None:
        self.table.setFocus()
        if self.model.rowCount() and not self.table.currentIndex().isValid():
            self.table.selectRow(0)

    def _update_count(self) -> None:
        n, total = self.model.n_matches, self.model.rowCount()
        if not self.model.query.strip():
            text = count(total, "paper")
        elif self.model.mode == "float":
            text = f"{n:,} of {count(total, 'paper')} {plural(n, 'matches', 'match')} (on top)"
        else:
            text = f"{n:,} matching {plural(n, 'paper')}"
        self.count_label.setText(text)

    def _on_table_selection_changed(self, _sel: QItemSelection, _desel: QItemSelection) -> None:
        # rows from the selection ranges (any column: some may be hidden), not per index
        ranges = [(r.top(), r.bottom()) for r in self.table.selectionModel().selection()]
        if len(ranges) == 1:  # a click, a shift-click, a select-all
            a, b = ranges[0]
            ids = self.model.ids()[a : b + 1].tolist()
        elif ranges:  # ctrl-clicks: ranges may overlap; a mask, not np.unique (hashes)
            mask = np.zeros(self.model.rowCount(), dtype=bool)
            for a, b in ranges:
                mask[a : b + 1] = True
            ids = self.model.ids()[mask].tolist()
        else:
            ids = []
        self._state.set_selection(ids)
        if ids:
            self._state.set_current_paper(
                ids[-1] if len(ids) == 1 else self.model.paper_id(self.table.currentIndex().row())
            )
