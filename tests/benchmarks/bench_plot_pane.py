"""Frame time of a plot pane while panning and zooming (issue #5: 10 curves of
1,000,000 points each, frames <= 50 ms; 200 overlaid runs stay usable).

Each frame is a view-range change (a zoom or pan step) followed by ``grab()``, which
renders the pane's plot (pyqtgraph, offscreen raster). The pane draws each run's
smoothed curve and its faint raw curve (2 items per run), with peak-mode downsampling
and clip-to-view. The baseline is plain ``PlotDataItem``s of the same smoothed data
without downsampling or clipping, measured in the same run (fewer frames: it is slow).

    QT_QPA_PLATFORM=offscreen PYTHONPATH=app python tests/benchmarks/bench_plot_pane.py
    ... --points 200000 --frames 10     # a quick run
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from typing import Any

    from PySide6.QtWidgets import QWidget

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "app"))

GOAL_MS = 50.0


def make_runs(count: int, points: int, seed: int = 0) -> list:  # type: ignore[type-arg]
    from paperscope.core.records import Run, Series

    rng = np.random.default_rng(seed)
    runs = []
    steps = np.arange(points, dtype=np.int64)
    wall = 1.7e9 + steps * 0.01
    for i in range(count):
        values = np.cumsum(rng.standard_normal(points)) * 0.01 + i
        series = Series("loss", steps, wall, values)
        runs.append(Run(f"bench-{i}", f"run {i}", "synthetic", (), {"loss": series}))
    return runs


def ranges(points: int, frames: int) -> list[tuple[float, float]]:
    """A zoom in, pans across, a zoom out: the view ranges of the frames."""
    out = []
    for k in range(frames):
        t = k / max(frames - 1, 1)
        if k % 3 == 0:  # zoom: from the whole run to 1 %
            width = points * (1.0 - 0.99 * t)
            out.append((points / 2 - width / 2, points / 2 + width / 2))
        else:  # pan a 20 % window across
            left = t * 0.8 * points
            out.append((left, left + 0.2 * points))
    return out


def time_frames(
    widget: QWidget, plot_item: Any, view_ranges: list[tuple[float, float]]
) -> list[float]:
    from PySide6.QtWidgets import QApplication

    vb = plot_item.getViewBox()
    times = []
    for lo, hi in view_ranges:
        QApplication.processEvents()  # nothing pending: the frame below is one paint
        t0 = time.perf_counter()
        vb.setXRange(lo, hi, padding=0)
        widget.grab()
        times.append(1000 * (time.perf_counter() - t0))
    return times


def summary(name: str, times: list[float]) -> float:
    med = statistics.median(times)
    p95 = sorted(times)[max(0, round(0.95 * len(times)) - 1)]
    print(f"{name:<44} median {med:8.1f} ms  p95 {p95:8.1f} ms  max {max(times):8.1f} ms  "
          f"({len(times)} frames; median/goal {med / GOAL_MS:.2f})")  # fmt: skip
    return med


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--curves", type=int, default=10)
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--baseline-frames", type=int, default=4)
    ap.add_argument("--overlay-runs", type=int, default=200)
    ap.add_argument("--overlay-points", type=int, default=10_000)
    args = ap.parse_args()

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    import pyqtgraph as pg

    from paperscope.gui.plots.plot_pane import PlotPane
    from paperscope.gui.plots.runs_panel import RunsModel

    print(f"{args.curves} curves x {args.points:,} points; frame = range change + grab()")
    runs = make_runs(args.curves, args.points)
    pane = PlotPane(RunsModel())
    pane.resize(1200, 600)
    pane.show()
    t0 = time.perf_counter()
    pane.add_runs(runs)
    app.processEvents()
    print(f"first draw (smoothing {args.curves * args.points:,} points included): "
          f"{time.perf_counter() - t0:.2f} s")  # fmt: skip
    assert pane.plot is not None
    item = pane.plot.getPlotItem()
    n_items = len(item.listDataItems())
    view_ranges = ranges(args.points, args.frames)
    time_frames(pane.plot, item, view_ranges[:2])  # warm-up
    pane_ms = summary(
        f"pane ({n_items} items, min/max pyramid)", time_frames(pane.plot, item, view_ranges)
    )

    base = pg.PlotWidget(background="w")
    base.resize(pane.plot.size())
    base.show()
    for c in pane.drawn():
        colour = pane.catalog.colour(c.run_id)
        base.getPlotItem().addItem(pg.PlotDataItem(c.x, c.y, pen=pg.mkPen(colour, width=1)))
    app.processEvents()
    base_ranges = view_ranges[:: max(1, len(view_ranges) // args.baseline_frames)]
    base_ranges = base_ranges[: args.baseline_frames]
    base_ms = summary(f"baseline ({args.curves} plain items, no downsampling)",
                      time_frames(base, base.getPlotItem(), base_ranges))  # fmt: skip
    print(f"speed-up over the baseline: {base_ms / pane_ms:.1f}x; "
          f"pane median vs the {GOAL_MS:.0f} ms goal: {pane_ms / GOAL_MS:.2f} "
          f"({'meets' if pane_ms <= GOAL_MS else 'misses'} the goal)")  # fmt: skip
    base.close()
    pane.close()

    if args.overlay_runs:
        over = make_runs(args.overlay_runs, args.overlay_points, seed=1)
        pane2 = PlotPane(RunsModel())
        pane2.resize(1200, 600)
        pane2.show()
        t0 = time.perf_counter()
        pane2.add_runs(over)
        app.processEvents()
        print(f"\n{args.overlay_runs} runs x {args.overlay_points:,} points: first draw "
              f"{time.perf_counter() - t0:.2f} s")  # fmt: skip
        assert pane2.plot is not None
        item2 = pane2.plot.getPlotItem()
        r2 = ranges(args.overlay_points, max(6, args.frames // 3))
        time_frames(pane2.plot, item2, r2[:1])
        med = summary(f"overlay pane ({len(item2.listDataItems())} items)",
                      time_frames(pane2.plot, item2, r2))  # fmt: skip
        print(f"overlay median vs the {GOAL_MS:.0f} ms goal: {med / GOAL_MS:.2f}")
        pane2.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
