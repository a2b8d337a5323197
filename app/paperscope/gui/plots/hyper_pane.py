"""A hyperparameter pane: parallel coordinates over config keys and summary columns, or a
scatter of a summary against a parameter, linked to the runs table and the plot panes.

The pane is a thin widget over a :class:`~paperscope.state.hyper.HyperState` (what the
controls set: the kind, the axes, the brushes, the scatter's columns, log axes and
groups); the runs are those the runs table keeps (its filter), read through its
:class:`~paperscope.state.runs_table.RunsTableState`. A brush writes the state; the
runs it keeps (:func:`~paperscope.state.hyper.brushed`, a pure function) become the
shared :class:`~paperscope.state.runs_table.RunSelection`, which the runs table and the
plot panes show, and the pane draws the selection made elsewhere too.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from paperscope.gui.flow_layout import FlowLayout
from paperscope.gui.plots.hyper_canvas import HyperCanvas
from paperscope.results.figure import OKABE_ITO
from paperscope.state.hyper import (
    Axis,
    HyperState,
    axis_data,
    axis_label,
    brush_from_positions,
    brushed,
    inside_rect,
)
from paperscope.state.runs_table import CONFIG, SUMMARY, RunSelection, RunsTableState

KIND_NAMES = {"parallel": "Parallel coordinates", "scatter": "Scatter"}
DEFAULT_AXES = 6


class HyperPane(QWidget):
    """Signals: ``close_requested()``, ``activated()``."""

    close_requested = Signal()
    activated = Signal()

    def __init__(
        self,
        state: HyperState,
        table: RunsTableState,
        selection: RunSelection,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.state, self.table, self.selection = state, table, selection
        self.origin = f"hyper-{id(self)}"
        self.run_ids: list[str] = []
        self.axes: dict[str, Axis] = {}
        self.kind_box = QComboBox()
        for key, text in KIND_NAMES.items():
            self.kind_box.addItem(text, key)
        self.axes_button = QToolButton()
        self.axes_button.setText("Axes…")
        self.axes_button.setToolTip("The config keys and summary columns shown as axes")
        self.axes_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.axes_menu = QMenu(self.axes_button)
        self.axes_menu.aboutToShow.connect(self._fill_axes_menu)
        self.axes_button.setMenu(self.axes_menu)
        self.x_box, self.y_box, self.group_box = QComboBox(), QComboBox(), QComboBox()
        for box, tip in (
            (self.x_box, "x: a parameter"),
            (self.y_box, "y: a summary"),
            (self.group_box, "colour groups (one trend line each)"),
        ):
            box.setToolTip(tip)
            box.setMinimumContentsLength(8)
            box.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
        self.logx_check, self.logy_check = QCheckBox("log x"), QCheckBox("log y")
        self.clear_button = QPushButton("Clear brushes")
        self.clear_button.clicked.connect(lambda: self.state.clear_brush())
        self.close_button = QToolButton()
        self.close_button.setText("×")
        self.close_button.setToolTip("Close this pane")
        self.close_button.clicked.connect(self.close_requested.emit)
        self.note = QLabel()
        self.note.setStyleSheet("color: #666")
        self.canvas = HyperCanvas()
        flow = FlowLayout(spacing=6)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(flow)
        for w in (
            self.kind_box,
            self.axes_button,
            self.x_box,
            self.y_box,
            self.group_box,
            self.logx_check,
            self.logy_check,
            self.clear_button,
            self.note,
            self.close_button,
        ):
            flow.addWidget(w)
        layout.addWidget(self.canvas, 1)
        # user → state
        s = self.state
        self.kind_box.currentIndexChanged.connect(
            lambda _i: s.update(kind=self.kind_box.currentData())
        )
        self.x_box.textActivated.connect(lambda _t: s.update(x=str(self.x_box.currentData())))
        self.y_box.textActivated.connect(lambda _t: s.update(y=str(self.y_box.currentData())))
        self.group_box.textActivated.connect(
            lambda _t: s.update(group_by=str(self.group_box.currentData()))
        )
        self.logx_check.toggled.connect(lambda on: s.update(log_x=on))
        self.logy_check.toggled.connect(lambda on: s.update(log_y=on))
        self.canvas.brush_dragged.connect(self._on_brush)
        self.canvas.axis_clicked.connect(self._on_axis_clicked)
        self.canvas.rect_dragged.connect(self._on_rect)
        # state → widgets
        self.state.changed.connect(self._on_state)
        self.table.changed.connect(self._on_table)
        runs = self.table.runs
        for cb in (runs.added, runs.updated, runs.removed, runs.colours_changed):
            cb.connect(self._on_runs)
        self.selection.changed.connect(self._on_selection)
        self.refresh()

    def dispose(self) -> None:
        self.state.changed.disconnect(self._on_state)
        self.table.changed.disconnect(self._on_table)
        runs = self.table.runs
        for cb in (runs.added, runs.updated, runs.removed, runs.colours_changed):
            cb.disconnect(self._on_runs)
        self.selection.changed.disconnect(self._on_selection)

    # -- the columns that can be axes ---------------------------------------------------
    def choices(self) -> list[str]:
        """Axis keys: config columns, summary columns and the pinned step's column."""
        keys = [CONFIG + k for k in self.table.runs.config_keys()]
        keys += [SUMMARY + c for c in self.table.value.summaries]
        return keys

    def axis_keys(self) -> list[str]:
        axes = list(self.state.value.axes)
        if not axes:  # until chosen: the summaries, then config keys that differ
            choices = self.choices()
            summaries = [k for k in choices if k.startswith(SUMMARY)]
            configs = [k for k in choices if k.startswith(CONFIG)]
            axes = configs[: max(DEFAULT_AXES - len(summaries), 2)] + summaries
        return axes

    def _fill_axes_menu(self) -> None:
        self.axes_menu.clear()
        shown = self.axis_keys()
        for key in dict.fromkeys([*shown, *self.choices()]):
            action = self.axes_menu.addAction(axis_label(key))
            action.setCheckable(True)
            action.setChecked(key in shown)
            action.toggled.connect(functools.partial(self.toggle_axis, key))
        if shown:
            self.axes_menu.addSeparator()
            move = self.axes_menu.addMenu("Move an axis left")
            for key in shown[1:]:
                move.addAction(axis_label(key), functools.partial(self._move, key, -1))

    def _move(self, key: str, by: int) -> None:
        if not self.state.value.axes:
            self.state.update(axes=tuple(self.axis_keys()))
        self.state.move_axis(key, by)

    def toggle_axis(self, key: str, on: bool) -> None:
        axes = [k for k in self.axis_keys() if k != key]
        if on:
            axes.append(key)
        self.state.update(axes=tuple(axes))

    # -- reacting --------------------------------------------------------------------
    def _on_state(self, fields: frozenset[str]) -> None:
        if fields <= {"brushes"}:  # a brush: the same axes, another selection
            self.selection.select(self.brushed_ids(), self.origin)
            self.draw()
            return
        self.refresh()
        if "brushes" in fields:
            self.selection.select(self.brushed_ids(), self.origin)

    def _on_table(self, fields: frozenset[str]) -> None:
        if fields & {"summaries", "filter_text", "name_regex", "config_columns", "pinned"}:
            self.refresh()

    def _on_runs(self, _ids: list[str]) -> None:
        self.refresh()

    def _on_selection(self, _fields: frozenset[str]) -> None:
        if self.selection.value.origin != self.origin:
            self.draw()

    # -- brushing --------------------------------------------------------------------
    def _on_brush(self, index: int, p0: float, p1: float) -> None:
        keys = self.axis_keys()
        if 0 <= index < len(keys) and keys[index] in self.axes:
            self.state.set_brush(brush_from_positions(self.axes[keys[index]], p0, p1))

    def _on_axis_clicked(self, index: int) -> None:
        keys = self.axis_keys()
        if 0 <= index < len(keys):
            self.state.clear_brush(keys[index])

    def _on_rect(self, x0: float, x1: float, y0: float, y1: float) -> None:
        v = self.state.value
        x, y = self.axes.get(v.x), self.axes.get(v.y)
        if x is None or y is None:
            return
        mask = inside_rect(x.values, y.values, (x0, x1, y0, y1), v.log_x, v.log_y)
        self.selection.select(
            [i for i, m in zip(self.run_ids, mask, strict=True) if m], self.origin
        )

    def brushed_ids(self) -> list[str]:
        """The runs the brushes keep (the pure rule over the axes drawn)."""
        mask = brushed(self.axes, self.state.value.brushes, len(self.run_ids))
        return [i for i, m in zip(self.run_ids, mask, strict=True) if m]

    # -- drawing ---------------------------------------------------------------------
    def _load(self) -> None:
        runs_state = self.table.runs
        self.run_ids = [i for i in self.table.order() if runs_state.run(i) is not None]
        runs = [r for r in map(runs_state.run, self.run_ids) if r is not None]
        v = self.state.value
        keys = list(dict.fromkeys([*self.axis_keys(), v.x, v.y, *(b.axis for b in v.brushes)]))
        self.axes = {k: axis_data(self.table, k, runs) for k in keys if k}

    def refresh(self) -> None:
        """Read the runs and the axes again, then draw."""
        self._load()
        self._show_controls()
        self.draw()

    def _show_controls(self) -> None:
        v = self.state.value
        self.kind_box.setCurrentIndex(max(0, self.kind_box.findData(v.kind)))
        scatter = v.kind == "scatter"
        for w in (self.x_box, self.y_box, self.group_box, self.logx_check, self.logy_check):
            w.setVisible(scatter)
        self.axes_button.setVisible(not scatter)
        self.clear_button.setVisible(not scatter)
        choices = self.choices()
        _set_items(self.x_box, choices, v.x)
        _set_items(self.y_box, choices, v.y)
        _set_items(
            self.group_box,
            ["", *[k for k in choices if k.startswith(CONFIG)]],
            v.group_by,
            "no groups",
        )
        self.logx_check.setChecked(v.log_x)
        self.logy_check.setChecked(v.log_y)

    def draw(self) -> None:
        v = self.state.value
        ids = set(self.selection.value.ids)
        selected = np.asarray([i in ids for i in self.run_ids], dtype=bool)
        colours = [self.table.runs.colour(i) for i in self.run_ids]
        if v.kind == "parallel":
            axes = [self.axes[k] for k in self.axis_keys() if k in self.axes]
            self.canvas.draw_parallel(axes, colours, selected, v)
        else:
            x, y = self.axes.get(v.x), self.axes.get(v.y)
            if x is None or y is None:
                self.canvas.plot.clear()
                self.canvas.plot.setTitle("Choose x (a parameter) and y (a summary)", size="9pt")
                self.note.setText("")
                return
            self.canvas.draw_scatter(x, y, self._groups(colours), selected, v)
        self.note.setText(f"{int(selected.sum())} of {len(self.run_ids)} runs selected")

    def _groups(self, colours: list[str]) -> list[tuple[str, str, np.ndarray]]:
        key = self.state.value.group_by
        n = len(self.run_ids)
        if not key:
            return [("", OKABE_ITO[0], np.ones(n, dtype=bool))]
        axis = self.axes.get(key)
        if axis is None:
            return [("", OKABE_ITO[0], np.ones(n, dtype=bool))]
        values = axis.values
        labels = (
            axis.categories
            if axis.categories is not None
            else [f"{u:g}" for u in np.unique(values[np.isfinite(values)])]
        )
        codes = (
            list(range(len(labels)))
            if axis.categories is not None
            else list(np.unique(values[np.isfinite(values)]))
        )
        out = [
            (f"{axis_label(key)}={label}", OKABE_ITO[k % len(OKABE_ITO)], values == code)
            for k, (label, code) in enumerate(zip(labels, codes, strict=True))
        ]
        missing = ~np.isfinite(values)
        if missing.any():
            out.append((f"{axis_label(key)} missing", "#999999", missing))
        return out

    def mousePressEvent(self, event: Any) -> None:
        self.activated.emit()
        super().mousePressEvent(event)


def _set_items(box: QComboBox, keys: list[str], current: str, empty: str = "") -> None:
    want = [(axis_label(k) if k else empty, k) for k in keys]
    if current and current not in keys:
        want.append((axis_label(current), current))
    have = [(box.itemText(i), box.itemData(i)) for i in range(box.count())]
    if have != want:
        box.clear()
        for text, key in want:
            box.addItem(text, key)
    box.setCurrentIndex(box.findData(current) if current or empty else -1)
