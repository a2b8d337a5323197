"""Real vectors of real abstracts, shared by the mapping tests.

``tests/data/map_vectors.npz`` holds all-MiniLM-L6-v2 embeddings of the 462 abstracts
``corpus.load_corpus()`` reads from ``../shared/data/papers`` (200 arXiv physics/maths
records, 79 Hugging Face daily-page ML papers, 183 CSL-JSON items of a review on
context-adaptive inference). ``test_vectors_are_the_models`` re-encodes some of them
with the bundled model to prove the file is what the model gives.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from tests.mapping.corpus import load_corpus

VECTORS = Path(__file__).resolve().parent.parent / "data" / "map_vectors.npz"
N_CORPUS = 462
# the CSL-JSON file lists 5 papers twice (under two ids each): the library merges them
N_LIBRARY = 457

# a known similar pair from the daily-papers page: two reward-model papers
REWARD_A = "Secrets of RLHF in Large Language Models Part II: Reward Modeling"
REWARD_B = "The Trickle-down Impact of Reward (In-)consistency on RLHF"


@dataclass(frozen=True)
class Corpus:
    keys: list[str]
    texts: list[str]
    titles: list[str]
    vectors: np.ndarray  # (n, 384) float32, unit rows
    ids: np.ndarray  # synthetic paper ids (1000 + row) for the Qt-free tests

    def row(self, title: str) -> int:
        return self.titles.index(title)

    def source(self) -> np.ndarray:
        return np.array([k.split(":")[0] for k in self.keys])


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    keys, texts, titles = load_corpus()
    data = np.load(VECTORS, allow_pickle=False)
    assert list(data["keys"]) == keys, "map_vectors.npz is out of date: rerun make_map_vectors.py"
    vectors = np.ascontiguousarray(data["vectors"], dtype=np.float32)
    assert vectors.shape == (N_CORPUS, 384)
    return Corpus(keys, texts, titles, vectors, np.arange(N_CORPUS, dtype=np.int64) + 1000)


@dataclass(frozen=True)
class RealMap:
    graph: object
    pca: np.ndarray
    umap: np.ndarray
    params: dict


@pytest.fixture(scope="session")
def real_map(corpus: Corpus) -> RealMap:
    """The exact 31-NN graph, PCA and (seeded) UMAP layouts of the real corpus."""
    from paperscope.mapping.neighbours import knn_graph
    from paperscope.mapping.projection import pca_layout, umap_layout

    graph = knn_graph(corpus.vectors, 31)
    pca = pca_layout(corpus.vectors)
    # seeded (UMAP's reproducible path). The layout still differs between machines (CPU
    # kernels, BLAS), so the tests assert properties of any valid layout;
    # PAPERSCOPE_TEST_MAP_SEED=N runs them on another layout to check that they do.
    layout = umap_layout(
        graph, pca.coords, seed=int(os.environ.get("PAPERSCOPE_TEST_MAP_SEED", "0"))
    )
    return RealMap(graph, pca.coords, layout.coords, layout.params)


@pytest.fixture
def library(tmp_path: Path, corpus: Corpus) -> Iterator[tuple[object, np.ndarray, np.ndarray]]:
    """A library holding the real papers (457 after merging the 5 duplicates) and their
    vectors in the store's id order, as ``(store, ids, vectors)``."""
    from paperscope.core.records import Paper
    from paperscope.library.store import Store

    store = Store(tmp_path / "library.duckdb")
    papers = []
    for text, title in zip(corpus.texts, corpus.titles, strict=True):
        abstract = text.split("\n\n", 1)[1]
        papers.append(Paper(title=title, abstract=abstract, source="corpus"))
    summary = store.add_papers(papers)
    assert (summary.added, summary.merged) == (N_LIBRARY, N_CORPUS - N_LIBRARY)
    ids = store.paper_ids()
    by_text = {t: i for i, t in enumerate(corpus.texts)}
    rows = np.array([by_text[t] for t in store.titles_and_abstracts(ids)])
    yield store, ids, corpus.vectors[rows]
    store.close()
