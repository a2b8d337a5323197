"""The word postings (``library/store/term_index.py``): plain words answered without
FTS5's per-row bm25(), with FTS5's own answer — the same ids, the same newest scored
matches, the same scores — on real libraries; used only while current; a cancelled
build leaves the last one; a broken one is ignored."""

from __future__ import annotations

import random
import re
from pathlib import Path

import numpy as np
import pytest

from paperscope.core.tasks import Cancelled, CancelToken
from paperscope.library.search import Term, parse
from paperscope.library.store import Store, term_index
from paperscope.library.store.text_index import COLUMNS, WEIGHTS, Fts5File, fts_expression
from paperscope.workflows.papers import import_paths
from tests.conftest import PAPERS

SOURCES = [
    PAPERS / "cdl.bib",
    PAPERS / "arxiv-metadata-oai-snapshot.head200.jsonl",
    PAPERS / "hf-api" / "daily_papers.json",
]


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real library (cdl.bib, the arXiv snapshot's head, the HF API page) on disk,
    its text index built; tests copy it."""
    folder = tmp_path_factory.mktemp("terms")
    with Store(folder / "lib.duckdb") as store:
        import_paths(store, SOURCES)
        assert store.paper_count() > 6000
        store.ensure_text_index()
    return folder


@pytest.fixture
def store(library: Path, tmp_path: Path) -> Store:
    for f in library.iterdir():
        if f.is_file():
            (tmp_path / f.name).write_bytes(f.read_bytes())
    s = Store(tmp_path / "lib.duckdb")
    yield s
    s.close()


def _queries(store: Store, n: int, seed: int) -> list[list[Term]]:
    """Seeded queries of the shapes a search box sends: words as they appear in the
    titles (capitals, accents, hyphens kept), whole or cut to a prefix of 2 to 5
    letters, one to three of them, some ORed."""
    rng = random.Random(seed)
    titles = [p.title for p in store.papers(store.all_ids()[:: max(1, store.paper_count() // 800)])]
    words = sorted(
        {w for t in titles for w in re.findall(r"[^\s\"(){}*:]+", t) if re.search(r"\w", w)}
    )
    out: list[list[Term]] = []
    for _ in range(n):
        k = rng.choice((1, 1, 2, 3))
        terms = []
        for i in range(k):
            w = rng.choice(words)
            cut = rng.choice((0, 2, 3, 4, 5))
            prefix = bool(cut) and len(w) > cut
            terms.append(Term(w[:cut] if prefix else w, prefix=prefix or rng.random() < 0.2,
                              or_next=i < k - 1 and rng.random() < 0.3))  # fmt: skip
        out.append(terms)
    return out


def _same(a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...]) -> None:
    np.testing.assert_array_equal(a[0], b[0])  # every match
    np.testing.assert_array_equal(a[1], b[1])  # the newest, scored
    np.testing.assert_allclose(a[2], b[2], rtol=1e-12, atol=0)  # bm25()


@pytest.mark.parametrize("limit", [40, 10_000])
def test_postings_answer_plain_words_as_fts5_does(store: Store, limit: int) -> None:
    assert store.ensure_term_index(minimum=0)
    postings = store.text_index.terms()
    assert postings is not None and len(postings.terms) > 10_000
    fts = store.text_index.file()
    answered = partial = 0
    for terms in _queries(store, 400, seed=limit):
        groups = store.text_index.plain_groups(terms)
        if groups is None:  # a hyphenated word, an apostrophe: FTS5 reads a phrase
            continue
        got = postings.search(groups, limit)
        want = fts.search(fts_expression(terms), limit)
        _same(got, want)
        answered += 1
        partial += len(want[0]) > limit
    assert answered > 300
    if limit == 40:
        assert partial > 50  # the newest-40 cut is exercised, not only complete answers


def test_words_fts5_reads_as_several_tokens_stay_with_fts5(store: Store) -> None:
    index = store.text_index
    assert index.plain_groups([Term("state-of-the-art")]) is None
    assert index.plain_groups([Term("flow matching", phrase=True)]) is None
    assert index.plain_groups([Term("flow", column="title")]) is None
    # FTS5's tokenizer: case and diacritics folded, Porter stems
    assert index.plain_groups([Term("Schrödinger"), Term("Learning", prefix=True)]) == [
        [("schroding", False)],
        [("learn", True)],
    ]


QUERIES = [
    "learning", "lea", "reinforcement learn", "deep OR neural net", "year:>=2015 gra",
    "mo -survey", "graph -neural -network", "title:graph neural", "\"neural network\" de",
    "state-of-the-art mod", "has:doi co", "qu", "zzzzqx",
]  # fmt: skip


def test_the_store_gives_the_same_results_with_and_without_postings(store: Store) -> None:
    before = {q: store.search_ids(q) for q in QUERIES}
    assert not store.term_index_current()
    assert store.ensure_term_index(minimum=0)
    assert store.term_index_current()
    for q in QUERIES:
        ids, scores = store.search_ids(q)
        np.testing.assert_array_equal(ids, before[q][0], err_msg=q)
        np.testing.assert_allclose(scores, before[q][1], rtol=1e-12, err_msg=q)
    assert len(before["lea"][0]) > 100 and len(before["zzzzqx"][0]) == 0


def test_an_edit_makes_fts5_answer_until_the_next_build(store: Store) -> None:
    assert store.ensure_term_index(minimum=0)
    pid = int(store.search_ids("learning")[0][0])
    store.update_paper(pid, title="Quokkaformer: a marsupial transformer")
    assert not store.term_index_current()  # the text moved on: FTS5 answers
    assert store.search_ids("quokkaf")[0].tolist() == [pid]
    assert store.ensure_term_index(minimum=0)
    assert store.term_index_current()
    assert store.search_ids("quokkaf")[0].tolist() == [pid]
    assert not store.ensure_term_index(minimum=0)  # current: nothing to do


def test_postings_are_read_back_after_a_restart(store: Store) -> None:
    assert store.ensure_term_index(minimum=0)
    want = store.search_ids("reinforcement le")
    path = store.path
    store.close()
    with Store(path) as again:
        assert again.term_index_current()
        assert not again.ensure_term_index(minimum=0)
        got = again.search_ids("reinforcement le")
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])


def test_a_cancelled_build_leaves_the_last_one(store: Store) -> None:
    assert store.ensure_term_index(minimum=0)
    folder = store.text_index.terms_folder()
    assert folder is not None
    builds = sorted(p.name for p in folder.iterdir())
    pid = int(store.search_ids("learning")[0][0])
    store.update_paper(pid, title="Wombat attention")
    cancel = CancelToken()

    def progress(fraction: float, _message: str) -> None:
        if fraction > 0:
            cancel.cancel()

    with pytest.raises(Cancelled):
        store.ensure_term_index(progress, cancel, minimum=0)
    assert sorted(p.name for p in folder.iterdir()) == builds  # no half-written build
    assert not store.term_index_current()  # the last build is there, and stale
    assert store.search_ids("wombat")[0].tolist() == [pid]  # FTS5 answers meanwhile


def test_a_broken_build_is_ignored_and_built_again(store: Store) -> None:
    assert store.ensure_term_index(minimum=0)
    folder = store.text_index.terms_folder()
    assert folder is not None
    (build,) = folder.iterdir()
    want = store.search_ids("graph lea")
    path = store.path
    store.close()
    (build / "offsets.npy").write_bytes(b"not numpy")
    with Store(path) as again:
        assert not again.term_index_current()
        np.testing.assert_array_equal(again.search_ids("graph lea")[0], want[0])
        assert again.ensure_term_index(minimum=0)
        assert again.term_index_current()
        assert [p.name for p in folder.iterdir()] != [build.name]  # replaced


def test_small_libraries_are_answered_by_fts5_alone(store: Store) -> None:
    assert store.paper_count() < term_index.TERMS_ABOVE
    assert not store.ensure_term_index()
    assert not store.term_index_current()
    assert store.text_index.terms_folder() is not None
    assert not store.text_index.terms_folder().exists()


def test_frequencies_too_big_for_quarters_are_kept_as_float32() -> None:
    """A word 20,000 times in one abstract (80,000 quarters) does not fit uint16."""
    fts = Fts5File(None)
    rows = [(1, "Loops", "A. Author", "again " * 20_000, ""), (2, "Again", "", "once", ""),
            (3, "Other", "", "again and again", "again")]  # fmt: skip
    fts.rebuild([rows], 3, 1)
    built = term_index.build_postings(fts._con, None, "f", COLUMNS, WEIGHTS)
    assert built.freq.dtype == np.float32
    tok = term_index.Tokenizer("'porter unicode61 remove_diacritics 2'")
    for word, prefix in (("again", False), ("ag", True), ("o", True)):
        t = [Term(word, prefix=prefix)]
        groups = term_index.plan_groups(t, tok)
        assert groups is not None
        _same(built.search(groups, 2), fts.search(fts_expression(t), 2))
    # weights that are not quarters: float32 too
    other = term_index.build_postings(fts._con, None, "f", COLUMNS, (8.0, 4.0, 1.0, 0.3))
    assert other.freq.dtype == np.float32 and other.scale == 1.0
    fts.close()


def test_an_empty_index_answers_nothing() -> None:
    fts = Fts5File(None)
    fts.rebuild([], 0, 3)
    built = term_index.build_postings(fts._con, None, "f", COLUMNS, WEIGHTS)
    assert built.generation == 3 and built.terms == []
    assert all(len(a) == 0 for a in built.search([[("a", True)]], 10))
    fts.close()


def test_parse_then_postings_for_the_typed_prefix(store: Store) -> None:
    """The search box's own plan (the last word a prefix while typed)."""
    assert store.ensure_term_index(minimum=0)
    plan = parse("reinforcement lea")
    groups = store.text_index.plain_groups(plan.positive_terms)
    assert groups == [[("reinforc", False)], [("lea", True)]]
