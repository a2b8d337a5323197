"""The map drawn headless with matplotlib (Agg): for ``paperscope map --out`` and for
screenshots in documentation. PNG or SVG by the file's suffix."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from paperscope.mapping.raster import pick_labels


class NamedCluster(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def label(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def centre(self) -> tuple[float, float]: ...


def render_map(
    coords: npt.ArrayLike,
    clusters_of: npt.ArrayLike,
    clusters: Sequence[NamedCluster],
    path: Path,
    title: str = "",
    max_labels: int = 30,
    size_inches: tuple[float, float] = (12.0, 9.0),
    dpi: int = 120,
) -> Path:
    """Draw points coloured by cluster (grey: none) in a random order, with the labels
    of the ``max_labels`` largest clusters at their centres."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    xy = np.asarray(coords, dtype=np.float32)
    lab = np.asarray(clusters_of, dtype=np.int64)
    n = xy.shape[0]
    fig = Figure(figsize=size_inches, dpi=dpi)
    ax = fig.add_subplot(1, 1, 1)
    order = np.random.default_rng(0).permutation(n)
    cmap = matplotlib.colormaps["tab20"]
    palette = [cmap(i)[:3] for i in range(cmap.N)]
    colours = np.array([(0.78, 0.78, 0.78, 0.6)] * n, dtype=np.float32)
    has = lab >= 0
    if has.any():
        rgb = np.array([palette[i % len(palette)] for i in range(int(lab.max()) + 1)])
        colours[has, :3] = rgb[lab[has]]
        colours[has, 3] = 0.85
    point = float(np.clip(30_000 / max(n, 1), 0.3, 12.0))
    ax.scatter(xy[order, 0], xy[order, 1], s=point, c=colours[order], linewidths=0,
               rasterized=n > 20_000)  # fmt: skip
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_aspect("equal", adjustable="datalim")
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
    keep = pick_labels(
        [c.centre for c in clusters], [c.size for c in clusters], text_sizes,
        (x0, x1, y0, y1), (int(bbox.height), int(bbox.width)), max_labels,
    )  # fmt: skip
    for i in keep:
        c = clusters[i]
        ax.text(
            c.centre[0], c.centre[1], c.label, ha="center", va="center", fontsize=9,
            weight="bold",
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7},
        )  # fmt: skip
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with matplotlib.rc_context({"svg.fonttype": "none"}):  # labels stay text in SVG
        fig.savefig(path)
    return path
