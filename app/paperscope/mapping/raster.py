"""What the map view needs from a million points, in numpy (no Qt here).

- :func:`bounds` / :func:`bulk_bounds`: the rectangle around all points / around the
  bulk of them (1–99 % quantiles, far outliers and small far islands left out), what
  the view fits;
- :func:`density`: counts per pixel for a view rectangle (one ``bincount``), what the
  view shows zoomed out instead of overdrawn points.
- :func:`draw_order` / :func:`subsample`: a fixed random order of the points, so a
  subsample never favours file order and zooming keeps the same points.
- :func:`colour_batches`: point rows grouped by colour (one draw call per colour).
- :func:`splat`: points written straight into one ARGB32 image.
- :class:`PointIndex`: KD-tree hover lookup (``scipy.spatial.cKDTree``).
- :func:`select_box` / :func:`select_lasso`: rows inside a rectangle / polygon.
- :class:`PointGrid`: the level of detail for ten million points, built once per
  layout: the rows sorted by grid cell (the cells a view, a lasso's bounding box or a
  hover's neighbourhood touch give their candidate rows without a pass over all
  points) and a pyramid of density tiles (counts per cell, 2×2 sums per level), from
  which a zoomed-out frame is a slice of one level.

Coordinates are ``n × 2`` float arrays in layout units; a view is
``(x0, x1, y0, y1)``; images are ``height × width`` with row 0 at the *top* (``y1``),
as a screen image is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from paperscope.core.tasks import CancelToken, Progress, no_progress

View = tuple[float, float, float, float]
I64 = npt.NDArray[np.int64]


def bounds(coords: npt.ArrayLike, margin: float = 0.02) -> View:
    """The rectangle around all points with a margin (a fraction of each side)."""
    xy = np.asarray(coords, dtype=np.float64)
    if xy.shape[0] == 0:
        return (0.0, 1.0, 0.0, 1.0)
    lo, hi = np.nanmin(xy, axis=0), np.nanmax(xy, axis=0)
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    lo, hi = lo - margin * span, hi + margin * span
    return (float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1]))


def bulk_bounds(
    coords: npt.ArrayLike,
    lower: float = 1.0,
    upper: float = 99.0,
    margin: float = 0.04,
    island: float = 0.05,
    gap: float = 0.25,
) -> View:
    """The rectangle around the bulk of the points, plus ``margin`` of its span.

    On each axis: the ``lower``–``upper`` percentiles, widened back to the true extreme
    on a side where it lies within half that range (so a small or outlier-free map
    shows every point); then a far *island* is left out too: the points beyond an empty
    band wider than ``gap`` of the rest's span, when they are at most ``island`` of all
    points (a small unrelated topic far from the rest, as UMAP makes them). One outlier
    cluster then no longer squashes the rest into a corner; it is a zoom-out away."""
    xy = np.asarray(coords, dtype=np.float64)
    xy = xy[np.isfinite(xy).all(axis=1)] if xy.size else xy.reshape(0, 2)
    if xy.shape[0] == 0:
        return (0.0, 1.0, 0.0, 1.0)
    lo, hi = np.percentile(xy, [lower, upper], axis=0, method="nearest")
    reach = 0.5 * (hi - lo)
    vmin, vmax = xy.min(axis=0), xy.max(axis=0)
    lo = np.where(vmin >= lo - reach, vmin, lo)
    hi = np.where(vmax <= hi + reach, vmax, hi)
    for axis in (0, 1):
        lo[axis], hi[axis] = _without_islands(xy[:, axis], lo[axis], hi[axis], island, gap)
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    lo, hi = lo - margin * span, hi + margin * span
    return (float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1]))


def _without_islands(
    values: npt.NDArray[np.float64], lo: float, hi: float, island: float, gap: float
) -> tuple[float, float]:
    """``(lo, hi)`` narrowed past the widest empty band inside it while the side beyond
    that band holds at most ``island`` of all values and the band is wider than ``gap``
    of what remains (a few rounds: islands beyond islands)."""
    limit = island * values.shape[0]
    for _ in range(3):
        v = np.sort(values[(values >= lo) & (values <= hi)])
        if v.shape[0] < 3:
            break
        d = np.diff(v)
        j = int(np.argmax(d))  # the band is between v[j] and v[j + 1]
        below, above = j + 1, v.shape[0] - j - 1
        if below <= limit and below < above:
            rest_lo, rest_hi = float(v[j + 1]), float(v[-1])
        elif above <= limit and above < below:
            rest_lo, rest_hi = float(v[0]), float(v[j])
        else:
            break
        if d[j] <= gap * (rest_hi - rest_lo):
            break
        lo, hi = rest_lo, rest_hi
    return lo, hi


def _pixels(
    coords: npt.NDArray[Any], view: View, shape: tuple[int, int]
) -> tuple[I64, npt.NDArray[np.bool_]]:
    """Flat pixel index of every point and whether it lies inside the view."""
    x0, x1, y0, y1 = view
    h, w = shape
    x = coords[:, 0]
    y = coords[:, 1]
    fx = (x - x0) * (w / (x1 - x0))
    fy = (y1 - y) * (h / (y1 - y0))
    inside = (fx >= 0) & (fx < w) & (fy >= 0) & (fy < h)
    ix = fx.astype(np.int64, copy=False)
    iy = fy.astype(np.int64, copy=False)
    return iy * w + ix, inside


def density(
    coords: npt.ArrayLike,
    view: View,
    shape: tuple[int, int],
    weights: npt.ArrayLike | None = None,
) -> npt.NDArray[np.float32]:
    """Points (or summed ``weights``) per pixel of a ``height × width`` image of ``view``."""
    xy = np.asarray(coords)
    h, w = int(shape[0]), int(shape[1])
    if xy.shape[0] == 0 or h <= 0 or w <= 0:
        return np.zeros((max(h, 0), max(w, 0)), dtype=np.float32)
    flat, inside = _pixels(xy, view, (h, w))
    wts = None if weights is None else np.asarray(weights, dtype=np.float64)[inside]
    counts = np.bincount(flat[inside], weights=wts, minlength=h * w)
    return counts.reshape(h, w).astype(np.float32)


def draw_order(n: int, seed: int = 0) -> I64:
    """A fixed random permutation of the rows: draw (and subsample) in this order."""
    return np.random.default_rng(seed).permutation(n).astype(np.int64)


def subsample(order: I64, limit: int, mask: npt.NDArray[np.bool_] | None = None) -> I64:
    """The first ``limit`` rows of ``order`` (those where ``mask`` is true, if given).

    Taking a prefix of one random order keeps a point visible as long as it is in view
    and the limit allows, so points do not flicker while panning."""
    if mask is not None:
        order = order[mask[order]]
    return order[:limit]


def visible(coords: npt.ArrayLike, view: View) -> npt.NDArray[np.bool_]:
    xy = np.asarray(coords)
    x0, x1, y0, y1 = view
    return (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)


def colour_batches(codes: npt.ArrayLike, rows: I64) -> list[tuple[int, I64]]:
    """``rows`` grouped by their colour code, ``(code, rows)`` by code; each group keeps
    the order it had in ``rows``."""
    c = np.asarray(codes)[rows]
    if rows.size == 0:
        return []
    sort = np.argsort(c, kind="stable")
    sc = c[sort]
    cuts = np.flatnonzero(np.diff(sc)) + 1
    starts = np.concatenate([[0], cuts])
    ends = np.concatenate([cuts, [sc.size]])
    return [(int(sc[s]), rows[sort[s:e]]) for s, e in zip(starts, ends, strict=True)]


def splat(
    coords: npt.ArrayLike,
    colours: npt.ArrayLike,
    view: View,
    shape: tuple[int, int],
    rows: I64 | None = None,
    background: int = 0x00000000,
) -> npt.NDArray[np.uint32]:
    """An ARGB32 image with each point's colour at its pixel; later rows in ``rows``
    (a draw order) paint over earlier ones. ``colours``: one ``0xAARRGGBB`` per point."""
    xy = np.asarray(coords)
    col = np.asarray(colours, dtype=np.uint32)
    h, w = int(shape[0]), int(shape[1])
    img = np.full(h * w, background, dtype=np.uint32)
    if rows is not None:
        xy, col = xy[rows], col[rows]
    if xy.shape[0]:
        flat, inside = _pixels(xy, view, (h, w))
        img[flat[inside]] = col[inside]  # numpy: the last write to a pixel wins
    return img.reshape(h, w)


class PointIndex:
    """Nearest point to the cursor in O(log n): a KD-tree on the 2-D coordinates."""

    def __init__(self, coords: npt.ArrayLike) -> None:
        from scipy.spatial import cKDTree

        self.coords = np.ascontiguousarray(coords, dtype=np.float64)
        finite = np.isfinite(self.coords).all(axis=1)
        self._rows = np.flatnonzero(finite).astype(np.int64)
        self._tree = cKDTree(self.coords[finite], balanced_tree=False, compact_nodes=False)

    def __len__(self) -> int:
        return int(self._rows.shape[0])

    def nearest(self, x: float, y: float, max_distance: float = np.inf) -> int:
        """The row nearest ``(x, y)`` within ``max_distance`` (layout units), or ``-1``."""
        if len(self) == 0:
            return -1
        dist, i = self._tree.query((x, y), k=1, distance_upper_bound=max_distance)
        if not np.isfinite(dist):
            return -1
        return int(self._rows[int(i)])

    def within(self, x: float, y: float, radius: float) -> I64:
        """All rows within ``radius`` of ``(x, y)``, nearest first."""
        hits = np.asarray(self._tree.query_ball_point((x, y), radius), dtype=np.int64)
        if hits.size == 0:
            return hits
        d = np.hypot(self.coords[self._rows[hits], 0] - x, self.coords[self._rows[hits], 1] - y)
        return self._rows[hits[np.argsort(d, kind="stable")]]


def select_box(coords: npt.ArrayLike, x0: float, x1: float, y0: float, y1: float) -> I64:
    """Rows inside the rectangle (corners in any order, edges included)."""
    xa, xb = sorted((x0, x1))
    ya, yb = sorted((y0, y1))
    return np.flatnonzero(visible(coords, (xa, xb, ya, yb))).astype(np.int64)


def select_lasso(
    coords: npt.ArrayLike, polygon: Sequence[tuple[float, float]] | npt.ArrayLike
) -> I64:
    """Rows inside a closed polygon (the lasso path; the last vertex joins the first)."""
    from matplotlib.path import Path

    poly = np.asarray(polygon, dtype=np.float64)
    xy = np.asarray(coords, dtype=np.float64)
    if poly.ndim != 2 or poly.shape[0] < 3 or xy.shape[0] == 0:
        return np.empty(0, dtype=np.int64)
    lo, hi = poly.min(axis=0), poly.max(axis=0)
    cand = np.flatnonzero(
        (xy[:, 0] >= lo[0]) & (xy[:, 0] <= hi[0]) & (xy[:, 1] >= lo[1]) & (xy[:, 1] <= hi[1])
    )
    if cand.size == 0:
        return cand.astype(np.int64)
    inside = Path(poly, closed=False).contains_points(xy[cand])
    out: I64 = cand[inside].astype(np.int64)
    return out


def pick_labels(
    centres: npt.ArrayLike,
    priorities: npt.ArrayLike,
    text_sizes: Sequence[tuple[float, float]],
    view: View,
    shape: tuple[int, int],
    max_labels: int = 30,
    pad: float = 2.0,
) -> list[int]:
    """Which cluster labels to draw: centre in view, highest priority (e.g. size) first,
    none overlapping another, at most ``max_labels`` (let it grow as the user zooms in).

    ``text_sizes``: each label's (width, height) in pixels, centred on its centre.
    Returns indices into ``centres``, in drawing order.
    """
    placed = place_labels(centres, priorities, text_sizes, view, shape, max_labels, pad,
                          inside=False)  # fmt: skip
    return [i for i, _, _ in placed]


def place_labels(
    centres: npt.ArrayLike,
    priorities: npt.ArrayLike,
    text_sizes: Sequence[tuple[float, float]],
    view: View,
    shape: tuple[int, int],
    max_labels: int = 30,
    pad: float = 2.0,
    inside: bool = True,
) -> list[tuple[int, float, float]]:
    """Where to draw cluster labels: ``(index, x, y)`` in layout units, highest priority
    first, none overlapping another, at most ``max_labels``. A label's cluster centre
    must be in view; with ``inside`` a label that would stick out past an edge is moved
    in until the whole label is inside the view (``(x, y)`` then differs from its
    centre), otherwise it is centred on its centre.
    """
    xy = np.asarray(centres, dtype=np.float64).reshape(-1, 2)
    pri = np.asarray(priorities, dtype=np.float64)
    x0, x1, y0, y1 = view
    h, w = shape
    if xy.shape[0] == 0 or x1 <= x0 or y1 <= y0:
        return []
    sx, sy = w / (x1 - x0), h / (y1 - y0)
    px = (xy[:, 0] - x0) * sx
    py = (y1 - xy[:, 1]) * sy
    placed: list[tuple[float, float, float, float]] = []
    out: list[tuple[int, float, float]] = []
    for i in np.argsort(-pri, kind="stable"):
        if len(out) >= max_labels:
            break
        if not (0 <= px[i] <= w and 0 <= py[i] <= h):  # the centre must be in view
            continue
        tw, th = text_sizes[int(i)]
        cx, cy = float(px[i]), float(py[i])
        if inside:  # slide the label in from the edges (centred if it is wider)
            half_w, half_h = tw / 2 + pad, th / 2 + pad
            cx = w / 2 if 2 * half_w >= w else min(max(cx, half_w), w - half_w)
            cy = h / 2 if 2 * half_h >= h else min(max(cy, half_h), h - half_h)
        box = (cx - tw / 2 - pad, cx + tw / 2 + pad, cy - th / 2 - pad, cy + th / 2 + pad)
        if any(box[0] < b[1] and b[0] < box[1] and box[2] < b[3] and b[2] < box[3] for b in placed):
            continue
        placed.append(box)
        out.append((int(i), x0 + cx / sx, y1 - cy / sy))
    return out


LABEL_SHARE = 1 / 16
"""The share of a view's area its cluster labels may cover before the map shows the
broader level: about 8 labels in a 900 × 650 px view, 20 in 1600 × 1000."""


def label_budget(
    shape: tuple[int, int], text_sizes: Sequence[tuple[float, float]], share: float = LABEL_SHARE
) -> int:
    """How many labels of the given pixel sizes fit a view of ``shape`` (rows, columns)
    when they may cover ``share`` of it (2 to 40)."""
    if not text_sizes:
        return 2
    mean_area = float(np.mean([max(w, 1.0) * max(h, 1.0) for w, h in text_sizes]))
    return int(np.clip(share * shape[0] * shape[1] / mean_area, 2, 40))


def pick_level(
    centres: npt.ArrayLike,
    levels: npt.ArrayLike,
    view: View,
    max_labels: int = 12,
) -> int:
    """The level of the cluster hierarchy whose labels fit the view: the level whose
    number of cluster centres in view is nearest ``max_labels`` on a log scale (a
    factor too many counts as much as a factor too few; a tie goes to the finer level
    when both fit, to the broader one when neither does).
    Zoomed in, few of a fine level's clusters are in view, so their specific labels
    show; the whole map shows the broad ones. 0 without labels or with none in view."""
    xy = np.asarray(centres, dtype=np.float64).reshape(-1, 2)
    lv = np.asarray(levels, dtype=np.int64)
    if lv.size == 0:
        return 0
    x0, x1, y0, y1 = view
    seen = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
    budget = max(max_labels, 1)
    best: tuple[float, int] | None = None
    for level in np.unique(lv):
        n = int((seen & (lv == level)).sum())
        if n == 0:
            continue
        # a tie below the budget goes to the finer level (there is room), above it to
        # the broader one
        key = (abs(math.log(n / budget)), int(level) if n <= budget else -int(level))
        best = key if best is None or key < best else best
    return 0 if best is None else abs(best[1])


def place_level_labels(
    centres: npt.ArrayLike,
    levels: npt.ArrayLike,
    priorities: npt.ArrayLike,
    text_sizes: Sequence[tuple[float, float]],
    view: View,
    shape: tuple[int, int],
    max_labels: int | None = None,
    pad: float = 2.0,
    inside: bool = True,
) -> tuple[int, list[tuple[int, float, float]]]:
    """``(level, placed)``: the level that fits the view (:func:`pick_level`, with at
    most ``max_labels`` labels; ``None``: :func:`label_budget`) and its labels placed by
    :func:`place_labels` (indices into all the labels, none overlapping another)."""
    if max_labels is None:
        max_labels = label_budget(shape, text_sizes)
    xy = np.asarray(centres, dtype=np.float64).reshape(-1, 2)
    lv = np.asarray(levels, dtype=np.int64)
    level = pick_level(xy, lv, view, max_labels)
    rows = np.flatnonzero(lv == level)
    pri = np.asarray(priorities, dtype=np.float64)
    placed = place_labels(xy[rows], pri[rows], [text_sizes[int(i)] for i in rows], view, shape,
                          max_labels, pad, inside)  # fmt: skip
    return level, [(int(rows[i]), x, y) for i, x, y in placed]


F32 = npt.NDArray[np.float32]


def grid_cells(n: int) -> int:
    """Cells per side of a :class:`PointGrid` for ``n`` points: a power of two with a
    few points per cell, 64–2048 (2048² cells: a 1000-pixel-wide view of the whole map
    is drawn from the tiles down to a 4× zoom with cells of at most 2 pixels)."""
    side = 64
    while side < 2048 and side * side * 2 < n:
        side *= 2
    return side


class PointGrid:
    """The points bucketed into a ``cells × cells`` grid over their bounds.

    ``rows``: the finite rows sorted by cell (row-major, ``y`` up), in ``order`` within a
    cell (a draw order: a pixel shared by points of one cell shows the last one);
    ``starts[c]:starts[c + 1]``: the slice of ``rows`` in cell ``c``; ``levels[l]``: the
    counts per cell of level ``l`` (level 0 the grid itself, each next one 2×2 sums),
    ``y`` up. Coordinates are kept as they are given (float32 stays float32)."""

    def __init__(
        self, coords: npt.ArrayLike, order: I64 | None = None, cells: int | None = None
    ) -> None:
        xy = np.asarray(coords)
        if xy.dtype not in (np.float32, np.float64):
            xy = xy.astype(np.float32)
        self.coords = xy
        n = xy.shape[0]
        finite = np.isfinite(xy).all(axis=1) if n else np.zeros(0, dtype=bool)
        rows = np.flatnonzero(finite) if not finite.all() else None
        g = int(cells or grid_cells(n))
        self.cells = g
        fx = xy[:, 0] if rows is None else xy[rows, 0]
        fy = xy[:, 1] if rows is None else xy[rows, 1]
        if fx.size:
            lo = np.array([fx.min(), fy.min()], dtype=np.float64)
            hi = np.array([fx.max(), fy.max()], dtype=np.float64)
        else:
            lo, hi = np.zeros(2), np.ones(2)
        span = np.where(hi - lo > 0, hi - lo, 1.0) * (1 + 1e-6)
        self.x0, self.y0 = float(lo[0]), float(lo[1])
        self.cw, self.ch = float(span[0]) / g, float(span[1]) / g
        cell = self._cell_x(fx) + g * self._cell_y(fy)
        if order is None:
            sort = np.argsort(cell, kind="stable")
            src = np.arange(n, dtype=np.int64) if rows is None else rows
        else:  # draw order first, then a stable sort by cell keeps it inside each cell
            at = np.full(n, -1, dtype=np.int64)  # row -> its position among the finite
            at[np.arange(n) if rows is None else rows] = np.arange(cell.shape[0])
            src = np.asarray(order, dtype=np.int64)
            src = src[at[src] >= 0]
            cell = cell[at[src]]
            sort = np.argsort(cell, kind="stable")
        self.rows: I64 = np.ascontiguousarray(src[sort], dtype=np.int64)
        self.xy = np.ascontiguousarray(xy[self.rows])  # by cell: a view's are a few slices
        counts = np.bincount(cell, minlength=g * g)
        self.starts: I64 = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        level = counts.reshape(g, g).astype(np.float32)
        self.levels: list[F32] = [level]
        while level.shape[0] > 16:
            level = level.reshape(level.shape[0] // 2, 2, level.shape[1] // 2, 2).sum(axis=(1, 3))
            self.levels.append(level)

    def __len__(self) -> int:
        return int(self.rows.shape[0])

    def _cell_x(self, x: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
        c = np.floor((np.asarray(x, dtype=np.float64) - self.x0) / self.cw).astype(np.int64)
        return np.clip(c, 0, self.cells - 1)

    def _cell_y(self, y: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
        c = np.floor((np.asarray(y, dtype=np.float64) - self.y0) / self.ch).astype(np.int64)
        return np.clip(c, 0, self.cells - 1)

    def cell_range(self, view: View) -> tuple[int, int, int, int] | None:
        """Inclusive cell columns and rows ``(i0, i1, j0, j1)`` a view touches (None:
        it misses the grid)."""
        x0, x1, y0, y1 = view
        g = self.cells
        if x1 < self.x0 or y1 < self.y0 or x0 > self.x0 + g * self.cw or y0 > self.y0 + g * self.ch:
            return None
        i0, i1 = (int(v) for v in self._cell_x(np.array([x0, x1])))
        j0, j1 = (int(v) for v in self._cell_y(np.array([y0, y1])))
        return i0, i1, j0, j1

    def count_upper(self, view: View, max_cells: int = 128) -> int:
        """Points in the cells the view touches (at least those inside it), summed on
        the finest level where that is at most ``max_cells`` cells a side (the whole map
        at level 0 would be four million cells: milliseconds a frame)."""
        r = self.cell_range(view)
        if r is None:
            return 0
        i0, i1, j0, j1 = r
        level = 0
        while max(i1 - i0, j1 - j0) >= max_cells and level + 1 < len(self.levels):
            i0, i1, j0, j1 = i0 // 2, i1 // 2, j0 // 2, j1 // 2
            level += 1
        return int(self.levels[level][j0 : j1 + 1, i0 : i1 + 1].sum(dtype=np.float64))

    def _slots(self, view: View) -> I64:
        """Positions in ``rows`` / ``xy`` of the cells the view touches (one ascending
        run per row of cells)."""
        r = self.cell_range(view)
        return np.empty(0, dtype=np.int64) if r is None else self._cell_slots(*r)

    def _cell_slots(self, i0: int, i1: int, j0: int, j1: int) -> I64:
        base = np.arange(j0, j1 + 1, dtype=np.int64) * self.cells
        a = self.starts[base + i0]
        b = self.starts[base + i1 + 1]
        lengths = b - a
        total = int(lengths.sum())
        if total == 0:
            return np.empty(0, dtype=np.int64)
        if lengths.size == 1 or total == int(b[-1] - a[0]):
            return np.arange(int(a[0]), int(a[0]) + total, dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        slots: I64 = np.arange(total, dtype=np.int64) + np.repeat(a - offsets, lengths)
        return slots

    def candidates(self, view: View) -> I64:
        """The rows of the cells the view touches, by cell (a superset of the inside)."""
        out: I64 = self.rows[self._slots(view)]
        return out

    def candidate_points(self, view: View) -> tuple[I64, npt.NDArray[Any]]:
        """``(slots, xy)``: positions in ``rows`` / ``xy`` of the points of the cells the
        view touches (a superset of the inside) and their coordinates."""
        slots = self._slots(view)
        return slots, self.xy[slots]

    def inside_slots(self, view: View) -> I64:
        """Positions in ``rows`` / ``xy`` of the points inside the view (edges included):
        ``xy[slots]`` are their coordinates, read from a few contiguous runs."""
        return self._inside_slots(view)

    def _inside_slots(self, view: View) -> I64:
        slots = self._slots(view)
        if slots.size == 0:
            return slots
        xy = self.xy[slots]
        x0, x1, y0, y1 = view
        ok = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
        out: I64 = slots[ok]
        return out

    def inside(self, view: View) -> I64:
        """The rows inside the view (edges included), by cell, in draw order per cell."""
        out: I64 = self.rows[self._inside_slots(view)]
        return out

    def select_box(self, x0: float, x1: float, y0: float, y1: float) -> I64:
        """Rows inside the rectangle (corners in any order, edges included), ascending:
        the same as :func:`select_box`."""
        xa, xb = sorted((x0, x1))
        ya, yb = sorted((y0, y1))
        return np.sort(self.inside((xa, xb, ya, yb)))

    def select_lasso(self, polygon: Sequence[tuple[float, float]] | npt.ArrayLike) -> I64:
        """Rows inside a closed polygon, ascending: the same as :func:`select_lasso`.

        Only the cells of the polygon's bounding box are looked at: a cell no edge comes
        near (the cells along each edge and their neighbours are marked) is wholly inside
        or wholly outside, which its centre says (a scanline crossing count per row of
        cells), so its rows are taken or left at once; the point-in-polygon test runs
        only on the rows of the marked cells along the edges."""
        from matplotlib.path import Path

        poly = np.asarray(polygon, dtype=np.float64)
        if poly.ndim != 2 or poly.shape[0] < 3 or len(self) == 0:
            return np.empty(0, dtype=np.int64)
        lo, hi = poly.min(axis=0), poly.max(axis=0)
        r = self.cell_range((float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])))
        if r is None:
            return np.empty(0, dtype=np.int64)
        i0, i1, j0, j1 = r
        nx, ny = i1 - i0 + 1, j1 - j0 + 1
        # cells an edge passes through, and their neighbours: samples every half cell
        p0, p1 = poly, np.roll(poly, -1, axis=0)
        step = 0.5 * min(self.cw, self.ch)
        counts = np.ceil(np.hypot(*(p1 - p0).T) / step).astype(np.int64) + 1
        t = np.concatenate([np.linspace(0.0, 1.0, int(c)) for c in counts])
        e = np.repeat(np.arange(poly.shape[0]), counts)
        pts = p0[e] + (p1[e] - p0[e]) * t[:, None]
        ci = self._cell_x(pts[:, 0]) - i0
        cj = self._cell_y(pts[:, 1]) - j0
        edge = np.zeros((ny + 2, nx + 2), dtype=bool)  # one cell of margin each side
        for di in (0, 1, 2):
            for dj in (0, 1, 2):
                edge[np.clip(cj + dj, 0, ny + 1), np.clip(ci + di, 0, nx + 1)] = True
        edge = edge[1:-1, 1:-1]
        # the other cells: inside when their centre is (even-odd crossings on its row)
        cx = self.x0 + (np.arange(i0, i1 + 1) + 0.5) * self.cw
        cy = self.y0 + (np.arange(j0, j1 + 1) + 0.5) * self.ch
        (x0, y0), (x1, y1) = p0.T, p1.T
        spans = (y0 > cy[:, None]) != (y1 > cy[:, None])  # rows × edges
        with np.errstate(divide="ignore", invalid="ignore"):
            at = x0 + (cy[:, None] - y0) * (x1 - x0) / (y1 - y0)
        at = np.where(spans, at, np.inf)
        at.sort(axis=1)
        left = np.stack([np.searchsorted(row, cx) for row in at])  # crossings left of centre
        whole = (left % 2 == 1) & ~edge
        cells = (np.arange(j0, j1 + 1)[:, None] * self.cells + np.arange(i0, i1 + 1)).ravel()
        inner = self._slots_of_cells(cells[whole.ravel()])
        near = self._slots_of_cells(cells[edge.ravel()])
        if near.size:
            inside = Path(poly, closed=False).contains_points(self.xy[near].astype(np.float64))
            near = near[inside]
        return np.sort(self.rows[np.concatenate([inner, near])])

    def _slots_of_cells(self, cells: I64) -> I64:
        """Positions in ``rows`` / ``xy`` of the given cells' rows."""
        a = self.starts[cells]
        lengths = self.starts[cells + 1] - a
        total = int(lengths.sum())
        if total == 0:
            return np.empty(0, dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        slots: I64 = np.arange(total, dtype=np.int64) + np.repeat(a - offsets, lengths)
        return slots

    def nearest(self, x: float, y: float, max_distance: float = np.inf) -> int:
        """The row nearest ``(x, y)`` within ``max_distance``, or ``-1``: the cells around
        the query's cell, the square doubling until no unsearched cell can hold a nearer
        point (exact, as a brute-force search)."""
        if len(self) == 0 or not (np.isfinite(x) and np.isfinite(y)):
            return -1
        g = self.cells
        ci = int(self._cell_x(np.array([x]))[0])
        cj = int(self._cell_y(np.array([y]))[0])
        r = 0
        while True:
            i0, i1, j0, j1 = max(ci - r, 0), min(ci + r, g - 1), max(cj - r, 0), min(cj + r, g - 1)
            slots = self._cell_slots(i0, i1, j0, j1)
            best, best_d = -1, np.inf
            if slots.size:
                xy = self.xy[slots].astype(np.float64)
                d = np.hypot(xy[:, 0] - x, xy[:, 1] - y)
                k = int(np.argmin(d))
                best, best_d = int(self.rows[slots[k]]), float(d[k])
            # the nearest an unsearched cell can be: the square's sides with cells beyond
            gaps = [np.inf]
            if i0 > 0:
                gaps.append(x - (self.x0 + i0 * self.cw))
            if i1 < g - 1:
                gaps.append(self.x0 + (i1 + 1) * self.cw - x)
            if j0 > 0:
                gaps.append(y - (self.y0 + j0 * self.ch))
            if j1 < g - 1:
                gaps.append(self.y0 + (j1 + 1) * self.ch - y)
            bound = min(gaps)
            if best_d <= bound or bound > max_distance:
                return best if best_d <= max_distance else -1
            r = 2 * r + 1

    def density_tile(self, view: View, shape: tuple[int, int], max_px: float = 2.0
                     ) -> tuple[F32, View] | None:  # fmt: skip
        """Counts per cell of the level whose cells are nearest one screen pixel (none
        finer), sliced to the view: ``(image, rect)`` with row 0 at the top and ``rect``
        the layout rectangle the image covers. None when even level 0's cells are wider
        than ``max_px`` pixels (zoomed in: count the points themselves)."""
        x0, x1, y0, y1 = view
        h, w = shape
        if x1 <= x0 or y1 <= y0:
            return None
        px = min(self.cw * w / (x1 - x0), self.ch * h / (y1 - y0))  # level-0 cell, pixels
        if px > max_px:
            return None
        level = 0  # the finest level whose cells are at least a pixel (Qt then scales
        while px * 2**level < 1.0 and level + 1 < len(self.levels):  # up, losing nothing)
            level += 1
        counts = self.levels[level]
        cw, ch = self.cw * 2**level, self.ch * 2**level
        gy, gx = counts.shape
        i0 = min(max(int(np.floor((x0 - self.x0) / cw)), 0), gx)
        i1 = min(max(int(np.ceil((x1 - self.x0) / cw)), 0), gx)
        j0 = min(max(int(np.floor((y0 - self.y0) / ch)), 0), gy)
        j1 = min(max(int(np.ceil((y1 - self.y0) / ch)), 0), gy)
        tile = np.ascontiguousarray(counts[j0:j1, i0:i1][::-1])
        rect = (self.x0 + i0 * cw, self.x0 + i1 * cw, self.y0 + j0 * ch, self.y0 + j1 * ch)
        return tile, rect


def _no_cancel() -> CancelToken:
    return CancelToken()


@dataclass(frozen=True, slots=True, eq=False)
class PreparedPoints:
    """A layout made ready for the map view: ``ids`` and float32 ``coords`` row-aligned,
    ``order`` the draw order, ``grid`` the :class:`PointGrid` (in that order), ``bulk``
    the view that fits the bulk (:func:`bulk_bounds`), ``id_order`` the rows by id."""

    ids: I64
    coords: npt.NDArray[np.float32]
    order: I64
    grid: PointGrid
    bulk: View
    id_order: I64

    def __len__(self) -> int:
        return int(self.ids.shape[0])


def prepare_points(
    ids: npt.ArrayLike,
    coords: npt.ArrayLike,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    order: I64 | None = None,
) -> PreparedPoints:
    """Build what a map view of these points needs, once per layout (ten million
    points: seconds, so the GUI runs this on a worker). ``order``: a draw order to keep
    (the same points laid out again); by default :func:`draw_order`."""
    cancel = cancel or _no_cancel()
    pid = np.asarray(ids, dtype=np.int64)
    xy = np.ascontiguousarray(coords, dtype=np.float32).reshape(-1, 2)
    if xy.shape[0] != pid.shape[0]:
        raise ValueError(f"{pid.shape[0]} ids for {xy.shape[0]} points")
    n = pid.shape[0]
    progress(0.0, f"Preparing {n:,} points")
    if order is None or order.shape[0] != n:
        order = draw_order(n)
    cancel.check()
    progress(0.1, "Sorting the points into cells")
    grid = PointGrid(xy, order)
    cancel.check()
    progress(0.7, "Fitting the view")
    bulk = bulk_bounds(xy)
    cancel.check()
    id_order = np.argsort(pid, kind="stable").astype(np.int64)
    progress(1.0, "")
    return PreparedPoints(pid, xy, order, grid, bulk, id_order)


def disc_offsets(radius: int) -> list[tuple[int, int]]:
    """Pixel offsets of a point drawn with ``radius`` (1: a 2 × 2 square, never under
    2 px; more: a disc)."""
    if radius <= 1:
        return [(0, 0), (1, 0), (0, 1), (1, 1)]
    r = radius - 1
    return [(dx, dy) for dx in range(-r, r + 1) for dy in range(-r, r + 1)
            if dx * dx + dy * dy <= r * r + r]  # fmt: skip


def splat_discs(
    xy: npt.NDArray[Any],
    colours: npt.NDArray[np.uint32],
    view: View,
    shape: tuple[int, int],
    radius: int,
) -> npt.NDArray[np.uint32]:
    """An ARGB32 image (``height × width``, row 0 at the top) with each point a disc of
    :func:`disc_offsets` in its colour; later points paint over earlier ones (the
    order of ``xy``). Points whose disc only partly lies in view are drawn partly."""
    h, w = int(shape[0]), int(shape[1])
    offsets = disc_offsets(radius)
    lo = min(min(dx, dy) for dx, dy in offsets)
    hi = max(max(dx, dy) for dx, dy in offsets)
    pad = hi - lo  # the padded image takes every offset of every point that touches the view
    wp = w + 2 * pad
    img = np.zeros((h + 2 * pad) * wp, dtype=np.uint32)
    if xy.shape[0] and w > 0 and h > 0:
        x0, x1, y0, y1 = view
        fx = (xy[:, 0] - np.float32(x0)) * np.float32(w / (x1 - x0))
        fy = (np.float32(y1) - xy[:, 1]) * np.float32(h / (y1 - y0))
        # the points whose disc reaches into the view (pixel floor(f) + offset in 0..w-1)
        ok = (fx >= -hi) & (fx < w - lo) & (fy >= -hi) & (fy < h - lo)
        if not ok.all():
            fx, fy, colours = fx[ok], fy[ok], colours[ok]
        base = (np.floor(fy).astype(np.int64) + pad) * wp + np.floor(fx).astype(np.int64) + pad
        for dx, dy in offsets:
            img[base + (dy * wp + dx)] = colours  # numpy: the last write to a pixel wins
    out: npt.NDArray[np.uint32] = np.ascontiguousarray(
        img.reshape(h + 2 * pad, wp)[pad : pad + h, pad : pad + w]
    )
    return out


def colour_counts(
    counts: npt.NDArray[Any], table: npt.NDArray[np.uint32]
) -> npt.NDArray[np.uint32]:
    """Counts per pixel as ARGB32 colours: ``log1p`` scaled to the table's length, the
    highest count at its last entry (an empty pixel: entry 0)."""
    levels = np.log1p(np.asarray(counts, dtype=np.float32))
    top = float(levels.max()) if levels.size else 0.0
    scale = table.shape[0] / top if top > 0 else 0.0  # the top count: the last entry
    idx = np.minimum((levels * np.float32(scale)).astype(np.intp), table.shape[0] - 1)
    if top > 0:  # one count still shows: at least the first entry after the empty one
        idx[(counts > 0) & (idx == 0)] = 1
    out: npt.NDArray[np.uint32] = table[idx]
    return out
