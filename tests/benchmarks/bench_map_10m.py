"""The map view at 3M and 10M points (issue #17, item 1): level of detail from
``raster.PointGrid`` (density tiles zoomed out, points of >= 2 px zoomed in).

Measured in one run, same points, same 1000×800 offscreen window:

- frame times (p50/p95) of one render and one paint (``grab``) per frame through
  ``MapView``, on two sequences: a *pan/zoom path* (wheel steps of x0.8 from the whole
  map towards a dense spot, drags of 80 px, back out: what a user does) and *jumps*
  (whole map, mid zoom, deep zoom elsewhere in turn: nothing reusable from the last
  frame), against the view *before this change* (``before_render``: the same grid
  drawn through pyqtgraph's ``ImageItem``), the view *before the grid* (``legacy_render``:
  a pass over all points per frame) and pyqtgraph's ``ScatterPlotItem`` holding the
  same points;
- hover (``MapView.paper_at``) and lasso (``PointGrid.select_lasso``) times, checked
  against brute force (the nearest by a full distance pass; the lasso by matplotlib on
  every point) so the speed is not bought with wrong answers;
- the grid's build time and the process's peak RSS.

    QT_QPA_PLATFORM=offscreen nice -n 10 python tests/benchmarks/bench_map_10m.py          # 3M
    QT_QPA_PLATFORM=offscreen nice -n 10 python tests/benchmarks/bench_map_10m.py --n 10000000

Figures, 2026-12-07, 2-core AMD EPYC (about 2.4x faster than the earlier turns' machine):

| | 3M | 10M |
|---|---|---|
| all 270 frames, p50 / p95 (goal p95 <= 33 ms) | 2.2 / 7.2 ms | 2.8 / 11.3 ms |
| the view before this change, p95 ratio (pan/zoom) | 3.1x | 3.4x |
| pyqtgraph ScatterPlotItem, p50 ratio | 58x | 222x |
| hover median (goal 5 ms) / lasso median (goal 200 ms) | 0.05 / 18.5 ms | 0.04 / 22.3 ms |
| peak RSS (goal 3 GB) | 616 MB | 1,303 MB |
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


def clustered_points(n: int, seed: int = 0, with_clusters: bool = False) -> Any:
    """A map-like float32 layout: 60 Gaussian clusters of uneven size and spread (as
    ``bench_map_view.py``), made in parts; with ``with_clusters`` also each point's
    cluster."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-20, 20, size=(60, 2))
    sizes = rng.dirichlet(np.ones(60) * 0.7)
    spread = rng.uniform(0.3, 2.0, size=60)
    out = np.empty((n, 2), dtype=np.float32)
    clusters = np.empty(n, dtype=np.int32)
    for s in range(0, n, 1_000_000):
        m = min(1_000_000, n - s)
        which = rng.choice(60, size=m, p=sizes)
        out[s : s + m] = centres[which] + rng.normal(size=(m, 2)) * spread[which, None]
        clusters[s : s + m] = which
    return (out, clusters) if with_clusters else out


def _set_base(base: Any, rgba_or_levels: np.ndarray, view: tuple[float, ...], **kw: Any) -> None:
    from PySide6.QtCore import QRectF

    base.setImage(rgba_or_levels, autoLevels=False, **kw)
    x0, x1, y0, y1 = view
    base.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))


def _base_points(mv: Any, base: Any, rows: np.ndarray, view: Any, shape: Any) -> None:
    """The points as the view drew them before this change: a splat into a uint32
    image, then a channel shuffle, a flip and pyqtgraph's ``ImageItem`` conversion."""
    from paperscope.mapping import raster

    n_visible = rows.shape[0]
    radius = 3 if n_visible <= 3_000 else 2 if n_visible <= 30_000 else 1
    img = np.zeros(shape, dtype=np.uint32)
    xy = mv.coords[rows]
    cols = mv._colours[rows]
    h, w = shape
    x0, x1, y0, y1 = view
    px = ((xy[:, 0] - x0) * (w / (x1 - x0))).astype(np.int64)
    py = ((y1 - xy[:, 1]) * (h / (y1 - y0))).astype(np.int64)
    flat = img.reshape(-1)
    for dx, dy in raster.disc_offsets(radius):
        qx, qy = px + dx, py + dy
        ok = (qx >= 0) & (qx < w) & (qy >= 0) & (qy < h)
        flat[(qy[ok] * w + qx[ok])] = cols[ok]
    rgba = img.view(np.uint8).reshape(h, w, 4)[..., [2, 1, 0, 3]]
    _set_base(base, np.ascontiguousarray(rgba[::-1]), view, levels=(0, 255))


def _base_density(mv: Any, base: Any, counts: np.ndarray, rect: Any, lut: np.ndarray) -> None:
    levels = np.log1p(counts)[::-1]
    top = float(levels.max()) or 1.0
    _set_base(base, levels, rect, lut=lut, levels=(0.0, top))


def before_render(mv: Any, base: Any, lut: np.ndarray) -> None:
    """``MapView.render_now`` before this change (the grid, drawn through an
    ``ImageItem``: the 3M p95 of 64 ms this change starts from)."""
    from paperscope.gui.map import map_view
    from paperscope.mapping import raster

    view, shape = mv.current_view(), mv.pixel_shape()
    grid = mv._grid
    r = grid.cell_range(view)
    upper = 0 if r is None else int(grid.levels[0][r[2] : r[3] + 1, r[0] : r[1] + 1].sum())
    tile = grid.density_tile(view, shape) if upper > map_view.DENSITY_ABOVE else None
    if tile is not None:
        _base_density(mv, base, tile[0], tile[1], lut)
        return
    rows = grid.inside(view)
    if rows.shape[0] > map_view.DENSITY_ABOVE:
        _base_density(mv, base, raster.density(mv.coords[rows], view, shape), view, lut)
    else:
        _base_points(mv, base, rows, view, shape)


def legacy_render(mv: Any, base: Any, lut: np.ndarray) -> None:
    """``MapView.render_now`` before the grid (issue #9's view): a full pass per frame."""
    from paperscope.gui.map import map_view
    from paperscope.mapping import raster

    view, shape = mv.current_view(), mv.pixel_shape()
    inside = raster.visible(mv.coords, view)
    n_visible = int(inside.sum())
    if n_visible > map_view.DENSITY_ABOVE:
        _base_density(mv, base, raster.density(mv.coords, view, shape), view, lut)
    else:
        _base_points(mv, base, raster.subsample(mv._order, n_visible, inside), view, shape)


def frame_times(widget: Any, view_box: Any, ranges: list[Any], render: Any) -> list[float]:
    """One frame per range: the range set, one render, one paint (``grab``: the paint
    a shown window makes, synchronously). The map's own render timer is stopped so a
    frame renders once; then the event loop settles, outside the timing."""
    from PySide6.QtWidgets import QApplication

    timer = getattr(widget, "_render_timer", None)
    times = []
    for xr, yr in ranges:
        t = time.perf_counter()
        view_box.setRange(xRange=xr, yRange=yr, padding=0)
        render()
        if timer is not None:
            timer.stop()
        widget.grab()
        times.append(time.perf_counter() - t)
        QApplication.processEvents()
    return times


def jumps(rng: np.random.Generator, frames: int) -> list[Any]:
    """Whole map, a mid zoom and a deep zoom somewhere else, in turn: every frame a new
    view (the worst case: nothing of the last frame is reused)."""
    ranges = []
    for k in range(frames):
        half = (25.0, float(rng.uniform(3.0, 8.0)), float(rng.uniform(0.2, 0.8)))[k % 3]
        cx, cy = (0.0, 0.0) if k % 3 == 0 else rng.uniform(-15, 15, size=2)
        ranges.append(((cx - half, cx + half), (cy - half * 0.8, cy + half * 0.8)))
    return ranges


def _box(cx: float, cy: float, half: float) -> Any:
    return (cx - half, cx + half), (cy - half * 0.8, cy + half * 0.8)


def pan_zoom_path(coords: np.ndarray, rng: np.random.Generator, steps: int = 16) -> list[Any]:
    """What a user does: from the whole map, wheel steps (x0.8 each, about one notch)
    towards a dense spot, drag steps of 80 px, further in, panning, then back out;
    three such trips to different spots (a 1000 px wide view: 80 px = 8 % of it)."""
    ranges = []
    for _trip in range(3):
        cx, cy, half = 0.0, 0.0, 25.0
        tx, ty = coords[int(rng.integers(coords.shape[0]))].astype(float)

        for _ in range(steps):  # zoom in under a cursor on the target
            cx, cy, half = tx + (cx - tx) * 0.8, ty + (cy - ty) * 0.8, half * 0.8
            ranges.append(_box(cx, cy, half))
        angle = float(rng.uniform(0, 2 * np.pi))
        for _ in range(steps):  # drag
            cx, cy = cx + 0.16 * half * np.cos(angle), cy + 0.16 * half * np.sin(angle)
            ranges.append(_box(cx, cy, half))
        for _ in range(steps // 2):  # further in
            half *= 0.8
            ranges.append(_box(cx, cy, half))
        for _ in range(steps):  # drag back
            cx, cy = cx - 0.16 * half * np.cos(angle), cy - 0.16 * half * np.sin(angle)
            ranges.append(_box(cx, cy, half))
        for _ in range(steps + steps // 2):  # out again
            half = min(half / 0.8, 25.0)
            ranges.append(_box(cx, cy, half))
    return ranges


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
    jump = jumps(rng, args.frames)
    path = pan_zoom_path(coords, np.random.default_rng(3))
    modes: dict[str, int] = {}

    def ours() -> None:
        view.render_now()
        modes[view.mode] = modes.get(view.mode, 0) + 1

    t_path = frame_times(view, view.view_box, path, ours)
    t_jump = frame_times(view, view.view_box, jump, ours)
    # the baselines draw into an ImageItem of their own, the map's frame hidden meanwhile
    base = pg.ImageItem(axisOrder="row-major")
    view.view_box.addItem(base, ignoreBounds=True)
    lut = pg.colormap.get("CET-L8").getLookupTable(0.0, 1.0, 256, alpha=True)
    lut[0] = (255, 255, 255, 0)
    view.image.hide()
    b_path = frame_times(view, view.view_box, path, lambda: before_render(view, base, lut))
    b_jump = frame_times(view, view.view_box, jump, lambda: before_render(view, base, lut))
    legacy = frame_times(
        view, view.view_box, jump[: args.legacy_frames], lambda: legacy_render(view, base, lut)
    )
    view.view_box.removeItem(base)
    view.image.show()

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

    both = t_path + t_jump
    med, p95 = p(both, 50), p(both, 95)
    print(f"map view, {n:,} points (float32), 1000x800 offscreen ({view.pixel_shape()[1]}x"
          f"{view.pixel_shape()[0]} px drawn); grid {view._grid.cells}² cells")  # fmt: skip
    print(f"  frames drawn as: {modes} (points are 2x2 px squares or bigger discs)")
    print(f"  set_points (grid + tiles + bulk bounds): {build:.2f} s")
    for name, ours_t, before_t in (("pan/zoom path", t_path, b_path), ("jumps", t_jump, b_jump)):
        print(f"  {name}, {len(ours_t)} frames: p50 {p(ours_t, 50):.1f} ms, p95 {p(ours_t, 95):.1f}"
              f" ms; before this change p50 {p(before_t, 50):.1f}, p95 {p(before_t, 95):.1f} ms"
              f" -> p95 ratio {p(before_t, 95) / p(ours_t, 95):.1f}x")  # fmt: skip
    print(f"  all {len(both)} frames: p50 {med:.1f} ms, p95 {p95:.1f} ms (goal p95 33 ms); "
          f"max {max(both) * 1000:.1f} ms")  # fmt: skip
    lm = p(legacy, 50)
    print(f"  the view before the grid (a pass over all points): p50 {lm:.1f} ms over "
          f"{len(legacy)} jump frames -> p50 ratio {lm / p(t_jump, 50):.1f}x")  # fmt: skip
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
        bt = frame_times(base, base.getPlotItem().vb, jump[: args.baseline_frames], lambda: None)
        bm = p(bt, 50)
        print(f"  pyqtgraph ScatterPlotItem: build {base_build:.1f} s, frame p50 {bm:.0f} ms over "
              f"{len(bt)} jumps -> ours is {bm / p(t_jump, 50):.0f}x faster (p50)")  # fmt: skip
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  peak RSS with the ScatterPlotItem too: {rss:.0f} MB")


if __name__ == "__main__":
    main()
