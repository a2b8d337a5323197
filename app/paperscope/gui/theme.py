"""Plots follow the system palette (light or dark): pyqtgraph's own defaults are a black
background, so every plot widget gets its colours from here."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication


def palette() -> QPalette:
    app = QApplication.instance()
    return app.palette() if isinstance(app, QApplication) else QPalette()


def is_dark() -> bool:
    return palette().color(QPalette.ColorRole.Base).lightness() < 128


def plot_background() -> QColor:
    return palette().color(QPalette.ColorRole.Base)


def plot_foreground() -> QColor:
    return palette().color(QPalette.ColorRole.Text)


def style_plot(widget: Any) -> None:
    """Background (and, for a PlotWidget, axes and title) in the palette's colours."""
    widget.setBackground(plot_background())
    if hasattr(widget, "getPlotItem"):
        style_axes(widget.getPlotItem())


def style_axes(item: Any) -> None:
    """Axes and title of one pyqtgraph PlotItem in the palette's text colour."""
    import pyqtgraph as pg

    fg = plot_foreground()
    for name in ("left", "bottom", "right", "top"):
        axis = item.getAxis(name)
        axis.setPen(pg.mkPen(fg))
        axis.setTextPen(pg.mkPen(fg))
    item.titleLabel.setAttr("color", fg.name())
