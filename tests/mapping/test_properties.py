"""Property tests: the fast paths agree with plain definitions on any input."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from paperscope.mapping.neighbours import knn_graph, normalise, rows_of, top_k
from paperscope.mapping.raster import PointIndex, density, select_box, select_lasso
from tests.mapping.test_raster import _inside_polygon

coords = arrays(
    np.float64,
    st.tuples(st.integers(0, 60), st.just(2)),
    elements=st.floats(-100, 100, allow_nan=False, width=32),
)


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 70), st.integers(1, 12), st.integers(1, 30), st.integers(0, 2**31))
def test_knn_graph_matches_brute_force(n: int, k: int, block: int, seed: int) -> None:
    x = normalise(np.random.default_rng(seed).standard_normal((n, 6)).astype(np.float32))
    g = knn_graph(x, k, block=block)
    s = x @ x.T
    np.fill_diagonal(s, np.inf)
    ref = -np.sort(-s, axis=1)[:, : min(k, n)]
    ref[ref == np.inf] = 1.0
    np.testing.assert_allclose(g.scores, ref, atol=1e-5)
    assert (g.indices[:, 0] == np.arange(n)).all()
    for r in range(n):
        assert len(set(g.indices[r].tolist())) == g.k  # no neighbour twice


@settings(max_examples=60, deadline=None)
@given(coords, st.integers(1, 9), st.integers(1, 9))
def test_density_counts_every_point_in_view(xy: np.ndarray, h: int, w: int) -> None:
    view = (-50.0, 50.0, -50.0, 50.0)
    img = density(xy, view, (h, w))
    inside = (xy[:, 0] >= -50) & (xy[:, 0] < 50) & (xy[:, 1] > -50) & (xy[:, 1] <= 50)
    assert img.shape == (h, w) and img.sum() == inside.sum()


@settings(max_examples=60, deadline=None)
@given(coords, st.lists(st.tuples(st.floats(-90, 90), st.floats(-90, 90)), min_size=3, max_size=8))
def test_lasso_matches_ray_casting(xy: np.ndarray, polygon: list[tuple[float, float]]) -> None:
    poly = np.asarray(polygon)
    got = set(select_lasso(xy, poly).tolist())
    ref = set(np.flatnonzero(_inside_polygon(xy, poly)).tolist()) if len(xy) else set()
    # points within rounding of an edge may go either way; nothing else may differ
    for i in got ^ ref:
        p = xy[i]
        d = min(_segment_distance(p, poly[j], poly[(j + 1) % len(poly)]) for j in range(len(poly)))
        assert d < 1e-6


def _segment_distance(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    ab = b - a
    t = 0.0 if not ab.any() else float(np.clip(np.dot(p - a, ab) / np.dot(ab, ab), 0, 1))
    return float(np.linalg.norm(p - (a + t * ab)))


@settings(max_examples=60, deadline=None)
@given(
    coords, st.floats(-100, 100), st.floats(-100, 100), st.floats(-100, 100), st.floats(-100, 100)
)
def test_box_and_hover(xy: np.ndarray, x0: float, x1: float, y0: float, y1: float) -> None:
    got = select_box(xy, x0, x1, y0, y1)
    lo_x, hi_x, lo_y, hi_y = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
    ref = np.flatnonzero(
        (xy[:, 0] >= lo_x) & (xy[:, 0] <= hi_x) & (xy[:, 1] >= lo_y) & (xy[:, 1] <= hi_y)
    )
    assert got.tolist() == ref.tolist()
    index = PointIndex(xy)
    hit = index.nearest(x0, y0)
    if len(xy) == 0:
        assert hit == -1
    else:
        d = np.hypot(xy[:, 0] - x0, xy[:, 1] - y0)
        assert np.isclose(d[hit], d.min())


@given(
    arrays(np.float32, st.integers(0, 40), elements=st.floats(-1, 1, width=32)), st.integers(0, 45)
)
def test_top_k_is_a_sorted_prefix(scores: np.ndarray, k: int) -> None:
    got = top_k(scores, k)
    assert len(got) == min(k, len(scores))
    assert np.array_equal(scores[got], -np.sort(-scores)[: len(got)])


@given(
    st.lists(st.integers(0, 1000), unique=True, max_size=30),
    st.lists(st.integers(0, 1000), max_size=20),
)
def test_rows_of(ids: list[int], wanted: list[int]) -> None:
    arr = np.array(ids, dtype=np.int64)
    got = rows_of(arr, wanted)
    assert got.tolist() == [ids.index(w) for w in wanted if w in ids]
