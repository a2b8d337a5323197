"""The runs panel: every loaded run in a table (name, format, source, length, last value
of the current metric, config columns), filtered by a regex on names and by config
values, with show/hide checkboxes, a colour per run and rename by editing the name.

:class:`RunsModel` is also the catalogue the plot panes read runs from (by id), so a
rename or a hidden run reaches every pane.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
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
    QVBoxLayout,
    QWidget,
)

from paperscope.core.records import Run
from paperscope.core.text import count
from paperscope.gui.flow_layout import FlowLayout
from paperscope.gui.state import RUNS_MIME
from paperscope.state.runs import RunsState, config_text, shown_path

FIXED = ("name", "colour", "format", "source", "length", "last", "paper")
HEADERS = {
    "name": "Run", "colour": "", "format": "Format", "source": "Source",
    "length": "Points", "last": "Last value", "paper": "Paper",
}  # fmt: skip

Index = QModelIndex | QPersistentModelIndex


class RunsModel(QAbstractTableModel):
    """The loaded runs as a table, over a :class:`~paperscope.state.runs.RunsState` (the
    catalogue; the model only adds rows, columns and Qt signals). Signals:
    ``visibility_changed()``, ``runs_renamed()``, ``colours_changed()``, ``runs_added(list
    of ids)``, ``runs_updated(list of ids)`` (new data for runs already here: a watched
    folder), ``runs_removed(list of ids)``."""

    visibility_changed = Signal()
    runs_renamed = Signal()
    colours_changed = Signal()
    runs_added = Signal(list)
    runs_updated = Signal(list)
    runs_removed = Signal(list)

    def __init__(self, parent: Any = None, state: RunsState | None = None) -> None:
        super().__init__(parent)
        self.state = state if state is not None else RunsState()
        self._metric = ""
        self._papers: dict[str, str] = {}  # run id -> its linked papers' short names

    # -- catalogue -------------------------------------------------------------------
    def add_runs(self, runs: Sequence[Run]) -> list[str]:
        """Add (or replace, by id) runs; returns their ids in order. New rows are
        inserted (the table keeps its selection) unless the config columns change."""
        fresh = self.state.fresh_ids(runs)
        reset = self.state.config_keys_after(runs) != self.state.config_keys()
        if reset:
            self.beginResetModel()
        elif fresh:
            start = len(self.state)
            self.beginInsertRows(QModelIndex(), start, start + len(fresh) - 1)
        ids = self.state.add(runs)
        if reset:
            self.endResetModel()
        else:
            if fresh:
                self.endInsertRows()
            if len(fresh) < len(ids) and len(self.state):
                self.dataChanged.emit(
                    self.index(0, 0), self.index(len(self.state) - 1, self.columnCount() - 1)
                )
        self.runs_added.emit(ids)
        return ids

    def update_runs(self, runs: Sequence[Run]) -> list[str]:
        """Replace runs already here with newer data (same id), in place: rows, checks,
        colours, names and the table's selection stay; unknown ids are ignored."""
        ids = self.state.update(runs)
        for rid in ids:
            row = self.state.row_of(rid)
            assert row is not None
            self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))
        if ids:
            self.runs_updated.emit(ids)
        return ids

    def remove_runs(self, run_ids: Iterable[str]) -> list[str]:
        """Drop runs (their files went away)."""
        ids = list(run_ids)
        if not any(self.state.run(i) for i in ids):
            return []
        self.beginResetModel()
        drop = self.state.remove(ids)
        self.endResetModel()
        self.runs_removed.emit(drop)
        return drop

    def clear(self) -> None:
        self.beginResetModel()
        self.state.clear()
        self.endResetModel()
        self.visibility_changed.emit()

    def runs(self) -> list[Run]:
        return self.state.runs()

    def run(self, run_id: str) -> Run | None:
        return self.state.run(run_id)

    def run_at(self, row: int) -> Run:
        return self.state.run_at(row)

    def find(self, id_or_name: str) -> Run | None:
        return self.state.find(id_or_name)

    def is_visible(self, run_id: str) -> bool:
        return self.state.is_visible(run_id)

    def set_visible(self, run_ids: Iterable[str], visible: bool) -> None:
        changed = self.state.set_visible(run_ids, visible)
        for rid in changed:
            row = self.state.row_of(rid)
            assert row is not None
            i = self.index(row, 0)
            self.dataChanged.emit(i, i, [Qt.ItemDataRole.CheckStateRole])
        if changed:
            self.visibility_changed.emit()

    def colour(self, run_id: str) -> str:
        return self.state.colour(run_id)

    def set_colour(self, run_id: str, colour: str) -> None:
        if self.state.set_colour(run_id, colour):
            row = self.state.row_of(run_id)
            assert row is not None
            i = self.index(row, FIXED.index("colour"))
            self.dataChanged.emit(i, i)
            self.colours_changed.emit()

    def rename(self, run_id: str, name: str) -> bool:
        if not self.state.rename(run_id, name):
            return False
        row = self.state.row_of(run_id)
        assert row is not None
        i = self.index(row, 0)
        self.dataChanged.emit(i, i)
        self.runs_renamed.emit()
        return True

    def config_keys(self) -> list[str]:
        return self.state.config_keys()

    def config_of(self, run_id: str) -> dict[str, Any]:
        return self.state.config_of(run_id)

    def set_metric(self, metric: str) -> None:
        if metric != self._metric:
            self._metric = metric
            if len(self.state):
                first = self.index(0, FIXED.index("length"))
                last = self.index(len(self.state) - 1, FIXED.index("last"))
                self.dataChanged.emit(first, last)

    def metric(self) -> str:
        return self._metric

    def set_paper_labels(self, labels: dict[str, str]) -> None:
        """The "Paper" column: run id → the short names of the papers it is linked to."""
        if labels != self._papers:
            self._papers = dict(labels)
            if len(self.state):
                col = FIXED.index("paper")
                self.dataChanged.emit(self.index(0, col), self.index(len(self.state) - 1, col))

    def paper_label(self, run_id: str) -> str:
        return self._papers.get(run_id, "")

    # -- Qt model --------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.state)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(FIXED) + len(self.state.config_keys())

    def column_key(self, column: int) -> str:
        if column < len(FIXED):
            return FIXED[column]
        return "config:" + self.state.config_keys()[column - len(FIXED)]

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        if section < len(FIXED):
            return HEADERS[FIXED[section]]
        return self.state.config_keys()[section - len(FIXED)]

    def flags(self, index: Index) -> Qt.ItemFlag:
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled
        if index.column() == 0:
            f |= Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEditable
        return f

    def _series_stats(self, run: Run) -> tuple[int, float | None]:
        series = run.series.get(self._metric)
        if series is None:
            return max((len(s) for s in run.series.values()), default=0), None
        if len(series) == 0:
            return 0, None
        finite = series.values[~(series.values != series.values)]
        return len(series), float(finite[-1]) if finite.size else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        run = self.state.run_at(index.row())
        key = self.column_key(index.column())
        if role == Qt.ItemDataRole.CheckStateRole and key == "name":
            return (
                Qt.CheckState.Checked if self.state.is_visible(run.id) else Qt.CheckState.Unchecked
            )
        if role == Qt.ItemDataRole.BackgroundRole and key == "colour":
            return QColor(self.state.colour(run.id))
        if role == Qt.ItemDataRole.UserRole:
            return run.id
        if role == Qt.ItemDataRole.ToolTipRole and key == "source":
            return "\n".join(run.source)
        if role == Qt.ItemDataRole.TextAlignmentRole and key in ("length", "last"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return None
        if key == "name":
            return run.name
        if key == "colour":
            return ""
        if key == "format":
            return run.format
        if key == "source":
            return shown_path(run.source[0]) if run.source else ""
        if key == "length":
            return self._series_stats(run)[0]
        if key == "last":
            last = self._series_stats(run)[1]
            return "" if last is None or not math.isfinite(last) else f"{last:.6g}"
        if key == "paper":
            return self._papers.get(run.id, "")
        return config_text(self.state.config_of(run.id).get(key[len("config:") :]))

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or index.column() != 0:
            return False
        run = self.state.run_at(index.row())
        if role == Qt.ItemDataRole.CheckStateRole:
            checked = Qt.CheckState(value) == Qt.CheckState.Checked
            self.set_visible([run.id], checked)
            return True
        if role == Qt.ItemDataRole.EditRole:
            return self.rename(run.id, str(value))
        return False

    def mimeTypes(self) -> list[str]:
        return [RUNS_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        ids: list[str] = []
        for i in indexes:
            rid = self.state.run_at(i.row()).id
            if rid not in ids:
                ids.append(rid)
        mime = QMimeData()
        mime.setData(RUNS_MIME, json.dumps(ids).encode())
        return mime


def parse_config_filter(text: str) -> list[tuple[str, str, str]]:
    """``lr=0.001, seed!=1, env~Cart`` → (key, op, value) triples (``~``: substring)."""
    out = []
    for part in text.split(","):
        m = re.match(r"\s*([^=!~]+?)\s*(!=|=|~)\s*(.*?)\s*$", part)
        if m:
            out.append((m.group(1), m.group(2), m.group(3)))
    return out


class RunsFilter(QSortFilterProxyModel):
    """Filters by a regex on run names and by config conditions."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._regex: re.Pattern[str] | None = None
        self._conditions: list[tuple[str, str, str]] = []
        self.setSortRole(Qt.ItemDataRole.DisplayRole)

    def set_name_regex(self, pattern: str) -> bool:
        """``False`` (and no filtering) when ``pattern`` is not a valid regex."""
        self.beginFilterChange()
        try:
            self._regex = re.compile(pattern, re.IGNORECASE) if pattern else None
            ok = True
        except re.error:
            self._regex, ok = None, False
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        return ok

    def set_config_filter(self, text: str) -> None:
        self.beginFilterChange()
        self._conditions = parse_config_filter(text)
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, row: int, parent: Index) -> bool:
        model = self.sourceModel()
        assert isinstance(model, RunsModel)
        run = model.run_at(row)
        if self._regex is not None and not self._regex.search(run.name):
            return False
        cfg = model.config_of(run.id)
        for key, op, want in self._conditions:
            have = config_text(cfg[key]) if key in cfg else None
            if op == "=" and not _equal(have, want):
                return False
            if op == "!=" and _equal(have, want):
                return False
            if op == "~" and (have is None or want.lower() not in have.lower()):
                return False
        return True


def _equal(have: str | None, want: str) -> bool:
    if have is None:
        return False
    if have == want:
        return True
    try:
        return float(have) == float(want)
    except ValueError:
        return False


class RunsPanel(QWidget):
    """The table with its filters. ``group_requested(list of ids)``: the user asked to
    group the selected runs; ``link_requested(list of ids)``: "Link to paper…" from the
    context menu."""

    group_requested = Signal(list)
    link_requested = Signal(list)

    def __init__(self, model: RunsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.proxy = RunsFilter(self)
        self.proxy.setSourceModel(model)
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
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(self._on_double_clicked)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.name_filter = QLineEdit()
        self.name_filter.setPlaceholderText("Filter names (regex)")
        self.name_filter.setClearButtonEnabled(True)
        self.name_filter.textChanged.connect(self._on_name_filter)
        self.config_filter = QLineEdit()
        self.config_filter.setPlaceholderText("Config: lr=0.001, env~Cart")
        self.config_filter.setClearButtonEnabled(True)
        self.config_filter.textChanged.connect(self.proxy.set_config_filter)
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
        for edit in (self.name_filter, self.config_filter):
            edit.setMinimumWidth(150)
            edit.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            top.addWidget(edit)
        buttons = FlowLayout()
        buttons.addWidget(self.count)
        buttons.addWidget(self.show_all)
        buttons.addWidget(self.hide_all)
        buttons.addWidget(self.group_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        for signal in (self.proxy.rowsInserted, self.proxy.rowsRemoved, self.proxy.modelReset):
            signal.connect(self._update_count)
        self.proxy.layoutChanged.connect(self._update_count)
        model.modelReset.connect(self._on_reset)
        self._update_count()

    def _on_reset(self) -> None:
        self.table.setColumnWidth(0, 170)
        self.table.setColumnWidth(1, 18)
        self._update_count()

    def _on_name_filter(self, text: str) -> None:
        ok = self.proxy.set_name_regex(text)
        self.name_filter.setStyleSheet("" if ok else "color: #D55E00")
        self._update_count()

    def _update_count(self) -> None:
        self.count.setText(f"{self.proxy.rowCount():,} of {count(self.model.rowCount(), 'run')}")

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

    def _context_menu(self, pos: Any) -> None:
        self.context_menu().popup(self.table.viewport().mapToGlobal(pos))

    def _on_double_clicked(self, index: QModelIndex) -> None:
        if self.model.column_key(self.proxy.mapToSource(index).column()) == "colour":
            rid = str(index.data(Qt.ItemDataRole.UserRole))
            colour = QColorDialog.getColor(QColor(self.model.colour(rid)), self, "Run colour")
            if colour.isValid():
                self.model.set_colour(rid, colour.name())
