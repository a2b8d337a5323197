"""The papers pane: the search box over the table, keyboard-first."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from paperscope.gui.papers.table_model import PaperTableModel
from paperscope.gui.state import AppState
from paperscope.library.store import Store


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
    """j/k move like the arrows; Enter shows the details."""

    activated_paper = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_J, Qt.Key.Key_K) and not event.modifiers():
            row = self.currentIndex().row()
            row = (
                min(row + 1, self.model().rowCount() - 1)
                if key == Qt.Key.Key_J
                else max(row - 1, 0)
            )
            self.selectRow(row)
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            idx = self.currentIndex()
            if idx.isValid():
                self.activated_paper.emit(int(idx.data(Qt.ItemDataRole.UserRole)))
            return
        super().keyPressEvent(event)


class PapersView(QWidget):
    def __init__(self, store: Store, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = state
        self.search = SearchBox()
        self.search.setPlaceholderText("Search papers (Ctrl+F or /)")
        self.search.setClearButtonEnabled(True)
        self.count_label = QLabel()
        self.model = PaperTableModel(store, self)
        self.table = PapersTable()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col, width in ((1, 200), (2, 90), (3, 70), (4, 110), (5, 70)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(col, width)
        header.setStretchLastSection(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)
        # typing filters after a short pause so each keystroke does not query
        self._debounce = QTimer(self, singleShot=True, interval=120)
        self._debounce.timeout.connect(self._apply_search)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.search.escaped.connect(self._apply_search)
        self.search.down_pressed.connect(self._focus_table)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.table.activated_paper.connect(state.set_current_paper)
        state.library_changed.connect(self.refresh)
        self._update_count()

    def refresh(self) -> None:
        current = self._state.current_paper
        self.model.refresh()
        self._update_count()
        if current >= 0:
            self.select_paper(current)

    def select_paper(self, paper_id: int) -> None:
        row = self.model.row_of(paper_id)
        if row >= 0:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))

    def _apply_search(self) -> None:
        text = self.search.text()
        self._state.set_search(text)
        self.model.set_filter(text)
        self._update_count()

    def _focus_table(self) -> None:
        self.table.setFocus()
        if self.model.rowCount() and not self.table.currentIndex().isValid():
            self.table.selectRow(0)

    def _update_count(self) -> None:
        n = self.model.rowCount()
        self.count_label.setText(
            f"{n:,} papers" if not self.search.text() else f"{n:,} matching papers"
        )

    def _on_table_selection_changed(self, _sel: QItemSelection, _desel: QItemSelection) -> None:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        ids = [self.model.paper_id(r) for r in rows]
        self._state.set_selection(ids)
        if ids:
            self._state.set_current_paper(
                ids[-1] if len(ids) == 1 else self.model.paper_id(self.table.currentIndex().row())
            )
