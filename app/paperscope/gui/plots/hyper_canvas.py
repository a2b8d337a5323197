"""A hyperparameter pane's drawing: parallel coordinates or a scatter, with pyqtgraph.

Parallel coordinates draw every run as one polyline over the axes, one path per colour
(runs of a colour joined by NaN gaps, built with numpy), all in one item that is
rasterised once and blitted on every frame after (:mod:`cached_lines`); the selected
runs are drawn again on top, so a brush or a drag repaints only them and the
rectangles. Dragging along an axis brushes a range there
(``brush_dragged(axis index, p0, p1)``, normalised positions); a click on an axis clears
its brush (``axis_clicked(index)``). In the scatter a drag selects the runs in a
rectangle (``rect_dragged(x0, x1, y0, y1)`` in view coordinates).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from PySide6.QtCore import QRectF, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from paperscope.gui.plots.cached_lines import cached_lines_class
from paperscope.results.view import tick_text
from paperscope.state.hyper import Axis, HyperSettings, axis_label, trend

AXIS_REACH = 0.3  # how far from an axis (in axis spacings) a drag still brushes it
FAINT = (150, 150, 150, 60)
BRUSH_FILL = (0, 114, 178, 50)
WIDE_SELECTION = 200  # more selected lines than this are drawn 1 px wide


@functools.cache
def brushing_view_box() -> Any:
    """A pyqtgraph ``ViewBox`` that hands left drags and clicks to callbacks."""
    import pyqtgraph as pg
    from PySide6.QtCore import Qt

    class BrushingViewBox(pg.ViewBox):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(enableMenu=False)
            self.on_drag: Callable[[Any, Any, bool], bool] | None = None
            self.on_click: Callable[[Any], bool] | None = None

        def mouseDragEvent(self, ev: Any, axis: Any = None) -> None:
            if ev.button() == Qt.MouseButton.LeftButton and self.on_drag is not None:
                start = self.mapToView(ev.buttonDownPos())
                here = self.mapToView(ev.pos())
                if self.on_drag(start, here, bool(ev.isFinish())):
                    ev.accept()
                    return
            super().mouseDragEvent(ev, axis)

        def mouseClickEvent(self, ev: Any) -> None:
            left = ev.button() == Qt.MouseButton.LeftButton
            if left and self.on_click is not None and self.on_click(self.mapToView(ev.pos())):
                ev.accept()
                return
            super().mouseClickEvent(ev)

    return BrushingViewBox


def polylines(positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x, y of runs' polylines over ``n`` axes (rows of ``positions``, m × n), each run
    followed by a NaN gap (drawn with ``connect="finite"``; a missing value breaks the
    line there)."""
    m, n = positions.shape
    x = np.empty((m, n + 1))
    x[:, :n] = np.arange(n, dtype=np.float64)
    x[:, n] = np.nan
    y = np.empty((m, n + 1))
    y[:, :n] = positions
    y[:, n] = np.nan
    return x.ravel(), y.ravel()


class HyperCanvas(QWidget):
    """Draws a :class:`HyperSettings` view of the runs it is given."""

    brush_dragged = Signal(int, float, float)
    axis_clicked = Signal(int)
    rect_dragged = Signal(float, float, float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        import pyqtgraph as pg

        from paperscope.gui.theme import style_plot

        self.view_box = brushing_view_box()()
        self.view_box.on_drag = self._on_drag
        self.view_box.on_click = self._on_click
        self.plot = pg.PlotWidget(viewBox=self.view_box)
        style_plot(self.plot)
        self.plot.setAcceptDrops(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self.kind = "parallel"
        self.axes: list[Axis] = []
        self._drag_item: Any = None
        self.line_items: list[Any] = []
        self.selected_item: Any = None
        self._key: tuple[Any, ...] | None = None  # what the lines drawn were drawn from
        self._rects: list[Any] = []
        self._colours: list[str] = []
        self._positions = np.zeros((0, 0))
        self._faint: bool | None = None  # whether the lines have the faint pens

    # -- drawing ---------------------------------------------------------------------
    def draw_parallel(
        self,
        axes: Sequence[Axis],
        colours: Sequence[str],
        selected: np.ndarray,
        settings: HyperSettings,
    ) -> None:
        """``axes`` over the same runs; ``colours`` per run; ``selected`` a bool per run.
        Drawn again from the same axes and colours (a brush, a selection), only the pens,
        the selected lines and the brushes change."""
        import pyqtgraph as pg

        key = ("parallel", tuple(id(a) for a in axes), tuple(colours))
        if key == self._key and self.line_items:
            self._update_parallel(axes, selected, settings)
            return
        self._key = key
        self.kind, self.axes = "parallel", list(axes)
        plot = self.plot
        plot.clear()
        self._rects = []
        self.line_items, self.selected_item = [], None
        plot.setLogMode(False, False)
        item = plot.getPlotItem()
        item.hideAxis("left")
        item.hideAxis("bottom")
        self.view_box.setMouseEnabled(x=False, y=False)
        n = len(axes)
        if n == 0:
            self._key = None
            plot.setTitle("Choose axes: config keys and summary columns (Axes…)", size="9pt")
            return
        plot.setTitle(None)
        self._positions = np.column_stack([a.normalised() for a in axes])
        by_colour: dict[str, list[int]] = {}
        for i, c in enumerate(colours):
            by_colour.setdefault(c, []).append(i)
        self._colours = list(by_colour)
        self._faint = None
        lines = cached_lines_class()()  # painted once, blitted on every frame after
        lines.set_lines(
            [polylines(self._positions[rows]) for rows in by_colour.values()],
            [pg.mkPen(c, width=1) for c in self._colours],
        )
        plot.addItem(lines)
        self.line_items.append(lines)
        for i, axis in enumerate(axes):
            plot.addItem(pg.InfiniteLine(i, angle=90, movable=False, pen=pg.mkPen("#444")))
            label = pg.TextItem(axis_label(axis.key), color="#222", anchor=(0.5, 1))
            label.setPos(i, 1.07)
            plot.addItem(label)
            for text, pos in _ticks(axis):
                tick = pg.TextItem(text, color="#555", anchor=(0, 0.5))
                tick.setPos(i + 0.02, pos)
                plot.addItem(tick)
        self.view_box.setRange(xRange=(-0.3, n - 0.4), yRange=(-0.06, 1.12), padding=0)
        self._update_parallel(axes, selected, settings)

    def _update_parallel(
        self, axes: Sequence[Axis], selected: np.ndarray, settings: HyperSettings
    ) -> None:
        """What a brush or a selection changes: the pens, the selected lines on top, the
        brushes' rectangles (the lines and the axes stay)."""
        import pyqtgraph as pg

        any_selected = bool(selected.any())
        if any_selected != self._faint and self.line_items:  # new pens: rasterised again
            self._faint = any_selected
            self.line_items[0].set_pens(
                [pg.mkPen(FAINT if any_selected else c, width=1) for c in self._colours]
            )
        if self.selected_item is not None:
            self.plot.removeItem(self.selected_item)
            self.selected_item = None
        if any_selected:
            # a wide pen goes through Qt's stroker (~10x a frame): only for a few lines
            width = 2 if selected.sum() <= WIDE_SELECTION else 1
            self.selected_item = cached_lines_class()()  # a drag's frames blit it
            self.selected_item.set_lines(
                [polylines(self._positions[selected])], [pg.mkPen("#0072B2", width=width)]
            )
            self.plot.addItem(self.selected_item)
        for rect in self._rects:
            self.plot.removeItem(rect)
        self._rects = []
        for i, axis in enumerate(axes):
            brush = settings.brush(axis.key)
            if brush is not None:
                lo, hi = _brush_span(axis, brush)
                self._rects.append(self._add_rect(i - 0.07, lo, 0.14, hi - lo))

    def draw_scatter(
        self,
        x: Axis,
        y: Axis,
        groups: Sequence[tuple[str, str, np.ndarray]],
        selected: np.ndarray,
        settings: HyperSettings,
    ) -> None:
        """``groups``: (label, colour, bool mask over the runs) each drawn with its trend
        line; ``selected`` runs get a dark ring."""
        import pyqtgraph as pg

        self._key = None
        self.kind, self.axes = "scatter", [x, y]
        plot = self.plot
        plot.clear()
        self.line_items, self.selected_item = [], None
        item = plot.getPlotItem()
        item.showAxis("left")
        item.showAxis("bottom")
        self.view_box.setMouseEnabled(x=True, y=True)
        plot.setTitle(None)
        plot.setLabel("bottom", axis_label(x.key))
        plot.setLabel("left", axis_label(y.key))
        if plot.getPlotItem().legend is None:
            from paperscope.gui.theme import plot_foreground

            plot.addLegend(
                offset=(-10, 10), labelTextSize="8pt", labelTextColor=plot_foreground(),
                brush=pg.mkBrush(255, 255, 255, 200),
            )  # fmt: skip
        plot.setLogMode(x=settings.log_x, y=settings.log_y)
        for label, colour, mask in groups:
            xs, ys = x.values[mask], y.values[mask]
            dots = pg.PlotDataItem(
                xs,
                ys,
                pen=None,
                symbol="o",
                symbolSize=7,
                symbolPen=pg.mkPen(colour),
                symbolBrush=pg.mkBrush(colour),
                name=label or None,
            )
            plot.addItem(dots)
            self.line_items.append(dots)
            fit = trend(xs, ys, settings.log_x, settings.log_y)
            if fit is not None:
                tx = _trend_x(xs, settings.log_x)
                ty = fit[0] * (np.log10(tx) if settings.log_x else tx) + fit[1]
                if settings.log_y:
                    ty = 10.0**ty
                plot.addItem(pg.PlotDataItem(tx, ty, pen=pg.mkPen(colour, width=2)))
        if selected.any():
            self.selected_item = pg.PlotDataItem(
                x.values[selected],
                y.values[selected],
                pen=None,
                symbol="o",
                symbolSize=11,
                symbolPen=pg.mkPen("#000", width=2),
                symbolBrush=None,
            )
            plot.addItem(self.selected_item)
        self.view_box.enableAutoRange()

    def _add_rect(self, x: float, y: float, w: float, h: float) -> Any:
        import pyqtgraph as pg
        from PySide6.QtWidgets import QGraphicsRectItem

        rect = QGraphicsRectItem(QRectF(x, y, w, max(h, 0.004)))
        rect.setBrush(pg.mkBrush(*BRUSH_FILL))
        rect.setPen(pg.mkPen("#0072B2", width=1))
        self.plot.addItem(rect, ignoreBounds=True)
        return rect

    # -- mouse -----------------------------------------------------------------------
    def axis_near(self, x: float) -> int | None:
        i = round(x)
        if 0 <= i < len(self.axes) and abs(x - i) <= AXIS_REACH:
            return i
        return None

    def _on_drag(self, start: Any, here: Any, finished: bool) -> bool:
        if self.kind == "parallel":
            i = self.axis_near(start.x())
            if i is None:
                return False
            y0, y1 = sorted((start.y(), here.y()))
            if self._drag_item is not None:
                self.plot.removeItem(self._drag_item)
                self._drag_item = None
            if finished:
                self.brush_dragged.emit(i, float(start.y()), float(here.y()))
            else:
                self._drag_item = self._add_rect(i - 0.07, y0, 0.14, y1 - y0)
            return True
        if finished:
            x0, x1 = sorted((start.x(), here.x()))
            y0, y1 = sorted((start.y(), here.y()))
            self.rect_dragged.emit(float(x0), float(x1), float(y0), float(y1))
        return True

    def _on_click(self, pos: Any) -> bool:
        if self.kind != "parallel":
            return False
        i = self.axis_near(pos.x())
        if i is None:
            return False
        self.axis_clicked.emit(i)
        return True

    def axis_point(self, index: int, position: float) -> Any:
        """Where (in the plot widget's viewport) axis ``index`` meets the normalised
        ``position`` (for tests and screenshots)."""
        from PySide6.QtCore import QPointF

        scene = self.view_box.mapViewToScene(QPointF(index, position))
        return self.plot.mapFromScene(scene)


def _ticks(axis: Axis) -> list[tuple[str, float]]:
    if axis.categories is not None:
        span = max(len(axis.categories) - 1, 1)
        shown = (
            axis.categories
            if len(axis.categories) <= 12
            else axis.categories[:: max(1, len(axis.categories) // 12)]
        )
        return [(c, axis.categories.index(c) / span) for c in shown]
    lo, hi = axis.span()
    texts = tick_text([lo, (lo + hi) / 2, hi], (hi - lo) / 20)
    return list(zip(texts, (0.0, 0.5, 1.0), strict=True))


def _brush_span(axis: Axis, brush: Any) -> tuple[float, float]:
    if axis.categories is not None:
        span = max(len(axis.categories) - 1, 1)
        idx = [axis.categories.index(c) / span for c in brush.categories if c in axis.categories]
        if not idx:
            return 0.0, 0.0
        return min(idx) - 0.02, max(idx) + 0.02
    lo, hi = axis.span()
    p0 = (max(brush.lo, lo) - lo) / (hi - lo)
    p1 = (min(brush.hi, hi) - lo) / (hi - lo)
    return float(p0), float(p1)


def _trend_x(xs: np.ndarray, log_x: bool) -> np.ndarray:
    ok = np.isfinite(xs) & ((xs > 0) if log_x else True)
    v = xs[ok]
    if v.size == 0:
        return np.array([])
    if log_x:
        return np.logspace(np.log10(v.min()), np.log10(v.max()), 32)
    return np.linspace(v.min(), v.max(), 32)
