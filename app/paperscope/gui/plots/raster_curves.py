"""Hundreds of overlaid runs painted as one image: a pyqtgraph item that draws the curves
of the plot's merged per-colour items (:meth:`PaneCanvas._draw_merged`) itself, with
:func:`paperscope.results.raster.stroke_polylines` (numba), instead of letting each build
a ``QPainterPath`` and Qt stroke it.

The merged items stay in the plot as they were: they hold the data pyqtgraph prepared
(log axes, the pyramid's visible blocks), the pens, the visibility the legend toggles and
the data bounds auto-range reads; only their curve's ``paint`` is switched off. 1,000
runs × 1,000 points: Qt took 31 ms to stroke and 15 ms to build the path a frame; the
image takes ~25 ms. A paint on anything but Qt's raster engine (the SVG exporter) draws
the paths as before, so an exported SVG keeps its vectors.
"""

from __future__ import annotations

import functools
import math
from typing import Any


def _no_paint(*_args: Any) -> None:
    """A merged item's curve: painted by :class:`RasterCurves` instead."""


@functools.cache
def raster_curves_class() -> Any:
    """The item class (pyqtgraph loads with the first plot)."""
    import numpy as np
    import pyqtgraph as pg
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QImage, QPaintEngine

    from paperscope.gui.plots.cached_lines import device_area, draw_device_image

    class RasterCurves(pg.GraphicsObject):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.items: list[Any] = []  # the adopted PlotDataItems, in drawing order
            self.renders = 0  # images painted (tests, benchmarks)
            self.pixels = 0  # pixels the last image put down

        def adopt(self, item: Any) -> None:
            """Paint ``item``'s curve from now on (it keeps everything else)."""
            item.curve.paint = _no_paint
            item.sigPlotChanged.connect(self._changed)
            item.visibleChanged.connect(self._changed)
            self.items.append(item)
            self._changed()

        def _changed(self, *_args: Any) -> None:
            self.prepareGeometryChange()
            self.update()

        def boundingRect(self) -> QRectF:
            rect = QRectF()
            for item in self.items:
                if item.isVisible():
                    rect = rect.united(item.curve.boundingRect())
            return rect

        def _curves(self) -> list[tuple[Any, Any, Any]]:
            out = []
            for item in self.items:
                x, y = item.curve.xData, item.curve.yData
                if item.isVisible() and x is not None and len(x):
                    out.append((x, y, item.curve.opts["pen"]))
            return out

        def paint(self, painter: Any, *_args: Any) -> None:
            curves = self._curves()
            if not curves:
                return
            engine = painter.paintEngine()
            if engine is None or engine.type() != QPaintEngine.Type.Raster:
                for x, y, pen in curves:  # vectors for the SVG exporter
                    painter.setPen(pen)
                    painter.drawPath(pg.arrayToQPath(x, y, connect="finite"))
                return
            from paperscope.results.raster import premultiplied, stroke_polylines

            area = device_area(painter, self.boundingRect())
            if area is None:
                return
            x0, y0, w, h = area
            t = painter.combinedTransform()  # item → the device's pixels
            buffer = np.zeros((h, w), dtype=np.uint32)
            m = (t.m11(), t.m12(), t.m21(), t.m22(), t.dx() - x0, t.dy() - y0)
            pixels = 0
            for x, y, pen in curves:
                c = pen.color()
                colour = premultiplied(c.red(), c.green(), c.blue(), c.alpha())
                if pen.isCosmetic():
                    width = max(1, round(pen.widthF()))
                else:  # a width in the item's units
                    width = max(1, round(pen.widthF() * math.hypot(m[0], m[1])))
                pixels += stroke_polylines(buffer, x, y, m, colour, width)
            image = QImage(buffer.data, w, h, 4 * w, QImage.Format.Format_ARGB32_Premultiplied)
            draw_device_image(painter, image, x0, y0)
            self.renders += 1
            self.pixels = pixels

    return RasterCurves
