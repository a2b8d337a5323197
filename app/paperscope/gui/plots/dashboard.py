"""The daily glance: every metric of the shown runs as small multiples.

One small chart per tag, in sections by tag prefix (:func:`paperscope.state.dashboard.
sections`), filtered by the search box; each chart draws the visible runs in their own
colours with the current pane's smoothing. A click on a chart asks to open its metric as
a pane (``open_requested(tag)``). The search and the number of columns live in a
:class:`~paperscope.state.dashboard.DashboardState`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from paperscope.gui.plots.runs_model import RunsModel
from paperscope.state.dashboard import DashboardState, sections
from paperscope.workflows.plots import PlotError, PlotSpec, compute_plot, metric_names

MAX_RUNS = 50  # curves per chart (the first runs shown)
CHART_HEIGHT = 170


class Dashboard(QWidget):
    """Small multiples of every metric. ``spec_of()``: the current pane's smoothing (a
    :class:`PlotSpec` whose metric is replaced per chart)."""

    open_requested = Signal(str)

    def __init__(
        self, catalog: RunsModel, spec_of: Callable[[], PlotSpec],
        state: DashboardState | None = None, parent: QWidget | None = None,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self.setWindowTitle("Dashboard: every metric")
        self.catalog, self.spec_of = catalog, spec_of
        self.state = state if state is not None else DashboardState()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search metrics (regex)")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda t: self.state.update(search=t))
        self.columns = QSpinBox()
        self.columns.setRange(1, 8)
        self.columns.setPrefix("columns: ")
        self.columns.valueChanged.connect(lambda c: self.state.update(columns=c))
        self.note = QLabel()
        self.note.setStyleSheet("color: #666")
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.columns)
        top.addWidget(self.note)
        self.body = QWidget()
        self.grid = QGridLayout(self.body)
        self.grid.setContentsMargins(4, 4, 4, 4)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.body)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(scroll, 1)
        self.charts: dict[str, Any] = {}
        self.state.changed.connect(lambda _f: self.refresh())
        for signal in (catalog.runs_added, catalog.runs_updated, catalog.runs_removed):
            signal.connect(lambda _ids: self.refresh())
        catalog.visibility_changed.connect(self.refresh)
        catalog.colours_changed.connect(self.refresh)
        self.refresh()

    def refresh(self, *_args: object) -> None:
        """Build the charts again from the state and the visible runs."""
        import pyqtgraph as pg

        from paperscope.gui.theme import style_plot

        v = self.state.value
        if self.search.text() != v.search:
            self.search.setText(v.search)
        self.columns.setValue(v.columns)
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.charts = {}
        runs = [r for r in self.catalog.runs() if self.catalog.is_visible(r.id)][:MAX_RUNS]
        tags = [t for t, _n in metric_names(runs)]
        base = self.spec_of()
        row = 0
        shown = 0
        for section, members in sections(tags, v.search):
            title = QLabel(f"<b>{section or '(no prefix)'}</b> · {len(members)}")
            self.grid.addWidget(title, row, 0, 1, v.columns)
            row += 1
            for k, tag in enumerate(members):
                chart = pg.PlotWidget()
                style_plot(chart)
                chart.setMinimumHeight(CHART_HEIGHT)
                chart.setTitle(tag.rpartition("/")[2] or tag, size="8pt")
                chart.setToolTip(f"{tag}: click to open as a pane")
                chart.setMouseEnabled(False, False)
                chart.hideButtons()
                try:
                    data = compute_plot(runs, PlotSpec(
                        metric=tag, x=base.x, smoothing=base.smoothing,
                        smoothing_mode=base.smoothing_mode,
                    ))  # fmt: skip
                except PlotError:
                    data = None
                for c in data.curves if data is not None else []:
                    item = pg.PlotDataItem(c.x, c.y, pen=pg.mkPen(self.catalog.colour(c.run_id)))
                    chart.addItem(item)
                    item.setDownsampling(auto=True, method="peak")
                chart.scene().sigMouseClicked.connect(functools.partial(self._clicked, tag))
                self.grid.addWidget(chart, row + k // v.columns, k % v.columns)
                self.charts[tag] = chart
                shown += 1
            row += -(-len(members) // v.columns)
        self.grid.setRowStretch(row, 1)
        self.note.setText(f"{shown} charts, {len(runs)} runs")

    def _clicked(self, tag: str, _event: Any) -> None:
        self.open_requested.emit(tag)
