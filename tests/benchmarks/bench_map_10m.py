"""The map view at 3M and 10M points (issue #17, item 1): level of detail from
``raster.PointGrid`` (density tiles zoomed out, points of >= 2 px zoomed in).

Measured in one run, same points, same 1000×800 offscreen window:

- frame times (p50/p95) of pan/zoom through ``MapView`` (whole-map views, mid zooms and
  deep zooms, in a seeded order), against the *current view before the grid* (its
  ``render_now`` as it was, kept below as ``legacy_render``: a pass over all points per
  frame) and against pyqtgraph's ``ScatterPlotItem`` holding the same points;
- hover (``MapView.paper_at``) and lasso (``PointGrid.select_lasso``) times, checked
  against brute force (the nearest by a full distance pass; the lasso by matplotlib on
  every point) so the speed is not bought with wrong answers;
- the grid's build time and the process's peak RSS.

    QT_QPA_PLATFORM=offscreen nice -n 10 python tests/benchmarks/bench_map_10m.py          # 3M
    QT_QPA_PLATFORM=offscreen nice -n 10 python tests/benchmarks/bench_map_10m.py --n 10000000
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "app"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def clustered_points(n: int, seed: int = 0) -> np.ndarray:
    """A map-like float32 layout: 60 Gaussian clusters of uneven size and spread (as
    ``bench_map_view.py``), made in parts."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-20, 20, size=(60, 2))
    sizes = rng.dirichlet(np.ones(60) * 0.7)
    spread = rng.uniform(0.3, 2.0, size=60)
    out = np.empty((n, 2), dtype=np.float32)
    for s in range(0, n, 1_000_000):
        m = min(1_000_000, n - s)
        which = rng.choice(60, size=m, p=sizes)
        out[s : s + m] = centres[which] + rng.normal(size=(m, 2)) * spread[which, None]
    return out


def legacy_render(mv: Any) -> None:
    """``MapView.render_now`` before the grid (issue #9's view): a full pass per frame."""
    from paperscope.gui.map import map_view
    from paperscope.mapping import raster

    view = mv.current_view()
    shape = mv.pixel_shape()
    inside = raster.visible(mv.coords, view)
    n_visible = int(inside.sum())
    if n_visible > map_view.DENSITY_ABOVE:
        levels = np.log1p(raster.density(mv.coords, view, shape))
        top = float(levels.max()) or 1.0
        mv.image.setImage(levels[::-1], lut=mv._density_lut, levels=(0.0, top), autoLevels=False)
    else:
        rows = raster.subsample(mv._order, n_visible, inside)
        mv._show_points(rows, view, shape)
    from PySide6.QtCore import QRectF

    x0, x1, y0, y1 = view
    mv.image.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))


def frame_times(widget: Any, view_box: Any, ranges: list[Any], render: Any) -> list[float]:
    from PySide6.QtWidgets import QApplication

    times = []
    for xr, yr in ranges:
        t = time.perf_counter()
        view_box.setRange(xRange=xr, yRange=yr, padding=0)
        render()
        QApplication.processEvents()  # benchmark only: let the scene settle, then draw
        widget.grab()
        times.append(time.perf_counter() - t)
    return times


def p(times: list[float], q: float) -> float:
    return float(np.percentile(times, q)) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=3_000_000)
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--legacy-frames", type=int, default=6)
    ap.add_argument("--baseline-frames", type=int, default=2, help="0: no ScatterPlotItem")
    args = ap.parse_args()
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    import pyqtgraph as pg

    from paperscope.gui.map.map_pane import categorical_colours
    from paperscope.gui.map.map_view import MapView
    from paperscope.mapping import raster

    n = args.n
    coords = clustered_points(n)
    ids = np.arange(1, n + 1, dtype=np.int64)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    view = MapView()
    view.resize(1000, 800)
    view.show()
    t = time.perf_counter()
    view.set_points(ids, coords)
    build = time.perf_counter() - t
    colours, legend = categorical_colours((ids % 12).tolist(), top=12)
    view.set_colours(colours, legend)
    view.render_now()
    app.processEvents()
    rng = np.random.default_rng(2)
    ranges = []
    for k in range(args.frames):  # whole map, mid zoom, deep zoom (points), in turn
        half = (25.0, float(rng.uniform(3.0, 8.0)), float(rng.uniform(0.2, 0.8)))[k % 3]
        cx, cy = (0.0, 0.0) if k % 3 == 0 else rng.uniform(-15, 15, size=2)
        ranges.append(((cx - half, cx + half), (cy - half * 0.8, cy + half * 0.8)))
    times = frame_times(view, view.view_box, ranges, view.render_now)
    modes = []
    for xr, yr in ranges[:3]:
        view.view_box.setRange(xRange=xr, yRange=yr, padding=0)
        view.render_now()
        modes.append(view.mode)
    legacy = frame_times(
        view, view.view_box, ranges[: args.legacy_frames], lambda: legacy_render(view)
    )

    # hover: MapView.paper_at, and the grid's answer against a full distance pass
    hover = []
    for x, y in rng.uniform(-20, 20, size=(300, 2)):
        t = time.perf_counter()
        view.paper_at(float(x), float(y))
        hover.append(time.perf_counter() - t)
    x64 = coords.astype(np.float64)
    for x, y in rng.uniform(-20, 20, size=(5, 2)):
        d = np.hypot(x64[:, 0] - x, x64[:, 1] - y)
        assert d[view._grid.nearest(float(x), float(y))] == d.min()
    del x64
    # lasso: a star-shaped polygon over a few clusters; checked against matplotlib on all
    tt = np.linspace(0, 2 * np.pi, 80, endpoint=False)
    r = 9 * (1 + 0.35 * np.sin(5 * tt))
    poly = np.c_[r * np.cos(tt), 0.8 * r * np.sin(tt)]
    view.view_box.setRange(xRange=(-25, 25), yRange=(-20, 20), padding=0)
    lasso = []
    for _ in range(5):
        t = time.perf_counter()
        got = view._grid.select_lasso(poly)
        lasso.append(time.perf_counter() - t)
    t = time.perf_counter()
    want = raster.select_lasso(coords, poly)
    t_full = time.perf_counter() - t
    assert np.array_equal(got, want)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    med, p95 = p(times, 50), p(times, 95)
    print(f"map view, {n:,} points (float32), 1000x800 offscreen; grid {view._grid.cells}² cells")
    print(f"  drawn as: {modes[0]} whole map, {modes[1]} mid zoom, {modes[2]} deep zoom")
    print(f"  set_points (grid + tiles + bulk bounds): {build:.2f} s")
    print(f"  frame: p50 {med:.1f} ms, p95 {p95:.1f} ms over {len(times)} frames (goal p95 33 ms)")
    lm = p(legacy, 50)
    print(f"  current view before the grid: p50 {lm:.1f} ms, p95 {p(legacy, 95):.1f} ms over "
          f"{len(legacy)} frames -> p50 ratio {lm / med:.1f}x")  # fmt: skip
    print(
        f"  hover: median {statistics.median(hover) * 1000:.3f} ms, max "
        f"{max(hover) * 1000:.3f} ms over {len(hover)} (goal 5 ms; 5 checked vs brute force)"
    )
    print(
        f"  lasso: median {statistics.median(lasso) * 1000:.1f} ms for {got.size:,} points "
        f"(goal 200 ms); matplotlib on every point {t_full * 1000:.1f} ms; same rows"
    )
    print(f"  peak RSS: {rss:.0f} MB (before the view {rss0:.0f} MB; goal 3 GB)")
    sys.stdout.flush()
    if args.baseline_frames:
        base = pg.PlotWidget()
        base.resize(1000, 800)
        base.show()
        t = time.perf_counter()
        scatter = pg.ScatterPlotItem(x=coords[:, 0], y=coords[:, 1], size=2, pen=None, brush="b")
        base.addItem(scatter)
        app.processEvents()
        base_build = time.perf_counter() - t
        bt = frame_times(base, base.getPlotItem().vb, ranges[: args.baseline_frames], lambda: None)
        bm = p(bt, 50)
        print(f"  pyqtgraph ScatterPlotItem: build {base_build:.1f} s, frame p50 {bm:.0f} ms over "
              f"{len(bt)} frames -> ours is {bm / med:.0f}x faster (p50)")  # fmt: skip
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  peak RSS with the ScatterPlotItem too: {rss:.0f} MB")


if __name__ == "__main__":
    main()
