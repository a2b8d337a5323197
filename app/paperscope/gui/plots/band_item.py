"""A group's shaded band (lower..upper around its centre line) as one path item.

pyqtgraph's ``FillBetweenItem`` rebuilds its polygon from two curve items through Qt's
``toSubpathPolygons`` twice per band (once per curve); on a 4,096-block envelope that is
~10 ms of UI-thread time per band, and three seed bands of 1M-point runs stalled the
event loop for 250 ms on a slow machine. This item builds the polygon once from numpy
(``arrayToQPath``), one sub-path per finite stretch (a NaN block leaves a gap, as the
centre line does), and follows the plot's log axes itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QBrush, QPainterPath
from PySide6.QtWidgets import QGraphicsPathItem


class BandItem(QGraphicsPathItem):
    """The filled area between ``lower`` and ``upper`` over ``x``."""

    def __init__(self, x: Any, lower: Any, upper: Any, brush: QBrush) -> None:
        super().__init__()
        self._x = np.asarray(x, dtype=np.float64)
        self._lo = np.asarray(lower, dtype=np.float64)
        self._hi = np.asarray(upper, dtype=np.float64)
        self._log = (False, False)
        self._bounds = (np.nan, np.nan, np.nan, np.nan)
        self.setBrush(brush)
        self.setPen(pg.mkPen(None))
        # behind every line (as FillBetweenItem puts itself): a later group's band must
        # not tint an earlier group's centre line
        self.setZValue(-1)
        self._rebuild()

    def values(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(x, lower, upper)`` as given (not log-transformed)."""
        return self._x, self._lo, self._hi

    def setLogMode(self, x: bool, y: bool) -> None:
        if (x, y) != self._log:
            self._log = (x, y)
            self._rebuild()

    def dataBounds(
        self, ax: int, frac: float = 1.0, orthoRange: Any = None
    ) -> tuple[float, float] | tuple[None, None]:
        lo, hi = (self._bounds[0], self._bounds[1]) if ax == 0 else self._bounds[2:]
        if not (np.isfinite(lo) and np.isfinite(hi)):
            return None, None
        return float(lo), float(hi)

    def _rebuild(self) -> None:
        x, lo, hi = self._x, self._lo, self._hi
        with np.errstate(all="ignore"):
            if self._log[0]:
                x = np.log10(x)
            if self._log[1]:
                lo, hi = np.log10(lo), np.log10(hi)
        ok = np.isfinite(x) & np.isfinite(lo) & np.isfinite(hi)
        path = QPainterPath()
        if ok.any():
            self._bounds = (
                float(x[ok].min()), float(x[ok].max()),
                float(lo[ok].min()), float(hi[ok].max()),
            )  # fmt: skip
            # the finite stretches: [start, end) of each run of True in ``ok``
            edges = np.flatnonzero(np.diff(np.concatenate(([0], ok.view(np.int8), [0]))))
            for s, e in zip(edges[::2], edges[1::2], strict=True):
                xs = np.concatenate((x[s:e], x[s:e][::-1]))
                ys = np.concatenate((lo[s:e], hi[s:e][::-1]))
                sub = pg.arrayToQPath(xs, ys, connect="all")
                sub.closeSubpath()
                path.addPath(sub)
        else:
            self._bounds = (np.nan, np.nan, np.nan, np.nan)
        self.prepareGeometryChange()
        self.setPath(path)

    def boundingRect(self) -> QRectF:
        return self.path().boundingRect()
