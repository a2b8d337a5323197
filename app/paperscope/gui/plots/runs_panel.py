"""The runs panel: every loaded run in a table (name, format, source, length, last value
of the current metric, the pinned step, summary columns, config columns), filtered by a
regex on names and by an expression over config and summaries, sorted by any column,
with show/hide checkboxes, a colour per run, rename by editing the name, and copy as
CSV/Markdown.

The table's models are in :mod:`.runs_model`; what the panel shows lives in the
:class:`~paperscope.state.runs_table.RunsTableState` (the filter boxes write it, and
show it when it changes) and the selection in a
:class:`~paperscope.state.runs_table.RunSelection` shared with the other views.
"""

from __future__ import annotations

import functools

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QColor, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QColorDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSizePolicy,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from paperscope.core.text import count
from paperscope.gui.flow_layout import FlowLayout
from paperscope.gui.plots.runs_model import FIXED, RunsFilter, RunsModel
from paperscope.gui.state import RUNS_MIME
from paperscope.state.runs_table import SUMMARY, RunSelection

__all__ = ["FIXED", "RUNS_MIME", "RunsFilter", "RunsModel", "RunsPanel"]

ERROR_STYLE = "color: #D55E00"
FILTER_HELP = (
    "Filter over config keys, summary columns and run.name/run.format, e.g.\n"
    "lr < 1e-3 and eval/return.last > 200\n"
    'not (optimizer == "sgd" or seed in [1, 2])\n'
    "Summary columns: METRIC.last, .min, .max, .mean, .meanN, .count, .atS, .interpS, "
    ".smoothed"
)


class RunsPanel(QWidget):
    """The table with its filters. ``group_requested(list of ids)``: the user asked to
    group the selected runs; ``link_requested(list of ids)``: "Link to paper…" from the
    context menu."""

    group_requested = Signal(list)
    link_requested = Signal(list)

    def __init__(
        self, model: RunsModel, parent: QWidget | None = None,
        selection: RunSelection | None = None,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self.model = model
        self.table_state = model.table
        self.selection = selection if selection is not None else RunSelection()
        self.proxy = RunsFilter(model, self)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # load order until asked
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setDragEnabled(True)
        self.table.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(20)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)
        self.table.doubleClicked.connect(self._on_double_clicked)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.name_filter = QLineEdit()
        self.name_filter.setPlaceholderText("Filter names (regex)")
        self.name_filter.setClearButtonEnabled(True)
        self.name_filter.textChanged.connect(lambda t: self.table_state.update(name_regex=t))
        self.expr_filter = QLineEdit()
        self.expr_filter.setPlaceholderText("Filter: lr < 1e-3 and eval/return.last > 200")
        self.expr_filter.setToolTip(FILTER_HELP)
        self.expr_filter.setClearButtonEnabled(True)
        self.expr_filter.textChanged.connect(lambda t: self.table_state.update(filter_text=t))
        self.filter_error = QLabel()
        self.filter_error.setStyleSheet(ERROR_STYLE)
        self.filter_error.setWordWrap(True)
        self.filter_error.hide()
        self.columns_button = QPushButton("Columns…")
        self.columns_button.setToolTip("Summary columns per metric and the config columns shown")
        self.columns_button.clicked.connect(self.choose_columns)
        self.copy_button = QToolButton()
        self.copy_button.setText("Copy")
        self.copy_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        copy_menu = QMenu(self.copy_button)
        for text, rows, markdown in (("Table as CSV", "all", False),
                                     ("Table as Markdown", "all", True),
                                     ("Selection as CSV", "selected", False),
                                     ("Selection as Markdown", "selected", True)):  # fmt: skip
            copy_menu.addAction(text, functools.partial(self.copy, rows == "selected", markdown))
        self.copy_button.setMenu(copy_menu)
        copy_action = QAction("Copy selection as CSV", self.table)
        copy_action.setShortcut(QKeySequence.StandardKey.Copy)
        copy_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        copy_action.triggered.connect(lambda: self.copy(selected=True))
        self.table.addAction(copy_action)
        self.show_all = QPushButton("Show all")
        self.show_all.clicked.connect(lambda: self.set_shown_filtered(True))
        self.hide_all = QPushButton("Hide all")
        self.hide_all.clicked.connect(lambda: self.set_shown_filtered(False))
        self.group_button = QPushButton("Group selected")
        self.group_button.setToolTip("Draw the selected runs as one group in the current pane")
        self.group_button.clicked.connect(lambda: self.group_requested.emit(self.selected_ids()))
        self.count = QLabel()
        # both rows wrap in a narrow dock rather than widen it
        top = FlowLayout()
        for edit in (self.name_filter, self.expr_filter):
            edit.setMinimumWidth(150)
            edit.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            top.addWidget(edit)
        buttons = FlowLayout()
        for w in (self.count, self.columns_button, self.copy_button, self.show_all,
                  self.hide_all, self.group_button):  # fmt: skip
            buttons.addWidget(w)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.filter_error)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        for signal in (self.proxy.rowsInserted, self.proxy.rowsRemoved, self.proxy.modelReset):
            signal.connect(self._update_count)
        self.proxy.layoutChanged.connect(self._update_count)
        model.modelReset.connect(self._on_reset)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection)
        self.selection.changed.connect(self._on_selection)
        self.table_state.changed.connect(self._on_state)
        self._on_state(frozenset({"filter_text", "name_regex", "sort_key"}))
        self._update_count()

    # -- state → widgets -------------------------------------------------------------
    def _on_state(self, fields: frozenset[str]) -> None:
        v = self.table_state.value
        if self.name_filter.text() != v.name_regex:
            self.name_filter.setText(v.name_regex)
        if self.expr_filter.text() != v.filter_text:
            self.expr_filter.setText(v.filter_text)
        _regex, ok = self.table_state.name_pattern()
        self.name_filter.setStyleSheet("" if ok else ERROR_STYLE)
        _f, error = self.table_state.parsed_filter()
        self.expr_filter.setStyleSheet("" if error is None else ERROR_STYLE)
        self.filter_error.setText("" if error is None else f"Filter: {error}")
        self.filter_error.setVisible(error is not None)
        if fields & {"sort_key", "descending", "summaries", "pinned", "config_columns"}:
            column = self.model.column_of(v.sort_key) if v.sort_key else -1
            order = Qt.SortOrder.DescendingOrder if v.descending else Qt.SortOrder.AscendingOrder
            header = self.table.horizontalHeader()
            if (header.sortIndicatorSection(), header.sortIndicatorOrder()) != (column, order):
                header.setSortIndicator(column, order)
        self._update_count()

    def _on_reset(self) -> None:
        self.table.setColumnWidth(0, 170)
        self.table.setColumnWidth(1, 18)
        self._on_state(frozenset({"sort_key"}))

    def _update_count(self) -> None:
        self.count.setText(f"{self.proxy.rowCount():,} of {count(self.model.rowCount(), 'run')}")

    # -- selection -------------------------------------------------------------------
    def _on_table_selection(self, *_args: object) -> None:
        self.selection.select(self.selected_ids(), "table")

    def _on_selection(self, _fields: frozenset[str]) -> None:
        v = self.selection.value
        if v.origin == "table" or set(self.selected_ids()) == v.ids:
            return
        chosen = QItemSelection()
        for r in range(self.proxy.rowCount()):
            index = self.proxy.index(r, 0)
            if str(index.data(Qt.ItemDataRole.UserRole)) in v.ids:
                chosen.select(index, index)
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        self.table.selectionModel().select(chosen, flags)

    def filtered_ids(self) -> list[str]:
        return [
            str(self.proxy.index(r, 0).data(Qt.ItemDataRole.UserRole))
            for r in range(self.proxy.rowCount())
        ]

    def selected_ids(self) -> list[str]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [str(self.proxy.index(r, 0).data(Qt.ItemDataRole.UserRole)) for r in rows]

    def set_shown_filtered(self, visible: bool) -> None:
        """Show or hide every run the filters let through."""
        self.model.set_visible(self.filtered_ids(), visible)

    # -- columns and copies ----------------------------------------------------------
    def choose_columns(self) -> None:
        from paperscope.gui.plots.runs_columns import ColumnsDialog

        metrics = sorted({t for r in self.model.runs() for t in r.series})
        ColumnsDialog(self.table_state, metrics, self).exec()

    def copy(self, selected: bool = False, markdown: bool = False) -> str:
        """The table (shown rows in order) or the selected rows as CSV or Markdown, put
        on the clipboard; returns the text."""
        ids = (
            [i for i in self.filtered_ids() if i in set(self.selected_ids())] if selected else None
        )
        text = (self.table_state.to_markdown if markdown else self.table_state.to_csv)(ids)
        QGuiApplication.clipboard().setText(text)
        return text

    def _header_menu(self, pos: QPoint) -> None:
        header = self.table.horizontalHeader()
        column = header.logicalIndexAt(pos)
        if column < 0:
            return
        key = self.model.column_key(column)
        menu = QMenu(self)
        menu.addAction("Sort ascending", lambda: self.table_state.sort_by(key, False))
        menu.addAction("Sort descending", lambda: self.table_state.sort_by(key, True))
        menu.addAction("Load order", lambda: self.table_state.sort_by("", False))
        if key.startswith(SUMMARY):
            menu.addAction("Remove column",
                           lambda: self.table_state.remove_summary(key[len(SUMMARY):]))  # fmt: skip
        if key == "pinned":
            menu.addAction("Unpin the step", lambda: self.table_state.pin("", None))
        menu.addAction("Columns…", self.choose_columns)
        menu.popup(header.mapToGlobal(pos))

    def context_menu(self) -> QMenu:
        """The selected runs' menu: link them to a paper, group them."""
        ids = self.selected_ids()
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        link = menu.addAction("Link to paper…", lambda: self.link_requested.emit(ids))
        group = menu.addAction("Group selected", lambda: self.group_requested.emit(ids))
        link.setEnabled(bool(ids))
        group.setEnabled(bool(ids))
        return menu

    def _context_menu(self, pos: QPoint) -> None:
        self.context_menu().popup(self.table.viewport().mapToGlobal(pos))

    def _on_double_clicked(self, index: QModelIndex) -> None:
        if self.model.column_key(self.proxy.mapToSource(index).column()) == "colour":
            rid = str(index.data(Qt.ItemDataRole.UserRole))
            colour = QColorDialog.getColor(QColor(self.model.colour(rid)), self, "Run colour")
            if colour.isValid():
                self.model.set_colour(rid, colour.name())
