"""The metric list: every series tag of the loaded runs, searchable, with favourites
pinned to the top. Tags drag onto plot panes (or a click: show in the current pane).

The source model keeps pinned tags first, so the proxy only filters (in C++, a fixed
string, case-insensitive): 10,000+ tags filter per keystroke without a Python call per
row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QFont
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QListView, QVBoxLayout, QWidget

METRIC_MIME = "application/x-paperscope-metric"
Index = QModelIndex | QPersistentModelIndex


class MetricModel(QAbstractListModel):
    """Tags with the number of runs logging each; pinned tags first, then by name."""

    pins_changed = Signal()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._counts: dict[str, int] = {}
        self._pinned: list[str] = []
        self._order: list[str] = []

    def set_metrics(self, items: Iterable[tuple[str, int]]) -> None:
        self.beginResetModel()
        self._counts = dict(items)
        self._reorder()
        self.endResetModel()

    def _reorder(self) -> None:
        pinned = [t for t in self._pinned if t in self._counts]
        rest = sorted(t for t in self._counts if t not in set(self._pinned))
        self._order = pinned + rest

    def metrics(self) -> list[str]:
        return list(self._order)

    def pinned(self) -> list[str]:
        return list(self._pinned)

    def set_pinned(self, tags: Sequence[str]) -> None:
        self.beginResetModel()
        self._pinned = list(dict.fromkeys(tags))
        self._reorder()
        self.endResetModel()
        self.pins_changed.emit()

    def toggle_pin(self, tag: str) -> None:
        pins = list(self._pinned)
        if tag in pins:
            pins.remove(tag)
        else:
            pins.append(tag)
        self.set_pinned(pins)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._order)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        tag = self._order[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"★ {tag}" if tag in self._pinned else tag
        if role in (Qt.ItemDataRole.UserRole, Qt.ItemDataRole.EditRole):
            return tag
        if role == Qt.ItemDataRole.ToolTipRole:
            n = self._counts[tag]
            return f"{tag}: logged by {n} run{'s' if n != 1 else ''}"
        if role == Qt.ItemDataRole.FontRole and tag in self._pinned:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        return (
            Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled
        )

    def mimeTypes(self) -> list[str]:
        return [METRIC_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        mime = QMimeData()
        if indexes:
            tag = self._order[indexes[0].row()]
            mime.setData(METRIC_MIME, tag.encode())
            mime.setText(tag)
        return mime


class MetricList(QWidget):
    """Search box over the list. ``metric_activated(str)``: a click or Enter."""

    metric_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = MetricModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterRole(Qt.ItemDataRole.UserRole)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search metrics")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.search.returnPressed.connect(self._activate_first)
        self.view = QListView()
        self.view.setModel(self.proxy)
        self.view.setUniformItemSizes(True)  # constant-time layout for 10k+ rows
        self.view.setDragEnabled(True)
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # one click plots a metric, as in TensorBoard (a double click is a click too)
        self.view.clicked.connect(
            lambda i: self.metric_activated.emit(str(i.data(Qt.ItemDataRole.UserRole)))
        )
        pin = QAction("Pin / unpin", self.view)
        pin.setShortcut("Ctrl+P")
        pin.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        pin.triggered.connect(self._toggle_pin_current)
        self.view.addAction(pin)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.view, 1)

    def visible_metrics(self) -> list[str]:
        return [
            str(self.proxy.index(r, 0).data(Qt.ItemDataRole.UserRole))
            for r in range(self.proxy.rowCount())
        ]

    def _toggle_pin_current(self) -> None:
        index = self.view.currentIndex()
        if index.isValid():
            self.model.toggle_pin(str(index.data(Qt.ItemDataRole.UserRole)))

    def _activate_first(self) -> None:
        if self.proxy.rowCount():
            self.metric_activated.emit(str(self.proxy.index(0, 0).data(Qt.ItemDataRole.UserRole)))
