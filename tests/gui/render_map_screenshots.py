"""Render the map at three zoom levels (not a test), for ``resources/screenshots/``:

    PYTHONPATH=app python tests/gui/render_map_screenshots.py [--cdl LIBRARY]

The demo library (the bundled daily page), embedded with the bundled model and mapped
with seed 0, drawn by the window's own map view (640 × 480, a map dock's size) at the
whole map, a view a
half as wide around the cluster nearest its middle, and a quarter as wide: the labels shown are
the hierarchy level that fits each view. ``--cdl`` also draws a mapped library (e.g. the
one ``tests/benchmarks/eval_map_labels.py`` keeps) the same way. Writes
``map-NAME-zoom1.png`` … ``zoom3.png``. ``--synthetic N`` draws instead N seeded
clustered points (``bench_map_10m.py``'s layout, coloured by cluster) in a 1000 × 800
view, prepared as the map pane prepares a big map: ``map-10m-zoom1.png`` … (the density
tiles of the whole map, a mid zoom, a deep zoom's points).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PAPERSCOPE_HOME", tempfile.mkdtemp(prefix="paperscope-shots-"))
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "app"))


def shoot(
    app: object,
    library: Path,
    name: str,
    out: Path,
    zooms: tuple[float, float] = (0.5, 0.25),
    size: tuple[int, int] = (640, 480),
) -> None:
    from paperscope.gui.map.map_view import MapView
    from paperscope.library.store import Store
    from paperscope.mapping import palette

    with Store(library, read_only=True) as store:
        stored = store.latest_layout(method="umap")
    assert stored is not None, f"{library} has no map"
    view = MapView()
    view.resize(*size)
    view.show()
    view.set_points(stored.paper_ids, stored.coords)
    finest = [c for c in stored.clusters if c.level == 0]
    ids, centres = [c.id for c in finest], [c.centre for c in finest]
    view.set_colours(
        palette.cluster_colours(stored.clusters_of, stored.nearest_cluster, ids, centres)
    )
    view.set_labels([(c.label, *c.centre, c.size, c.level) for c in stored.clusters])
    app.processEvents()  # type: ignore[attr-defined]
    view.render_now()
    x0, x1, y0, y1 = view.current_view()
    w, h = x1 - x0, y1 - y0
    # zoom in on the cluster nearest the middle of the map
    mid = ((x0 + x1) / 2, (y0 + y1) / 2)
    cx, cy = min(
        (c.centre for c in finest), key=lambda p: (p[0] - mid[0]) ** 2 + (p[1] - mid[1]) ** 2
    )
    for step, frac in enumerate((None, *zooms), start=1):
        if frac is not None:
            xs, ys = (cx - w * frac / 2, cx + w * frac / 2), (cy - h * frac / 2, cy + h * frac / 2)
            view.view_box.setRange(xRange=xs, yRange=ys, padding=0)
        view.render_now()
        app.processEvents()  # type: ignore[attr-defined]
        path = out / f"map-{name}-zoom{step}.png"
        view.grab().save(str(path))
        print(f"{path}: level {view.label_level}, labels {view.visible_labels()}")
    view.close()


def shoot_synthetic(app: object, n: int, out: Path) -> None:
    import time

    import numpy as np

    sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))
    from bench_map_10m import clustered_points

    from paperscope.gui.map.map_view import MapView
    from paperscope.mapping import palette, raster

    coords, which = clustered_points(n, with_clusters=True)
    view = MapView()
    view.resize(1000, 800)
    view.show()
    t = time.perf_counter()
    view.show_prepared(raster.prepare_points(np.arange(1, n + 1), coords))
    print(f"prepared {n:,} points in {time.perf_counter() - t:.1f} s")
    table = np.array([palette.argb(c) for c in palette.CATEGORICAL], dtype=np.uint32)
    view.set_colours(table[which % table.shape[0]])
    name = f"{n // 1_000_000}m" if n >= 1_000_000 else str(n)
    big = int(np.bincount(which).argmax())
    middle = np.median(coords[which == big][:100_000], axis=0)  # the biggest cluster's
    deep = (float(middle[0]), float(middle[1]), 0.5)
    for c in range(int(which.max()) + 1):  # a deep zoom that shows points: 5k-120k in view
        cx, cy = np.median(coords[which == c][:100_000], axis=0)
        near = view._grid.inside_slots((cx - 0.4, cx + 0.4, cy - 0.32, cy + 0.32)).size
        if 5_000 <= near <= 120_000:
            deep = (float(cx), float(cy), 0.4)
            break
    views = ((0.0, 0.0, 25.0), (float(middle[0]), float(middle[1]), 6.0), deep)
    for step, (cx, cy, half) in enumerate(views, start=1):
        view.view_box.setRange(
            xRange=(cx - half, cx + half), yRange=(cy - half * 0.8, cy + half * 0.8), padding=0
        )
        view.render_now()
        app.processEvents()  # type: ignore[attr-defined]
        path = out / f"map-{name}-zoom{step}.png"
        view.grab().save(str(path))
        print(f"{path}: {view.mode}, {view._grid.count_upper(view.current_view()):,} points near")
    view.close()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cdl", type=Path, help="a mapped library to draw as map-cdl-*.png")
    ap.add_argument("--out", type=Path, default=ROOT / "resources" / "screenshots")
    ap.add_argument("--synthetic", type=int, help="draw N synthetic points (map-10m-*.png)")
    args = ap.parse_args()
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from paperscope.library.store import Store
    from paperscope.workflows.map import embed_and_build_map
    from paperscope.workflows.open import create_demo_library

    args.out.mkdir(parents=True, exist_ok=True)
    if args.synthetic:
        shoot_synthetic(app, args.synthetic, args.out)
        return 0
    demo = create_demo_library(Path(tempfile.mkdtemp()) / "demo.duckdb")
    with Store(demo) as store:
        embed_and_build_map(store, seed=0)
    shoot(app, demo, "demo", args.out)
    if args.cdl:
        shoot(app, args.cdl, "cdl", args.out, (0.35, 0.12), (900, 650))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
