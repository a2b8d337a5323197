"""A plot pane's canvas: the pyqtgraph items of one :class:`PlotData`, decimated.

Large curves are drawn from min/max pyramids (:mod:`paperscope.results.decimate`) and
clipped to the view, so a million points per curve still pans smoothly; many runs are
merged into one item per colour. The crosshair lists each curve's value under the mouse.
The canvas reads the axes options (log x/y, robust range) from the pane's
:class:`~paperscope.state.plot_pane.PlotPaneState` and never writes it: a zoom by hand
or an auto-range is reported with ``view_changed(range or None)``.

pyqtgraph is imported when the canvas first draws, not at start-up (~0.15 s).
"""

from __future__ import annotations

import functools
import html
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

from paperscope.gui.plots.reference_items import ReferenceItems
from paperscope.results.align import Curve, GroupCurve, x_label
from paperscope.results.decimate import Merged, Pyramid, band_envelope
from paperscope.results.figure import OKABE_ITO, extrema
from paperscope.results.smoothing import is_identity
from paperscope.results.view import Readout, robust_range, tick_text, values_at
from paperscope.state.plot_pane import PlotPaneState
from paperscope.workflows.plots import DECIMATE_ABOVE, MERGE_ABOVE, PlotData

if TYPE_CHECKING:
    import pyqtgraph as pg
    from PySide6.QtGui import QResizeEvent

    from paperscope.gui.plots.pane_legend import PaneLegend

PALETTE = OKABE_ITO
MAX_LEGEND = 20
MAX_RAW = 40  # more curves than this: no faint raw lines behind them
MAX_READOUT = 12


# merged runs of at least this many points in all are painted as one numba-drawn image
RASTER_ABOVE = 100_000
WHOLE_POINTS = 4_000_000  # merged runs drawn whole (not re-cut each frame) up to this
LINE_WIDTH = 1.0  # a run's curve, logical px at 100 %
GROUP_WIDTH = 2.0  # a group's centre line
REF_WIDTH = 1.5  # a reference line (dashed)
HIDPI_MIN_WIDTH = 1.5  # logical px: a 1-device-pixel line at 200 % is too thin to see


def pen_width(logical: float, device_pixel_ratio: float) -> float:
    """A cosmetic pen's width (in device pixels) for a line ``logical`` px wide at 100 %:
    at 100 % the 1-px line Qt draws fastest; on a high-DPI screen at least
    :data:`HIDPI_MIN_WIDTH` logical px."""
    if device_pixel_ratio <= 1.0:
        return logical
    return max(logical, HIDPI_MIN_WIDTH) * device_pixel_ratio


@functools.cache
def axis_class() -> Any:
    """A pyqtgraph axis whose ticks read ``200k``, ``1M`` (not ``1e+06``)."""
    import pyqtgraph as pg

    class ReadableAxis(pg.AxisItem):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.enableAutoSIPrefix(False)  # no "(x1e+06)" on the label: the ticks say it

        def tickStrings(self, values: Any, scale: float, spacing: float) -> list[str]:
            if self.logMode:
                return list(super().tickStrings(values, scale, spacing))
            return tick_text([float(v) * scale for v in values], spacing * scale)

    return ReadableAxis


def _alpha(colour: str, alpha: int) -> tuple[int, int, int, int]:
    c = colour.lstrip("#")
    return (int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16), alpha)


class PlotCanvas(QWidget):
    """Draws what :meth:`draw` is given. ``colour_of(run_id)``: a run's colour.

    Signals: ``view_changed(tuple or None)``: the user zoomed or panned (x0, x1, y0, y1
    in view coordinates), or the view was fitted to the data (None)."""

    view_changed = Signal(object)

    def __init__(
        self, state: PlotPaneState, colour_of: Callable[[str], str | None],
        parent: QWidget | None = None,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self.state = state
        self._colour_of = colour_of
        self.plot: pg.PlotWidget | None = None
        self.legend: PaneLegend | None = None
        self.vline: pg.InfiniteLine | None = None
        self.label: pg.TextItem | None = None
        self.readout: list[Readout] = []
        self.crosshair_x: float | None = None  # where the crosshair was last (data x)
        self.selected: frozenset[str] = frozenset()  # run ids selected in another view
        self._overlays: list[Any] = []
        self.grid = False
        self._proxy: Any = None
        self._wall_axis = False
        self._drawn: dict[str, tuple[Any, Curve | GroupCurve]] = {}
        self._decimated: list[tuple[Any, Pyramid | Merged]] = []
        self.raster: Any = None  # the image painting the merged curves (raster_curves)
        self._pyramids: dict[int, Pyramid] = {}
        self._updating = False
        self._fit_key: tuple[Any, ...] | None = None
        self.refs = ReferenceItems()  # the reference lines drawn
        self.pending_range: tuple[float, float, float, float] | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.legend is not None:  # labels elided to the new width
            from paperscope.gui.plots.pane_legend import label_budget

            self.legend.set_max_label_px(label_budget(self.width()))

    def ensure_plot(self) -> pg.PlotWidget:
        if self.plot is None:
            import pyqtgraph as pg

            from paperscope.gui.theme import plot_foreground, style_plot

            axis = axis_class()
            self.plot = pg.PlotWidget(axisItems={"left": axis("left"), "bottom": axis("bottom")})
            style_plot(self.plot)
            # drops go to the pane, not to the graphics view
            self.plot.setAcceptDrops(False)
            self.plot.viewport().setAcceptDrops(False)
            # no grid by default: pyqtgraph's grid lines cost ~15 ms a frame
            self.plot.showGrid(x=self.grid, y=self.grid, alpha=0.25)
            # the legend sits right of the plot area, never over a curve (pyqtgraph's
            # default floats it over the data); curves named on add go to it
            item = self.plot.getPlotItem()
            from paperscope.gui.plots.pane_legend import PaneLegend

            self.legend = PaneLegend(
                labelTextColor=plot_foreground(), brush=pg.mkBrush(255, 255, 255, 0)
            )
            # its own size, at the top of the cell (not stretched over the plot's height)
            self.legend.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            item.layout.addItem(self.legend, 2, 4)
            item.layout.setAlignment(self.legend, Qt.AlignmentFlag.AlignTop)
            item.legend = self.legend
            self.vline = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#888", width=1))
            self.label = pg.TextItem(
                anchor=(0, 0), color="#222", fill=pg.mkBrush(255, 255, 255, 225),
                border=pg.mkPen("#bbb"),
            )  # fmt: skip
            self._proxy = pg.SignalProxy(
                self.plot.scene().sigMouseMoved, rateLimit=30, slot=self._on_mouse_moved
            )
            vb = self.plot.getPlotItem().getViewBox()
            vb.sigXRangeChanged.connect(self._update_decimated)
            vb.sigResized.connect(self._update_decimated)
            vb.sigRangeChangedManually.connect(self._on_range_changed_manually)
            self._layout.addWidget(self.plot)
        return self.plot

    def show_grid(self, on: bool) -> None:
        self.grid = on
        if self.plot is not None:
            self.plot.showGrid(x=on, y=on, alpha=0.25)

    # -- what is drawn ---------------------------------------------------------------
    def curves(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        out = {}
        for label, (_item, c) in self._drawn.items():
            y = c.center if isinstance(c, GroupCurve) else c.y
            out[label] = (np.asarray(c.x), np.asarray(y))
        return out

    def drawn(self) -> list[Curve | GroupCurve]:
        return [c for _item, c in self._drawn.values()]

    def items(self) -> dict[str, Any]:
        return {label: item for label, (item, _c) in self._drawn.items()}

    # -- drawing ---------------------------------------------------------------------
    def draw(self, data: PlotData | None, pyramids: dict[int, Pyramid] | None = None) -> None:
        """Replace the drawing with ``data`` (None: an empty plot)."""
        self._pyramids = pyramids or {}
        self._drawn.clear()
        self._decimated.clear()
        self.raster = None
        self.readout = []
        self.refs.clear()
        if self.plot is None and data is None:
            return
        import pyqtgraph as pg

        from paperscope.gui.plots.band_item import BandItem  # imports pyqtgraph

        plot = self.ensure_plot()
        plot.clear()
        self._overlays = []
        if self.legend is not None:
            self.legend.clear()
            from paperscope.gui.plots.pane_legend import label_budget

            self.legend.max_label_px = label_budget(self.width())
        assert self.vline is not None and self.label is not None
        plot.addItem(self.vline, ignoreBounds=True)
        plot.addItem(self.label, ignoreBounds=True)
        self.vline.hide()
        self.label.hide()
        if data is None:
            self._fit_key = None
            plot.setTitle(None)
            return
        v = self.state.value
        spec = data.spec
        self._set_x_axis(spec.x)
        n_lines = len(data.curves) + len(data.groups)
        # raw lines behind many curves are noise, and double the items to draw
        show_raw = (v.show_raw and not is_identity(spec.smoothing_mode, spec.smoothing)
                    and n_lines <= MAX_RAW)  # fmt: skip
        # 1-pixel (cosmetic) pens: Qt's fast line drawing; wider pens go through the
        # stroker and cost ~10x per frame on long curves (on a high-DPI screen a
        # 1-device-pixel line is too thin: see pen_width)
        dpr = self.devicePixelRatioF()
        for k, g in enumerate(data.groups):
            colour = PALETTE[k % len(PALETTE)]
            bx, blo, bhi = band_envelope(np.asarray(g.x), np.asarray(g.lower),
                                         np.asarray(g.upper))  # fmt: skip
            plot.addItem(BandItem(bx, blo, bhi, pg.mkBrush(*_alpha(colour, 60))))
            if show_raw:
                self._line(plot, g.x, g.raw_center, pg.mkPen(_alpha(colour, 70), width=1))
            label = f"{g.label} (n={len(g.run_ids)})"
            item = self._line(
                plot, g.x, g.center, pg.mkPen(colour, width=pen_width(GROUP_WIDTH, dpr)), label
            )
            self._drawn[g.label] = (item, g)
        if len(data.curves) > MERGE_ABOVE:
            self._draw_merged(plot, data.curves)
        for c in data.curves if len(data.curves) <= MERGE_ABOVE else ():
            colour = self._colour(c.run_id)
            if show_raw:
                self._line(plot, c.x, c.raw, pg.mkPen(_alpha(colour, 60), width=1))
            name = c.label if len(self._drawn) < MAX_LEGEND else None
            # runs selected elsewhere (the runs table, a brush) stand out, the rest fade
            faint = bool(self.selected) and c.run_id not in self.selected
            width = GROUP_WIDTH if self.selected and not faint else LINE_WIDTH
            pen = pg.mkPen(_alpha(colour, 70) if faint else colour, width=pen_width(width, dpr))
            item = self._line(plot, c.x, c.y, pen, name)
            self._drawn[c.label] = (item, c)
        self.refs.draw(plot, data.references, pen_width(REF_WIDTH, dpr), dpr, v.log_y)
        self.draw_overlays()
        plot.setTitle(spec.metric, size="10pt")
        plot.setLabel("left", spec.metric)
        plot.setLabel("bottom", x_label(spec.x))
        # fit the view to a new drawing (other metric, x axis, runs or groups), not to
        # new points or another smoothing of the same one: a user's zoom survives a
        # watched run's updates and the smoothing slider (an un-zoomed view still
        # follows the data: pyqtgraph's auto range)
        key = (spec.metric, spec.x, tuple(sorted(c.run_id for c in data.curves)),
               tuple((g.label, g.run_ids) for g in data.groups))  # fmt: skip
        if key != self._fit_key:
            self._fit_key = key
            if self.pending_range is not None:  # a restored zoom
                plot.setLogMode(x=v.log_x, y=v.log_y)
                x0, x1, y0, y1 = self.pending_range
                plot.getPlotItem().getViewBox().setRange(
                    xRange=(x0, x1), yRange=(y0, y1), padding=0
                )
                self.pending_range = None
            else:
                self.apply_log()
        else:
            plot.setLogMode(x=v.log_x, y=v.log_y)

    def draw_overlays(self) -> None:
        """The marks of each curve's min and max and the pane's notes (again after a
        change of the log axes: they are placed in view coordinates)."""
        import pyqtgraph as pg

        if self.plot is None:
            return
        for item in self._overlays:
            self.plot.removeItem(item)
        self._overlays = []
        v = self.state.value

        def vx(x: float) -> float:
            return math.log10(x) if v.log_x and x > 0 else x

        def vy(y: float) -> float:
            return math.log10(y) if v.log_y and y > 0 else y

        if v.mark_extrema:
            for label, (item, c) in list(self._drawn.items())[:MAX_LEGEND]:
                y = c.center if isinstance(c, GroupCurve) else c.y
                found = extrema(c.x, y)
                if found is None:
                    continue
                colour = item.opts["pen"].color().name()
                for (x0, y0), symbol, anchor in zip(found, ("t", "t1"), ((0, 0), (0, 1)),
                                                    strict=True):  # fmt: skip
                    mark = pg.ScatterPlotItem(
                        [vx(x0)], [vy(y0)], symbol=symbol, size=9,
                        pen=pg.mkPen(colour), brush=pg.mkBrush(colour),
                    )  # fmt: skip
                    text = pg.TextItem(f"{y0:.4g}", color=colour, anchor=anchor)
                    text.setPos(vx(x0), vy(y0))
                    text.setToolTip(f"{label}: {y0:.6g} at x = {x0:.6g}")
                    for it in (mark, text):
                        self.plot.addItem(it, ignoreBounds=True)
                        self._overlays.append(it)
        for note in v.notes:
            if note.x1 is None:
                dashed = pg.mkPen("#555", style=Qt.PenStyle.DashLine)
                line: Any = pg.InfiniteLine(vx(note.x), angle=90, movable=False, pen=dashed)
            else:
                line = pg.LinearRegionItem((vx(note.x), vx(note.x1)), movable=False,
                                           brush=pg.mkBrush(150, 150, 150, 40))  # fmt: skip
            self.plot.addItem(line, ignoreBounds=True)
            self._overlays.append(line)
            anchor_line = line if note.x1 is None else line.lines[0]
            pg.InfLineLabel(anchor_line, text=note.text, position=0.95, anchor=(0, 0),
                            color="#333")  # fmt: skip

    def _colour(self, run_id: str) -> str:
        return self._colour_of(run_id) or PALETTE[0]

    def _line(self, plot: pg.PlotWidget, x: Any, y: Any, pen: Any, name: str | None = None) -> Any:
        """A line item: long curves are drawn from a min/max pyramid (one block per
        pixel column), short ones by pyqtgraph with peak downsampling and clip-to-view."""
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

        by_colour: dict[tuple[str, bool], list[Curve]] = {}
        for c in curves:
            faint = bool(self.selected) and c.run_id not in self.selected
            by_colour.setdefault((self._colour(c.run_id), faint), []).append(c)
        width = max(int(plot.getPlotItem().getViewBox().width()), 100)
        x0 = min(float(c.x[0]) for c in curves if len(c))
        x1 = max(float(c.x[-1]) for c in curves if len(c))
        # one image paints every merged curve (see raster_curves) when there are many
        raster = None
        if sum(len(c) for c in curves) >= RASTER_ABOVE:
            from paperscope.gui.plots.raster_curves import raster_curves_class

            raster = raster_curves_class()()
        self.raster = raster
        # the faint runs first, the selected ones (wider) drawn over them
        for (colour, faint), members in sorted(by_colour.items(), key=lambda kv: not kv[0][1]):
            merged = Merged([self._pyramids.get(id(c.y)) or Pyramid(c.x, c.y) for c in members])
            w = GROUP_WIDTH if self.selected and not faint else LINE_WIDTH
            pen = pg.mkPen(_alpha(colour, 70) if faint else colour,
                           width=pen_width(w, self.devicePixelRatioF()))  # fmt: skip
            whole = self._whole(merged, width)
            item = pg.PlotDataItem(*(merged.full() if whole else merged.view(x0, x1, width)),
                                   pen=pen, connect="finite")  # fmt: skip
            item.whole = whole
            plot.addItem(item)
            if raster is not None:
                raster.adopt(item)
            self._decimated.append((item, merged))
            for c in members:
                self._drawn[c.label] = (item, c)
        if raster is not None:
            plot.addItem(raster, ignoreBounds=True)
        if self.legend is not None:
            for c in curves[:MAX_LEGEND]:
                self.legend.addItem(self._drawn[c.label][0], c.label)

    def _update_decimated(self, *_args: object) -> None:
        """The view moved: give each long curve the blocks of its visible range."""
        if not self._decimated or self.plot is None or self._updating:
            return
        vb = self.plot.getPlotItem().getViewBox()
        (x0, x1), _ = vb.viewRange()
        if vb.autoRangeEnabled()[0] is not False:
            # fitting the view to the data: every curve whole (decimated), or the fit
            # would see only what the last view showed and shrink onto it
            x0, x1 = -math.inf, math.inf
        elif self.state.value.log_x:
            x0, x1 = 10.0**x0, 10.0**x1
        width = max(int(vb.width()), 100)
        self._updating = True
        try:
            for item, pyramid in self._decimated:
                if isinstance(pyramid, Merged) and self._whole(pyramid, width):
                    if getattr(item, "whole", False):  # drawn whole already, clipped by
                        continue  # the image: nothing to redo for this range
                    item.setData(*pyramid.full())
                    item.whole = True
                else:
                    item.setData(*pyramid.view(x0, x1, width))
                    item.whole = False
        finally:
            self._updating = False

    def _whole(self, merged: Merged, width: int) -> bool:
        """Whether merged runs are drawn whole: painted as one image (which clips each
        segment in a few ns), with no run long enough to need decimating at this
        width, and not more than :data:`WHOLE_POINTS` points in all."""
        return (
            self.raster is not None
            and merged.longest <= 2 * width
            and merged.points <= WHOLE_POINTS
        )

    def _set_x_axis(self, x: str) -> None:
        import pyqtgraph as pg

        assert self.plot is not None
        wall = x == "wall"
        if wall != self._wall_axis:
            axis = pg.DateAxisItem(orientation="bottom") if wall else axis_class()("bottom")
            self.plot.setAxisItems({"bottom": axis})
            self._wall_axis = wall

    # -- axes ------------------------------------------------------------------------
    def apply_log(self) -> None:
        if self.plot is None:
            return
        v = self.state.value
        self.plot.setLogMode(x=v.log_x, y=v.log_y)
        self.refs.place(v.log_y)
        self.auto_range()
        self.draw_overlays()

    def auto_range(self) -> None:
        """Fit the view to the data; with "robust y" the y range ignores outliers."""
        if self.plot is None:
            return
        vb = self.plot.getPlotItem().getViewBox()
        vb.enableAutoRange(x=True, y=True)
        v = self.state.value
        if v.robust_y:
            arrays = []
            for _item, c in self._drawn.values():
                if isinstance(c, GroupCurve):
                    arrays += [c.center, c.lower, c.upper]
                else:
                    arrays.append(c.y)
            if v.log_y:
                arrays = [np.log10(a[a > 0]) for a in arrays]
            r = robust_range(arrays)
            if r is not None:
                vb.setYRange(r[0], r[1], padding=0)
        self.view_changed.emit(None)

    def set_view_range(self, view: tuple[float, float, float, float]) -> None:
        if self.plot is None:
            self.pending_range = view
            return
        vb = self.plot.getPlotItem().getViewBox()
        (x0, x1), (y0, y1) = vb.viewRange()
        if (x0, x1, y0, y1) != view:
            vb.setRange(xRange=view[:2], yRange=view[2:], padding=0)

    def _on_range_changed_manually(self, *_args: object) -> None:
        assert self.plot is not None
        (x0, x1), (y0, y1) = self.plot.getPlotItem().getViewBox().viewRange()
        if all(math.isfinite(v) for v in (x0, x1, y0, y1)) and x0 < x1 and y0 < y1:
            self.view_changed.emit((float(x0), float(x1), float(y0), float(y1)))

    # -- crosshair -------------------------------------------------------------------
    def _on_mouse_moved(self, event: Sequence[QPointF]) -> None:
        if self.plot is None:
            return
        pos = event[0]
        vb = self.plot.getPlotItem().getViewBox()
        if not vb.sceneBoundingRect().contains(pos):
            assert self.vline is not None and self.label is not None
            self.vline.hide()
            self.label.hide()
            return
        p = vb.mapSceneToView(pos)
        self.show_readout_at(p.x(), p.y(), view_coordinates=True)

    def show_readout_at(
        self, x: float, y: float | None = None, view_coordinates: bool = False
    ) -> list[Readout]:
        """Put the crosshair at ``x`` and list each visible curve's value there, nearest
        to ``y`` first. ``view_coordinates``: x/y are log10 values on log axes."""
        if self.plot is None or self.vline is None or self.label is None:
            return []
        vx = x
        logx, logy = self.state.value.log_x, self.state.value.log_y
        if view_coordinates:
            x = 10**x if logx else x
            y = None if y is None else (10**y if logy else y)
        else:
            vx = math.log10(x) if logx and x > 0 else x
        curves = [c for item, c in self._drawn.values() if item.isVisible()]
        self.readout = values_at(curves, x, y)
        self.crosshair_x = float(x)
        self.vline.setPos(vx)
        self.vline.show()
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
        self.label.setHtml('<div style="font-size:8pt">' + "<br>".join(lines) + "</div>")
        vb = self.plot.getPlotItem().getViewBox()
        (x0, x1), (_y0, y1) = vb.viewRange()
        # keep the label inside the view: left of the line on the right half
        self.label.setAnchor((1, 0) if vx > (x0 + x1) / 2 else (0, 0))
        self.label.setPos(vx, y1)
        self.label.show()
        return self.readout

    # -- export ----------------------------------------------------------------------
    def export(self, path: Path, dpi: int = 200, title: str | None = None) -> Path:
        """Write the plot as PNG (at ``dpi``, relative to 96) or SVG."""
        from paperscope.gui.exporters import export_item

        path = Path(path)
        item = self.ensure_plot().getPlotItem()
        shown = self.state.value.metric or None
        item.setTitle(title or shown, size="10pt")
        try:
            export_item(item, path, width=int(item.sceneBoundingRect().width() * dpi / 96))
        finally:
            item.setTitle(shown, size="10pt")
        return path
