"""The runs table's column chooser: summary columns per metric, the config columns.

Every change is one write to the :class:`~paperscope.state.runs_table.RunsTableState`
(the column set is saved with the workspace); the dialog shows the state.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from paperscope.results.summaries import SummarySpec, parse_stat, parse_summary_option
from paperscope.state.runs_table import RunsTableState

STATS = {
    "last": "last value",
    "min": "minimum",
    "max": "maximum",
    "mean": "mean of the last N",
    "at": "value at step S (nearest)",
    "interp": "value at step S (interpolated)",
    "smoothed": "smoothed last value (EMA weight)",
    "first": "first value",
    "count": "points",
}
ARGUMENT = {
    "mean": (10.0, 1.0, 1e9, 0),
    "at": (1000.0, -1e18, 1e18, 0),
    "interp": (1000.0, -1e18, 1e18, 0),
    "smoothed": (0.6, 0.0, 1.0, 3),
}


def spec_for(metric: str, stat: str, arg: float | None) -> SummarySpec:
    """The summary column the chooser's fields describe (``ValueError`` saying why not)."""
    if not metric:
        raise ValueError("choose a metric")
    token = stat if arg is None or stat not in ARGUMENT else f"{stat}{arg:g}"
    if stat == "smoothed" and arg is not None:
        token = f"smoothed{arg:g}"
    return parse_stat(metric, token)


class ColumnsDialog(QDialog):
    """Add or remove summary columns; pick the config columns."""

    def __init__(
        self, table: RunsTableState, metrics: Sequence[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Runs table columns")
        self.table = table
        self.metric_box = QComboBox()
        self.metric_box.setEditable(True)
        self.metric_box.addItems(list(metrics))
        self.stat = QComboBox()
        for key, text in STATS.items():
            self.stat.addItem(text, key)
        self.arg = QDoubleSpinBox()
        self.stat.currentIndexChanged.connect(self._on_stat)
        self.add_button = QPushButton("Add column")
        self.add_button.clicked.connect(self.add_chosen)
        self.typed = QLineEdit()
        self.typed.setPlaceholderText("or type METRIC:STAT[,STAT…], e.g. loss:last,min,mean10")
        self.typed.returnPressed.connect(self.add_typed)
        self.error = QLabel()
        self.error.setStyleSheet("color: #D55E00")
        self.summaries = QListWidget()
        self.remove_button = QPushButton("Remove selected")
        self.remove_button.clicked.connect(self.remove_selected)
        self.config = QListWidget()
        self.config.itemChanged.connect(self._on_config_item)
        self.auto_button = QPushButton("Automatic")
        self.auto_button.setToolTip("The config keys that tell the runs apart (at most 40)")
        self.auto_button.clicked.connect(lambda: self.table.update(config_columns=None))
        form = QFormLayout()
        form.addRow("Metric", self.metric_box)
        row = QHBoxLayout()
        row.addWidget(self.stat, 1)
        row.addWidget(self.arg)
        row.addWidget(self.add_button)
        form.addRow("Summary", row)
        form.addRow("", self.typed)
        form.addRow("", self.error)
        lists = QHBoxLayout()
        left, right = QVBoxLayout(), QVBoxLayout()
        left.addWidget(QLabel("Summary columns"))
        left.addWidget(self.summaries)
        left.addWidget(self.remove_button)
        right.addWidget(QLabel("Config columns"))
        right.addWidget(self.config)
        right.addWidget(self.auto_button)
        lists.addLayout(left)
        lists.addLayout(right)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(lists, 1)
        layout.addWidget(close)
        self._on_stat()
        table.changed.connect(self._on_state)
        self.finished.connect(lambda _r: table.changed.disconnect(self._on_state))
        self._on_state(frozenset({"summaries", "config_columns"}))

    def _on_stat(self, *_args: object) -> None:
        stat = str(self.stat.currentData())
        a = ARGUMENT.get(stat)
        self.arg.setVisible(a is not None)
        if a is not None:
            value, lo, hi, decimals = a
            self.arg.setDecimals(int(decimals))
            self.arg.setRange(lo, hi)
            self.arg.setValue(value)
            self.arg.setPrefix({"mean": "N = ", "smoothed": "w = "}.get(stat, "S = "))

    def _on_state(self, fields: frozenset[str]) -> None:
        v = self.table.value
        if "summaries" in fields:
            self.summaries.clear()
            self.summaries.addItems(list(v.summaries))
        if "config_columns" in fields:
            shown = set(self.table.config_keys())
            keys = list(dict.fromkeys([*self.table.config_keys(), *self._all_config_keys()]))
            now = [
                (
                    self.config.item(i).text(),
                    self.config.item(i).checkState() == Qt.CheckState.Checked,
                )
                for i in range(self.config.count())
            ]
            if now != [(k, k in shown) for k in keys]:
                # rebuilt with each item's check set before it joins the list, so the
                # list emits no itemChanged (no half-updated set is written back)
                self.config.clear()
                for key in keys:
                    item = QListWidgetItem(key)
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                    item.setCheckState(
                        Qt.CheckState.Checked if key in shown else Qt.CheckState.Unchecked
                    )
                    self.config.addItem(item)

    def _all_config_keys(self) -> list[str]:
        keys: dict[str, None] = {}
        for run in self.table.runs.runs():
            keys.update(dict.fromkeys(self.table.runs.config_of(run.id)))
        return sorted(keys)

    def _on_config_item(self, _item: QListWidgetItem) -> None:
        checked = tuple(
            self.config.item(i).text()
            for i in range(self.config.count())
            if self.config.item(i).checkState() == Qt.CheckState.Checked
        )
        if list(checked) != self.table.config_keys():
            self.table.update(config_columns=checked)

    def add_chosen(self) -> None:
        stat = str(self.stat.currentData())
        arg = self.arg.value() if stat in ARGUMENT else None
        try:
            spec = spec_for(self.metric_box.currentText().strip(), stat, arg)
        except ValueError as exc:
            self.error.setText(str(exc))
            return
        self.error.setText("")
        self.table.add_summaries([spec.column])

    def add_typed(self) -> None:
        try:
            specs = parse_summary_option(self.typed.text())
        except ValueError as exc:
            self.error.setText(str(exc))
            return
        self.error.setText("")
        self.table.add_summaries(s.column for s in specs)
        self.typed.clear()

    def remove_selected(self) -> None:
        for item in self.summaries.selectedItems():
            self.table.remove_summary(item.text())
