"""Min/max pyramid decimation of long curves (issue #5, speed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from paperscope.results.decimate import Pyramid

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot


def test_pyramid_keeps_every_spike_at_every_zoom() -> None:
    rng = np.random.default_rng(0)
    n = 100_003  # odd: the padded tail
    x = np.arange(n, dtype=np.float64) * 2.0
    y = rng.standard_normal(n)
    y[[7, 50_001, n - 1]] = [40.0, -35.0, 25.0]
    y[1000:1010] = np.nan
    pyr = Pyramid(x, y)
    for x0, x1, px in ((0.0, x[-1], 800), (90_000.0, 110_000.0, 500), (10.0, 600.0, 1000)):
        vx, vy = pyr.view(x0, x1, px)
        inside = (x >= x0) & (x <= x1)
        # no point is drawn far outside the range, the drawn extremes are the data's
        assert len(vx) <= 2 * px + 8
        assert np.all(np.diff(vx) >= 0)
        drawn = (vx >= x0) & (vx <= x1)
        assert np.nanmax(vy) >= np.nanmax(y[inside])
        assert np.nanmin(vy) <= np.nanmin(y[inside])
        assert np.nanmax(vy[drawn]) <= np.nanmax(y) and np.nanmin(vy[drawn]) >= np.nanmin(y)
    vx, vy = pyr.view(0.0, x[-1], 800)
    assert vx[0] == x[0] and vx[-1] == x[-1] and vy[-1] == y[-1]
    assert 40.0 in vy and -35.0 in vy
    # few points in view: the raw points themselves
    vx, vy = pyr.view(100.0, 140.0, 800)
    np.testing.assert_array_equal(vx, x[49:72])
    np.testing.assert_array_equal(vy, y[49:72])


def test_pane_draws_a_million_points_per_pixel_column(qtbot: QtBot) -> None:
    from paperscope.core.records import Run, Series
    from paperscope.gui.plots.plot_pane import PlotPane
    from paperscope.gui.plots.runs_panel import RunsModel

    n = 1_000_000
    steps = np.arange(n, dtype=np.int64)
    values = np.sin(steps / 5000.0)
    values[654_321] = 9.0  # one spike
    run = Run("big", "big", "synthetic", (), {"loss": Series("loss", steps, steps * 1.0, values)})
    pane = PlotPane(RunsModel())
    qtbot.addWidget(pane)
    pane.resize(900, 500)
    pane.show()
    pane.set_smoothing(0.0)  # the spike as logged
    pane.add_runs([run])
    item = pane.items()["big"]
    x, y = item.getData()
    assert len(x) < 3000 and y.max() == 9.0  # decimated, spike kept
    pane.plot.getPlotItem().getViewBox().setXRange(600_000, 700_000, padding=0)
    x, y = item.getData()
    assert x[0] >= 590_000 and x[-1] <= 710_000 and y.max() == 9.0
    # the read-out still uses every point
    np.testing.assert_array_equal(pane.curves()["big"][0], steps.astype(float))


def test_many_runs_are_drawn_as_one_item_per_colour(qtbot: QtBot) -> None:
    from paperscope.core.records import Run, Series
    from paperscope.gui.plots.plot_pane import PlotPane
    from paperscope.gui.plots.runs_panel import RunsModel
    from paperscope.results.smoothing import ema

    rng = np.random.default_rng(3)
    steps = np.arange(3000, dtype=np.int64)
    runs = [
        Run(f"r{i}", f"seed {i}", "synthetic", (),
            {"loss": Series("loss", steps, steps * 1.0, rng.standard_normal(3000) + i)})
        for i in range(64)
    ]  # fmt: skip
    pane = PlotPane(RunsModel())
    qtbot.addWidget(pane)
    pane.resize(900, 500)
    pane.show()
    pane.add_runs(runs)
    items = pane.plot.getPlotItem().listDataItems()
    assert len(items) == 8  # one per palette colour, no raw lines behind 64 curves
    assert len(pane.curves()) == 64
    # each merged item holds its runs' smoothed curves, decimated, separated by NaN gaps
    item = pane.items()["seed 0"]
    _x, y = item.getData()
    parts = np.split(y, np.flatnonzero(np.isnan(y)))
    assert len(parts) == 8  # runs 0, 8, 16, … share the first colour
    first = parts[0]
    want = ema(runs[0].series["loss"].values, 0.6)
    assert first.max() == want.max() and first.min() == want.min()
    readout = pane.show_readout_at(1500.0, 20.0)
    assert len(readout) == 64 and readout[0].label == "seed 20"
    # hiding runs redraws without them
    with qtbot.waitSignal(pane.plotted, timeout=5000):
        pane.catalog.set_visible([f"r{i}" for i in range(30)], False)
    assert len(pane.curves()) == 34
    assert len(pane.plot.getPlotItem().listDataItems()) == 68  # per run again, raw behind


def test_band_envelope_holds_every_value_of_a_long_band() -> None:
    from paperscope.results.decimate import band_envelope

    rng = np.random.default_rng(4)
    x = np.arange(100_003, dtype=np.float64)
    lower = rng.normal(size=x.size)
    upper = lower + np.abs(rng.normal(size=x.size))
    lower[500:520] = np.nan  # a gap inside a block
    bx, blo, bhi = band_envelope(x, lower, upper, blocks=1000)
    assert bx.size == blo.size == bhi.size <= 1002
    assert bx[0] == 0 and bx[-1] == x[-1] and bhi[-1] == upper[-1]
    block = np.searchsorted(bx[:-1], x, side="right") - 1
    ok = ~np.isnan(lower)
    assert (lower[ok] >= blo[block][ok]).all() and (upper <= bhi[block]).all()
    assert blo.min() == np.nanmin(lower) and bhi.max() == upper.max()
    short = band_envelope(x[:100], lower[:100], upper[:100], blocks=1000)
    assert short[0] is not None and len(short[0]) == 100


def test_many_real_runs_are_fitted_whole_not_to_the_first_view(qtbot: QtBot) -> None:
    """Dopamine's own baselines (../shared/data/runs/dopamine, Apache-2.0): 50 runs of
    200 iterations, drawn merged. The first fit once saw only the runs' cut to pyqtgraph's
    initial view and shrank onto it: the pane showed iterations 0-3 of 200."""
    from paperscope.gui.plots.plot_pane import PlotPane
    from paperscope.gui.plots.runs_panel import RunsModel
    from paperscope.workflows.runs import watch_runs
    from tests.conftest import RUNS

    folder = RUNS / "dopamine" / "baselines" / "atari" / "data"
    _watcher, runs, issues = watch_runs([folder / "breakout.json", folder / "pong.json"])
    assert not issues and len(runs) > 40
    last = max(float(r.series["return"].steps[-1]) for r in runs)
    pane = PlotPane(RunsModel())
    qtbot.addWidget(pane)
    pane.resize(900, 500)
    pane.show()
    pane.add_runs(runs)
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()  # what is pending when the window next paints
    vb = pane.plot.getPlotItem().getViewBox()
    (x0, x1), _ = vb.viewRange()
    assert x0 <= 0 and x1 >= last
    # a zoom still cuts each merged item to the range shown
    vb.setXRange(50, 60, padding=0)
    x, _y = pane.items()[next(iter(pane.curves()))].getData()
    finite = x[np.isfinite(x)]
    assert finite.min() >= 40 and finite.max() <= 70
