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

Coordinates are ``n × 2`` float arrays in layout units; a view is
``(x0, x1, y0, y1)``; images are ``height × width`` with row 0 at the *top* (``y1``),
as a screen image is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

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
