from __future__ import annotations

import numpy as np
import pytest

from paperscope.mapping.clusters import hdbscan_labels
from paperscope.mapping.raster import (
    PointIndex,
    bounds,
    colour_batches,
    density,
    draw_order,
    pick_labels,
    select_box,
    select_lasso,
    splat,
    subsample,
    visible,
)
from tests.mapping.conftest import Corpus, RealMap


def _inside_polygon(xy: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """Ray casting, written out independently of matplotlib."""
    x, y = xy[:, 0], xy[:, 1]
    inside = np.zeros(len(xy), dtype=bool)
    j = len(poly) - 1
    for i in range(len(poly)):
        xi, yi = poly[i]
        xj, yj = poly[j]
        crosses = ((yi > y) != (yj > y)) & (x < (xj - xi) * (y - yi) / (yj - yi + 1e-300) + xi)
        inside ^= crosses
        j = i
    return inside


def test_density_matches_histogram2d(real_map: RealMap) -> None:
    xy = real_map.umap
    view = bounds(xy)
    img = density(xy, view, (40, 60))
    assert img.shape == (40, 60) and img.dtype == np.float32
    assert img.sum() == len(xy)  # every point lands in a pixel
    ref, _, _ = np.histogram2d(xy[:, 1], xy[:, 0], bins=(40, 60),
                               range=((view[2], view[3]), (view[0], view[1])))  # fmt: skip
    np.testing.assert_array_equal(img, ref[::-1])  # image row 0 is the top
    # a zoomed view counts only what it shows
    x0, x1, y0, y1 = view
    half = (x0, (x0 + x1) / 2, y0, y1)
    assert density(xy, half, (10, 10)).sum() == visible(xy, half).sum() - np.sum(
        xy[:, 0] == half[1]
    )
    weights = np.arange(len(xy), dtype=np.float64)
    assert np.isclose(density(xy, view, (8, 8), weights).sum(), weights.sum())
    assert density(xy[:0], view, (4, 4)).sum() == 0


def test_random_order_keeps_late_clusters(corpus: Corpus, real_map: RealMap) -> None:
    """A subsample taken in the random draw order holds every group of papers; one taken
    in file order would miss the papers read last. The groups are the corpus's three
    sources (read one after the other: 200 arXiv, 79 HF page, 183 CSL-JSON), which do not
    depend on the layout, as HDBSCAN's clusters would."""
    labels = np.unique(corpus.source(), return_inverse=True)[1]
    order = draw_order(len(labels), seed=1)
    assert sorted(order.tolist()) == list(range(len(labels)))
    assert not (np.diff(order) > 0).all()
    sample = subsample(order, 120)
    assert set(labels[sample][labels[sample] >= 0]) == set(labels[labels >= 0])
    file_order = np.arange(120)
    assert set(labels[file_order][labels[file_order] >= 0]) != set(labels[labels >= 0])
    # restricting to the view keeps the same relative order (no flicker while panning)
    mask = real_map.umap[:, 0] < np.median(real_map.umap[:, 0])
    sub = subsample(order, 50, mask)
    assert mask[sub].all() and len(sub) == 50
    pos = np.argsort(order)
    assert (np.diff(pos[sub]) > 0).all()


def test_colour_batches() -> None:
    codes = np.array([2, 0, 2, 1, 0, 2])
    rows = np.array([5, 3, 0, 1, 2])
    batches = colour_batches(codes, rows)
    assert [c for c, _ in batches] == [0, 1, 2]
    assert [b.tolist() for _, b in batches] == [[1], [3], [5, 0, 2]]
    assert colour_batches(codes, rows[:0]) == []


def test_splat_paints_in_draw_order() -> None:
    xy = np.array([[0.5, 0.5], [0.5, 0.5], [9.5, 9.5], [20.0, 20.0]])
    colours = np.array([0xFFFF0000, 0xFF00FF00, 0xFF0000FF, 0xFFFFFFFF], dtype=np.uint32)
    img = splat(xy, colours, (0, 10, 0, 10), (10, 10))
    assert img.shape == (10, 10)
    assert img[9, 0] == 0xFF00FF00  # bottom-left pixel: the later of the two points
    assert img[0, 9] == 0xFF0000FF  # top-right
    assert (img != 0).sum() == 2  # the point outside the view is not drawn
    img = splat(xy, colours, (0, 10, 0, 10), (10, 10), rows=np.array([1, 0]))
    assert img[9, 0] == 0xFFFF0000


def test_hover_lookup_is_the_true_nearest(real_map: RealMap) -> None:
    xy = real_map.umap.astype(np.float64)
    index = PointIndex(xy)
    rng = np.random.default_rng(0)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    for q in rng.uniform(lo, hi, size=(200, 2)):
        d = np.hypot(*(xy - q).T)
        assert index.nearest(*q) == int(np.argmin(d)) or np.isclose(d[index.nearest(*q)], d.min())
    far = hi + 100
    assert index.nearest(*far, max_distance=1.0) == -1
    near = index.within(*xy[7], radius=0.5)
    assert near[0] == 7 and (np.hypot(*(xy[near] - xy[7]).T) <= 0.5).all()
    with_nan = xy.copy()
    with_nan[3] = np.nan
    idx2 = PointIndex(with_nan)
    assert len(idx2) == len(xy) - 1 and idx2.nearest(*xy[3]) != 3
    assert PointIndex(np.zeros((0, 2))).nearest(0, 0) == -1


def test_box_and_lasso_selection(real_map: RealMap) -> None:
    xy = real_map.umap
    # a box from the layout's own quantiles: 40 % of the points lie in its x range and
    # 90 % in its y range, so at least 30 % lie in both, whatever the layout
    qx, qy = np.quantile(xy[:, 0], [0.2, 0.6]), np.quantile(xy[:, 1], [0.1, 1.0])
    box = (float(qx[0]), float(qx[1]), float(qy[0]), float(qy[1]))
    got = select_box(xy, box[1], box[0], box[3], box[2])  # corners in any order
    ref = np.flatnonzero((xy[:, 0] >= box[0]) & (xy[:, 0] <= box[1])
                         & (xy[:, 1] >= box[2]) & (xy[:, 1] <= box[3]))  # fmt: skip
    assert got.tolist() == ref.tolist() and len(got) >= 0.3 * len(xy) - 2
    # a concave (L-shaped) lasso agrees with independent ray casting; it is built from
    # the layout's own points, so it holds for any layout: its notch cuts out the corner
    # beyond the most "upper-right" point q (the highest rank in both x and y), which
    # leaves q out and every point left of or below q in
    x0, x1, y0, y1 = bounds(xy, margin=0.01)  # no point on an outer edge
    rx, ry = np.argsort(np.argsort(xy[:, 0])), np.argsort(np.argsort(xy[:, 1]))
    q = int(np.argmax(np.minimum(rx, ry)))

    def below(values: np.ndarray, v: float) -> float:  # halfway to the next lower value
        lower = values[values < v]
        return (v + lower.max()) / 2 if lower.size else v - 1e-3

    cx, cy = below(xy[:, 0], xy[q, 0]), below(xy[:, 1], xy[q, 1])
    lasso = np.array([(x0, y0), (x1, y0), (x1, cy), (cx, cy), (cx, y1), (x0, y1)])
    got = select_lasso(xy, lasso)
    ref = np.flatnonzero(_inside_polygon(xy, lasso))
    assert set(got.tolist()) == set(ref.tolist())
    assert q not in set(got.tolist()) and 0 < len(got) < len(xy)
    outside = (xy[:, 0] > cx) & (xy[:, 1] > cy)
    assert set(got.tolist()) == set(np.flatnonzero(~outside).tolist())
    assert select_lasso(xy, lasso[:2]).size == 0


def test_lasso_around_a_cluster_selects_that_cluster(real_map: RealMap) -> None:
    from scipy.spatial import ConvexHull

    labels = hdbscan_labels(real_map.umap)
    members = np.flatnonzero(labels == 0)
    hull = real_map.umap[members][ConvexHull(real_map.umap[members]).vertices]
    centre = hull.mean(axis=0)
    lasso = centre + (hull - centre) * 1.02  # a little outside the outermost members
    got = set(select_lasso(real_map.umap, lasso).tolist())
    assert set(members.tolist()) <= got  # the hull holds its cluster, whatever the layout
    # and exactly the points inside it (others of a layout may fall in a hull's corner)
    assert got == set(np.flatnonzero(_inside_polygon(real_map.umap, lasso)).tolist())


@pytest.mark.parametrize("margin", [0.0, 0.1])
def test_bounds(margin: float) -> None:
    xy = np.array([[0.0, 1.0], [2.0, 5.0]])
    x0, x1, y0, y1 = bounds(xy, margin)
    assert (x0, x1) == (-2 * margin, 2 + 2 * margin) and (y0, y1) == (
        1 - 4 * margin,
        5 + 4 * margin,
    )
    assert bounds(np.zeros((0, 2))) == (0.0, 1.0, 0.0, 1.0)


def test_pick_labels_never_overlap_and_grow_with_zoom(real_map: RealMap) -> None:
    from paperscope.mapping.clusters import cluster_map
    from tests.mapping.corpus import load_corpus

    _, texts, _ = load_corpus()
    finest = cluster_map(real_map.umap, texts).level(0)
    centres = [c.centre for c in finest]
    sizes = [c.size for c in finest]
    boxes = [(7.0 * len(c.label), 14.0) for c in finest]
    view = bounds(real_map.umap)
    shown = pick_labels(centres, sizes, boxes, view, (300, 400))
    assert shown and shown[0] == 0  # the largest cluster always gets its name
    px = lambda i: (  # noqa: E731
        (centres[i][0] - view[0]) * 400 / (view[1] - view[0]),
        (view[3] - centres[i][1]) * 300 / (view[3] - view[2]),
    )
    for a in shown:
        for b in shown:
            if a < b:
                (xa, ya), (xb, yb) = px(a), px(b)
                apart_x = abs(xa - xb) >= (boxes[a][0] + boxes[b][0]) / 2 + 4
                apart_y = abs(ya - yb) >= (boxes[a][1] + boxes[b][1]) / 2 + 4
                assert apart_x or apart_y
    # a bigger canvas (zooming in) has room for at least as many labels; a cap holds
    assert len(pick_labels(centres, sizes, boxes, view, (1200, 1600))) >= len(shown)
    assert len(pick_labels(centres, sizes, boxes, view, (1200, 1600), max_labels=2)) == 2
    # labels whose cluster centre is out of view are not drawn
    cx, cy = centres[0]
    small = (cx + 1e-3, cx + 1.0, cy + 1e-3, cy + 1.0)
    assert 0 not in pick_labels(centres, sizes, boxes, small, (300, 400))
    assert pick_labels([], [], [], view, (10, 10)) == []


def test_splat_discs_draws_every_point_in_order_and_cut_at_the_edges() -> None:
    """The points frame (issue #17): each point's disc of ``disc_offsets`` at its pixel,
    later points over earlier ones, discs reaching in from outside drawn in part, all
    as a per-point loop over every pixel would draw them."""
    from paperscope.mapping.raster import disc_offsets, splat_discs

    rng = np.random.default_rng(4)
    view, (h, w) = (0.0, 10.0, 0.0, 8.0), (40, 50)
    xy = rng.uniform(-0.5, 10.5, size=(300, 2)).astype(np.float32)  # some just outside
    xy[:, 1] *= 0.8
    cols = rng.integers(1, 2**32, size=300, dtype=np.uint64).astype(np.uint32)
    for radius in (1, 2, 3):
        got = splat_discs(xy, cols, view, (h, w), radius)
        want = np.zeros((h, w), dtype=np.uint32)
        fx = (xy[:, 0] - np.float32(0.0)) * np.float32(w / 10.0)
        fy = (np.float32(8.0) - xy[:, 1]) * np.float32(h / 8.0)
        for dx, dy in disc_offsets(radius):  # the same pass order: offset by offset
            for k in range(xy.shape[0]):
                px, py = int(np.floor(fx[k])) + dx, int(np.floor(fy[k])) + dy
                if 0 <= px < w and 0 <= py < h:
                    want[py, px] = cols[k]
        np.testing.assert_array_equal(got, want)
    assert len(disc_offsets(1)) == 4  # never under 2 x 2 px


def test_colour_counts_maps_empty_to_transparent_and_the_top_to_the_last_colour() -> None:
    from paperscope.mapping.raster import colour_counts

    table = np.arange(256, dtype=np.uint32) | np.uint32(0xFF000000)
    table[0] = 0
    counts = np.array([[0, 1, 5], [50, 500, 0]], dtype=np.float32)
    got = colour_counts(counts, table)
    assert got[0, 0] == 0 and got[1, 2] == 0  # empty: transparent
    assert got[1, 1] == table[-1]  # the most
    assert got[0, 1] >= table[1]  # one point still shows
    assert (np.diff(got[[0, 0, 1, 1], [1, 2, 0, 1]].astype(np.int64)) > 0).all()
    assert (colour_counts(np.zeros((3, 4), np.float32), table) == 0).all()
