"""A real library for the recommendation tests: the 532 papers of three real files
from ``../shared/data/papers`` (200 arXiv physics/maths records, the 79-paper Hugging
Face daily page, the 258-item CSL-JSON review), with the real all-MiniLM-L6-v2
vectors of their abstracts from ``tests/data/map_vectors.npz`` (see
``tests/mapping/conftest.py``) stored as model ``test-minilm``. Tags come from the
papers' own keywords (the CSL items' arXiv categories)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from paperscope.library.store import Store
from paperscope.workflows.papers import import_paths
from tests.conftest import TEST_DATA
from tests.mapping.corpus import ARXIV, CSL, HF_PAGE, load_corpus

MODEL = "test-minilm"
CL = "Computation and Language (cs.CL)"  # 44 embedded papers carry this keyword


def _norm(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def build_library(path: Path) -> tuple[Store, np.ndarray, dict[int, tuple[str, ...]]]:
    """``(store, embedded paper ids, keywords of each)``."""
    _keys, _texts, titles = load_corpus()
    data = np.load(TEST_DATA / "map_vectors.npz", allow_pickle=False)
    by_title = {t: data["vectors"][i] for i, t in enumerate(titles)}
    store = Store(path)
    import_paths(store, [ARXIV, HF_PAGE, CSL])
    ids = store.paper_ids()
    rows = store.table_rows(ids, ["title"])
    have = np.array([int(i) for i in ids if _norm(rows[int(i)][0]) in by_title], dtype=np.int64)
    matrix = np.stack([by_title[_norm(rows[int(i)][0])] for i in have])
    store.put_vectors(MODEL, have, ["from-test"] * len(have), matrix)
    keywords = {int(i): p.keywords for i, p in zip(have, store.papers(have.tolist()), strict=True)}
    return store, have, keywords
