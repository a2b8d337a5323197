"""Many overlaid runs painted as one numba-drawn image (gui/plots/raster_curves.py): the
picture is Qt's own drawing of the same curves, give or take a pixel; a run hidden in the
legend leaves it; an SVG export keeps vectors; a pan of whole runs redoes no data."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot


def _runs(count: int = 60, points: int = 2000) -> list[Any]:
    from paperscope.core.records import Run, Series

    rng = np.random.default_rng(11)
    steps = np.arange(points, dtype=np.int64)
    out = []
    for i in range(count):
        values = np.cumsum(rng.standard_normal(points)) * 0.05 + i
        values[(500 + i) % points] = np.nan  # a gap in every run
        out.append(Run(f"r{i}", f"seed {i}", "synthetic", (),
                       {"loss": Series("loss", steps, steps * 1.0, values)}))  # fmt: skip
    return out


def _pane(qtbot: QtBot, runs: list[Any]) -> Any:
    from paperscope.gui.plots.plot_pane import PlotPane
    from paperscope.gui.plots.runs_panel import RunsModel

    pane = PlotPane(RunsModel())
    qtbot.addWidget(pane)
    pane.resize(900, 500)
    pane.show()
    pane.set_smoothing(0.0)
    pane.add_runs(runs)
    vb = pane.plot.getPlotItem().getViewBox()
    vb.setRange(xRange=(0, 2000), yRange=(-5, 65), padding=0)
    return pane


def _pixels(pane: Any, ratio: int = 1) -> np.ndarray:
    """The plot's view box as ARGB pixels (h × w uint32), rendered at ``ratio`` device
    pixels per logical one (2: a 200 % screen)."""
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QWidget

    size = pane.plot.size()
    image = QImage(size * ratio, QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(ratio)
    image.fill(0xFFFFFFFF)
    QWidget.render(pane.plot, image)  # the widget as painted (not QGraphicsView.render)
    image = image.convertToFormat(QImage.Format.Format_ARGB32)
    vb = pane.plot.getPlotItem().getViewBox()
    r = vb.mapRectToScene(vb.boundingRect()).toAlignedRect().adjusted(2, 2, -2, -2)
    image = image.copy(QRect(r.topLeft() * ratio, r.size() * ratio))
    a = np.frombuffer(image.constBits(), np.uint32, image.width() * image.height())
    return a.reshape(image.height(), image.width()).copy()


def _near(a: np.ndarray, b: np.ndarray) -> float:
    """The share of a's non-white pixels whose colour b has within one pixel."""
    white = np.uint32(0xFFFFFFFF)
    ys, xs = np.nonzero(a != white)
    h, w = b.shape
    hit = 0
    for y, x in zip(ys, xs, strict=True):
        window = b[max(y - 1, 0) : min(y + 2, h), max(x - 1, 0) : min(x + 2, w)]
        hit += bool((window == a[y, x]).any())
    return hit / max(len(ys), 1)


def test_many_runs_are_painted_as_one_image_that_matches_qts_drawing(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from paperscope.gui.plots import pane_canvas

    runs = _runs()
    fast = _pane(qtbot, runs)
    raster = fast.canvas.raster
    assert raster is not None and len(raster.items) == 8  # one merged item per colour
    ours = _pixels(fast)
    assert raster.renders >= 1 and raster.pixels > 60 * 800
    # Qt's path stroking of the same curves
    monkeypatch.setattr(pane_canvas, "RASTER_ABOVE", 10**12)
    slow = _pane(qtbot, runs)
    assert slow.canvas.raster is None
    qts = _pixels(slow)
    assert ours.shape == qts.shape
    drawn = np.count_nonzero(ours != 0xFFFFFFFF)
    assert abs(drawn - np.count_nonzero(qts != 0xFFFFFFFF)) <= 0.08 * drawn
    assert _near(ours, qts) >= 0.97 and _near(qts, ours) >= 0.97
    # on a 200 % screen too: Qt 6's painter maps straight to device pixels
    ours2, qts2 = _pixels(fast, 2), _pixels(slow, 2)
    assert ours2.shape == qts2.shape == (2 * ours.shape[0], 2 * ours.shape[1])
    assert _near(ours2, qts2) >= 0.97 and _near(qts2, ours2) >= 0.97


def test_a_hidden_merged_item_leaves_the_image(qtbot: QtBot) -> None:
    pane = _pane(qtbot, _runs())
    raster = pane.canvas.raster
    item = raster.items[0]
    colour = np.uint32(item.opts["pen"].color().rgba())
    assert np.count_nonzero(_pixels(pane) == colour) > 1000
    item.setVisible(False)
    assert np.count_nonzero(_pixels(pane) == colour) == 0
    item.setVisible(True)
    assert np.count_nonzero(_pixels(pane) == colour) > 1000


def test_panning_whole_runs_sets_no_data_and_svg_keeps_vectors(
    qtbot: QtBot, tmp_path: Path
) -> None:
    from paperscope.gui.exporters import export_item

    pane = _pane(qtbot, _runs(200, 600))  # short runs: drawn whole, clipped by the image
    items = pane.canvas.raster.items
    assert all(item.whole for item in items)
    data = [item.getData()[0] for item in items]
    vb = pane.plot.getPlotItem().getViewBox()
    vb.setXRange(100, 300, padding=0)
    before = pane.canvas.raster.renders
    pane.plot.grab()
    assert pane.canvas.raster.renders > before
    assert all(item.getData()[0] is d for item, d in zip(items, data, strict=True))
    svg = export_item(pane.plot.getPlotItem(), tmp_path / "pane.svg").read_text()
    assert "<image" not in svg and svg.count("<path") >= 8


def test_loading_many_runs_readies_the_rasteriser_on_the_worker() -> None:
    """The numba kernel is loaded (or compiled) where the runs were read, not at the
    first paint on the UI thread: in a new process, ``prepare_plotting`` for many runs
    leaves it compiled for the types a paint passes; for a few runs it is not loaded."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from paperscope.gui.plots.plots_view import prepare_plotting\n"
        "prepare_plotting(many_runs=False)\n"
        "print('paperscope.results.raster' in sys.modules)\n"
        "prepare_plotting(many_runs=True)\n"
        "from paperscope.results import raster\n"
        "print(len(raster._stroke.signatures))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    ).stdout.split()
    assert out == ["False", "1"]
