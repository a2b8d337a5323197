"""The plot pane's legend: beside the plot area, never over it, and never wider than a
share of the pane.

Two things pyqtgraph's ``LegendItem`` does not do when it lives in a layout cell:

* ``updateSize`` (called for every entry added) sets the legend's geometry at
  ``(0, 0)``, which is the plot's top-left corner: until the plot happened to lay
  itself out again the legend sat over the y axis and the first curves (a screenshot
  taken right after grouping the Dopamine runs by agent showed it there). Here it
  keeps its place and asks its layout for another pass.
* Long labels (``agent=DQN (Adam + MSE in JAX) (n=10)``) made the cell as wide as
  the longest one: in a 600 px pane the plot area was left 256 px. Labels are elided
  in the middle to :attr:`PaneLegend.max_label_px` (the pane sets it from its width,
  and again when it is resized); the full name is the label's tooltip and stays in
  :attr:`PaneLegend.names`.
"""

from __future__ import annotations

import html
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetricsF

LABEL_POINT_SIZE = 8.0
MIN_LABEL_PX = 110  # a label is never elided below this
WIDTH_SHARE = 0.25  # of the pane's width, at most, for a label


def label_budget(pane_width: float) -> int:
    """The widest a label may be in a pane ``pane_width`` px wide."""
    return max(MIN_LABEL_PX, int(WIDTH_SHARE * pane_width))


def elide(text: str, max_px: float, font: QFont | None = None) -> str:
    """``text`` shortened in the middle (``…``) to at most ``max_px`` px."""
    if font is None:
        font = QFont()
        font.setPointSizeF(LABEL_POINT_SIZE)
    return QFontMetricsF(font).elidedText(text, Qt.TextElideMode.ElideMiddle, float(max_px))


class PaneLegend(pg.LegendItem):  # type: ignore[misc]
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(labelTextSize=f"{LABEL_POINT_SIZE:g}pt", **kwargs)
        self._full: dict[int, str] = {}  # id(label item) → its full name
        self.max_label_px = 240

    @property
    def names(self) -> list[str]:
        """The full names, in the order of ``items``."""
        return [self._full.get(id(label), label.text) for _sample, label in self.items]

    def addItem(self, item: Any, name: str) -> None:
        text = str(name)
        shown = elide(text, self.max_label_px)
        super().addItem(item, html.escape(shown))
        label = self.items[-1][1]
        self._full[id(label)] = text
        label.setToolTip(text if shown != text else "")

    def removeItem(self, item: Any) -> None:
        super().removeItem(item)
        self._forget_removed()

    def clear(self) -> None:
        super().clear()
        self._full = {}

    def _forget_removed(self) -> None:
        kept = {id(label) for _sample, label in self.items}
        self._full = {k: v for k, v in self._full.items() if k in kept}

    def set_max_label_px(self, max_px: int) -> None:
        """Elide every label again (the pane was resized)."""
        if max_px == self.max_label_px:
            return
        self.max_label_px = max_px
        for (_sample, label), text in zip(self.items, self.names, strict=True):
            shown = elide(text, max_px)
            label.setText(html.escape(shown))
            label.setToolTip(text if shown != text else "")
        self.updateSize()

    def updateSize(self) -> None:
        pos = self.pos()
        super().updateSize()  # sets the geometry at (0, 0) ...
        self.setPos(pos)  # ... so back to the layout's place for it,
        self.updateGeometry()  # and the layout sizes its cell to the new size
