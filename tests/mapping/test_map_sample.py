"""A million papers' layout path (issue #17, item 2) on a small threshold: UMAP fitted on
a seeded sample of 2,000 of 6,000 papers, the other 4,000 placed on it as
``UMAP.transform`` does. The same seed gives the same layout, and the layout keeps
neighbourhoods: of each paper's 10 nearest neighbours in 384-d, the share among its 30
nearest on the map (the figure ``test_projection`` and ``bench_map`` report).

The library is 6,000 Kaggle-format arXiv records re-sampled from the real head-200
snapshot by ``tests/benchmarks/bench_library.py``, imported by the real reader; the
vectors are synthetic clustered unit vectors (8 topics, 384-d, seeded), so the test needs
no model. Bound: on these vectors (isotropic spread within each topic, so no 2-D map keeps
much) the sample+transform layout kept 0.070 (seed 0), UMAP on all 6,000 papers 0.128,
PCA 0.033 and a random layout ~0.005 (30/6,000): the placed two thirds sit near their
sampled neighbours but are not arranged among themselves, so about half of the full
UMAP's figure is what this path gives here. The test asserts at least 0.45 × the full
UMAP's figure and 1.5 × PCA's, both measured in the same run: a placement that ignored
the neighbours (at the sample's mean, scrambled rows, a wrong metric) falls to the
random figure and fails both.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

from paperscope.mapping import neighbours
from paperscope.workflows.map import build_map, describe_run, open_map, similar_papers

if TYPE_CHECKING:
    from collections.abc import Iterator

    from paperscope.library.store import Store

REPO = Path(__file__).resolve().parents[2]
MODEL = "test/real-shaped-384"
N = 6_000


def _bench_library() -> Any:
    name = "_bench_library_for_map_tests"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, REPO / "tests" / "benchmarks" / "bench_library.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def clustered_unit_vectors(n: int, dim: int = 384, k: int = 8, seed: int = 3) -> np.ndarray:
    """As ``_clustered_unit_vectors`` in tests/gui/test_no_freeze.py."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    topic = rng.integers(0, k, size=n)
    m = centres[topic] + rng.normal(scale=0.6 / np.sqrt(dim), size=(n, dim)) * 4
    m /= np.linalg.norm(m, axis=1, keepdims=True)
    return m.astype(np.float32)


def kept_neighbours(x: np.ndarray, coords: np.ndarray, sample: int = 1000) -> float:
    """Share of each sampled paper's 10-NN (cosine) among its 30-NN on the map."""
    from scipy.spatial import cKDTree

    rows = np.random.default_rng(2).choice(len(x), size=sample, replace=False)
    s = x[rows] @ x.T
    s[np.arange(sample), rows] = -np.inf
    high = np.argpartition(-s, 9, axis=1)[:, :10]
    _, low = cKDTree(coords).query(coords[rows], k=31)
    return float(np.mean([len(set(h) & set(lo[1:])) / 10 for h, lo in zip(high, low, strict=True)]))


@pytest.fixture
def big_library(tmp_path: Path) -> Iterator[tuple[Store, np.ndarray, np.ndarray]]:
    from paperscope.library.store import Store
    from paperscope.workflows.embed import text_hash
    from paperscope.workflows.papers import import_paths

    lines = tmp_path / "arxiv-6k.jsonl"
    _bench_library().generate(lines, N, seed=11)
    store = Store(tmp_path / "library.duckdb")
    summary = import_paths(store, [lines])
    ids = np.unique(np.asarray(summary.paper_ids, dtype=np.int64))
    assert ids.size == N, summary.line()
    x = clustered_unit_vectors(N)
    store.put_vectors(MODEL, ids, [text_hash(str(i)) for i in ids.tolist()], x)
    yield store, ids, x
    store.close()


def test_sample_and_transform_is_seeded_and_keeps_neighbourhoods(
    big_library: tuple[Store, np.ndarray, np.ndarray], capsys: pytest.CaptureFixture[str]
) -> None:
    store, ids, x = big_library
    kw: dict[str, Any] = {"vectors": (ids, x), "model_id": MODEL, "seed": 0, "knn": "exact"}
    first = build_map(store, sample_above=3_000, sample_size=2_000, **kw)
    assert first.params["layout_path"] == "sample+transform"
    assert first.params["sample"] == 2_000 and first.params["placed_knn"] == "exact"
    assert "sample of 2,000" in describe_run(first.params) and "kNN exact" in describe_run(
        first.params
    )
    shown = open_map(store, MODEL)
    assert shown is not None and shown.info.params["layout_path"] == "sample+transform"
    assert np.array_equal(np.sort(shown.paper_ids), ids)
    assert np.isfinite(shown.coords).all()
    coords = shown.coords[neighbours.rows_of(shown.paper_ids, ids)]
    # the same seed: the same layout, point for point
    build_map(store, sample_above=3_000, sample_size=2_000, **kw)
    again = open_map(store, MODEL)
    assert again is not None
    np.testing.assert_array_equal(again.coords[neighbours.rows_of(again.paper_ids, ids)], coords)
    # no similar-papers table from a sample: similar papers come exactly from the vectors
    a = int(ids[17])
    assert store.stored_neighbours(a, 10, MODEL) == []
    want = neighbours.similar(ids, x, a, 10)
    assert [h.id for h in similar_papers(store, a, 10, model_id=MODEL)] == want.ids.tolist()

    q_sample = kept_neighbours(x, coords)
    full = build_map(store, **kw)  # under the threshold: UMAP on all papers
    assert full.params["layout_path"] == "full"
    shown = open_map(store, MODEL)
    assert shown is not None
    q_full = kept_neighbours(x, shown.coords[neighbours.rows_of(shown.paper_ids, ids)])
    (pca_info,) = [lay for lay in store.layouts(MODEL) if lay.method == "pca"]
    pca = store.load_layout(pca_info.id)
    assert pca is not None
    q_pca = kept_neighbours(x, pca.coords[neighbours.rows_of(pca.paper_ids, ids)])
    with capsys.disabled():
        print(f"\n10-NN kept among 30-NN, 6,000 papers: sample+transform {q_sample:.3f}, "
              f"UMAP on all {q_full:.3f}, PCA {q_pca:.3f}")  # fmt: skip
    assert q_sample >= 0.45 * q_full
    assert q_sample >= 1.5 * q_pca
