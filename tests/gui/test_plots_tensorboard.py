"""Plots as TensorBoard users expect (issue 21, item 14): one click plots a metric, the
axes are labelled, ticks read 1M, the legend sits beside the curves, curves are
thick enough on a high-DPI screen, and the plots get more of the default window."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen

from paperscope.core.records import Run

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from paperscope.gui.main_window import MainWindow
    from paperscope.gui.plots.plot_pane import PlotPane
    from paperscope.gui.plots.plots_view import PlotsView


@pytest.fixture(scope="module")
def demo_runs() -> list[Run]:
    from paperscope.workflows.open import demo_runs as demo_folder
    from paperscope.workflows.runs import load_runs

    runs, issues = load_runs([demo_folder()], use_cache=False)
    assert not issues
    return runs


@pytest.fixture
def view(qtbot: QtBot, demo_runs: list[Run]) -> Iterator[object]:
    from paperscope.gui.plots.plots_view import PlotsView

    v = PlotsView()
    qtbot.addWidget(v)
    v.resize(1200, 500)
    v.show()
    v.add_runs(demo_runs)
    qtbot.waitUntil(lambda: bool(v.current_pane().curves()), timeout=10000)
    yield v


def test_one_click_on_a_metric_plots_it(view: PlotsView, qtbot: QtBot) -> None:
    lst = view.metric_list
    proxy_row = lst.visible_metrics().index("rollout/ep_reward")
    rect = lst.view.visualRect(lst.proxy.index(proxy_row, 0))
    pane = view.current_pane()
    with qtbot.waitSignal(pane.plotted, timeout=5000):
        qtbot.mouseClick(lst.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert pane.state.value.metric == "rollout/ep_reward"


def test_axes_and_pane_are_labelled_with_the_metric(view: PlotsView, qtbot: QtBot) -> None:
    pane = view.current_pane()
    item = pane.plot.getPlotItem()
    metric = pane.state.value.metric
    assert metric
    assert item.getAxis("left").labelText == metric
    assert item.titleLabel.text == metric
    with qtbot.waitSignal(pane.plotted, timeout=5000):
        pane.set_metric("rollout/ep_reward")
    assert item.getAxis("left").labelText == "rollout/ep_reward"
    assert item.titleLabel.text == "rollout/ep_reward"


def test_axis_ticks_read_1M_not_1e6(view: PlotsView) -> None:
    item = view.current_pane().plot.getPlotItem()
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        texts = axis.tickStrings([0.0, 200_000.0, 1_000_000.0], 1.0, 200_000.0)
        assert texts == ["0", "200k", "1M"]
    # pyqtgraph's own axis would print 1e+06
    import pyqtgraph as pg

    assert "1e+06" in pg.AxisItem("left").tickStrings([1_000_000.0], 1.0, 1_000_000.0)


def test_legend_never_covers_the_curves(view: PlotsView, qtbot: QtBot) -> None:
    """The legend sits beside the plot area (pyqtgraph's floats over the data)."""
    pane = view.current_pane()
    canvas = pane.canvas
    legend = canvas.legend
    vb = canvas.plot.getPlotItem().getViewBox()
    names = [label.text for _sample, label in legend.items]
    assert names and all(n in canvas.curves() for n in names)
    assert legend.isVisible()
    area, box = vb.sceneBoundingRect(), legend.sceneBoundingRect()
    assert box.width() > 0 and area.right() <= box.left() + 1, (area, box)  # beside it
    # the same after another metric and a split (a narrower pane)
    from PySide6.QtCore import Qt as _Qt

    new = view.area.split(pane, _Qt.Orientation.Horizontal)
    qtbot.waitUntil(lambda: bool(new.curves()), timeout=10000)

    def beside(p: PlotPane) -> bool:
        vb = p.canvas.plot.getPlotItem().getViewBox()
        return bool(
            vb.sceneBoundingRect().right() <= p.canvas.legend.sceneBoundingRect().left() + 1
        )

    qtbot.waitUntil(lambda: beside(pane) and beside(new), timeout=5000)  # once laid out


def test_curves_are_at_least_1_5_logical_px_at_200_percent(view: PlotsView) -> None:
    from paperscope.gui.plots.pane_canvas import pen_width

    assert pen_width(1.0, 2.0) >= 3.0  # cosmetic widths are device pixels
    assert pen_width(2.0, 2.0) >= 4.0
    assert pen_width(1.0, 1.0) == 1.0  # 100 %: Qt's fast 1-px lines
    # the drawn curves use it
    canvas = view.current_pane().canvas
    dpr = canvas.devicePixelRatioF()
    for item in canvas.items().values():
        assert item.opts["pen"].widthF() >= pen_width(1.0, dpr)
    # and Qt draws such a pen at least 3 device pixels thick on a 200 % image
    img = QImage(200, 200, QImage.Format.Format_ARGB32)
    img.fill(QColor("white"))
    img.setDevicePixelRatio(2.0)
    painter = QPainter(img)
    pen = QPen(QColor("black"))
    pen.setWidthF(pen_width(1.0, 2.0))
    pen.setCosmetic(True)
    painter.setPen(pen)
    painter.drawLine(QPointF(10, 50), QPointF(90, 50))
    painter.end()
    rows = [y for y in range(200) if QColor(img.pixel(100, y)).lightness() < 200]
    assert len(rows) >= 3, rows


def test_plots_get_nearly_half_the_default_window(window: MainWindow) -> None:
    from PySide6.QtCore import QRect

    from paperscope.gui.window_fit import fit_to_screen, size_docks

    w = window
    size = fit_to_screen(w, QRect(0, 0, 1920, 1080))
    size_docks(w, w.sidebar_dock, w.details_dock, w.map_dock, w.plots_dock, size)
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()
    assert w.plots_dock.height() >= 0.4 * w.height(), (w.plots_dock.height(), w.height())
    splitter = w.plots.splitter
    assert splitter.sizes()[1] >= 2 * splitter.sizes()[0]  # the plot, not the lists
