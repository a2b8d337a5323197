"""The pyqtgraph items of a pane's reference lines (reported results).

A reported value is a dashed horizontal :class:`pyqtgraph.InfiniteLine` with its label
("method — paper") at the right end, over a shaded :class:`pyqtgraph.LinearRegionItem`
for its spread (± std or the CI); a reported curve is a dashed line with its band. An
invisible two-point item carries each line's y span, so fitting the view keeps the
references in sight. Log axes: the items are placed again (:meth:`ReferenceItems.place`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from PySide6.QtCore import Qt

from paperscope.results.references import REFERENCE_COLOURS, Reference

LINE_WIDTH = 1.5  # logical px
BAND_ALPHA = 45


def _rgba(colour: str, alpha: int) -> tuple[int, int, int, int]:
    c = colour.lstrip("#")
    return (int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16), alpha)


def _log(v: float | None, log: bool) -> float | None:
    if v is None:
        return None
    if not log:
        return v
    return math.log10(v) if v > 0 else None


class ReferenceItems:
    """The items of one drawing's references in ``plot`` (a ``pg.PlotWidget``)."""

    def __init__(self) -> None:
        self.lines: list[tuple[Any, Any, Any, Reference]] = []  # line, region, span item
        self.curves: list[tuple[Any, Reference]] = []
        self.colours: dict[str, str] = {}

    def draw(
        self, plot: Any, references: Sequence[Reference], x_span: tuple[float, float],
        width: float, log_y: bool,
    ) -> None:  # fmt: skip
        import pyqtgraph as pg

        self.clear()
        for i, r in enumerate(references):
            colour = REFERENCE_COLOURS[i % len(REFERENCE_COLOURS)]
            self.colours[r.label] = colour
            pen = pg.mkPen(colour, width=width, style=Qt.PenStyle.DashLine)
            if r.is_curve:
                if r.has_band:
                    lo = pg.PlotDataItem(r.x, r.y_lower, pen=pg.mkPen(None))
                    hi = pg.PlotDataItem(r.x, r.y_upper, pen=pg.mkPen(None))
                    band = pg.FillBetweenItem(lo, hi, brush=pg.mkBrush(*_rgba(colour, BAND_ALPHA)))
                    for item in (lo, hi, band):
                        plot.addItem(item)
                item = pg.PlotDataItem(r.x, r.y, pen=pen, name=r.label)
                plot.addItem(item)
                self.curves.append((item, r))
                continue
            region = None
            if r.has_band:
                region = pg.LinearRegionItem(
                    orientation="horizontal", movable=False,
                    brush=pg.mkBrush(*_rgba(colour, BAND_ALPHA)), pen=pg.mkPen(None),
                )  # fmt: skip
                region.setZValue(-10)
                plot.addItem(region, ignoreBounds=True)
            line = pg.InfiniteLine(
                angle=0, movable=False, pen=pen, label=r.label,
                labelOpts={"position": 0.98, "anchors": [(1, 1), (1, 1)], "color": colour,
                           "fill": (255, 255, 255, 170)},
            )  # fmt: skip
            plot.addItem(line, ignoreBounds=True)
            lo, hi = r.y_span()
            x0, x1 = x_span
            span = pg.PlotDataItem([x0, x1], [lo, hi], pen=pg.mkPen(0, 0, 0, 0))
            plot.addItem(span)
            self.lines.append((line, region, span, r))
        self.place(log_y)

    def clear(self) -> None:
        """Forget the items (the plot was cleared)."""
        self.lines.clear()
        self.curves.clear()
        self.colours.clear()

    def place(self, log_y: bool) -> None:
        """Put the lines and bands at their values (log10 of them on a log y axis;
        a value ≤ 0 there is hidden)."""
        for line, region, _span, r in self.lines:
            v = _log(r.value, log_y)
            line.setVisible(v is not None)
            if v is not None:
                line.setPos(v)
            if region is not None:
                lo, hi = _log(r.lower, log_y), _log(r.upper, log_y)
                region.setVisible(lo is not None and hi is not None)
                if lo is not None and hi is not None:
                    region.setRegion((lo, hi))

    def values(self) -> dict[str, float]:
        """label → the y value of each reference line (data coordinates)."""
        return {r.label: r.value for *_items, r in self.lines}

    def curve_data(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        return {r.label: (r.x, r.y) for _item, r in self.curves}
