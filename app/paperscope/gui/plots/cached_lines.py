"""Many lines painted once: a pyqtgraph item holding one ``QPainterPath`` per colour,
rasterised into an image at the device's resolution on the first paint and blitted on
every paint after, until the paths, the pens, the view's transform or the device's size
change. The parallel-coordinates pane draws its 10,000 runs with it, so a brush or a
drag repaints only the selected lines and the rectangles on top (a full repaint of
10,000 polylines costs ~70 ms here; a blit ~1 ms).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np


@functools.cache
def cached_lines_class() -> Any:
    """The item class (pyqtgraph loads with the first plot)."""
    import pyqtgraph as pg
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QImage, QPainter

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
            device = painter.device()
            ratio = float(device.devicePixelRatioF())
            t = painter.combinedTransform()  # item → the device's logical pixels
            w, h = device.width(), device.height()
            key = (t.m11(), t.m12(), t.m21(), t.m22(), t.dx(), t.dy(), w, h, ratio)
            if self._image is None or key != self._key:
                image = QImage(
                    round(w * ratio), round(h * ratio), QImage.Format.Format_ARGB32_Premultiplied
                )
                image.setDevicePixelRatio(ratio)
                image.fill(0)
                p = QPainter(image)
                # with a clip the raster engine strokes the paths ~10x faster
                p.setClipRect(QRectF(0, 0, w, h))
                p.setTransform(t)
                for path, pen in zip(self._paths, self._pens, strict=True):
                    p.setPen(pen)
                    p.drawPath(path)
                p.end()
                self._image, self._key = image, key
                self.renders += 1
            painter.save()
            painter.resetTransform()
            painter.drawImage(0, 0, self._image)
            painter.restore()

    return CachedLines
