"""The runs table's Qt models over :class:`~paperscope.state.runs_table.RunsTableState`.

:class:`RunsModel` shows every loaded run (rows in catalogue order) with the state's
columns; it adds Qt signals, check boxes (shown or hidden), a colour swatch and rename by
editing the name. It is also the catalogue the plot panes read runs from (by id), so a
rename or a hidden run reaches every pane. :class:`RunsFilter` lets through the runs
the state's filter keeps, in the state's sort order (the state sorts numbers as numbers
and puts runs without a value last).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractProxyModel,
    QAbstractTableModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor

from paperscope.core.records import Run
from paperscope.gui.state import RUNS_MIME
from paperscope.state.runs import RunsState
from paperscope.state.runs_table import FIXED_COLUMNS, Column, RunsTableState, cell_text

FIXED = tuple(c.key for c in FIXED_COLUMNS)

Index = QModelIndex | QPersistentModelIndex


class RunsModel(QAbstractTableModel):
    """The loaded runs as a table, over a :class:`RunsState` (the catalogue) and a
    :class:`RunsTableState` (columns, filter, sort). Signals: ``visibility_changed()``,
    ``runs_renamed()``, ``colours_changed()``, ``runs_added(list of ids)``,
    ``runs_updated(list of ids)`` (new data for runs already here: a watched folder),
    ``runs_removed(list of ids)``."""

    visibility_changed = Signal()
    runs_renamed = Signal()
    colours_changed = Signal()
    runs_added = Signal(list)
    runs_updated = Signal(list)
    runs_removed = Signal(list)

    def __init__(
        self,
        parent: Any = None,
        state: RunsState | None = None,
        table: RunsTableState | None = None,
    ) -> None:
        super().__init__(parent)
        self.state = state if state is not None else RunsState()
        self.table = table if table is not None else RunsTableState(self.state)
        self._columns: list[Column] = self.table.columns()
        self.table.changed.connect(self._on_table_changed)

    def _on_table_changed(self, fields: frozenset[str]) -> None:
        if fields & {"summaries", "config_columns", "pinned"}:
            self.beginResetModel()
            self._columns = self.table.columns()
            self.endResetModel()
        elif "metric" in fields and len(self.state):
            first, last = FIXED.index("length"), FIXED.index("last")
            self.dataChanged.emit(self.index(0, first), self.index(len(self.state) - 1, last))

    # -- catalogue -------------------------------------------------------------------
    def add_runs(self, runs: Sequence[Run]) -> list[str]:
        """Add (or replace, by id) runs; returns their ids in order. New rows are
        inserted (the table keeps its selection) unless the config columns change."""
        fresh = self.state.fresh_ids(runs)
        auto = self.table.value.config_columns is None
        reset = auto and self.state.config_keys_after(runs) != self.state.config_keys()
        if reset:
            self.beginResetModel()
        elif fresh:
            start = len(self.state)
            self.beginInsertRows(QModelIndex(), start, start + len(fresh) - 1)
        ids = self.state.add(runs)
        if reset:
            self._columns = self.table.columns()
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
        self._columns = self.table.columns()
        self.endResetModel()
        self.runs_removed.emit(drop)
        return drop

    def clear(self) -> None:
        self.beginResetModel()
        self.state.clear()
        self._columns = self.table.columns()
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
        self.table.update(metric=metric)

    def metric(self) -> str:
        return self.table.value.metric

    def set_paper_labels(self, labels: dict[str, str]) -> None:
        """The "Paper" column: run id → the short names of the papers it is linked to."""
        if self.table.set_paper_labels(labels) and len(self.state):
            col = FIXED.index("paper")
            self.dataChanged.emit(self.index(0, col), self.index(len(self.state) - 1, col))

    def paper_label(self, run_id: str) -> str:
        return self.table.paper_labels.get(run_id, "")

    # -- Qt model --------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.state)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def columns(self) -> list[Column]:
        return list(self._columns)

    def column_key(self, column: int) -> str:
        return self._columns[column].key

    def column_of(self, key: str) -> int:
        """The position of the column ``key`` (-1: none)."""
        return next((k for k, c in enumerate(self._columns) if c.key == key), -1)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._columns):
            return None
        c = self._columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return c.header
        if role == Qt.ItemDataRole.ToolTipRole:
            return c.tooltip or c.header
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled
        if index.column() == 0:
            f |= Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEditable
        return f

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        run = self.state.run_at(index.row())
        column = self._columns[index.column()]
        key = column.key
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
        if role == Qt.ItemDataRole.TextAlignmentRole and column.numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return None
        if key == "colour":
            return ""
        value = self.table.value_of(run, column)
        if key == "length":
            return value
        return cell_text(value)

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


class RunsFilter(QAbstractProxyModel):
    """The runs the table state keeps, in its order (:meth:`RunsTableState.order`): a
    proxy that maps rows through that list, so sorting and filtering cost what the state's
    own computation costs (no comparisons through ``data()``). A header click writes the
    sort to the state (:meth:`sort`); the selection follows its rows (persistent indexes)."""

    def __init__(self, model: RunsModel, parent: Any = None) -> None:
        super().__init__(parent)
        self.table = model.table
        self._rows: list[int] = []  # proxy row → source row
        self._pos: dict[int, int] = {}  # source row → proxy row
        self._version = -1  # the table state's version the rows were built for
        self.setSourceModel(model)
        self._rebuild()
        model.modelAboutToBeReset.connect(self.beginResetModel)
        model.modelReset.connect(self._on_reset)
        for signal in (model.rowsInserted, model.rowsRemoved, model.layoutChanged):
            signal.connect(self.relayout)
        model.dataChanged.connect(self._on_data_changed)
        model.headerDataChanged.connect(self.headerDataChanged.emit)
        self.table.changed.connect(self._on_table_changed)

    def _source(self) -> RunsModel:
        model = self.sourceModel()
        assert isinstance(model, RunsModel)
        return model

    def _rebuild(self) -> None:
        state = self.table.runs
        rows = (state.row_of(i) for i in self.table.order())
        self._rows = [r for r in rows if r is not None]
        self._pos = {r: k for k, r in enumerate(self._rows)}
        self._version = self.table.version

    def _on_reset(self) -> None:
        self._rebuild()
        self.endResetModel()

    def relayout(self, *_args: object) -> None:
        """The order or the rows kept changed: the same indexes, moved (the selection
        and the current row follow their runs)."""
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        sources = [self.mapToSource(i) for i in old]
        self._rebuild()
        self.changePersistentIndexList(old, [self.mapFromSource(s) for s in sources])
        self.layoutChanged.emit()

    def _on_data_changed(self, first: QModelIndex, last: QModelIndex, roles: Any = ()) -> None:
        if self.table.version != self._version:  # new values: maybe another order
            order = [self.table.runs.row_of(i) for i in self.table.order()]
            if order != self._rows:
                self.relayout()
                return
            self._version = self.table.version
        rows = [self._pos[r] for r in range(first.row(), last.row() + 1) if r in self._pos]
        if rows:
            self.dataChanged.emit(self.index(min(rows), first.column()),
                                  self.index(max(rows), last.column()), roles)  # fmt: skip

    def _on_table_changed(self, fields: frozenset[str]) -> None:
        keys = {"filter_text", "name_regex", "metric", "summaries", "pinned", "sort_key",
                "descending", "config_columns"}  # fmt: skip
        if fields & keys:
            self.relayout()

    # -- the proxy -------------------------------------------------------------------
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        model = self._source()
        key = model.column_key(column) if 0 <= column < model.columnCount() else ""
        self.table.sort_by(key, order == Qt.SortOrder.DescendingOrder)

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if parent.isValid() or not (0 <= row < len(self._rows)):
            return QModelIndex()
        if not 0 <= column < self._source().columnCount():
            return QModelIndex()
        return self.createIndex(row, column)

    def parent(self, _index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        return QModelIndex()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._source().columnCount()

    def mapToSource(self, proxy: Index) -> QModelIndex:
        if not proxy.isValid() or not 0 <= proxy.row() < len(self._rows):
            return QModelIndex()
        return self._source().index(self._rows[proxy.row()], proxy.column())

    def mapFromSource(self, source: Index) -> QModelIndex:
        if not source.isValid():
            return QModelIndex()
        row = self._pos.get(source.row())
        return QModelIndex() if row is None else self.index(row, source.column())

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            return self._source().headerData(section, orientation, role)
        return None
