"""Many lines painted once: a pyqtgraph item holding one ``QPainterPath`` per colour,
rasterised into an image at the device's resolution on the first paint and blitted on
every paint after, until the paths, the pens, the view's transform or the device's size
change. The parallel-coordinates pane draws its 10,000 runs with it, so a brush or a
drag repaints only the selected lines and the rectangles on top (a full repaint of
10,000 polylines costs ~70 ms here; a blit ~1 ms).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

MAX_SIDE = 16_384  # device pixels: the largest image side painted


def device_area(painter: Any, bounds: Any) -> tuple[int, int, int, int] | None:
    """The device pixels ``(x0, y0, width, height)`` an item's ``bounds`` (its own
    coordinates) cover inside the painter's clip; None when none. Qt 6's
    ``combinedTransform`` maps an item to device pixels, high-DPI scale included (the
    device's own ``devicePixelRatio`` is not always the one in force: a widget rendered
    into a 200 % image reports 1)."""
    from PySide6.QtCore import QRectF

    t = painter.combinedTransform()
    area = t.mapRect(QRectF(bounds)).adjusted(-4, -4, 4, 4)
    if painter.hasClipping():  # a view box clips its items
        area = area.intersected(t.mapRect(painter.clipBoundingRect()))
    area = area.intersected(QRectF(-MAX_SIDE, -MAX_SIDE, 2 * MAX_SIDE, 2 * MAX_SIDE))
    if area.isEmpty():
        return None
    x0, y0 = math.floor(area.left()), math.floor(area.top())
    w, h = math.ceil(area.right()) - x0, math.ceil(area.bottom()) - y0
    return None if w <= 0 or h <= 0 else (x0, y0, w, h)


def draw_device_image(painter: Any, image: Any, x0: int, y0: int) -> None:
    """Draw ``image`` pixel for pixel at device pixel ``(x0, y0)``: undo whatever maps
    the painter's own coordinates to the device (the high-DPI scale, a render's
    offset)."""
    from PySide6.QtCore import QPointF

    painter.save()
    painter.resetTransform()
    inverse, invertible = painter.combinedTransform().inverted()
    if invertible:
        painter.setWorldTransform(inverse)
    painter.drawImage(QPointF(x0, y0), image)
    painter.restore()


@functools.cache
def cached_lines_class() -> Any:
    """The item class (pyqtgraph loads with the first plot)."""
    import pyqtgraph as pg
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QImage, QPainter, QTransform

    class CachedLines(pg.GraphicsObject):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self._paths: list[Any] = []
            self._pens: list[Any] = []
            self._bounds = QRectF()
            self._image: Any = None
            self._key: tuple[float, ...] | None = None
            self.renders = 0  # how often the lines were rasterised (tests, benchmarks)

        def set_lines(
            self, lines: Sequence[tuple[np.ndarray, np.ndarray]], pens: Sequence[Any]
        ) -> None:
            """One (x, y) polyline set per pen, NaN-separated (``connect="finite"``)."""
            self.prepareGeometryChange()
            self._paths = [pg.arrayToQPath(x, y, connect="finite") for x, y in lines]
            bounds = QRectF()
            for path in self._paths:
                bounds = bounds.united(path.boundingRect())
            self._bounds = bounds
            self._pens = list(pens)
            self._image = None
            self.update()

        def set_pens(self, pens: Sequence[Any]) -> None:
            self._pens = list(pens)
            self._image = None
            self.update()

        def boundingRect(self) -> QRectF:
            return QRectF(self._bounds)

        def paint(self, painter: Any, *_args: Any) -> None:
            area = device_area(painter, self._bounds)
            if area is None:
                return
            x0, y0, w, h = area
            t = painter.combinedTransform()  # item → the device's pixels
            key = (t.m11(), t.m12(), t.m21(), t.m22(), t.dx(), t.dy(), x0, y0, w, h)
            if self._image is None or key != self._key:
                image = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
                image.fill(0)
                p = QPainter(image)
                # with a clip the raster engine strokes the paths ~10x faster
                p.setClipRect(QRectF(0, 0, w, h))
                p.setTransform(t * QTransform.fromTranslate(-x0, -y0))
                for path, pen in zip(self._paths, self._pens, strict=True):
                    p.setPen(pen)
                    p.drawPath(path)
                p.end()
                self._image, self._key = image, key
                self.renders += 1
            draw_device_image(painter, self._image, x0, y0)

    return CachedLines
