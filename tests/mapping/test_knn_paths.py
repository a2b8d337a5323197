"""The map's kNN paths (issue #17): the approximate graph (NN-descent) for the layout of
big libraries, its recall against the exact graph on real abstracts, the similar-papers
table that stays exact, and the ONNX MatMul + TopK graph (CPU provider here, CUDA where
onnxruntime has it) against numpy."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest

from paperscope.mapping.neighbours import approximate_knn_graph, knn_graph, self_first
from paperscope.mapping.onnx_knn import OnnxKnn, cuda_usable, knn_model
from paperscope.workflows.map import MapError, build_map, open_map, similar_papers
from tests.mapping.conftest import REWARD_A, Corpus

if TYPE_CHECKING:
    from paperscope.library.store import Store

MODEL = "all-MiniLM-L6-v2"
TIE = 1e-5  # scores closer than this may come in either order (float32 rounding)


def recall_at(approx: np.ndarray, exact: np.ndarray, k: int) -> float:
    """Mean share of each row's exact k nearest others (row itself left out) that the
    approximate graph found among its k nearest others."""
    hits = [
        len(set(a[1 : k + 1].tolist()) & set(e[1 : k + 1].tolist()))
        for a, e in zip(approx, exact, strict=True)
    ]
    return float(np.mean(hits)) / k


def assert_same_neighbours(
    matrix: np.ndarray, got_idx: np.ndarray, want_idx: np.ndarray, want_scores: np.ndarray
) -> None:
    """``got_idx`` (``n × k``) is a valid top-k: its exact scores are the wanted ones rank
    by rank, and it names the same neighbour wherever that rank's score is not tied with
    the rank before or after it. ``want_*`` hold one column more (rank k + 1), so a tie
    across the cut is seen too."""
    k = got_idx.shape[1]
    got_scores = np.einsum("ij,ikj->ik", matrix, matrix[got_idx])
    got_scores[:, 0] = 1.0  # the row itself, first by convention
    np.testing.assert_allclose(got_scores, want_scores[:, :k], atol=TIE)
    s = want_scores
    gap_before = np.abs(np.diff(s, axis=1, prepend=np.inf))[:, :k]
    gap_after = np.abs(np.diff(s, axis=1))
    untied = (gap_before > TIE) & (gap_after > TIE)
    assert untied.mean() > 0.5  # the check below says something
    assert (got_idx[untied] == want_idx[:, :k][untied]).all()


# -- approximate kNN ----------------------------------------------------------------------


@pytest.mark.slow
def test_approximate_graph_recall_on_real_abstracts(corpus: Corpus) -> None:
    """NN-descent (pynndescent compiles for ~45 s in a fresh process, hence slow) finds
    >= 95 % of the exact 10 nearest neighbours of the real abstracts, row itself
    first, and the same graph again for the same seed."""
    x = corpus.vectors
    exact = knn_graph(x, 21)
    approx = approximate_knn_graph(x, 21, seed=0)
    assert approx.indices.shape == exact.indices.shape
    assert (approx.indices[:, 0] == np.arange(len(x))).all()
    assert (np.diff(approx.scores, axis=1) <= 1e-6).all()
    recall = recall_at(approx.indices, exact.indices, 10)
    print(f"recall@10 of NN-descent on {len(x)} real abstracts: {recall:.4f}")
    assert recall >= 0.95
    again = approximate_knn_graph(x, 21, seed=0)
    assert (again.indices == approx.indices).all()
    assert (again.scores == approx.scores).all()


@pytest.mark.slow
def test_approximate_knn_measures_its_recall_and_widens_until_met(corpus: Corpus) -> None:
    """approximate_knn reports the recall@10 it measured on seeded check rows (the
    exact neighbours of those rows), which is what the whole graph shows on the real
    abstracts within sampling error; the first width (k candidates a row) meets 0.96
    there. A recall it cannot meet makes it try every width, each closer to exact, and
    the same seed gives the same graph and check."""
    from paperscope.mapping.neighbours import approximate_knn, check_rows

    x = corpus.vectors
    exact = knn_graph(x, 21)
    graph, check = approximate_knn(x, 21, seed=0, check=200)
    assert check.widths == (21,) and check.width == 21 and check.rows == 200
    whole = recall_at(graph.indices, exact.indices, 10)
    rows = check_rows(len(x), 200, 0)
    # the same figure up to ties at the 10th rank (the corpus has exact duplicates)
    on_rows = recall_at(graph.indices[rows], exact.indices[rows], 10)
    assert check.recall == pytest.approx(on_rows, abs=0.005)
    print(f"recall@10 of NN-descent at width 21: {whole:.4f} (check rows: {check.recall:.4f})")
    assert check.recall >= 0.96 and whole >= 0.95
    wide, wide_check = approximate_knn(x, 21, seed=0, check=200, min_recall=1.01)
    assert wide_check.widths == (21, 42, 63) and wide_check.width == 63
    assert len(wide_check.recalls) == 3 and wide_check.recalls[0] == round(check.recall, 4)
    assert recall_at(wide.indices, exact.indices, 10) >= whole
    again, again_check = approximate_knn(x, 21, seed=0, check=200, min_recall=1.01)
    assert again_check == wide_check
    assert (again.indices == wide.indices).all()


def test_self_first_moves_or_inserts_the_row_itself() -> None:
    idx = np.array([[0, 3, 2], [2, 1, 0], [0, 2, 3], [1, 0, 2]])
    val = np.array([[1, 0.9, 0.8], [1, 1, 0.5], [0.9, 0.8, 0.7], [0.9, 0.8, 0.7]])
    g = self_first(idx, val)
    assert g.indices.tolist() == [[0, 3, 2], [1, 2, 0], [2, 0, 3], [3, 1, 0]]
    assert g.scores[:, 0].tolist() == [1, 1, 1, 1]
    np.testing.assert_allclose(g.scores[1:, 1:], [[1, 0.5], [0.9, 0.7], [0.9, 0.8]], rtol=1e-6)


@pytest.mark.slow
def test_build_map_knn_modes_keep_similar_papers_exact(
    library: tuple[Store, np.ndarray, np.ndarray],
) -> None:
    """knn="approx" lays the map out from NN-descent and marks its similar-papers table
    approximate, so similar papers come exactly from the vectors (a table that disagrees
    is not used); knn="exact" stores the exact table, which is then used; the same seed
    gives the same layout."""
    from paperscope.mapping import neighbours

    store, ids, vectors = library
    store.put_vectors(MODEL, ids, ["from-test"] * len(ids), vectors)
    a = int(store.paper_ids(contains=REWARD_A)[0])
    unit = neighbours.normalise(vectors)
    want = neighbours.similar(ids, unit, a, 10)
    # a table that names other papers than the exact ten, with the same scores
    wrong = np.tile(ids[~np.isin(ids, [a, *want.ids.tolist()])][:10], (len(ids), 1))
    wrong_scores = np.tile(want.scores, (len(ids), 1))

    build_map(store, vectors=(ids, vectors), model_id=MODEL, seed=0, n_epochs=60, knn="exact")
    shown = open_map(store, MODEL)
    assert shown is not None and shown.info.params["knn"] == "exact"
    stored = store.stored_neighbours(a, 10, MODEL)
    assert [i for i, _ in stored] == want.ids.tolist()
    store.save_neighbours(MODEL, ids, wrong, wrong_scores)
    # an exact table is what similar_papers answers from (so this one shows)
    assert [h.id for h in similar_papers(store, a, 10, model_id=MODEL)] == wrong[0].tolist()

    build_map(store, vectors=(ids, vectors), model_id=MODEL, seed=0, n_epochs=60, knn="approx")
    shown = open_map(store, MODEL)
    assert shown is not None and shown.info.params["knn"] == "nndescent"
    first = shown.coords.copy()
    assert len(store.stored_neighbours(a, 10, MODEL)) == 10
    store.save_neighbours(MODEL, ids, wrong, wrong_scores)
    hits = similar_papers(store, a, 10, model_id=MODEL)
    assert [h.id for h in hits] == want.ids.tolist()
    assert [h.score for h in hits] == pytest.approx(want.scores.tolist(), abs=1e-6)

    build_map(store, vectors=(ids, vectors), model_id=MODEL, seed=0, n_epochs=60, knn="approx")
    again = open_map(store, MODEL)
    assert again is not None
    np.testing.assert_array_equal(again.coords, first)

    # pca maps are marked too
    build_map(store, method="pca", vectors=(ids, vectors), model_id=MODEL, knn="approx")
    store.save_neighbours(MODEL, ids, wrong, wrong_scores)
    assert [h.id for h in similar_papers(store, a, 10, model_id=MODEL)] == want.ids.tolist()

    # "auto": exact up to exact_limit on a CPU (the GPU's ONNX graph where CUDA works)
    build_map(store, vectors=(ids, vectors), model_id=MODEL, seed=0, n_epochs=60,
              knn="auto", exact_limit=100)  # fmt: skip
    shown = open_map(store, MODEL)
    assert shown is not None
    assert shown.info.params["knn"] == ("onnx-cuda" if cuda_usable() else "nndescent")

    with pytest.raises(MapError, match="kNN mode"):
        build_map(store, vectors=(ids, vectors), model_id=MODEL, knn="faiss")


# -- the ONNX graph -----------------------------------------------------------------------


def test_onnx_graph_is_valid_and_shaped() -> None:
    import onnx

    model = onnx.load_from_string(knn_model(384, 21))
    onnx.checker.check_model(model, full_check=True)
    assert [n.op_type for n in model.graph.node] == ["MatMul", "TopK"]
    with pytest.raises(ValueError):
        knn_model(384, 0)


def test_onnx_top_k_matches_numpy_with_exact_ties() -> None:
    """Small-integer vectors: every dot product is exact in float32 whatever the
    summation order, so ties are real; TopK breaks them by lower position like a
    stable numpy sort, across query blocks."""
    rng = np.random.default_rng(17)
    q = rng.integers(0, 3, (53, 8)).astype(np.float32)
    v = rng.integers(0, 3, (301, 8)).astype(np.float32)
    dots = q @ v.T
    want = np.argsort(-dots, axis=1, kind="stable")[:, :10]
    runner = OnnxKnn("cpu", block=7)
    idx, scores = runner.top_k(q, v, 10)
    assert runner.device == "cpu"
    # ties exist in almost every row, and they are broken as numpy breaks them
    assert (np.diff(np.sort(dots, axis=1)[:, -11:], axis=1) == 0).any(axis=1).mean() > 0.9
    assert (idx == want).all()
    assert (scores == np.take_along_axis(dots, want, axis=1)).all()
    # k larger than the vectors: all of them
    idx, _ = runner.top_k(q[:2], v[:5], 10)
    assert idx.shape == (2, 5)


def test_onnx_knn_graph_matches_exact_on_real_abstracts(corpus: Corpus) -> None:
    """The whole graph on the CPU provider is the exact graph (numpy's), row itself
    first, including the abstracts listed twice (exact duplicates)."""
    x = corpus.vectors
    exact = knn_graph(x, 22)
    runner = OnnxKnn("cpu", block=100)
    got = runner.knn_graph(x, 21)
    assert got.indices.dtype == np.int32 and got.indices.shape == (len(x), 21)
    assert (got.indices[:, 0] == np.arange(len(x))).all()
    assert_same_neighbours(x, got.indices, exact.indices, exact.scores)
    np.testing.assert_allclose(got.scores, exact.scores[:, :21], atol=TIE)


@pytest.mark.skipif(not cuda_usable(), reason="onnxruntime has no working CUDA provider here")
def test_onnx_knn_graph_on_cuda_matches_cpu(corpus: Corpus) -> None:
    x = corpus.vectors
    exact = knn_graph(x, 22)
    runner = OnnxKnn("cuda", block=128)
    got = runner.knn_graph(x, 21)
    assert runner.device == "cuda"
    assert_same_neighbours(x, got.indices, exact.indices, exact.scores)


def test_large_graphs_start_at_the_second_width(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above WIDE_ABOVE rows NN-descent starts at 2 × k candidates (k alone misses the
    recall there and the second run costs as much as the first), above TWO_WIDTHS_ABOVE
    it tries k, then 2 × k and no wider (a third run costs minutes at 1M): the
    schedule, and that approximate_knn follows it when no widths are given."""
    from paperscope.mapping import neighbours

    assert neighbours.widths_for(neighbours.WIDE_ABOVE) == neighbours.WIDTHS
    assert neighbours.widths_for(neighbours.WIDE_ABOVE + 1) == neighbours.WIDTHS[1:]
    assert neighbours.widths_for(neighbours.TWO_WIDTHS_ABOVE) == neighbours.WIDTHS[1:]
    assert neighbours.widths_for(neighbours.TWO_WIDTHS_ABOVE + 1) == neighbours.WIDTHS[:2]
    x = neighbours.normalise(np.random.default_rng(0).standard_normal((400, 16)))
    _, check = neighbours.approximate_knn(x, 10, seed=0, check=50, min_recall=0.0)
    assert check.widths == (10,)
    monkeypatch.setattr(neighbours, "WIDE_ABOVE", 300)
    _, check = neighbours.approximate_knn(x, 10, seed=0, check=50, min_recall=1.01)
    assert check.widths == (20, 30)
    monkeypatch.setattr(neighbours, "TWO_WIDTHS_ABOVE", 300)
    _, check = neighbours.approximate_knn(x, 10, seed=0, check=50, min_recall=1.01)
    assert check.widths == (10, 20) and len(check.recalls) == 2
    _, check = neighbours.approximate_knn(x, 10, seed=0, check=50, min_recall=0.0)
    assert check.widths == (10,)  # met at k: no second run


def test_the_status_bar_names_an_approximate_graphs_recall() -> None:
    from paperscope.workflows.map import describe_run

    ran = describe_run({"knn": "nndescent", "knn_recall": 0.9342, "layout_path": "full"})
    assert ran == "kNN nndescent (recall@10 0.934) · UMAP on all papers"
    assert describe_run({"knn": "exact", "layout_path": "full"}) == "kNN exact · UMAP on all papers"
    on_gpu = {"knn": "onnx-cuda", "layout_path": "full", "sgd_threads": 16}
    assert describe_run(on_gpu) == "kNN onnx-cuda (GPU) · UMAP on all papers on 16 cores"
    one = {"knn": "exact", "layout_path": "full", "sgd_threads": 1}
    assert describe_run(one) == "kNN exact · UMAP on all papers on 1 core"
