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
from collections.abc import Iterable, Mapping, Sequence
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
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from paperscope.core.records import Run
from paperscope.core.text import count
from paperscope.results.figure import OKABE_ITO
from paperscope.workflows.runs import rename_run

RUNS_MIME = "application/x-paperscope-run-ids"
MAX_CONFIG_COLUMNS = 40
FIXED = ("name", "colour", "format", "source", "length", "last")
HEADERS = {
    "name": "Run", "colour": "", "format": "Format", "source": "Source",
    "length": "Points", "last": "Last value",
}  # fmt: skip

Index = QModelIndex | QPersistentModelIndex


def flatten(config: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested config mappings as dotted keys (``optimizer.lr``)."""
    out: dict[str, Any] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            out.update(flatten(value, name + "."))
        else:
            out[name] = value
    return out


def _text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value)
    return "" if value is None else str(value)


class RunsModel(QAbstractTableModel):
    """The loaded runs. Signals: ``visibility_changed()``, ``runs_renamed()``,
    ``colours_changed()``, ``runs_added(list of ids)``, ``runs_updated(list of ids)``
    (new data for runs already here: a watched folder), ``runs_removed(list of ids)``."""

    visibility_changed = Signal()
    runs_renamed = Signal()
    colours_changed = Signal()
    runs_added = Signal(list)
    runs_updated = Signal(list)
    runs_removed = Signal(list)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._runs: list[Run] = []
        self._row: dict[str, int] = {}
        self._visible: dict[str, bool] = {}
        self._colour: dict[str, str] = {}
        self._config: dict[str, dict[str, Any]] = {}
        self._config_keys: list[str] = []
        self._metric = ""

    # -- catalogue -------------------------------------------------------------------
    def add_runs(self, runs: Sequence[Run]) -> list[str]:
        """Add (or replace, by id) runs; returns their ids in order. New rows are
        inserted (the table keeps its selection) unless the config columns change."""
        ids = [run.id for run in runs]
        fresh: dict[str, Run] = {}
        for run in runs:
            if run.id in self._row:
                row = self._row[run.id]
                # a reload keeps the user's name for the run
                self._runs[row] = rename_run(run, self._runs[row].name)
                self._config[run.id] = flatten(run.config)
            else:
                fresh[run.id] = run
        keys = list(self._config_keys)
        for run in fresh.values():
            self._config[run.id] = flatten(run.config)
        self._update_config_keys()
        reset = self._config_keys != keys
        if reset:
            self.beginResetModel()
        elif fresh:
            start = len(self._runs)
            self.beginInsertRows(QModelIndex(), start, start + len(fresh) - 1)
        for run in fresh.values():
            self._row[run.id] = len(self._runs)
            self._runs.append(run)
            self._visible[run.id] = True
            self._colour[run.id] = OKABE_ITO[(len(self._runs) - 1) % len(OKABE_ITO)]
        if reset:
            self.endResetModel()
        else:
            if fresh:
                self.endInsertRows()
            if len(fresh) < len(ids) and self._runs:
                self.dataChanged.emit(
                    self.index(0, 0), self.index(len(self._runs) - 1, self.columnCount() - 1)
                )
        self.runs_added.emit(ids)
        return ids

    def update_runs(self, runs: Sequence[Run]) -> list[str]:
        """Replace runs already here with newer data (same id), in place: rows, checks,
        colours, names and the table's selection stay; unknown ids are ignored."""
        ids = []
        for run in runs:
            row = self._row.get(run.id)
            if row is None:
                continue
            self._runs[row] = rename_run(run, self._runs[row].name)
            self._config[run.id] = flatten(run.config)
            ids.append(run.id)
            self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))
        if ids:
            self.runs_updated.emit(ids)
        return ids

    def remove_runs(self, run_ids: Iterable[str]) -> list[str]:
        """Drop runs (their files went away)."""
        drop = [i for i in run_ids if i in self._row]
        if not drop:
            return []
        self.beginResetModel()
        gone = set(drop)
        self._runs = [r for r in self._runs if r.id not in gone]
        self._row = {r.id: k for k, r in enumerate(self._runs)}
        for rid in drop:
            self._visible.pop(rid, None)
            self._colour.pop(rid, None)
            self._config.pop(rid, None)
        self._update_config_keys()
        self.endResetModel()
        self.runs_removed.emit(drop)
        return drop

    def clear(self) -> None:
        self.beginResetModel()
        self._runs.clear()
        self._row.clear()
        self._visible.clear()
        self._colour.clear()
        self._config.clear()
        self._config_keys = []
        self.endResetModel()
        self.visibility_changed.emit()

    def runs(self) -> list[Run]:
        return list(self._runs)

    def run(self, run_id: str) -> Run | None:
        row = self._row.get(run_id)
        return None if row is None else self._runs[row]

    def run_at(self, row: int) -> Run:
        return self._runs[row]

    def find(self, id_or_name: str) -> Run | None:
        run = self.run(id_or_name)
        if run is None:
            run = next((r for r in self._runs if r.name == id_or_name), None)
        return run

    def is_visible(self, run_id: str) -> bool:
        return self._visible.get(run_id, False)

    def set_visible(self, run_ids: Iterable[str], visible: bool) -> None:
        changed = False
        for rid in run_ids:
            if rid in self._row and self._visible[rid] != visible:
                self._visible[rid] = visible
                changed = True
                i = self.index(self._row[rid], 0)
                self.dataChanged.emit(i, i, [Qt.ItemDataRole.CheckStateRole])
        if changed:
            self.visibility_changed.emit()

    def colour(self, run_id: str) -> str:
        return self._colour.get(run_id, OKABE_ITO[0])

    def set_colour(self, run_id: str, colour: str) -> None:
        if run_id in self._row:
            self._colour[run_id] = colour
            i = self.index(self._row[run_id], FIXED.index("colour"))
            self.dataChanged.emit(i, i)
            self.colours_changed.emit()

    def rename(self, run_id: str, name: str) -> bool:
        name = name.strip()
        row = self._row.get(run_id)
        if row is None or not name or name == self._runs[row].name:
            return False
        self._runs[row] = rename_run(self._runs[row], name)
        i = self.index(row, 0)
        self.dataChanged.emit(i, i)
        self.runs_renamed.emit()
        return True

    def config_keys(self) -> list[str]:
        return list(self._config_keys)

    def config_of(self, run_id: str) -> dict[str, Any]:
        return self._config.get(run_id, {})

    def set_metric(self, metric: str) -> None:
        if metric != self._metric:
            self._metric = metric
            if self._runs:
                first = self.index(0, FIXED.index("length"))
                last = self.index(len(self._runs) - 1, FIXED.index("last"))
                self.dataChanged.emit(first, last)

    def metric(self) -> str:
        return self._metric

    def _update_config_keys(self) -> None:
        counts: dict[str, int] = {}
        values: dict[str, set[str]] = {}
        for cfg in self._config.values():
            for key, value in cfg.items():
                counts[key] = counts.get(key, 0) + 1
                values.setdefault(key, set()).add(_text(value))
        # keys that tell runs apart first, then the most common ones
        keys = sorted(counts, key=lambda k: (len(values[k]) < 2, -counts[k], k))
        self._config_keys = keys[:MAX_CONFIG_COLUMNS]

    # -- Qt model --------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._runs)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(FIXED) + len(self._config_keys)

    def column_key(self, column: int) -> str:
        if column < len(FIXED):
            return FIXED[column]
        return "config:" + self._config_keys[column - len(FIXED)]

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        if section < len(FIXED):
            return HEADERS[FIXED[section]]
        return self._config_keys[section - len(FIXED)]

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
        run = self._runs[index.row()]
        key = self.column_key(index.column())
        if role == Qt.ItemDataRole.CheckStateRole and key == "name":
            return Qt.CheckState.Checked if self._visible[run.id] else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.BackgroundRole and key == "colour":
            return QColor(self._colour[run.id])
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
            return run.source[0] if run.source else ""
        if key == "length":
            return self._series_stats(run)[0]
        if key == "last":
            last = self._series_stats(run)[1]
            return "" if last is None or not math.isfinite(last) else f"{last:.6g}"
        return _text(self._config[run.id].get(key[len("config:") :]))

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or index.column() != 0:
            return False
        run = self._runs[index.row()]
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
            rid = self._runs[i.row()].id
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
            have = _text(cfg[key]) if key in cfg else None
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
    group the selected runs; ``runs_activated(list of ids)``: double-clicked runs."""

    group_requested = Signal(list)

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
        top = QHBoxLayout()
        top.addWidget(self.name_filter, 1)
        top.addWidget(self.config_filter, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.count, 1)
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

    def _on_double_clicked(self, index: QModelIndex) -> None:
        if self.model.column_key(self.proxy.mapToSource(index).column()) == "colour":
            rid = str(index.data(Qt.ItemDataRole.UserRole))
            colour = QColorDialog.getColor(QColor(self.model.colour(rid)), self, "Run colour")
            if colour.isValid():
                self.model.set_colour(rid, colour.name())
