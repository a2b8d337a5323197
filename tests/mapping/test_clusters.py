from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pytest

from paperscope.mapping.clusters import (
    BOILERPLATE,
    cluster_map,
    ctfidf_terms,
    default_min_cluster_size,
    hdbscan_labels,
    naming_sample,
)
from tests.mapping.conftest import REWARD_A, REWARD_B, Corpus, RealMap

if TYPE_CHECKING:
    from paperscope.mapping.clusters import Clustering


@pytest.fixture(scope="module")
def clustering(corpus: Corpus, real_map: RealMap) -> Clustering:
    return cluster_map(real_map.umap, corpus.texts)


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+(?:-[a-z]+)*", text.lower()))


def test_clusters_exist_and_separate_the_sources(corpus: Corpus, clustering: Clustering) -> None:
    labels = clustering.labels
    assert labels.shape == (462,) and labels.dtype == np.int32
    assert len(clustering.clusters) >= 6
    assert (labels >= 0).mean() > 0.5  # most papers belong to a cluster (0.66-0.80 seen)
    sizes = [c.size for c in clustering.clusters]
    assert sizes == sorted(sizes, reverse=True)
    assert [c.id for c in clustering.clusters] == list(range(len(sizes)))  # by size
    for c in clustering.clusters:
        assert c.size == int((labels == c.id).sum()) >= default_min_cluster_size(462)
    # physics/maths (arXiv 2007) and ML/statistics papers (the daily page, the review) do
    # not mix: every cluster is at least 80 % arXiv or at most 20 %; the ML sources share
    # topics, so a cluster is only mostly one source (at least 70 %; 0.77-0.90 seen over
    # UMAP seeds 0-9, where the arXiv share was always <= 0.14 or >= 0.85)
    src = corpus.source()
    for c in clustering.clusters:
        arxiv = float((src[labels == c.id] == "arxiv").mean())
        assert arxiv <= 0.2 or arxiv >= 0.8, (c, arxiv)
        _, counts = np.unique(src[labels == c.id], return_counts=True)
        assert counts.max() / c.size >= 0.7, c


def test_labels_are_words_from_their_papers(corpus: Corpus, clustering: Clustering) -> None:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    for c in clustering.clusters:
        vocab = set().union(
            *(_words(corpus.texts[i]) for i in np.flatnonzero(clustering.labels == c.id))
        )
        assert 3 <= len(c.terms) <= 5 and c.label == ", ".join(c.terms[:3])
        for term in c.terms:
            assert not re.search(r"\d", term), term
            for w in term.split():
                assert w in vocab, (w, c.label)
                assert w not in ENGLISH_STOP_WORDS and w not in BOILERPLATE, term


def test_label_centres_sit_among_their_papers(real_map: RealMap, clustering: Clustering) -> None:
    for c in clustering.clusters:
        xy = real_map.umap[clustering.labels == c.id]
        assert (xy.min(axis=0) <= c.centre).all() and (c.centre <= xy.max(axis=0)).all()
        np.testing.assert_allclose(c.centre, np.median(xy, axis=0), rtol=1e-5)


def test_reward_model_pair_shares_a_cluster_named_for_it(
    corpus: Corpus, real_map: RealMap, clustering: Clustering
) -> None:
    """Two reward-model papers sit side by side on any layout and HDBSCAN treats them
    alike: the same cluster, named for them, or both noise (UMAP seed 4 here)."""
    from scipy.spatial import cKDTree

    a, b = corpus.row(REWARD_A), corpus.row(REWARD_B)
    _, near = cKDTree(real_map.umap).query(real_map.umap[a], k=16)
    assert b in near.tolist()
    la, lb = clustering.labels[a], clustering.labels[b]
    assert la == lb
    if la >= 0:
        terms = " ".join(clustering.by_id()[int(la)].terms)
        assert "reward" in terms or "rlhf" in terms, terms


def test_physics_clusters_are_named_in_physics_words(
    corpus: Corpus, clustering: Clustering
) -> None:
    """A cluster of arXiv physics/maths papers is named by words of its own papers more
    than of the ML and statistics papers. Asserted as that property (each term's share of
    the cluster's abstracts against its share of the other sources' abstracts), not as a
    fixed word list: layouts differ between machines, and so do the clusters they give
    ("bodies, manifolds, singularities" names a maths cluster as well as "spin" does a
    physics one)."""
    src = corpus.source()
    words = [_words(t) for t in corpus.texts]
    others = np.flatnonzero(src != "arxiv")

    def share(term: str, rows: np.ndarray) -> float:
        parts = term.split()
        return float(np.mean([all(w in words[i] for w in parts) for i in rows]))

    physics = [c for c in clustering.clusters if (src[clustering.labels == c.id] == "arxiv").all()]
    assert len(physics) >= 2, [c.label for c in clustering.clusters]
    for c in physics:
        rows = np.flatnonzero(clustering.labels == c.id)
        own = [t for t in c.terms if share(t, rows) > share(t, others)]
        assert len(own) >= len(c.terms) - 1, (c.label, c.terms, own)


def test_ctfidf_drops_numbers_markup_and_merges_bigrams() -> None:
    texts = [
        "<jats:p>Reward models in RLHF: 7B reward models and reward model ensembles "
        "in 2023.</jats:p>",
        "Reward model overoptimisation; reward models trained on 10k preference pairs.",
        "Galaxy clusters at redshift 0.5 and galaxy clusters in X-ray surveys $z=1$.",
        "Galaxy cluster masses from weak lensing of galaxy clusters.",
    ]
    terms = ctfidf_terms(texts, np.array([0, 0, 1, 1]), top_n=3)
    first = [t for t, _ in terms[0]]
    second = [t for t, _ in terms[1]]
    assert first[0] in ("reward model", "reward models")
    assert "reward" not in first  # the bigram replaced the word it holds
    assert second[0] in ("galaxy clusters", "galaxy cluster")
    for t in first + second:
        assert not re.search(r"\d", t) and "jats" not in t and t != "z"
    assert [s for _, s in terms[0]] == sorted((s for _, s in terms[0]), reverse=True)


def test_hdbscan_edge_cases() -> None:
    assert (hdbscan_labels(np.zeros((3, 2))) == -1).all()
    assert ctfidf_terms([], np.array([], dtype=np.int64)) == {}
    with pytest.raises(ValueError, match="2 texts for 1 labels"):
        ctfidf_terms(["a", "b"], np.array([0]))
    assert ctfidf_terms(["the and of", "is a"], np.array([0, 0])) == {0: []}


def test_naming_from_a_sample_and_from_a_text_function(corpus: Corpus, real_map: RealMap) -> None:
    asked: list[np.ndarray] = []

    def texts_of(rows: np.ndarray) -> list[str]:
        asked.append(rows)
        return [corpus.texts[int(i)] for i in rows]

    full = cluster_map(real_map.umap, corpus.texts)
    same = cluster_map(real_map.umap, texts_of)
    assert [c.label for c in same.clusters] == [c.label for c in full.clusters]
    sampled = cluster_map(real_map.umap, texts_of, max_docs_per_cluster=8)
    rows = asked[-1]
    assert len(rows) == 8 * len(sampled.clusters)  # every cluster here has more than 8
    for c in sampled.clusters:
        members = rows[sampled.labels[rows] == c.id]
        vocab = set().union(*(_words(corpus.texts[int(i)]) for i in members))
        assert all(w in vocab for t in c.terms for w in t.split())
    labels = naming_sample(np.array([0, 0, 0, 1, -1, 1, 0], dtype=np.int32), 2)
    assert len(labels) == 4 and set(labels.tolist()) >= {3, 5}


def test_hdbscan_on_a_sample_labels_everyone_alike(real_map: RealMap) -> None:
    """Above ``max_points`` HDBSCAN runs on a sample and the rest take their nearest
    sampled point's label (asserted exactly); on these 462 papers a 250-point sample
    finds much the same partition as the full run. The bound (ARI > 0.45 over the points
    both runs cluster) holds for any layout we tried: 0.57-0.86 over UMAP seeds 0-7."""
    from scipy.spatial import cKDTree
    from sklearn.metrics import adjusted_rand_score

    xy = real_map.umap
    full = hdbscan_labels(xy)
    sampled = hdbscan_labels(xy, max_points=250, seed=7)
    assert sampled.shape == (462,) and sampled.max() >= 3
    assert np.array_equal(sampled, hdbscan_labels(xy, max_points=250, seed=7))  # seeded
    sizes = np.bincount(sampled[sampled >= 0])
    assert (np.diff(sizes) <= 0).all()  # numbered by size
    sample = np.sort(np.random.default_rng(7).choice(462, size=250, replace=False))
    _, nearest = cKDTree(xy[sample]).query(xy, k=1)
    assert np.array_equal(sampled, sampled[sample][nearest])  # everyone as its nearest
    both = (full >= 0) & (sampled >= 0)
    assert adjusted_rand_score(full[both], sampled[both]) > 0.45
