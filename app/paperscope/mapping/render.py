"""The map drawn headless with matplotlib (Agg): for ``paperscope map --out`` and for
screenshots in documentation. PNG or SVG by the file's suffix."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from paperscope.core.records import Cluster
from paperscope.mapping.palette import cluster_colours
from paperscope.mapping.raster import bulk_bounds, place_labels


def render_map(
    coords: npt.ArrayLike,
    clusters_of: npt.ArrayLike,
    clusters: Sequence[Cluster],
    path: Path,
    title: str = "",
    max_labels: int = 30,
    size_inches: tuple[float, float] = (12.0, 9.0),
    dpi: int = 120,
    nearest_cluster: npt.ArrayLike | None = None,
) -> Path:
    """Draw points coloured by cluster in a random order (noise points a lighter shade
    of their ``nearest_cluster``'s colour, grey without one), the view fitted to the
    bulk of the points, with the labels of the ``max_labels`` largest clusters at their
    centres, kept inside the image."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    xy = np.asarray(coords, dtype=np.float32)
    lab = np.asarray(clusters_of, dtype=np.int64)
    n = xy.shape[0]
    fig = Figure(figsize=size_inches, dpi=dpi)
    ax = fig.add_subplot(1, 1, 1)
    order = np.random.default_rng(0).permutation(n)
    argb = cluster_colours(lab, nearest_cluster, [c.id for c in clusters],
                           [c.centre for c in clusters])  # fmt: skip
    colours = np.stack(
        [((argb >> shift) & 0xFF) / 255.0 for shift in (16, 8, 0)] + [np.full(n, 0.85)], axis=1
    ).astype(np.float32)
    point = float(np.clip(30_000 / max(n, 1), 0.3, 12.0))
    ax.scatter(xy[order, 0], xy[order, 1], s=point, c=colours[order], linewidths=0,
               rasterized=n > 20_000)  # fmt: skip
    ax.set_xticks([])
    ax.set_yticks([])
    x0, x1, y0, y1 = bulk_bounds(xy)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")  # keeps the limits: the axes box shrinks
    for side in ax.spines.values():
        side.set_visible(False)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    # labels last, where they do not overlap (largest clusters first)
    ax.apply_aspect()
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    bbox = ax.get_window_extent()
    size_px = 9 * dpi / 72
    text_sizes = [(0.62 * size_px * len(c.label) + 6, 1.4 * size_px + 4) for c in clusters]
    keep = place_labels(
        [c.centre for c in clusters], [c.size for c in clusters], text_sizes,
        (x0, x1, y0, y1), (int(bbox.height), int(bbox.width)), max_labels,
    )  # fmt: skip
    for i, x, y in keep:
        c = clusters[i]
        ax.text(
            x, y, c.label, ha="center", va="center", fontsize=9, clip_on=True,
            weight="bold",
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7},
        )  # fmt: skip
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with matplotlib.rc_context({"svg.fonttype": "none"}):  # labels stay text in SVG
        fig.savefig(path)
    return path
