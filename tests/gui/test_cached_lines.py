"""Parallel coordinates' lines painted once (``gui.plots.cached_lines``): the blitted
image shows what pyqtgraph's own curve items draw, in the same place; a brush or a
repaint does not rasterise the lines again, new pens (the faint state) do."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

from paperscope.state.hyper import Axis, HyperSettings

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

COLOURS = ("#E69F00", "#0072B2", "#009E73")


def _canvas(qtbot: QtBot, n: int = 300) -> tuple[Any, list[Axis], list[str], HyperSettings]:
    from paperscope.gui.plots.hyper_canvas import HyperCanvas

    rng = np.random.default_rng(7)
    axes = [Axis(f"config:k{i}", rng.random(n)) for i in range(4)]
    colours = [COLOURS[k % 3] for k in range(n)]
    canvas = HyperCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(800, 400)
    canvas.show()
    return canvas, axes, colours, HyperSettings(axes=tuple(a.key for a in axes))


def _pixels(widget: Any, ratio: int = 1) -> np.ndarray:
    """The widget as painted, at ``ratio`` device pixels per logical one (2: 200 %)."""
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QWidget

    image = QImage(widget.size() * ratio, QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(ratio)
    image.fill(0xFFFFFFFF)
    QWidget.render(widget, image)  # the widget itself (not QGraphicsView.render)
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    ptr = image.constBits()
    rows = np.frombuffer(ptr, np.uint8).reshape(image.height(), image.bytesPerLine())
    return rows[:, : image.width() * 4].reshape(image.height(), image.width(), 4)[..., :3].copy()


@pytest.mark.parametrize("ratio", [1, 2])
def test_the_cached_lines_look_like_pyqtgraphs_curves(qtbot: QtBot, ratio: int) -> None:
    """At 100 % and on a 200 % device (where the lines were once drawn at twice
    their scale, off the axes)."""
    import pyqtgraph as pg

    from paperscope.gui.plots.hyper_canvas import polylines

    canvas, axes, colours, settings = _canvas(qtbot)
    none = np.zeros(len(colours), dtype=bool)
    canvas.draw_parallel(axes, colours, none, settings)
    cached = _pixels(canvas.plot, ratio)
    lines = canvas.line_items[0]
    assert lines.renders == 1
    # the same lines as plain pyqtgraph curve items, one per colour, in place of the cache
    canvas.plot.removeItem(lines)
    positions = np.column_stack([a.normalised() for a in axes])
    for colour in COLOURS:
        rows = [i for i, c in enumerate(colours) if c == colour]
        x, y = polylines(positions[rows])
        canvas.plot.addItem(pg.PlotCurveItem(x, y, pen=pg.mkPen(colour), connect="finite"))
    plain = _pixels(canvas.plot, ratio)
    assert cached.shape == plain.shape
    background = plain[0, 0]
    on_plain = (plain != background).any(axis=2)
    on_cached = (cached != background).any(axis=2)
    assert on_plain.sum() > 5000  # the lines cover many pixels
    # the same pixels lit, in the same colours (rasterisers may differ by a stray pixel)
    assert (on_plain & on_cached).sum() >= 0.98 * on_plain.sum()
    assert (cached != plain).any(axis=2).sum() <= 0.02 * on_plain.sum()


def test_brushes_and_repaints_blit_and_new_pens_rasterise_again(qtbot: QtBot) -> None:
    canvas, axes, colours, settings = _canvas(qtbot)
    n = len(colours)
    none = np.zeros(n, dtype=bool)
    some = np.zeros(n, dtype=bool)
    some[::5] = True
    other = np.zeros(n, dtype=bool)
    other[1::5] = True
    canvas.draw_parallel(axes, colours, none, settings)
    canvas.plot.grab()
    lines = canvas.line_items[0]
    assert lines.renders == 1
    canvas.plot.grab()
    assert lines.renders == 1  # a repaint blits
    canvas.draw_parallel(axes, colours, some, settings)
    canvas.plot.grab()
    assert lines.renders == 2  # faint pens: once
    selected = canvas.selected_item
    assert selected is not None and selected.renders == 1
    canvas.draw_parallel(axes, colours, other, settings)
    canvas.plot.grab()
    canvas.plot.grab()
    assert lines.renders == 2  # another brush: only the selected lines are new
    now = canvas.selected_item
    assert now is not selected and now.renders == 1
