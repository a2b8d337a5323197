"""A plot pane: the curves of the loaded runs for one metric.

pyqtgraph does the drawing; large curves are decimated per pixel column (peak mode)
and clipped to the view, so a million points per curve still pans smoothly. pyqtgraph
is imported when the first runs arrive, not at start-up (it costs ~0.15 s to import).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from paperscope.core.records import Run

if TYPE_CHECKING:
    import pyqtgraph as pg

# Okabe–Ito, readable by colour-blind viewers; cycled
PALETTE = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
)  # fmt: skip


class PlotPane(QWidget):
    """Shows one metric of every loaded run.

    Signals
    -------
    metric_changed(str)
    """

    metric_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runs: dict[str, Run] = {}
        self._curves: dict[str, pg.PlotDataItem] = {}
        self.metric_box = QComboBox()
        self.metric_box.setMinimumContentsLength(24)
        self.metric_box.currentTextChanged.connect(self._on_metric_changed)
        self.plot: pg.PlotWidget | None = None
        self.legend: pg.LegendItem | None = None
        self.empty_label = QLabel(
            "Drop TensorBoard, CSV, MLflow or Sacred logs here, or use File → Open runs…"
        )
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty_label)
        top = QHBoxLayout()
        top.addWidget(QLabel("Metric:"))
        top.addWidget(self.metric_box, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)
        self._update_empty()

    # -- API -------------------------------------------------------------------------
    def runs(self) -> list[Run]:
        return list(self._runs.values())

    def add_runs(self, runs: Sequence[Run]) -> None:
        for run in runs:
            self._runs[run.id] = run
        self._refresh_metrics()
        self._redraw()

    def clear_runs(self) -> None:
        self._runs.clear()
        self._refresh_metrics()
        self._redraw()

    def metric(self) -> str:
        return self.metric_box.currentText()

    def set_metric(self, name: str) -> None:
        self.metric_box.setCurrentText(name)

    def curves(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """What is drawn: run name → (x, y)."""
        out = {}
        for name, item in self._curves.items():
            x, y = item.getOriginalDataset()
            out[name] = (np.asarray(x), np.asarray(y))
        return out

    # -- internals -------------------------------------------------------------------
    def _refresh_metrics(self) -> None:
        current = self.metric_box.currentText()
        counts: dict[str, int] = {}
        for run in self._runs.values():
            for tag in run.series:
                counts[tag] = counts.get(tag, 0) + 1
        tags = sorted(counts, key=lambda t: (-counts[t], t))
        self.metric_box.blockSignals(True)
        self.metric_box.clear()
        self.metric_box.addItems(tags)
        if current in counts:
            self.metric_box.setCurrentText(current)
        self.metric_box.blockSignals(False)
        self._update_empty()

    def _update_empty(self) -> None:
        if self._runs:
            self.stack.setCurrentWidget(self._ensure_plot())
        else:
            self.stack.setCurrentWidget(self.empty_label)

    def _ensure_plot(self) -> pg.PlotWidget:
        if self.plot is None:
            import pyqtgraph as pg

            self.plot = pg.PlotWidget(background="w")
            self.plot.showGrid(x=True, y=True, alpha=0.25)
            self.plot.setLabel("bottom", "step")
            self.legend = self.plot.addLegend(offset=(-10, 10))
            self.stack.addWidget(self.plot)
        return self.plot

    def _on_metric_changed(self, name: str) -> None:
        self._redraw()
        self.metric_changed.emit(name)

    def _redraw(self) -> None:
        self._curves.clear()
        if not self._runs:
            if self.plot is not None:
                self.plot.clear()
            return
        import pyqtgraph as pg

        plot = self._ensure_plot()
        plot.clear()
        if self.legend is not None:
            self.legend.clear()
        metric = self.metric_box.currentText()
        for i, run in enumerate(self._runs.values()):
            series = run.series.get(metric)
            if series is None or len(series) == 0:
                continue
            color = PALETTE[i % len(PALETTE)]
            item = plot.plot(
                series.steps.astype(np.float64), series.values,
                pen=pg.mkPen(color, width=1.5), name=run.name,
            )  # fmt: skip
            item.setDownsampling(auto=True, method="peak")
            item.setClipToView(True)
            self._curves[run.name] = item
        plot.setTitle(metric or None)

    def export(self, path: Path, dpi: int = 200) -> Path:
        """Write the pane's plot as PNG (at ``dpi``, relative to 96) or SVG."""
        from pyqtgraph.exporters import ImageExporter, SVGExporter

        item = self._ensure_plot().getPlotItem()
        if path.suffix.lower() == ".svg":
            SVGExporter(item).export(str(path))
        else:
            exporter = ImageExporter(item)
            width = int(item.sceneBoundingRect().width() * dpi / 96)
            exporter.parameters()["width"] = max(width, 100)
            exporter.export(str(path))
        return path
