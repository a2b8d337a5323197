"""A plot pane: one metric of a set of runs, smoothed, optionally grouped into bands.

Three parts around one :class:`~paperscope.state.plot_pane.PlotPaneState`: the
controls (:mod:`.pane_controls`: write the state, show it), the canvas
(:mod:`.pane_canvas`: draw) and, here, the controller: when the state or the runs change
it computes the curves with :func:`paperscope.workflows.plots.compute_pane` (groups and
very large sets through the task runner, never on the UI thread) for the canvas.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QEvent, QMimeData, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QMouseEvent
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from paperscope.core.records import Run
from paperscope.gui.plots.metric_list import METRIC_MIME
from paperscope.gui.plots.pane_canvas import PlotCanvas
from paperscope.gui.plots.pane_controls import SLIDER_STEPS, PaneControls
from paperscope.gui.plots.references_menu import ReferencesButton
from paperscope.gui.plots.runs_model import RunsModel
from paperscope.gui.state import PAPERS_MIME, RUNS_MIME
from paperscope.results.align import Curve, GroupCurve
from paperscope.results.decimate import Pyramid
from paperscope.results.view import Readout
from paperscope.state.plot_pane import GROUP_MODES, PlotPaneState, plan
from paperscope.state.runs_table import RunSelection
from paperscope.workflows.plots import PlotData, PlotError, PlotSpec, compute_pane, metric_names
from paperscope.workflows.references import ReferenceFinder, ReferenceSet

if TYPE_CHECKING:
    import pyqtgraph as pg

    from paperscope.gui.task_runner import TaskRunner

ASYNC_POINTS = 2_000_000  # ungrouped sets larger than this are smoothed off the UI thread


class PlotPane(QWidget):
    """Shows one metric of the runs given to it (those visible in the runs panel).

    ``state`` is the pane's :class:`PlotPaneState`; everything the user sets lives there.

    Signals
    -------
    metric_changed(str), plotted() after each draw, activated() on a click or focus,
    files_dropped(list of Path), split_requested(Qt.Orientation), close_requested(),
    publication_requested(), references_changed() (a mapping was remembered: every pane
    may draw other references)

    ``references``: the library's :class:`ReferenceFinder` (None: no reference lines).
    """

    metric_changed = Signal(str)
    plotted = Signal()
    activated = Signal()
    files_dropped = Signal(list)
    split_requested = Signal(object)
    close_requested = Signal()
    publication_requested = Signal()
    step_pinned = Signal(str, float)
    hyper_requested = Signal()
    references_changed = Signal()
    papers_dropped = Signal(list)

    def __init__(
        self,
        catalog: RunsModel | None = None,
        runner: TaskRunner | None = None,
        parent: QWidget | None = None,
        state: PlotPaneState | None = None,
        references: ReferenceFinder | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.finder = references
        self.found: ReferenceSet | None = None  # the references last looked up
        self.catalog = catalog if catalog is not None else RunsModel(self)
        self.runner = runner
        self.state = state if state is not None else PlotPaneState()
        self.data: PlotData | None = None
        self._task: Any = None
        self._pyramids: dict[int, Pyramid] = {}
        self._selection: RunSelection | None = None
        self._schedule_timer = QTimer(self, singleShot=True, interval=30)
        self._schedule_timer.timeout.connect(self.refresh)
        self.controls = PaneControls(self.state)
        self.canvas = PlotCanvas(self.state, self._colour_of)
        self.note = self.controls.note
        self.refs_button = ReferencesButton(self.state, lambda: self.finder, lambda: self.found,
                                            self.runs)  # fmt: skip
        self.refs_button.mapping_changed.connect(self.references_changed.emit)
        self.controls.flow.addWidget(self.refs_button)
        self.empty_label = QLabel(
            "Drop TensorBoard, CSV, MLflow or Sacred logs here, or use File → Open runs…\n"
            "Drag a metric or runs from the lists to show them in this pane."
        )
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.stack = QStackedWidget()
        self.stack.setObjectName("plotstack")
        self.stack.addWidget(self.empty_label)
        self.stack.addWidget(self.canvas)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        layout.addWidget(self.controls)
        layout.addWidget(self.stack, 1)
        c, canvas = self.controls, self.canvas
        for mine, theirs in ((self.split_requested, c.split_requested),
                             (self.close_requested, c.close_requested),
                             (self.publication_requested, c.publication_requested),
                             (self.hyper_requested, c.hyper_requested)):  # fmt: skip
            theirs.connect(mine.emit)
        c.auto_range_requested.connect(canvas.auto_range)
        c.note_requested.connect(self.ask_note)
        c.range_note_requested.connect(lambda: self.ask_note(over_view=True))
        c.pin_requested.connect(self.pin_step)
        c.grid_toggled.connect(canvas.show_grid)
        self.canvas.view_changed.connect(lambda view: self.state.update(view_range=view))
        for child in self.findChildren(QWidget):
            child.installEventFilter(self)
        self.set_highlighted(False)
        self.state.changed.connect(self._on_state_changed)
        self.catalog.visibility_changed.connect(self._on_catalog_changed)
        self.catalog.runs_renamed.connect(self._on_catalog_changed)
        self.catalog.colours_changed.connect(self._redraw_last)
        self.catalog.runs_updated.connect(self._on_runs_updated)
        self.catalog.runs_removed.connect(self.remove_run_ids)
        if self.state.value.run_ids:  # a restored pane
            self.canvas.pending_range = self.state.value.view_range
            self._on_state_changed(frozenset({"run_ids"}))
        else:
            self._update_empty()

    def bind_selection(self, selection: RunSelection) -> None:
        """Show the runs selected in any view (the runs table, a hyperparameter brush)."""
        self._selection = selection
        selection.changed.connect(self._on_selection)
        self._on_selection(frozenset())

    def _on_selection(self, _fields: frozenset[str]) -> None:
        assert self._selection is not None
        ids = self._selection.value.ids
        if ids != self.canvas.selected:
            self.canvas.selected = ids
            self._redraw_last()

    def dispose(self) -> None:
        """Stop listening to the state (the pane is closed; the state may live on)."""
        if self._selection is not None:
            self._selection.changed.disconnect(self._on_selection)
        self.cancel_task()
        self.state.changed.disconnect(self._on_state_changed)
        self.controls.dispose()

    @property
    def plot(self) -> pg.PlotWidget | None:
        return self.canvas.plot

    @property
    def readout(self) -> list[Readout]:
        return self.canvas.readout

    # -- API: runs -------------------------------------------------------------------
    def run_ids(self) -> list[str]:
        return [i for i in self.state.value.run_ids if self.catalog.run(i) is not None]

    def runs(self) -> list[Run]:
        """The pane's runs that are visible in the runs panel (and not hidden here)."""
        v, cat = self.state.value, self.catalog
        shown = [i for i in v.run_ids if cat.is_visible(i) and i not in v.hidden_runs]
        return [r for r in map(cat.run, shown) if r is not None]

    def add_runs(self, runs: Sequence[Run]) -> None:
        """Show ``runs`` here (added to the catalogue when they are not in it)."""
        missing = [r for r in runs if self.catalog.run(r.id) is None]
        if missing:
            self.catalog.add_runs(missing)
        self.add_run_ids([r.id for r in runs])

    def add_run_ids(self, ids: Iterable[str]) -> None:
        known = [i for i in ids if self.catalog.run(i) is not None]
        if not self.state.add_runs(known):
            self._refresh_choices()
            self.refresh()  # also when nothing is new: reloaded runs carry new points

    def remove_run_ids(self, ids: Iterable[str]) -> None:
        self.state.remove_runs(ids)

    def clear_runs(self) -> None:
        self.state.update(run_ids=(), hidden_runs=frozenset())

    # -- API: settings (each one write to the state) ---------------------------------
    def set_metric(self, name: str) -> None:
        self.state.update(metric=name)

    def smoothing_weight(self) -> float:
        return self.state.value.smoothing

    def set_smoothing(self, weight: float) -> None:
        """Clamped to [0, 0.999] in the slider's steps of 0.001."""
        step = round(min(max(weight, 0.0), 0.999) * SLIDER_STEPS)
        self.state.update(smoothing=step / SLIDER_STEPS)

    def set_x(self, x: str) -> None:
        self.state.update(x=x)

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
        self.state.set_grouping(mode, key, regex, groups)

    def group_selection(self, ids: Sequence[str], label: str | None = None) -> None:
        """Add the runs ``ids`` as one group (and show them here)."""
        self.state.group_selection([i for i in ids if self.catalog.run(i) is not None], label)

    def set_band(self, band: str, center: str | None = None, min_runs: int | None = None) -> None:
        self.state.set_band(band, center, min_runs)

    def set_log(self, x: bool | None = None, y: bool | None = None) -> None:
        changes = {k: v for k, v in (("log_x", x), ("log_y", y)) if v is not None}
        self.state.update(**changes)

    def grouping(self) -> str:
        return self.state.value.grouping

    def spec(self) -> PlotSpec:
        runs = self.runs()
        return self.state.to_spec([r.id for r in runs], self.find_references(runs))

    def find_references(self, runs: Sequence[Run] | None = None) -> list[Any]:
        """The reference lines for the pane's runs and metric (``found`` keeps the whole
        answer for the Refs menu); none without a library, or when they are off. A
        library error is a note, never a crash."""
        v = self.state.value
        if self.finder is None or not v.show_references or not v.metric:
            self.found = None
            return []
        try:
            self.found = self.finder.find(
                self.runs() if runs is None else runs, v.metric,
                v.reference_papers, v.reference_results, v.normalisation_lines,
            )  # fmt: skip
        except Exception as exc:
            self.found = None
            self.note.setToolTip(f"reference lines: {exc}")
            return []
        return list(self.found.references)

    # -- API: what is drawn ----------------------------------------------------------
    def curves(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """What is drawn: label → (x, y) of each run's smoothed curve and each group's
        centre line."""
        return self.canvas.curves()

    def drawn(self) -> list[Curve | GroupCurve]:
        return self.canvas.drawn()

    def items(self) -> dict[str, Any]:
        """label → the pyqtgraph item of its (smoothed) line."""
        return self.canvas.items()

    def show_readout_at(
        self, x: float, y: float | None = None, view_coordinates: bool = False
    ) -> list[Readout]:
        return self.canvas.show_readout_at(x, y, view_coordinates)

    # -- the controller --------------------------------------------------------------
    def _on_state_changed(self, fields: frozenset[str]) -> None:
        todo, v = plan(fields, self.state.value), self.state.value
        if todo.choices:
            self._refresh_choices()
        if todo.metric:
            self.metric_changed.emit(v.metric)
        if todo.compute == "now":
            self.refresh()
        elif todo.compute == "soon":
            self._schedule()
        elif todo.redraw:
            self._redraw_last()
        if todo.axes == "log":
            self.canvas.apply_log()
        elif todo.axes == "fit":
            self.canvas.auto_range()
        if todo.view and v.view_range is not None:
            self.canvas.set_view_range(v.view_range)

    def _colour_of(self, run_id: str) -> str | None:
        return self.catalog.colour(run_id) if self.catalog.run(run_id) else None

    def _on_runs_updated(self, ids: list[str]) -> None:
        """New data for some runs (a watched folder): redraw when this pane shows one."""
        mine = set(self.state.value.run_ids)
        if any(i in mine for i in ids):
            self._refresh_choices()
            self._schedule()

    def _on_catalog_changed(self) -> None:
        if self.run_ids():
            self._refresh_choices()
            self._schedule()

    def _refresh_choices(self) -> None:
        runs = [r for r in (self.catalog.run(i) for i in self.state.value.run_ids) if r]
        names = metric_names(runs)
        tags = [t for t, _ in sorted(names, key=lambda tc: (-tc[1], tc[0]))]
        self.controls.set_choices(tags, sorted(t for t, _ in names), self.catalog.config_keys())
        self._update_empty()
        if not self.state.value.metric and tags:
            self.state.update(metric=tags[0])  # the metric most runs share

    def _update_empty(self) -> None:
        if self.run_ids():
            if self.canvas.plot is None:
                self.canvas.ensure_plot().viewport().installEventFilter(self)
            self.stack.setCurrentWidget(self.canvas)
        else:
            self.stack.setCurrentWidget(self.empty_label)

    def _schedule(self, *_args: object) -> None:
        self._schedule_timer.start()

    def refresh(self) -> None:
        """Recompute and redraw now (grouped sets: through the task runner)."""
        self._schedule_timer.stop()
        runs = self.runs()
        self._update_empty()
        if not runs or not self.state.value.metric:
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

    def _redraw_last(self, *_args: object) -> None:
        if self.data is not None:
            self._draw(self.data, self._pyramids)

    def _draw(self, data: PlotData | None, pyramids: dict[int, Pyramid] | None = None) -> None:
        self.data = data
        self._pyramids = pyramids or {}
        if self.canvas.plot is None and data is None:
            return
        self.canvas.draw(data, self._pyramids)
        self.note.setText(data.note() if data is not None else "")
        self.note.setToolTip("\n".join(str(i) for i in data.issues) if data else "")
        self.plotted.emit()

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
        return mime.hasUrls() or any(
            mime.hasFormat(f) for f in (METRIC_MIME, RUNS_MIME, PAPERS_MIME)
        )

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
        """A metric shows here, runs are added here, files are loaded into this pane; a
        paper dropped here is offered its runs to link (``papers_dropped``)."""
        import json

        if mime.hasFormat(PAPERS_MIME):
            ids = json.loads(bytes(mime.data(PAPERS_MIME).data()).decode())
            self.papers_dropped.emit([int(i) for i in ids])
        elif mime.hasFormat(METRIC_MIME):
            self.set_metric(bytes(mime.data(METRIC_MIME).data()).decode())
        elif mime.hasFormat(RUNS_MIME):
            ids = json.loads(bytes(mime.data(RUNS_MIME).data()).decode())
            self.add_run_ids([str(i) for i in ids])
        elif mime.hasUrls():
            paths = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]
            if paths:
                self.files_dropped.emit(paths)

    # -- notes and the pinned step ---------------------------------------------------
    def crosshair_x(self) -> float | None:
        """Where the crosshair is (data x), else the middle of the view."""
        if self.canvas.crosshair_x is not None:
            return self.canvas.crosshair_x
        if self.plot is None:
            return None
        (x0, x1), _ = self.plot.getPlotItem().getViewBox().viewRange()
        mid = (x0 + x1) / 2
        return float(10**mid if self.state.value.log_x else mid)

    def visible_x(self) -> tuple[float, float] | None:
        """The x range shown (data coordinates)."""
        if self.plot is None:
            return None
        (x0, x1), _ = self.plot.getPlotItem().getViewBox().viewRange()
        if self.state.value.log_x:
            x0, x1 = 10.0**x0, 10.0**x1
        return float(x0), float(x1)

    def ask_note(self, over_view: bool = False) -> None:
        """Ask for a note's text and pin it at the crosshair (or over the x range shown:
        zoom to the range first)."""
        from PySide6.QtWidgets import QInputDialog

        x = self.crosshair_x()
        span = self.visible_x() if over_view else None
        if x is None or (over_view and span is None):
            return
        where = f"x = {span[0]:.6g} … {span[1]:.6g}" if span else f"x = {x:.6g}"
        text, ok = QInputDialog.getText(self, "Note", f"Note at {where}:")
        if ok and text.strip():
            if span is not None:
                self.state.add_note(span[0], text.strip(), span[1])
            else:
                self.state.add_note(x, text.strip())

    def pin_step(self) -> None:
        """``step_pinned(metric, step)``: the runs table shows every run's value there."""
        x = self.crosshair_x()
        if x is not None and self.state.value.metric and self.state.value.x == "step":
            self.step_pinned.emit(self.state.value.metric, x)
        elif self.state.value.x != "step":
            self.note.setText("pin a step on a step x axis")

    # -- export ----------------------------------------------------------------------
    def export(self, path: Path, dpi: int = 200) -> Path:
        """Write the pane's plot as PNG (at ``dpi``, relative to 96) or SVG."""
        return self.canvas.export(path, dpi, self.state.value.metric or None)

    def cancel_task(self) -> None:
        if self.runner is not None and self._task is not None:
            self.runner.cancel(self._task.id)
            self._task.on_result = None
            self._task.on_error = None
            self._task = None
