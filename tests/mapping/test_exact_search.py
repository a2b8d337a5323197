"""Exact top-k through a PCA sketch (paperscope.mapping.exact_search): the same papers
and scores as one pass over every vector, on vectors made from real abstracts, on
vectors with no low-dimensional structure (the bound is then loose, never wrong), with
rows left out and k past the end; and VectorIndex.similar answers through it."""

from __future__ import annotations

import numpy as np
import pytest

from paperscope.mapping import neighbours
from paperscope.mapping.exact_search import SKETCH_DIM, SketchIndex
from tests.conftest import TEST_DATA


def _real_like(n: int, seed: int = 0) -> np.ndarray:
    """Mixtures of two real abstracts' vectors (tests/data/map_vectors.npz) plus noise
    with the real vectors' covariance, unit length."""
    real = np.load(TEST_DATA / "map_vectors.npz", allow_pickle=False)["vectors"].astype(np.float64)
    rng = np.random.default_rng(seed)
    centred = real - real.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    scale = s / np.sqrt(len(real))
    a, b = rng.integers(0, len(real), n), rng.integers(0, len(real), n)
    w = rng.uniform(0.0, 0.5, (n, 1))
    noise = (rng.standard_normal((n, len(scale))) * scale) @ vt
    return neighbours.normalise((1 - w) * real[a] + w * real[b] + 0.8 * noise)


def _scan(matrix: np.ndarray, q: np.ndarray, k: int, exclude: list[int]) -> np.ndarray:
    scores = matrix @ q
    scores[exclude] = -np.inf
    return np.lexsort((np.arange(len(scores)), -scores.astype(np.float64)))[:k]


@pytest.mark.parametrize("kind", ["real-like", "isotropic"])
def test_sketch_search_gives_what_a_full_scan_gives(kind: str) -> None:
    rng = np.random.default_rng(5)
    if kind == "real-like":
        m = _real_like(20_000)
    else:  # nothing for 64 principal directions to hold: every bound is loose
        m = neighbours.normalise(rng.standard_normal((6_000, 384)))
    index = SketchIndex(m, seed=1)
    assert index.sketch.shape == (len(m), SKETCH_DIM) and index.residual.min() >= 0
    rows = rng.choice(len(m), size=40, replace=False)
    for r in rows:
        for k in (1, 10, 50):
            got = index.top_k(m[r], k, exclude=[int(r)])
            want = _scan(m, m[r], k, [int(r)])
            np.testing.assert_array_equal(got, want)
    # a query that is no row (an embedded search text), k past the end, rows left out
    q = neighbours.normalise(rng.standard_normal((1, 384)))[0]
    np.testing.assert_array_equal(index.top_k(q, 25), _scan(m, q, 25, []))
    assert index.top_k(q, len(m) + 5, exclude=[0, 1]).shape == (len(m) - 2,)


def test_ties_and_most_rows_left_out_still_give_the_full_scan() -> None:
    """Every row four times (equal bounds and scores at the top), and all but 300 rows
    left out (the first round asks for more rows than remain): the answer is the
    scan's either way, ties to the lower row."""
    base = _real_like(5_000, seed=4)
    m = np.ascontiguousarray(np.repeat(base, 4, axis=0))
    index = SketchIndex(m, seed=0)
    rng = np.random.default_rng(8)
    for r in rng.choice(len(m), size=8, replace=False):
        np.testing.assert_array_equal(index.top_k(m[r], 12), _scan(m, m[r], 12, []))
        left_out = [int(i) for i in rng.choice(len(m), size=len(m) - 300, replace=False)]
        got = index.top_k(m[r], 40, exclude=left_out)
        np.testing.assert_array_equal(got, _scan(m, m[r], 40, left_out))


def test_the_sketch_bounds_every_score_from_above() -> None:
    m = _real_like(5_000, seed=2)
    index = SketchIndex(m, dim=32, seed=0)
    q = m[17]
    sq = q.astype(np.float64) @ index.basis.astype(np.float64)
    rq = np.sqrt(max(1.0 - float(sq @ sq), 0.0))
    bound = index.sketch.astype(np.float64) @ sq + index.residual * rq
    assert np.all(bound + 1e-4 >= (m @ q).astype(np.float64))


def test_vector_index_answers_similar_papers_through_the_sketch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from paperscope.workflows import map as workflow

    m = _real_like(8_000, seed=3)
    ids = np.arange(1000, 1000 + len(m), dtype=np.int64)
    monkeypatch.setattr(workflow, "SKETCH_ABOVE", 5_000)
    index = workflow.VectorIndex("test", ids, m)
    for paper in (1000, 4321, 8999):
        got = index.similar(paper, 10)
        want = neighbours.similar(ids, index.matrix, paper, 10)
        np.testing.assert_array_equal(got.ids, want.ids)
        np.testing.assert_allclose(got.scores, want.scores, rtol=0, atol=1e-6)
    assert index.sketch() is index.sketch()  # made once
    with pytest.raises(KeyError):
        index.similar(5, 10)
    monkeypatch.setattr(workflow, "SKETCH_ABOVE", 50_000)
    assert workflow.VectorIndex("test", ids, m).sketch() is None  # small: a plain scan
