"""The pyqtgraph items of a pane's reference lines (reported results).

The reported values of a drawing are painted by **two** items (:func:`lines_item_class`):
one, over the runs' curves, draws a dashed horizontal line across the view for each
value and its label ("method — paper") at the right end; the other, behind them, the
shaded bands of the spreads (± std or the CI) — one ``paint`` call each, the labels
pre-rendered once as pixmaps, so 20 lines cost about what one item does (20
``InfiniteLine``s with labels and ``LinearRegionItem``s cost ~30 ms a frame).
The item reports the lines' y span (``dataBounds``) so fitting the view keeps them in
sight. A reported curve is a dashed ``PlotDataItem`` with its band. Log y: the values
are placed again (:meth:`ReferenceItems.place`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPaintEngine,
    QPainter,
    QPen,
    QPixmap,
    QTransform,
)

from paperscope.results.references import REFERENCE_COLOURS, Reference

BAND_ALPHA = 45
LABEL_PAD = 2.0  # logical px around a label's text
DASH = (4, 2)  # a dash and a gap, in line widths (Qt's DashLine)


def label_place(k: int) -> tuple[float, bool]:
    """Where the label of the line k-th by value (highest first) sits: its right end
    as a share of the view's width and whether it is above the line — staggered so the
    labels of close values do not cover each other: right above, right below, middle
    above, middle below, …"""
    position = 0.98 if (k // 2) % 2 == 0 else 0.5
    return position, k % 2 == 0


def _rgba(colour: str, alpha: int) -> tuple[int, int, int, int]:
    c = colour.lstrip("#")
    return (int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16), alpha)


def _log(v: float | None, log: bool) -> float | None:
    if v is None:
        return None
    if not log:
        return v
    return math.log10(v) if v > 0 else None


@functools.cache
def lines_item_class() -> Any:
    """A ``pg.GraphicsObject`` painting every reference line, band and label."""
    import pyqtgraph as pg

    class ReferenceLinesItem(pg.GraphicsObject):  # type: ignore[misc]
        """``bands``: the shaded spreads (behind the runs); else the dashed lines and
        their labels (over the runs)."""

        def __init__(self, width: float, dpr: float, bands: bool) -> None:
            super().__init__()
            self.width = width  # device px
            self.dpr = dpr
            self.bands = bands
            self.font = QFont()
            self.texts: list[str] = []  # the labels' text (drawn as text into an SVG)
            self._brushes: dict[tuple[int, int], QBrush] = {}
            # (value, lower, upper in view coordinates, colour, label pixmap, rank)
            self.entries: list[tuple[float | None, float | None, float | None, QColor,
                                     QPixmap, int]] = []  # fmt: skip
            self.setZValue(-5 if bands else 5)

        def _dash(self, colour: QColor, thick: int) -> QBrush:
            key = (colour.rgba(), thick)
            brush = self._brushes.get(key)
            if brush is None:
                on, off = DASH[0] * thick, DASH[1] * thick
                tile = QImage(on + off, thick, QImage.Format.Format_ARGB32_Premultiplied)
                tile.fill(0)
                tp = QPainter(tile)
                tp.fillRect(0, 0, on, thick, colour)
                tp.end()
                brush = self._brushes[key] = QBrush(tile)
            return brush

        def set_entries(self, entries: list[Any]) -> None:
            self.prepareGeometryChange()
            self.entries = entries
            self.informViewBoundsChanged()
            self.update()

        def dataBounds(self, ax: int, frac: float = 1.0, orthoRange: Any = None) -> Any:
            if ax != 1:
                return None
            ys = [v for e in self.entries for v in e[:3] if v is not None]
            return (min(ys), max(ys)) if ys else None

        def boundingRect(self) -> QRectF:
            r = self.viewRect()
            return QRectF() if r is None else QRectF(r)

        def viewTransformChanged(self) -> None:
            self.prepareGeometryChange()
            super().viewTransformChanged()

        def paint(self, p: QPainter, *_args: Any) -> None:
            view = self.viewRect()
            if view is None or not self.entries:
                return
            tr = p.transform()
            left = tr.map(QPointF(view.left(), 0.0)).x()
            right = tr.map(QPointF(view.right(), 0.0)).x()
            x0, x1 = min(left, right), max(left, right)
            p.save()
            p.resetTransform()  # draw in device pixels: cosmetic lines, unscaled text
            p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            for _value, lo, hi, colour, _pix, _rank in self.entries if self.bands else ():
                if lo is not None and hi is not None:
                    y_lo, y_hi = tr.map(QPointF(0.0, lo)).y(), tr.map(QPointF(0.0, hi)).y()
                    band = QColor(colour)
                    band.setAlpha(BAND_ALPHA)
                    p.fillRect(QRectF(x0, min(y_lo, y_hi), x1 - x0, abs(y_hi - y_lo)), band)
            # a dashed line is a thin rectangle filled with a dash tile (Qt fills it
            # ~2.5x faster than it strokes a dashed pen across the view)
            # (an SVG export gets real dashed lines and text)
            engine = p.paintEngine()
            vector = engine is not None and engine.type() != QPaintEngine.Type.Raster
            thick = max(1, round(self.width))
            fm = QFontMetricsF(self.font)
            for k, (value, _lo, _hi, colour, pix, rank) in enumerate(
                () if self.bands else self.entries
            ):
                if value is None:
                    continue
                y = round(tr.map(QPointF(0.0, value)).y())
                if vector:
                    pen = QPen(colour, self.width, Qt.PenStyle.DashLine)
                    pen.setCosmetic(True)
                    p.setPen(pen)
                    p.drawLine(QPointF(x0, y), QPointF(x1, y))
                else:
                    brush = self._dash(colour, thick)
                    brush.setTransform(QTransform.fromTranslate(0, y - thick // 2))
                    p.fillRect(QRectF(x0, y - thick // 2, x1 - x0, thick), brush)
                share, above = label_place(rank)
                w = pix.width() / pix.devicePixelRatio()
                h = pix.height() / pix.devicePixelRatio()
                right_end = x0 + share * (x1 - x0)
                at = QPointF(max(x0, right_end - w), y - h - 1 if above else y + 2)
                if not vector:
                    p.drawPixmap(at, pix)
                    continue
                p.fillRect(QRectF(at.x(), at.y(), w, h), QColor(255, 255, 255, 170))
                p.setFont(self.font)
                p.setPen(colour)
                text = self.texts[k] if k < len(self.texts) else ""
                p.drawText(QPointF(at.x() + LABEL_PAD, at.y() + LABEL_PAD + fm.ascent()), text)
            p.restore()

    return ReferenceLinesItem


def label_pixmap(text: str, colour: QColor, font: QFont, dpr: float) -> QPixmap:
    """A label's text in its colour on a translucent white box, rendered once."""
    fm = QFontMetricsF(font)
    w = fm.horizontalAdvance(text) + 2 * LABEL_PAD
    h = fm.height() + 2 * LABEL_PAD
    pix = QPixmap(max(1, math.ceil(w * dpr)), max(1, math.ceil(h * dpr)))
    pix.setDevicePixelRatio(dpr)
    pix.fill(QColor(255, 255, 255, 170))
    p = QPainter(pix)
    p.setFont(font)
    p.setPen(colour)
    p.drawText(QPointF(LABEL_PAD, LABEL_PAD + fm.ascent()), text)
    p.end()
    return pix


class ReferenceItems:
    """The reference items of one drawing in ``plot`` (a ``pg.PlotWidget``)."""

    def __init__(self) -> None:
        self.item: Any = None  # the one painted item of the lines and labels
        self.band_item: Any = None  # and the one of their bands
        self.references: list[Reference] = []  # the lines (not curves), in order
        self.ranks: list[int] = []
        self.curves: list[tuple[Any, Reference]] = []
        self.colours: dict[str, str] = {}
        self._pixmaps: list[QPixmap] = []

    def clear(self) -> None:
        """Forget the items (the plot was cleared)."""
        self.item = self.band_item = None
        self.references = []
        self.ranks = []
        self.curves.clear()
        self.colours.clear()
        self._pixmaps = []

    def draw(
        self, plot: Any, references: Sequence[Reference], width: float, dpr: float, log_y: bool
    ) -> None:
        import pyqtgraph as pg

        self.clear()
        font = QFont(plot.font())
        font.setPointSizeF(8.0)
        for i, r in enumerate(references):
            colour = REFERENCE_COLOURS[i % len(REFERENCE_COLOURS)]
            self.colours[r.label] = colour
            if r.is_curve:
                pen = pg.mkPen(colour, width=width, style=Qt.PenStyle.DashLine)
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
            self.references.append(r)
            self._pixmaps.append(label_pixmap(r.label, QColor(colour), font, dpr))
        if not self.references:
            return
        # labels staggered by value, highest first (close values get apart places)
        order = sorted(range(len(self.references)), key=lambda k: -self.references[k].value)
        rank = {k: j for j, k in enumerate(order)}
        self.ranks = [rank[k] for k in range(len(self.references))]
        self.item = lines_item_class()(width, dpr, False)
        self.item.font = font
        self.item.texts = [r.label for r in self.references]
        plot.addItem(self.item)
        if any(r.has_band for r in self.references):
            self.band_item = lines_item_class()(width, dpr, True)
            plot.addItem(self.band_item)
        self.place(log_y)

    def place(self, log_y: bool) -> None:
        """Put the lines and bands at their values (log10 of them on a log y axis; a
        value ≤ 0 there is left out)."""
        if self.item is None:
            return
        entries = []
        for k, r in enumerate(self.references):
            v = _log(r.value, log_y)
            lo = _log(r.lower, log_y) if r.has_band else None
            hi = _log(r.upper, log_y) if r.has_band else None
            if lo is None or hi is None:
                lo = hi = None
            colour = QColor(self.colours[r.label])
            entries.append((v, lo, hi, colour, self._pixmaps[k], self.ranks[k]))
        self.item.set_entries(entries)
        if self.band_item is not None:
            self.band_item.set_entries(entries)

    def values(self) -> dict[str, float]:
        """label → the y value of each reference line (data coordinates)."""
        return {r.label: r.value for r in self.references}

    def bands(self) -> dict[str, tuple[float, float]]:
        """label → the band (view coordinates) of each line that has one."""
        if self.item is None:
            return {}
        return {
            r.label: (e[1], e[2])
            for r, e in zip(self.references, self.item.entries, strict=True)
            if e[1] is not None and e[2] is not None
        }

    def curve_data(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        return {r.label: (r.x, r.y) for _item, r in self.curves}
