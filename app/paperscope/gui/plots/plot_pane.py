"""A plot pane: one metric of a set of runs, smoothed, optionally grouped into bands.

The numbers come from :func:`paperscope.workflows.plots.compute_plot` (the same verb the
CLI and the publication export use); this module only draws them with pyqtgraph.
Large curves are decimated per pixel column (peak mode) and clipped to the view, so a
million points per curve still pans smoothly. Group statistics (and very large
ungrouped sets) are computed through the task runner, never on the UI thread.

pyqtgraph is imported when the pane first draws, not at start-up (~0.15 s).
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QEvent, QMimeData, QObject, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QMouseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from paperscope.core.records import Run
from paperscope.core.tasks import CancelToken, Progress, no_progress
from paperscope.gui.plots.decimate import Merged, Pyramid
from paperscope.gui.plots.metric_list import METRIC_MIME
from paperscope.gui.plots.runs_panel import RUNS_MIME, RunsModel
from paperscope.results.align import BANDS, Curve, GroupCurve, x_label
from paperscope.results.figure import OKABE_ITO
from paperscope.results.smoothing import DEFAULT_WEIGHT
from paperscope.results.view import Readout, robust_range, values_at
from paperscope.workflows.plots import PlotData, PlotError, PlotSpec, compute_plot, metric_names

if TYPE_CHECKING:
    import pyqtgraph as pg

    from paperscope.gui.task_runner import TaskRunner

PALETTE = OKABE_ITO
SLIDER_STEPS = 1000  # smoothing slider: 0 … 0.999 in steps of 0.001
ASYNC_POINTS = 2_000_000  # ungrouped sets larger than this are smoothed off the UI thread
MAX_LEGEND = 20
MAX_RAW = 40  # more curves than this: no faint raw lines behind them
MERGE_ABOVE = 40  # more run curves than this: one item per colour (see _draw_merged)
DECIMATE_ABOVE = 20_000  # curves longer than this are drawn from a min/max pyramid
MAX_READOUT = 12
GROUP_MODES = {"none": "No groups", "config": "Config key", "regex": "Name regex",
               "selection": "Selection"}  # fmt: skip
BAND_NAMES = {"std": "± std", "sem": "± SEM", "minmax": "min–max", "ci95": "95% bootstrap CI",
              "none": "no band"}  # fmt: skip


def _alpha(colour: str, alpha: int) -> tuple[int, int, int, int]:
    c = colour.lstrip("#")
    return (int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16), alpha)


def compute_pane(
    runs: Sequence[Run],
    spec: PlotSpec,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> tuple[PlotData, dict[int, Pyramid]]:
    """:func:`compute_plot`, plus the min/max pyramids of the long curves (keyed by
    ``id`` of the array they decimate), so a worker thread builds them too."""
    data = compute_plot(runs, spec, progress, cancel)
    pyramids: dict[int, Pyramid] = {}
    many = len(data.curves) > MERGE_ABOVE  # then every smoothed curve gets a pyramid
    for c in data.curves:
        for arr in (c.y, c.raw):
            if len(arr) > DECIMATE_ABOVE or (many and arr is c.y):
                if cancel is not None:
                    cancel.check()
                pyramids[id(arr)] = Pyramid(c.x, arr)
    for g in data.groups:  # group lines too (a band is cheap: see band_envelope)
        for arr in (g.center, g.raw_center):
            if len(arr) > DECIMATE_ABOVE:
                if cancel is not None:
                    cancel.check()
                pyramids[id(arr)] = Pyramid(g.x, arr)
    return data, pyramids


BAND_BLOCKS = 4096  # a long band is drawn as the envelope of this many blocks


def band_envelope(
    x: np.ndarray, lower: np.ndarray, upper: np.ndarray, blocks: int = BAND_BLOCKS
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A band of ``n`` points as ``blocks`` blocks: each block's first x, the min of its
    lower and the max of its upper edge (NaN skipped), then the true last point. The
    filled polygon of a million-point band costs ~10 s to build in Qt; the envelope
    hides nothing (every value lies inside it) and costs milliseconds."""
    n = len(x)
    if n <= 2 * blocks:
        return x, lower, upper
    step = -(-n // blocks)
    starts = np.arange(0, n, step)
    with np.errstate(all="ignore"):
        lo = np.fmin.reduceat(np.asarray(lower, dtype=np.float64), starts)
        hi = np.fmax.reduceat(np.asarray(upper, dtype=np.float64), starts)
    return (np.append(x[starts], x[-1]), np.append(lo, lower[-1]), np.append(hi, upper[-1]))


class PlotPane(QWidget):
    """Shows one metric of the runs given to it (those visible in the runs panel).

    Signals
    -------
    metric_changed(str), plotted() after each draw, activated() on a click or focus,
    files_dropped(list of Path), runs_dropped(list of ids),
    split_requested(Qt.Orientation), close_requested(), publication_requested()
    """

    metric_changed = Signal(str)
    plotted = Signal()
    activated = Signal()
    files_dropped = Signal(list)
    split_requested = Signal(object)
    close_requested = Signal()
    publication_requested = Signal()

    def __init__(
        self,
        catalog: RunsModel | None = None,
        runner: TaskRunner | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.catalog = catalog if catalog is not None else RunsModel(self)
        self.runner = runner
        self._run_ids: list[str] = []
        self._groups: dict[str, list[str]] = {}
        self.data: PlotData | None = None
        self._drawn: dict[str, tuple[Any, Curve | GroupCurve]] = {}
        self._task: Any = None
        self.readout: list[Readout] = []
        self.plot: pg.PlotWidget | None = None
        self.legend: pg.LegendItem | None = None
        self._vline: pg.InfiniteLine | None = None
        self._label: pg.TextItem | None = None
        self._proxy: Any = None
        self._wall_axis = False
        self._decimated: list[tuple[Any, Pyramid | Merged]] = []
        self._pyramids: dict[int, Pyramid] = {}
        self._updating = False
        self._fit_key: tuple[Any, ...] | None = None
        self._schedule_timer = QTimer(self, singleShot=True, interval=30)
        self._schedule_timer.timeout.connect(self.refresh)
        self._build_controls()
        self.catalog.visibility_changed.connect(self._on_catalog_changed)
        self.catalog.runs_renamed.connect(self._on_catalog_changed)
        self.catalog.colours_changed.connect(self._redraw_last)
        self.catalog.runs_updated.connect(self._on_runs_updated)
        self.catalog.runs_removed.connect(self.remove_run_ids)
        self._update_empty()

    # -- construction ----------------------------------------------------------------
    def _build_controls(self) -> None:
        self.metric_box = QComboBox()
        self.metric_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.metric_box.currentTextChanged.connect(self._on_metric_changed)
        self.x_box = QComboBox()
        self.x_box.addItems(["step", "wall", "relative"])
        self.x_box.setToolTip(
            "x axis: step, wall time, time since the run's first point, or a series"
        )
        self.x_box.currentTextChanged.connect(self._schedule)
        self.smoothing = QSlider(Qt.Orientation.Horizontal)
        self.smoothing.setRange(0, SLIDER_STEPS - 1)
        self.smoothing.setValue(round(DEFAULT_WEIGHT * SLIDER_STEPS))

        self.smoothing.setToolTip("Smoothing: TensorBoard's debiased EMA on every point")
        self.smoothing.valueChanged.connect(self._on_smoothing)
        self.smoothing_label = QLabel()
        self.smoothing_label.setMinimumWidth(34)
        self.mode_box = QComboBox()
        self.mode_box.addItem("EMA", "ema")
        self.mode_box.addItem("time-weighted", "time")
        self.mode_box.currentIndexChanged.connect(self._schedule)
        self.raw_check = QCheckBox("raw")
        self.raw_check.setChecked(True)
        self.raw_check.setToolTip("Draw the raw curve faint behind the smoothed one")
        self.raw_check.toggled.connect(self._redraw_last)
        self.menu_button = QToolButton()
        self.menu_button.setText("⋮")
        self.menu_button.setToolTip("Axes (log x/y, robust range), split, close, export")
        self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.menu_button)
        menu.addAction(
            "Split left | right", lambda: self.split_requested.emit(Qt.Orientation.Horizontal)
        )
        menu.addAction(
            "Split top / bottom", lambda: self.split_requested.emit(Qt.Orientation.Vertical)
        )
        menu.addAction("Close pane", self.close_requested.emit)
        menu.addSeparator()
        # axis options live in the menu so a split pane stays narrow; they are
        # checkable actions (isChecked/setChecked/toggled like check boxes)
        self.logx_check = menu.addAction("Log x")
        self.logy_check = menu.addAction("Log y")
        self.robust_check = menu.addAction("Robust y range (ignore outliers)")
        self.robust_check.setToolTip("Auto-range y on the 1st–99th percentiles (ignore spikes)")
        for action in (self.logx_check, self.logy_check, self.robust_check):
            action.setCheckable(True)
        self.logx_check.toggled.connect(self._apply_log)
        self.logy_check.toggled.connect(self._apply_log)
        self.robust_check.toggled.connect(self.auto_range)
        menu.addAction("Auto range", self.auto_range)
        self.grid_action = menu.addAction("Grid lines")
        self.grid_action.setCheckable(True)
        self.grid_action.setToolTip("Grid lines (slower panning on long curves)")
        self.grid_action.toggled.connect(
            lambda on: self.plot.showGrid(x=on, y=on, alpha=0.25) if self.plot else None
        )
        menu.addAction("Publication figure…", self.publication_requested.emit)
        self.menu_button.setMenu(menu)

        self.group_box = QComboBox()
        for key, text in GROUP_MODES.items():
            self.group_box.addItem(text, key)
        self.group_box.currentIndexChanged.connect(self._on_group_mode)
        self.group_key = QComboBox()
        self.group_key.setEditable(True)

        self.group_key.setToolTip("Config key (dotted for nested) to group runs by")
        self.group_key.currentTextChanged.connect(self._schedule_if_grouped)
        self.group_regex = QLineEdit()
        self.group_regex.setPlaceholderText(r"regex, e.g. (.*)_seed\d+")
        self.group_regex.textChanged.connect(self._schedule_if_grouped)
        self.center_box = QComboBox()
        self.center_box.addItems(["mean", "median"])
        self.center_box.currentTextChanged.connect(self._schedule_if_grouped)
        self.band_box = QComboBox()
        for band in BANDS:
            self.band_box.addItem(BAND_NAMES[band], band)
        self.band_box.currentIndexChanged.connect(self._schedule_if_grouped)
        self.min_runs = QSpinBox()
        self.min_runs.setRange(1, 999)
        self.min_runs.setValue(2)
        self.min_runs.setPrefix("k≥")
        self.min_runs.setToolTip("End a group's line where fewer than k runs remain")
        self.min_runs.valueChanged.connect(self._schedule_if_grouped)

        # combo boxes shrink with the pane (split panes get narrow); full text in the popup
        for box, chars in ((self.metric_box, 8), (self.x_box, 4), (self.mode_box, 4),
                           (self.group_box, 5), (self.group_key, 5), (self.center_box, 4),
                           (self.band_box, 4)):  # fmt: skip
            box.setMinimumContentsLength(chars)
            box.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
        self.group_regex.setMinimumWidth(50)
        self.smoothing.setMinimumWidth(50)
        row1 = QHBoxLayout()
        row1.setSpacing(4)
        row1.addWidget(self.metric_box, 3)
        row1.addWidget(QLabel("x"))
        row1.addWidget(self.x_box, 1)
        row1.addWidget(self.smoothing, 2)
        row1.addWidget(self.smoothing_label)
        row1.addWidget(self.mode_box)
        row1.addWidget(self.raw_check)
        row1.addWidget(self.menu_button)
        row2 = QHBoxLayout()
        row2.setSpacing(4)
        row2.addWidget(self.group_box)
        row2.addWidget(self.group_key, 2)
        row2.addWidget(self.group_regex, 2)
        row2.addWidget(self.center_box)
        row2.addWidget(self.band_box)
        row2.addWidget(self.min_runs)
        self.note = QLabel()
        self.note.setStyleSheet("color: #666")
        self.note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        row2.addWidget(self.note, 3)
        self.empty_label = QLabel(
            "Drop TensorBoard, CSV, MLflow or Sacred logs here, or use File → Open runs…\n"
            "Drag a metric or runs from the lists to show them in this pane."
        )
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.stack = QStackedWidget()
        self.stack.setObjectName("plotstack")
        self.stack.addWidget(self.empty_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        layout.addLayout(row1)
        layout.addLayout(row2)
        layout.addWidget(self.stack, 1)
        self._on_smoothing(self.smoothing.value(), schedule=False)
        self._on_group_mode(schedule=False)
        for child in self.findChildren(QWidget):
            child.installEventFilter(self)
        self.set_highlighted(False)

    def _ensure_plot(self) -> pg.PlotWidget:
        if self.plot is None:
            import pyqtgraph as pg

            from paperscope.gui.theme import style_plot

            self.plot = pg.PlotWidget()
            style_plot(self.plot)
            # drops go to the pane, not to the graphics view
            self.plot.setAcceptDrops(False)
            self.plot.viewport().setAcceptDrops(False)
            # no grid by default: pyqtgraph's grid lines cost ~15 ms a frame (View menu)
            self.plot.showGrid(x=self.grid_action.isChecked(), y=self.grid_action.isChecked(),
                               alpha=0.25)  # fmt: skip
            self.legend = self.plot.addLegend(
                offset=(-10, 10), labelTextSize="8pt", labelTextColor="#333",
                brush=pg.mkBrush(255, 255, 255, 200),
            )  # fmt: skip
            self._vline = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#888", width=1))
            self._label = pg.TextItem(
                anchor=(0, 0), color="#222", fill=pg.mkBrush(255, 255, 255, 225),
                border=pg.mkPen("#bbb"),
            )  # fmt: skip
            self._proxy = pg.SignalProxy(
                self.plot.scene().sigMouseMoved, rateLimit=30, slot=self._on_mouse_moved
            )
            self.plot.viewport().installEventFilter(self)
            vb = self.plot.getPlotItem().getViewBox()
            vb.sigXRangeChanged.connect(self._update_decimated)
            vb.sigResized.connect(self._update_decimated)
            self.stack.addWidget(self.plot)
        return self.plot

    # -- API: runs -------------------------------------------------------------------
    def run_ids(self) -> list[str]:
        return list(self._run_ids)

    def runs(self) -> list[Run]:
        """The pane's runs that are visible in the runs panel."""
        out = []
        for rid in self._run_ids:
            run = self.catalog.run(rid)
            if run is not None and self.catalog.is_visible(rid):
                out.append(run)
        return out

    def add_runs(self, runs: Sequence[Run]) -> None:
        """Show ``runs`` here (added to the catalogue when they are not in it)."""
        missing = [r for r in runs if self.catalog.run(r.id) is None]
        if missing:
            self.catalog.add_runs(missing)
        self.add_run_ids([r.id for r in runs])

    def add_run_ids(self, ids: Iterable[str]) -> None:
        new = [i for i in ids if i not in self._run_ids and self.catalog.run(i) is not None]
        self._run_ids.extend(new)
        self._refresh_choices()
        self.refresh()  # also when nothing is new: reloaded runs carry new points

    def remove_run_ids(self, ids: Iterable[str]) -> None:
        drop = set(ids)
        self._run_ids = [i for i in self._run_ids if i not in drop]
        self._refresh_choices()
        self.refresh()

    def clear_runs(self) -> None:
        self._run_ids.clear()
        self._refresh_choices()
        self.refresh()

    # -- API: settings ---------------------------------------------------------------
    def metric(self, *device_metric: Any) -> Any:
        """The metric shown (a tag). With an argument this is ``QWidget.metric``, the
        paint-device query Qt calls while painting, which this name shadows."""
        if device_metric:
            return super().metric(*device_metric)
        return self.metric_box.currentText()

    def set_metric(self, name: str) -> None:
        if self.metric_box.findText(name) < 0:
            self.metric_box.addItem(name)
        self.metric_box.setCurrentText(name)

    def smoothing_weight(self) -> float:
        return self.smoothing.value() / SLIDER_STEPS

    def set_smoothing(self, weight: float) -> None:
        self.smoothing.setValue(round(min(max(weight, 0.0), 0.999) * SLIDER_STEPS))

    def set_x(self, x: str) -> None:
        if self.x_box.findText(x) < 0:
            self.x_box.addItem(x)
        self.x_box.setCurrentText(x)

    def set_grouping(
        self,
        mode: str,
        key: str = "",
        regex: str = "",
        groups: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        """``mode``: none | config (``key``) | regex (``regex``) | selection (``groups``)."""
        if mode not in GROUP_MODES:
            raise ValueError(f"unknown grouping {mode!r}")
        self._block(True)
        if key:
            self.group_key.setCurrentText(key)
        if regex:
            self.group_regex.setText(regex)
        if groups is not None:
            self._groups = {k: list(v) for k, v in groups.items()}
        self.group_box.setCurrentIndex(self.group_box.findData(mode))
        self._block(False)
        self._on_group_mode()

    def group_selection(self, ids: Sequence[str], label: str | None = None) -> None:
        """Add the runs ``ids`` as one group (and show them here)."""
        if not ids:
            return
        new = [i for i in ids if i not in self._run_ids and self.catalog.run(i) is not None]
        if new:
            self._run_ids.extend(new)
            self._refresh_choices()
        # a run belongs to one group: the new group takes it from the others
        groups = {k: [r for r in v if r not in ids] for k, v in self._groups.items()}
        groups = {k: v for k, v in groups.items() if v}
        label = label or f"group {len(groups) + 1}"
        groups[label] = list(ids)
        self.set_grouping("selection", groups=groups)

    def set_band(self, band: str, center: str | None = None, min_runs: int | None = None) -> None:
        self._block(True)
        self.band_box.setCurrentIndex(self.band_box.findData(band))
        if center is not None:
            self.center_box.setCurrentText(center)
        if min_runs is not None:
            self.min_runs.setValue(min_runs)
        self._block(False)
        self._schedule_if_grouped()

    def set_log(self, x: bool | None = None, y: bool | None = None) -> None:
        if x is not None:
            self.logx_check.setChecked(x)
        if y is not None:
            self.logy_check.setChecked(y)

    def grouping(self) -> str:
        return str(self.group_box.currentData())

    def spec(self) -> PlotSpec:
        mode = self.grouping()
        return PlotSpec(
            metric=self.metric(),
            x=self.x_box.currentText() or "step",
            smoothing=self.smoothing_weight(),
            smoothing_mode=self.mode_box.currentData(),
            group_by=self.group_key.currentText().strip() or None if mode == "config" else None,
            group_regex=self.group_regex.text() or None if mode == "regex" else None,
            groups=self._visible_groups() if mode == "selection" else None,
            center=self.center_box.currentText(),  # type: ignore[arg-type]
            band=self.band_box.currentData(),
            min_runs=self.min_runs.value(),
        )

    def _visible_groups(self) -> dict[str, list[str]] | None:
        shown = {r.id for r in self.runs()}
        groups = {k: [r for r in v if r in shown] for k, v in self._groups.items()}
        return {k: v for k, v in groups.items() if v} or None

    # -- API: what is drawn ----------------------------------------------------------
    def curves(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """What is drawn: label → (x, y) of each run's smoothed curve and each group's
        centre line."""
        out = {}
        for label, (_item, c) in self._drawn.items():
            y = c.center if isinstance(c, GroupCurve) else c.y
            out[label] = (np.asarray(c.x), np.asarray(y))
        return out

    def drawn(self) -> list[Curve | GroupCurve]:
        return [c for _item, c in self._drawn.values()]

    def items(self) -> dict[str, Any]:
        """label → the pyqtgraph item of its (smoothed) line."""
        return {label: item for label, (item, _c) in self._drawn.items()}

    # -- computing -------------------------------------------------------------------
    def _schedule(self, *_args: object) -> None:
        self._schedule_timer.start()

    def _schedule_if_grouped(self, *_args: object) -> None:
        if self.grouping() != "none":
            self._schedule()

    def refresh(self) -> None:
        """Recompute and redraw now (grouped sets: through the task runner)."""
        self._schedule_timer.stop()
        runs = self.runs()
        self._update_empty()
        if not runs or not self.metric():
            self._draw(None)
            return
        spec = self.spec()
        if self.runner is not None and self._task is not None:
            self.runner.cancel(self._task.id)
            self._task = None
        points = sum(len(r.series[spec.metric]) for r in runs if spec.metric in r.series)
        if self.runner is not None and (spec.grouped or points > ASYNC_POINTS):
            self.note.setText("computing…")
            self._task = self.runner.submit(
                compute_pane, runs, spec,
                title=f"Plotting {spec.metric}", key=f"plot-pane-{id(self)}",
                on_result=self._on_result, on_error=self._on_error,
            )  # fmt: skip
            return
        try:
            data, pyramids = compute_pane(runs, spec)
        except PlotError as exc:
            self._on_error(str(exc), "")
            return
        self._draw(data, pyramids)

    def _on_result(self, result: tuple[PlotData, dict[int, Pyramid]]) -> None:
        self._task = None
        self._draw(*result)

    def _on_error(self, message: str, _details: str) -> None:
        self._task = None
        self._draw(None)
        self.note.setText(message.removeprefix("PlotError: "))
        self.plotted.emit()

    # -- drawing ---------------------------------------------------------------------
    def _redraw_last(self, *_args: object) -> None:
        if self.data is not None:
            self._draw(self.data, self._pyramids)

    def _draw(self, data: PlotData | None, pyramids: dict[int, Pyramid] | None = None) -> None:
        self.data = data
        self._pyramids = pyramids or {}
        self._drawn.clear()
        self._decimated.clear()
        self.readout = []
        if self.plot is None and data is None:
            return
        import pyqtgraph as pg

        plot = self._ensure_plot()
        plot.clear()
        if self.legend is not None:
            self.legend.clear()
        assert self._vline is not None and self._label is not None
        plot.addItem(self._vline, ignoreBounds=True)
        plot.addItem(self._label, ignoreBounds=True)
        self._vline.hide()
        self._label.hide()
        if data is None:
            self._fit_key = None
            plot.setTitle(None)
            self.note.setText("")
            self.plotted.emit()
            return
        spec = data.spec
        self._set_x_axis(spec.x)
        n_lines = len(data.curves) + len(data.groups)
        # raw lines behind many curves are noise, and double the items to draw
        show_raw = self.raw_check.isChecked() and spec.smoothing > 0 and n_lines <= MAX_RAW
        # 1-pixel (cosmetic) pens: Qt's fast line drawing; wider pens go through the
        # stroker and cost ~10x per frame on long curves
        width = 1.0
        for k, g in enumerate(data.groups):
            colour = PALETTE[k % len(PALETTE)]
            bx, blo, bhi = band_envelope(np.asarray(g.x), np.asarray(g.lower),
                                         np.asarray(g.upper))  # fmt: skip
            lo = pg.PlotCurveItem(bx, blo, pen=pg.mkPen(None))
            hi = pg.PlotCurveItem(bx, bhi, pen=pg.mkPen(None))
            band = pg.FillBetweenItem(lo, hi, brush=pg.mkBrush(*_alpha(colour, 60)))
            for item in (lo, hi, band):
                plot.addItem(item)
            if show_raw:
                self._line(plot, g.x, g.raw_center, pg.mkPen(_alpha(colour, 70), width=1))
            label = f"{g.label} (n={len(g.run_ids)})"
            item = self._line(plot, g.x, g.center, pg.mkPen(colour, width=2.0), label)
            self._drawn[g.label] = (item, g)
        if len(data.curves) > MERGE_ABOVE:
            self._draw_merged(plot, data.curves)
        for c in data.curves if len(data.curves) <= MERGE_ABOVE else ():
            colour = self.catalog.colour(c.run_id) if self.catalog.run(c.run_id) else PALETTE[0]
            if show_raw:
                self._line(plot, c.x, c.raw, pg.mkPen(_alpha(colour, 60), width=1))
            name = c.label if len(self._drawn) < MAX_LEGEND else None
            item = self._line(plot, c.x, c.y, pg.mkPen(colour, width=width), name)
            self._drawn[c.label] = (item, c)
        plot.setTitle(None)  # the metric box names it; exports add the title
        plot.setLabel("bottom", x_label(spec.x))
        # fit the view to a new drawing (other metric, x axis, runs or groups), not to
        # new points or another smoothing of the same one: a user's zoom survives a
        # watched run's updates and the smoothing slider (an un-zoomed view still
        # follows the data: pyqtgraph's auto range)
        key = (spec.metric, spec.x, tuple(sorted(c.run_id for c in data.curves)),
               tuple((g.label, g.run_ids) for g in data.groups))  # fmt: skip
        if key != self._fit_key:
            self._fit_key = key
            self._apply_log()
        else:
            plot.setLogMode(x=self.logx_check.isChecked(), y=self.logy_check.isChecked())
        notes = []
        if data.groups:
            k = len(data.groups)
            notes.append(f"{k} group{'s' if k != 1 else ''}")
        skipped = len(data.issues)
        if skipped:
            notes.append(f"{skipped} run{'s' if skipped != 1 else ''} without {spec.metric!r}")
        self.note.setText("; ".join(notes))
        self.note.setToolTip("\n".join(str(i) for i in data.issues))
        self.plotted.emit()

    def _line(self, plot: pg.PlotWidget, x: Any, y: Any, pen: Any, name: str | None = None) -> Any:
        """A line item: long curves are drawn from a min/max pyramid (one block per
        pixel column, :mod:`.decimate`), short ones by pyqtgraph with peak downsampling
        and clip-to-view."""
        import pyqtgraph as pg

        if len(x) > DECIMATE_ABOVE:
            pyramid = self._pyramids.get(id(y)) or Pyramid(x, y)
            width = max(int(plot.getPlotItem().getViewBox().width()), 100)
            item = pg.PlotDataItem(*pyramid.view(float(x[0]), float(x[-1]), width), pen=pen,
                                   name=name)  # fmt: skip
            plot.addItem(item)
            self._decimated.append((item, pyramid))
            return item
        item = pg.PlotDataItem(x, y, pen=pen, name=name)
        plot.addItem(item)  # before clip-to-view: that asks the item's view box
        item.setDownsampling(auto=True, method="peak")
        item.setClipToView(True)
        return item

    def _draw_merged(self, plot: pg.PlotWidget, curves: Sequence[Curve]) -> None:
        """Many runs: one item per colour (runs of a colour joined by NaN gaps), each
        run decimated by its own pyramid; legend entries for the first runs."""
        import pyqtgraph as pg

        by_colour: dict[str, list[Curve]] = {}
        for c in curves:
            colour = self.catalog.colour(c.run_id) if self.catalog.run(c.run_id) else PALETTE[0]
            by_colour.setdefault(colour, []).append(c)
        width = max(int(plot.getPlotItem().getViewBox().width()), 100)
        x0 = min(float(c.x[0]) for c in curves if len(c))
        x1 = max(float(c.x[-1]) for c in curves if len(c))
        for colour, members in by_colour.items():
            merged = Merged([self._pyramids.get(id(c.y)) or Pyramid(c.x, c.y) for c in members])
            pen = pg.mkPen(colour, width=1)
            item = pg.PlotDataItem(*merged.view(x0, x1, width), pen=pen, connect="finite")
            plot.addItem(item)
            self._decimated.append((item, merged))
            for c in members:
                self._drawn[c.label] = (item, c)
        if self.legend is not None:
            for c in curves[:MAX_LEGEND]:
                self.legend.addItem(self._drawn[c.label][0], c.label)

    def _update_decimated(self, *_args: object) -> None:
        """The view moved: give each long curve the blocks of its visible range."""
        if not self._decimated or self.plot is None or self._updating:
            return
        vb = self.plot.getPlotItem().getViewBox()
        (x0, x1), _ = vb.viewRange()
        if self.logx_check.isChecked():
            x0, x1 = 10.0**x0, 10.0**x1
        width = max(int(vb.width()), 100)
        self._updating = True
        try:
            for item, pyramid in self._decimated:
                item.setData(*pyramid.view(x0, x1, width))
        finally:
            self._updating = False

    def _set_x_axis(self, x: str) -> None:
        import pyqtgraph as pg

        assert self.plot is not None
        wall = x == "wall"
        if wall != self._wall_axis:
            axis = pg.DateAxisItem(orientation="bottom") if wall else pg.AxisItem("bottom")
            self.plot.setAxisItems({"bottom": axis})
            self._wall_axis = wall

    def _apply_log(self, *_args: object) -> None:
        if self.plot is None:
            return
        logx, logy = self.logx_check.isChecked(), self.logy_check.isChecked()
        self.plot.setLogMode(x=logx, y=logy)
        self.auto_range()

    def auto_range(self, *_args: object) -> None:
        """Fit the view to the data; with "robust y" the y range ignores outliers."""
        if self.plot is None:
            return
        vb = self.plot.getPlotItem().getViewBox()
        vb.enableAutoRange(x=True, y=True)
        if not self.robust_check.isChecked():
            return
        arrays = []
        for _item, c in self._drawn.values():
            if isinstance(c, GroupCurve):
                arrays += [c.center, c.lower, c.upper]
            else:
                arrays.append(c.y)
        if self.logy_check.isChecked():
            arrays = [np.log10(a[a > 0]) for a in arrays]
        r = robust_range(arrays)
        if r is not None:
            vb.setYRange(r[0], r[1], padding=0)

    # -- crosshair -------------------------------------------------------------------
    def _on_mouse_moved(self, event: Sequence[QPointF]) -> None:
        if self.plot is None:
            return
        pos = event[0]
        vb = self.plot.getPlotItem().getViewBox()
        if not vb.sceneBoundingRect().contains(pos):
            assert self._vline is not None and self._label is not None
            self._vline.hide()
            self._label.hide()
            return
        p = vb.mapSceneToView(pos)
        self.show_readout_at(p.x(), p.y(), view_coordinates=True)

    def show_readout_at(
        self, x: float, y: float | None = None, view_coordinates: bool = False
    ) -> list[Readout]:
        """Put the crosshair at ``x`` and list each visible curve's value there, nearest
        to ``y`` first. ``view_coordinates``: x/y are log10 values on log axes."""
        if self.plot is None or self._vline is None or self._label is None:
            return []
        vx = x
        logx, logy = self.logx_check.isChecked(), self.logy_check.isChecked()
        if view_coordinates:
            x = 10**x if logx else x
            y = None if y is None else (10**y if logy else y)
        else:
            vx = math.log10(x) if logx and x > 0 else x
        curves = [c for item, c in self._drawn.values() if item.isVisible()]
        self.readout = values_at(curves, x, y)
        self._vline.setPos(vx)
        self._vline.show()
        colours = {
            label: item.opts["pen"].color().name() for label, (item, _c) in self._drawn.items()
        }
        lines = [f"<b>x = {self.readout[0].x:.6g}</b>" if self.readout else f"x = {x:.6g}"]
        for r in self.readout[:MAX_READOUT]:
            n = f" (n={r.n})" if r.n > 1 else ""
            lines.append(
                f'<span style="color:{colours.get(r.label, "#000")}">■</span> '
                f"{html.escape(r.label)}: {r.y:.6g}{n}"
            )
        if len(self.readout) > MAX_READOUT:
            lines.append(f"… {len(self.readout) - MAX_READOUT} more")
        self._label.setHtml('<div style="font-size:8pt">' + "<br>".join(lines) + "</div>")
        vb = self.plot.getPlotItem().getViewBox()
        (x0, x1), (_y0, y1) = vb.viewRange()
        # keep the label inside the view: left of the line on the right half
        self._label.setAnchor((1, 0) if vx > (x0 + x1) / 2 else (0, 0))
        self._label.setPos(vx, y1)
        self._label.show()
        return self.readout

    def readout_text(self) -> str:
        return "\n".join(f"{r.label}: {r.y:.6g}" for r in self.readout)

    # -- internals -------------------------------------------------------------------
    def _block(self, on: bool) -> None:
        for w in (self.group_box, self.group_key, self.group_regex, self.center_box,
                  self.band_box, self.min_runs):  # fmt: skip
            w.blockSignals(on)

    def _on_smoothing(self, value: int, schedule: bool = True) -> None:
        self.smoothing_label.setText(f"{value / SLIDER_STEPS:.3f}".rstrip("0").rstrip(".") or "0")
        if schedule:
            self._schedule()

    def _on_group_mode(self, *_args: object, schedule: bool = True) -> None:
        mode = self.grouping()
        self.group_key.setVisible(mode == "config")
        self.group_regex.setVisible(mode == "regex")
        grouped = mode != "none"
        for w in (self.center_box, self.band_box, self.min_runs):
            w.setEnabled(grouped)
        if schedule:
            self._schedule()

    def _on_metric_changed(self, name: str) -> None:
        self.refresh()
        self.metric_changed.emit(name)

    def _on_runs_updated(self, ids: list[str]) -> None:
        """New data for some runs (a watched folder): redraw when this pane shows one."""
        mine = set(self._run_ids)
        if any(i in mine for i in ids):
            self._refresh_choices()
            self._schedule()

    def _on_catalog_changed(self) -> None:
        if self._run_ids:
            self._refresh_choices()
            self._schedule()

    def _refresh_choices(self) -> None:
        runs = [r for r in (self.catalog.run(i) for i in self._run_ids) if r is not None]
        names = metric_names(runs)
        current = self.metric_box.currentText()
        tags = [t for t, _ in sorted(names, key=lambda tc: (-tc[1], tc[0]))]
        self.metric_box.blockSignals(True)
        self.metric_box.clear()
        self.metric_box.addItems(tags)
        if current and current not in tags:
            self.metric_box.addItem(current)
        if current:
            self.metric_box.setCurrentText(current)
        self.metric_box.blockSignals(False)
        if not current and tags:
            self.metric_box.setCurrentIndex(0)
            self.metric_changed.emit(tags[0])
        x = self.x_box.currentText()
        self.x_box.blockSignals(True)
        self.x_box.clear()
        self.x_box.addItems(["step", "wall", "relative", *sorted(t for t, _ in names)])
        self.x_box.setCurrentText(x or "step")
        self.x_box.blockSignals(False)
        key = self.group_key.currentText()
        self.group_key.blockSignals(True)
        self.group_key.clear()
        self.group_key.addItems(self.catalog.config_keys())
        self.group_key.setCurrentText(key)
        self.group_key.blockSignals(False)
        self._update_empty()

    def _update_empty(self) -> None:
        if self._run_ids:
            self.stack.setCurrentWidget(self._ensure_plot())
        else:
            self.stack.setCurrentWidget(self.empty_label)

    # -- state -----------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """The pane's settings and runs (by id, with their source paths), JSON-able."""
        runs = []
        for rid in self._run_ids:
            run = self.catalog.run(rid)
            runs.append({
                "id": rid,
                "name": run.name if run else None,
                "source": list(run.source) if run else [],
                "visible": self.catalog.is_visible(rid),
            })  # fmt: skip
        return {
            "metric": self.metric(),
            "x": self.x_box.currentText(),
            "log_x": self.logx_check.isChecked(),
            "log_y": self.logy_check.isChecked(),
            "robust_y": self.robust_check.isChecked(),
            "smoothing": self.smoothing_weight(),
            "smoothing_mode": self.mode_box.currentData(),
            "show_raw": self.raw_check.isChecked(),
            "grouping": {
                "mode": self.grouping(),
                "key": self.group_key.currentText(),
                "regex": self.group_regex.text(),
                "groups": {k: list(v) for k, v in self._groups.items()},
                "center": self.center_box.currentText(),
                "band": self.band_box.currentData(),
                "min_runs": self.min_runs.value(),
            },
            "runs": runs,
        }

    def restore(self, state: Mapping[str, Any]) -> None:
        """Apply :meth:`state` (runs must already be in the catalogue; unknown ids are
        skipped)."""
        widgets: list[QObject] = [self.metric_box, self.x_box, self.smoothing, self.mode_box,
                                  self.raw_check, self.logx_check, self.logy_check,
                                  self.robust_check]  # fmt: skip
        for w in widgets:
            w.blockSignals(True)
        self._block(True)
        try:
            ids = [r["id"] for r in state.get("runs", []) if self.catalog.run(r["id"])]
            self._run_ids = list(dict.fromkeys(ids))
            self._refresh_choices()
            self.metric_box.blockSignals(True)
            if state.get("metric"):
                self.set_metric(str(state["metric"]))
            self.set_x(str(state.get("x", "step")))
            self.set_smoothing(float(state.get("smoothing", DEFAULT_WEIGHT)))
            self.smoothing_label.setText(f"{self.smoothing_weight():g}")
            self.mode_box.setCurrentIndex(
                max(0, self.mode_box.findData(state.get("smoothing_mode", "ema")))
            )
            self.raw_check.setChecked(bool(state.get("show_raw", True)))
            self.logx_check.setChecked(bool(state.get("log_x", False)))
            self.logy_check.setChecked(bool(state.get("log_y", False)))
            self.robust_check.setChecked(bool(state.get("robust_y", False)))
            g = state.get("grouping", {})
            self.group_key.setCurrentText(str(g.get("key", "")))
            self.group_regex.setText(str(g.get("regex", "")))
            self._groups = {str(k): [str(i) for i in v] for k, v in g.get("groups", {}).items()}
            self.center_box.setCurrentText(str(g.get("center", "mean")))
            self.band_box.setCurrentIndex(max(0, self.band_box.findData(g.get("band", "std"))))
            self.min_runs.setValue(int(g.get("min_runs", 2)))
            self.group_box.setCurrentIndex(max(0, self.group_box.findData(g.get("mode", "none"))))
        finally:
            for w in widgets:
                w.blockSignals(False)
            self._block(False)
        self._on_group_mode(schedule=False)
        self.refresh()

    # -- events ----------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.activated.emit()
        super().mousePressEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # a click anywhere in the pane (the plot, a control) makes it the current pane
        if event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.FocusIn):
            self.activated.emit()
        return False

    def set_highlighted(self, on: bool) -> None:
        """Frame the pane (the current one, when a tab holds several)."""
        self.stack.setStyleSheet(
            "QStackedWidget#plotstack { border: 2px solid #0072B2; }" if on
            else "QStackedWidget#plotstack { border: 2px solid transparent; }"
        )  # fmt: skip

    @staticmethod
    def _accepts(mime: QMimeData) -> bool:
        return mime.hasUrls() or mime.hasFormat(METRIC_MIME) or mime.hasFormat(RUNS_MIME)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._accepts(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        if not self._accepts(mime):
            return
        event.acceptProposedAction()
        self.activated.emit()
        self.handle_mime(mime)

    def handle_mime(self, mime: QMimeData) -> None:
        """A metric shows here, runs are added here, files are loaded into this pane."""
        import json

        if mime.hasFormat(METRIC_MIME):
            self.set_metric(bytes(mime.data(METRIC_MIME).data()).decode())
        elif mime.hasFormat(RUNS_MIME):
            ids = json.loads(bytes(mime.data(RUNS_MIME).data()).decode())
            self.add_run_ids([str(i) for i in ids])
        elif mime.hasUrls():
            paths = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]
            if paths:
                self.files_dropped.emit(paths)

    # -- export ----------------------------------------------------------------------
    def export(self, path: Path, dpi: int = 200) -> Path:
        """Write the pane's plot as PNG (at ``dpi``, relative to 96) or SVG."""
        from paperscope.gui.exporters import export_item

        path = Path(path)
        item = self._ensure_plot().getPlotItem()
        item.setTitle(self.metric() or None, size="10pt")
        try:
            export_item(item, path, width=int(item.sceneBoundingRect().width() * dpi / 96))
        finally:
            item.setTitle(None)
        return path

    def cancel_task(self) -> None:
        if self.runner is not None and self._task is not None:
            self.runner.cancel(self._task.id)
            self._task.on_result = None
            self._task.on_error = None
            self._task = None
