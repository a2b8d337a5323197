"""A map readable at thousands of papers (issue #21 item 9): noise points shaded by
their nearest cluster, the view fitted to the bulk of the points, labels kept inside
the view; on the real corpus's layout."""

from __future__ import annotations

import numpy as np

from paperscope.mapping import palette
from paperscope.mapping.clusters import hdbscan_labels, nearest_clusters
from paperscope.mapping.raster import bounds, bulk_bounds, pick_labels, place_labels
from tests.mapping.conftest import RealMap


def test_noise_points_take_their_nearest_cluster(real_map: RealMap) -> None:
    xy = real_map.umap
    labels = hdbscan_labels(xy)
    noise = labels < 0
    assert noise.any() and (~noise).any()
    near = nearest_clusters(xy, labels)
    assert (near[~noise] == labels[~noise]).all()  # members keep their own cluster
    assert (near >= 0).all()
    members = np.flatnonzero(~noise)
    for row in np.flatnonzero(noise):  # the cluster of the nearest member, by brute force
        d = np.linalg.norm(xy[members] - xy[row], axis=1)
        assert near[row] == labels[members[np.argmin(d)]]
    assert (nearest_clusters(xy, np.full(len(xy), -1)) == -1).all()


def test_cluster_colours_shade_noise_lighter() -> None:
    labels = np.array([0, 0, 1, 1, -1, -1, -1])
    near = np.array([0, 0, 1, 1, 0, 1, -1])
    colours = palette.cluster_colours(labels, near, [0, 1], [(0.0, 0.0), (5.0, 5.0)])
    c0, c1 = palette.argb(palette.CATEGORICAL[0]), palette.argb(palette.CATEGORICAL[1])
    assert colours.tolist()[:4] == [c0, c0, c1, c1]
    assert colours[4] == palette.lighten([c0])[0] and colours[5] == palette.lighten([c1])[0]
    assert colours[6] == palette.argb(palette.OTHER)
    # lighter: every channel nearer white, the alpha kept
    shaded = int(colours[4])
    for shift in (16, 8, 0):
        assert (c0 >> shift) & 0xFF <= (shaded >> shift) & 0xFF
    assert shaded >> 24 == 0xFF and shaded != c0
    # without stored nearest clusters (an older map) noise stays grey
    old = palette.cluster_colours(labels, None, [0, 1], [(0.0, 0.0), (5.0, 5.0)])
    assert (old[4:] == palette.argb(palette.OTHER)).all()


def test_more_clusters_than_colours_reuse_colours_far_apart() -> None:
    centres = [(float(x), 0.0) for x in range(30)]  # a row of clusters, 1 apart
    picks = palette.palette_indices(centres, 12)
    assert picks[:12] == list(range(12))  # every colour once before any repeats
    for i in range(len(centres)):
        for j in range(i + 1, len(centres)):
            if picks[i] == picks[j]:
                assert abs(centres[i][0] - centres[j][0]) >= 6  # never next to each other


def test_bulk_bounds_leave_a_far_outlier_cluster_out(real_map: RealMap) -> None:
    xy = real_map.umap.astype(np.float64)
    full = bounds(xy, margin=0.0)
    span = full[1] - full[0]
    rng = np.random.default_rng(0)
    far = np.array([full[1] + 20 * span, full[3]]) + rng.normal(scale=0.01, size=(4, 2))
    with_outliers = np.vstack([xy, far])  # 4 of 466 points, far out on the right
    bulk = bulk_bounds(with_outliers)
    assert bulk[1] < full[1] + 0.1 * span  # the outliers are out of the box
    inside = (xy[:, 0] >= bulk[0]) & (xy[:, 0] <= bulk[1]) & (xy[:, 1] >= bulk[2])
    assert inside.mean() > 0.97
    # without far outliers every point is in the box
    plain = bulk_bounds(xy)
    assert plain[0] <= full[0] and plain[1] >= full[1] and plain[2] <= full[2]
    assert plain[3] >= full[3]
    assert bulk_bounds(np.zeros((0, 2))) == (0.0, 1.0, 0.0, 1.0)


def test_bulk_bounds_leave_a_small_far_island_out(real_map: RealMap) -> None:
    """cdl.bib's case: a small unrelated topic (3.5 % of the papers) far above the rest
    held 40 % of the view's height; beyond the 99 % quantile it is not an outlier, but
    a small far island, left out of the fit. A big one stays in."""
    xy = real_map.umap.astype(np.float64)
    full = bounds(xy, margin=0.0)
    height = full[3] - full[2]
    rng = np.random.default_rng(1)

    def with_island(share: float) -> np.ndarray:
        k = round(share * len(xy) / (1 - share))
        centre = np.array([(full[0] + full[1]) / 2, full[3] + 0.8 * height])
        return np.vstack([xy, centre + rng.normal(scale=0.02 * height, size=(k, 2))])

    small = bulk_bounds(with_island(0.035))
    assert small[3] < full[3] + 0.1 * height  # the island is out of the box, the rest in
    assert small[2] <= full[2] and small[0] <= full[0] and small[1] >= full[1]
    big = bulk_bounds(with_island(0.12))
    assert big[3] > full[3] + 0.8 * height  # a tenth of the map is part of the bulk


def test_labels_near_an_edge_are_moved_inside_the_view() -> None:
    centres = [(0.0, 5.0), (10.0, 10.0), (5.0, 5.0)]  # left edge, top-right corner, middle
    sizes = [30, 20, 10]
    text = [(120.0, 16.0)] * 3
    view = (0.0, 10.0, 0.0, 10.0)
    shape = (200, 400)  # 200 px high, 400 px wide
    placed = place_labels(centres, sizes, text, view, shape)
    assert [i for i, _, _ in placed] == [0, 1, 2]
    for _i, x, y in placed:  # each box (label + 2 px pad) within the 400 × 200 px view
        px = (x - view[0]) * 400 / 10
        py = (view[3] - y) * 200 / 10
        assert px - 62 >= 0 and px + 62 <= 400 and py - 10 >= 0 and py + 10 <= 200
    assert placed[2][1:] == (5.0, 5.0)  # a label with room stays on its centre
    # pick_labels keeps drawing on the centres (the old behaviour) and the same order
    assert pick_labels(centres, sizes, text, view, shape) == [0, 1, 2]
    # a label wider than the view is centred
    ((_, x, _),) = place_labels([(9.0, 5.0)], [1], [(600.0, 16.0)], view, shape)
    assert x == 5.0
