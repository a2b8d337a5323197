"""The semantic map: up to a million points, pan/zoom, hover, click, box and lasso.

What is drawn depends on how many points the view holds (measured in
``tests/benchmarks/bench_map_view.py`` and, for ten million, ``bench_map_10m.py``).
Everything a frame needs comes from one :class:`raster.PointGrid` built when the points
are set (the rows by grid cell and a pyramid of density tiles), so no frame passes over
all points:

- many (over ``DENSITY_ABOVE`` in the cells the view touches): a density image,
  log-scaled through a colour map — overdrawn points would only show the last colour
  drawn; zoomed out it is a slice of one level of the grid's density tiles (cells of
  1–2 pixels), zoomed in the counts per pixel of the points in view;
- fewer: the points themselves, splatted in numpy into one ARGB image at screen
  resolution (a disc of 2–5 px each, bigger when fewer), in one fixed random order
  within each cell so late clusters never vanish under early ones;
- either way the frame is one premultiplied ARGB32 buffer handed to a ``QImage``
  without a copy and drawn 1:1 (density: scaled from its tile), never through
  pyqtgraph's ``ImageItem`` conversions (a channel shuffle, a flip and ``makeARGB``
  per frame: two thirds of a frame's time at 3M points);
- always on top: a small scatter overlay for the selected / highlighted papers and the
  hovered one, and the cluster labels (broad topics for the whole map, specific ones
  as you zoom in: the hierarchy level that fits the view; always whole
  inside the view).

The view fits the bulk of the points (``raster.bulk_bounds``: the 1–99 % quantile box,
far outliers left out) whenever a new map is set and on a double-click.

Hover searches the grid's cells around the cursor (exact nearest, never per-item hit
tests); box and lasso test only the rows of the cells their bounding box touches. Shift+drag selects
a box, Ctrl+drag a lasso; a double-click resets the view.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
)
from PySide6.QtWidgets import QGraphicsPathItem, QToolTip, QVBoxLayout, QWidget

from paperscope.gui.state import RUNS_MIME
from paperscope.gui.theme import plot_foreground, style_plot
from paperscope.mapping import raster

DENSITY_ABOVE = 150_000
OVERLAY_MAX = 5_000
HOVER_PX = 8.0
MUTED = 0xFFB0B0B0


def _argb(color: QColor) -> int:
    return int(color.rgba()) & 0xFFFFFFFF


def _premultiplied(colours: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """``0xAARRGGBB`` colours with red, green and blue scaled by alpha (what
    ``QImage.Format_ARGB32_Premultiplied`` holds); opaque colours are returned as they are."""
    alpha = colours >> 24
    if (alpha == 0xFF).all():
        return colours
    a = alpha.astype(np.uint32)
    out = a << 24
    for shift in (16, 8, 0):
        out |= (((colours >> shift) & 0xFF) * a // 255) << shift
    return out.astype(np.uint32)


class _FrameItem(pg.GraphicsObject):
    """The map's frame: one ARGB32 image (row 0 at the top) drawn into a rectangle of
    the view's coordinates (y up), from the numpy buffer itself."""

    def __init__(self) -> None:
        super().__init__()
        self._qimage: QImage | None = None
        self._rect = QRectF()

    def set_argb(self, argb: npt.NDArray[np.uint32], rect: raster.View) -> None:
        x0, x1, y0, y1 = rect
        self.prepareGeometryChange()
        self._rect = QRectF(x0, y0, x1 - x0, y1 - y0)
        buf = np.ascontiguousarray(argb, dtype=np.uint32)
        # no copy: the QImage keeps ``buf`` alive as its ``data``
        fmt = QImage.Format.Format_ARGB32_Premultiplied
        self._qimage = pg.functions.ndarray_to_qimage(buf, fmt)
        self.update()

    def clear(self) -> None:
        self.prepareGeometryChange()
        self._qimage = None
        self._rect = QRectF()
        self.update()

    def argb(self) -> npt.NDArray[np.uint32] | None:
        """The frame's pixels (row 0 at the top), or None before the first frame."""
        return None if self._qimage is None else self._qimage.data

    def boundingRect(self) -> QRectF:
        return QRectF(self._rect)

    def paint(self, painter: QPainter, *_args: Any) -> None:
        img, r = self._qimage, self._rect
        if img is None or r.isEmpty():
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.translate(r.left(), r.bottom())  # the image's row 0 at the top (y1)
        painter.scale(r.width() / img.width(), -r.height() / img.height())
        painter.drawImage(0, 0, img)
        painter.restore()


class _MapViewBox(pg.ViewBox):
    """Pans on a plain drag; Shift+drag draws a box, Ctrl+drag a lasso."""

    def __init__(self, owner: MapView) -> None:
        super().__init__(lockAspect=True, enableMenu=False)
        self._owner = owner
        self._lasso: list[QPointF] = []
        self._path_item = QGraphicsPathItem()
        pen = QPen(QColor("#D55E00"))
        pen.setCosmetic(True)
        pen.setWidthF(1.5)
        pen.setStyle(Qt.PenStyle.DashLine)
        self._path_item.setPen(pen)
        self._path_item.setZValue(100)
        self._path_item.hide()
        self.addItem(self._path_item, ignoreBounds=True)

    def mouseDragEvent(self, ev: Any, axis: Any = None) -> None:
        mods = ev.modifiers()
        if ev.button() != Qt.MouseButton.LeftButton or not (
            mods & (Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier)
        ):
            super().mouseDragEvent(ev, axis)
            return
        ev.accept()
        pos = self.mapSceneToView(ev.scenePos())
        lasso = bool(mods & Qt.KeyboardModifier.ControlModifier)
        if ev.isStart():
            self._lasso = [self.mapSceneToView(ev.buttonDownScenePos())]
        self._lasso.append(pos)
        path = QPainterPath()
        if lasso:
            path.moveTo(self._lasso[0])
            for p in self._lasso[1:]:
                path.lineTo(p)
            path.closeSubpath()
        else:
            path.addRect(QRectF(self._lasso[0], pos).normalized())
        self._path_item.setPath(path)
        self._path_item.show()
        if ev.isFinish():
            self._path_item.hide()
            if lasso:
                self._owner.select_polygon([(p.x(), p.y()) for p in self._lasso])
            else:
                a = self._lasso[0]
                self._owner.select_rect(a.x(), pos.x(), a.y(), pos.y())
            self._lasso = []


class MapView(QWidget):
    """Signals: ``paper_clicked(int)``, ``paper_hovered(int)`` (-1 when none),
    ``selection_made(list)`` (paper ids from a box or lasso), ``runs_dropped(int,
    list)`` (runs dragged onto a paper: its id and the run ids)."""

    paper_clicked = Signal(int)
    paper_hovered = Signal(int)
    selection_made = Signal(list)
    runs_dropped = Signal(int, list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view_box = _MapViewBox(self)
        self.plot = pg.PlotWidget(viewBox=self.view_box)
        style_plot(self.plot)
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.plot.setMenuEnabled(False)
        self.image = _FrameItem()
        self.view_box.addItem(self.image, ignoreBounds=True)
        self.overlay = pg.ScatterPlotItem(
            size=9, pen=pg.mkPen(plot_foreground(), width=1.2), brush=None
        )
        self.overlay.setZValue(10)
        self.hover_marker = pg.ScatterPlotItem(
            size=13, pen=pg.mkPen("#D55E00", width=2), brush=None
        )
        self.hover_marker.setZValue(11)
        self.view_box.addItem(self.overlay)
        self.view_box.addItem(self.hover_marker)
        self.legend = pg.LegendItem(
            offset=(6, 6), labelTextSize="8pt", labelTextColor="#333333",
            brush=pg.mkBrush(255, 255, 255, 200), verSpacing=-4,
        )  # fmt: skip
        self.legend.setParentItem(self.plot.getPlotItem().vb)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        # runs dropped on a paper link to it: the drop reaches this widget, not the scene
        self.plot.setAcceptDrops(False)
        self.plot.viewport().setAcceptDrops(False)
        self.setAcceptDrops(True)

        self.ids = np.zeros(0, dtype=np.int64)
        self.coords = np.zeros((0, 2), dtype=np.float32)
        self._colours = np.zeros(0, dtype=np.uint32)
        self._order = np.zeros(0, dtype=np.int64)
        self._grid = raster.PointGrid(self.coords)
        self._grid_colours = np.zeros(0, dtype=np.uint32)  # premultiplied, in grid order
        self._bulk: raster.View = (0.0, 1.0, 0.0, 1.0)
        self._id_order = np.zeros(0, dtype=np.int64)
        self._frame_key: tuple[Any, ...] | None = None  # what the frame shown was drawn from
        self._labels: list[tuple[pg.TextItem, int, tuple[float, float]]] = []
        self._label_levels: list[int] = []
        self.label_level = 0  # the hierarchy level whose labels are shown
        self._highlight = np.zeros(0, dtype=np.int64)
        self._describe: Callable[[int], str] | None = None
        self.mode = "empty"  # "density" | "points" | "empty": what the last render drew
        self._render_timer = QTimer(self, singleShot=True, interval=0)
        self._render_timer.timeout.connect(self.render_now)
        self.view_box.sigRangeChanged.connect(lambda *_: self._render_timer.start())
        self.view_box.sigResized.connect(lambda *_: self._render_timer.start())
        self.plot.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)
        self.plot.scene().sigMouseClicked.connect(self._on_scene_mouse_clicked)
        lut = pg.colormap.get("CET-L8").getLookupTable(0.0, 1.0, 256, alpha=True)
        lut = np.asarray(lut, dtype=np.uint32)  # RGBA rows; entry 0: empty, transparent
        self._density_lut = (lut[:, 3] << 24) | (lut[:, 0] << 16) | (lut[:, 1] << 8) | lut[:, 2]
        self._density_lut[0] = 0

    # -- data ------------------------------------------------------------------------
    def set_points(
        self, ids: npt.ArrayLike, coords: npt.ArrayLike, keep_view: bool = False
    ) -> None:
        """The map's papers and their 2-D layout (row-aligned), prepared here (for ten
        million points prepare them on a worker with :func:`raster.prepare_points` and
        pass the result to :meth:`show_prepared`)."""
        ids = np.asarray(ids, dtype=np.int64)
        keep = self._order if self._order.shape[0] == ids.shape[0] else None
        self.show_prepared(raster.prepare_points(ids, coords, order=keep), keep_view)

    def show_prepared(self, points: raster.PreparedPoints, keep_view: bool = False) -> None:
        """Show points prepared by :func:`raster.prepare_points` (instant)."""
        self.ids = points.ids
        self.coords = points.coords
        if self._colours.shape[0] != self.ids.shape[0]:
            self._colours = np.full(self.ids.shape[0], 0xFF0072B2, dtype=np.uint32)
        self._order = points.order
        self._grid = points.grid
        self._bulk = points.bulk
        self._id_order = points.id_order
        self._grid_colours = _premultiplied(self._colours)[self._grid.rows]
        self._frame_key = None
        if not keep_view:
            self.reset_view()
        self._update_overlay()
        self._render_timer.start()

    def set_colours(
        self, colours: npt.ArrayLike, legend: Sequence[tuple[str, QColor]] = ()
    ) -> None:
        """One ``0xAARRGGBB`` per point, and the legend's (name, colour) entries."""
        self._colours = np.asarray(colours, dtype=np.uint32)
        if self._colours.shape[0] == len(self._grid.coords):
            self._grid_colours = _premultiplied(self._colours)[self._grid.rows]
        self._frame_key = None
        self.legend.clear()
        for name, color in legend:
            sample = pg.ScatterPlotItem(size=8, pen=None, brush=pg.mkBrush(color))
            self.legend.addItem(sample, name)
        self._render_timer.start()

    def draw_order(self) -> npt.NDArray[np.int64]:
        """The rows' fixed random draw order (kept when the same points move)."""
        return self._order

    def colours(self) -> npt.NDArray[np.uint32]:
        """The points' ``0xAARRGGBB`` colours, row-aligned with ``ids``."""
        return self._colours.copy()

    def set_labels(self, labels: Sequence[tuple[str, float, float, int, int]]) -> None:
        """Cluster labels: (text, x, y, size, level in the hierarchy); the view shows
        the level that fits its zoom, the biggest clusters first."""
        for item, _, _ in self._labels:
            self.view_box.removeItem(item)
        self._labels = []
        self._label_levels = []
        for text, x, y, size, level in sorted(labels, key=lambda t: (t[4], -t[3])):
            item = pg.TextItem(
                text, color="#222222", anchor=(0.5, 0.5), fill=pg.mkBrush(255, 255, 255, 190)
            )
            item.setPos(x, y)
            item.setZValue(20)
            item.setVisible(False)  # until the next render places it
            self.view_box.addItem(item, ignoreBounds=True)
            self._labels.append((item, size, (float(x), float(y))))
            self._label_levels.append(int(level))
        self._render_timer.start()

    def set_highlight(self, paper_ids: npt.ArrayLike) -> None:
        """Papers to mark on top of the map (the table's selection or search hits)."""
        self._highlight = np.asarray(paper_ids, dtype=np.int64)
        self._update_overlay()

    def set_describer(self, describe: Callable[[int], str]) -> None:
        """How hover describes a paper (title, first author, year)."""
        self._describe = describe

    def reset_view(self) -> None:
        """Fit the view to the bulk of the points (far outliers may fall outside)."""
        x0, x1, y0, y1 = self._bulk
        self.view_box.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)

    def visible_labels(self) -> list[str]:
        return [item.textItem.toPlainText() for item, _, _ in self._labels if item.isVisible()]

    def label_rects(self) -> list[tuple[str, QRectF]]:
        """The drawn labels and their rectangles in the view box's coordinates (pixels),
        to check that each lies inside the view."""
        out = []
        for item, _, _ in self._labels:
            if item.isVisible():
                rect = item.mapRectToItem(self.view_box, item.boundingRect())
                out.append((item.textItem.toPlainText(), rect))
        return out

    # -- rendering -------------------------------------------------------------------
    def current_view(self) -> raster.View:
        (x0, x1), (y0, y1) = self.view_box.viewRange()
        return (float(x0), float(x1), float(y0), float(y1))

    def pixel_shape(self) -> tuple[int, int]:
        rect = self.view_box.sceneBoundingRect()
        ratio = self.devicePixelRatioF()
        return max(int(rect.height() * ratio), 1), max(int(rect.width() * ratio), 1)

    def render_now(self) -> None:
        """Redraw the frame for the current view (also called after a pan/zoom)."""
        n = self.ids.shape[0]
        if n == 0:
            self.image.clear()
            self._frame_key = None
            self.mode = "empty"
            return
        view = self.current_view()
        shape = self.pixel_shape()
        key = (view, shape)  # new points or colours reset it
        if key != self._frame_key:  # a resize or new labels alone redraw nothing
            self._frame_key = key
            self._draw_frame(view, shape)
        self._place_labels(view)

    def _draw_frame(self, view: raster.View, shape: tuple[int, int]) -> None:
        tile = None
        if self._grid.count_upper(view) > DENSITY_ABOVE:
            tile = self._grid.density_tile(view, shape)
        if tile is not None:  # zoomed out: a slice of the density tiles
            counts, rect = tile
            self._show_density(counts, rect)
            return
        slots, xy = self._grid.candidate_points(view)  # the cells' points, read once
        x0, x1, y0, y1 = view
        inside = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
        if int(np.count_nonzero(inside)) > DENSITY_ABOVE:  # the counts skip the outside
            self._show_density(raster.density(xy, view, shape), view)
        else:
            self._show_points(slots[inside], view, shape)

    def _show_density(self, counts: npt.NDArray[np.float32], rect: raster.View) -> None:
        self.image.set_argb(raster.colour_counts(counts, self._density_lut), rect)
        self.mode = "density"

    def _show_points(
        self, slots: npt.NDArray[np.int64], view: raster.View, shape: tuple[int, int]
    ) -> None:
        """The points at ``slots`` of the grid (its ``xy`` rows) as discs."""
        n_visible = slots.shape[0]
        radius = 3 if n_visible <= 3_000 else 2 if n_visible <= 30_000 else 1
        # the image has device pixels: at 200% a point needs twice the radius
        radius = max(1, round(radius * self.devicePixelRatioF()))
        xy = self._grid.xy[slots]
        cols = self._grid_colours[slots]
        self.image.set_argb(raster.splat_discs(xy, cols, view, shape, radius), view)
        self.mode = "points"

    def _place_labels(self, view: raster.View) -> None:
        """The labels of the hierarchy level that fits the view (broad ones for the whole
        map, specific ones zoomed in), largest clusters first, never overlapping, each
        whole inside the view."""
        if not self._labels:
            return
        rect = self.view_box.sceneBoundingRect()
        centres = [centre for _, _, centre in self._labels]
        sizes = [size for _, size, _ in self._labels]
        text_px = [
            (item.textItem.boundingRect().width(), item.textItem.boundingRect().height())
            for item, _, _ in self._labels
        ]
        shape = (max(int(rect.height()), 1), max(int(rect.width()), 1))
        self.view_box.updateMatrix()  # pyqtgraph applies a new range at the next paint
        self.label_level, placed = raster.place_level_labels(
            centres, self._label_levels, sizes, text_px, view, shape
        )
        spots = {i: (x, y) for i, x, y in placed}
        for i, (item, _, _) in enumerate(self._labels):
            if i in spots:
                item.setPos(*spots[i])
            item.setVisible(i in spots)
            if i in spots:  # follow the new view now, not at the next paint
                item.updateTransform(force=True)

    def _update_overlay(self) -> None:
        rows = self.rows_of(self._highlight[:OVERLAY_MAX])
        xy = self.coords[rows] if rows.size else np.zeros((0, 2), dtype=np.float32)
        self.overlay.setData(x=xy[:, 0], y=xy[:, 1])

    # -- lookups ---------------------------------------------------------------------
    def rows_of(self, paper_ids: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Rows of the given paper ids, in their order (ids not on the map dropped)."""
        wanted = np.asarray(paper_ids, dtype=np.int64).reshape(-1)
        if self.ids.size == 0 or wanted.size == 0:
            return np.zeros(0, dtype=np.int64)
        sorted_ids = self.ids[self._id_order]
        pos = np.minimum(np.searchsorted(sorted_ids, wanted), sorted_ids.size - 1)
        found = sorted_ids[pos] == wanted
        return self._id_order[pos[found]].astype(np.int64)

    def paper_at(self, x: float, y: float, max_px: float = HOVER_PX) -> int:
        """The paper nearest a point in layout units, within ``max_px`` screen pixels."""
        if self.ids.size == 0:
            return -1
        x0, x1, _, _ = self.current_view()
        per_px = (x1 - x0) / max(self.pixel_shape()[1] / self.devicePixelRatioF(), 1)
        row = self._grid.nearest(x, y, max_distance=max_px * per_px)
        return int(self.ids[row]) if row >= 0 else -1

    def select_rect(self, x0: float, x1: float, y0: float, y1: float) -> None:
        rows = self._grid.select_box(x0, x1, y0, y1)
        self.selection_made.emit([int(i) for i in self.ids[rows]])

    def select_polygon(self, polygon: Sequence[tuple[float, float]]) -> None:
        rows = self._grid.select_lasso(polygon)
        self.selection_made.emit([int(i) for i in self.ids[rows]])

    # -- events ----------------------------------------------------------------------
    def _on_scene_mouse_moved(self, scene_pos: QPointF) -> None:
        if self.ids.size == 0 or not self.view_box.sceneBoundingRect().contains(scene_pos):
            return
        p = self.view_box.mapSceneToView(scene_pos)
        pid = self.paper_at(p.x(), p.y())
        if pid >= 0:
            row = self.rows_of([pid])
            self.hover_marker.setData(x=self.coords[row, 0], y=self.coords[row, 1])
            if self._describe is not None:
                global_pos = self.plot.mapToGlobal(self.plot.mapFromScene(scene_pos))
                QToolTip.showText(global_pos, self._describe(pid), self.plot)
        else:
            self.hover_marker.setData(x=[], y=[])
            QToolTip.hideText()
        self.paper_hovered.emit(pid)

    def _on_scene_mouse_clicked(self, ev: Any) -> None:
        if ev.button() != Qt.MouseButton.LeftButton:
            return
        if ev.double():
            self.reset_view()
            return
        p = self.view_box.mapSceneToView(ev.scenePos())
        pid = self.paper_at(p.x(), p.y())
        if pid >= 0:
            self.paper_clicked.emit(pid)

    def paper_at_widget(self, pos: QPointF) -> int:
        """The paper under a point of this widget (-1: none)."""
        local = self.plot.mapFrom(self, pos.toPoint())
        p = self.view_box.mapSceneToView(self.plot.mapToScene(local))
        return self.paper_at(p.x(), p.y())

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(RUNS_MIME):
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        pid = self.paper_at_widget(event.position())
        if event.mimeData().hasFormat(RUNS_MIME) and pid >= 0:
            row = self.rows_of([pid])
            self.hover_marker.setData(x=self.coords[row, 0], y=self.coords[row, 1])
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        import json

        pid = self.paper_at_widget(event.position())
        if not event.mimeData().hasFormat(RUNS_MIME) or pid < 0:
            event.ignore()
            return
        event.acceptProposedAction()
        ids = json.loads(bytes(event.mimeData().data(RUNS_MIME).data()).decode())
        self.runs_dropped.emit(pid, [str(i) for i in ids])

    # -- export ----------------------------------------------------------------------
    def export(self, path: Path, width: int = 2000) -> Path:
        """The map as PNG (``width`` pixels) or SVG, as it looks now."""
        from paperscope.gui.exporters import export_item

        return export_item(self.plot.getPlotItem(), path, width=width)
