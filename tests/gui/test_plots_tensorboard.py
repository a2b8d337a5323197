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
    names = legend.names  # the full names (a long one is elided on screen)
    assert names and all(n in canvas.curves() for n in names)
    assert len(names) == len(legend.items)
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


def test_the_legend_is_beside_the_plot_at_once_and_long_labels_are_elided(
    qtbot: QtBot,
) -> None:
    """Two faults seen in the runs-table screenshot (Dopamine runs grouped by agent):

    * pyqtgraph's ``LegendItem.updateSize`` sets its geometry at (0, 0), so after
      entries were added the legend sat over the plot's top-left corner (the y axis
      and the curves) until the plot happened to lay itself out again;
    * agent names such as ``agent=DQN (Adam + MSE in JAX) (n=10)`` made the legend
      half a 600 px pane wide. Labels are elided in the middle to a quarter of the
      pane (the full name is the tooltip); a narrower pane elides them further."""
    from pathlib import Path

    from PySide6.QtWidgets import QApplication

    from paperscope.gui.plots.pane_legend import label_budget
    from paperscope.gui.plots.plots_view import PlotsView
    from paperscope.workflows.runs import load_runs

    folder = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "runs" / "dopamine"
    runs, _ = load_runs([folder], use_cache=False)
    v = PlotsView()
    qtbot.addWidget(v)
    v.resize(1500, 640)
    v.show()
    v.add_runs(runs)
    v.splitter.setSizes([900, 600])
    pane = v.current_pane()
    overlaps: list[object] = []

    def check_legend() -> None:  # at every draw, before any further event
        lg = pane.canvas.legend
        vb = pane.canvas.plot.getPlotItem().getViewBox()
        if lg is not None and lg.items:
            area, box = vb.sceneBoundingRect(), lg.sceneBoundingRect()
            if box.left() + 1 < area.right():
                overlaps.append((area, box))

    pane.plotted.connect(check_legend)
    pane.set_metric("return")
    pane.set_grouping("config", key="agent")
    qtbot.waitUntil(
        lambda: (
            pane.canvas.legend is not None
            and any("Adam + MSE in JAX" in n for n in pane.canvas.legend.names)
        ),
        timeout=10000,
    )
    legend = pane.canvas.legend
    QApplication.processEvents()
    assert not overlaps, overlaps
    long_name = next(n for n in legend.names if "Adam + MSE in JAX" in n)
    label = legend.items[legend.names.index(long_name)][1]
    assert "…" in label.text and label.toolTip() == long_name
    plot_width = pane.canvas.plot.width()
    qtbot.waitUntil(lambda: legend.sceneBoundingRect().width() <= 0.45 * plot_width)
    area = pane.canvas.plot.getPlotItem().getViewBox().sceneBoundingRect()
    assert area.width() >= 0.5 * plot_width, (area, plot_width)
    before = legend.max_label_px
    v.splitter.setSizes([1100, 400])
    qtbot.waitUntil(lambda: legend.max_label_px < before)
    assert legend.max_label_px == label_budget(pane.canvas.width())


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
