"""Search: the query language, BM25 ranking over the FTS5 side index, filters,
facets, saved searches, and staying correct after imports, edits and merges."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from paperscope.core.records import Paper
from paperscope.library.search import Filter, Term, parse
from paperscope.library.store import Store
from paperscope.workflows.papers import import_paths
from tests.conftest import PAPERS, TEST_DATA

SOURCES = [
    PAPERS / "hf-api" / "daily_papers.json",
    TEST_DATA / "papers" / "arxiv-query.atom",
    TEST_DATA / "papers" / "references.ris",
    PAPERS / "context-review-references.csl.json",
]


@pytest.fixture
def lib(tmp_path: Path) -> Store:
    store = Store(tmp_path / "lib.duckdb")
    summary = import_paths(store, SOURCES)
    # Atom: 2410.17243 is on the HF page; RIS: Flow Matching is in the Atom feed; CSL:
    # Attention (1706.03762) is in the Atom feed and 5 arXiv papers are listed twice
    assert (summary.added, summary.merged, summary.skipped) == (29 + 3 + 2 + 252, 1 + 1 + 6, 1)
    assert store.paper_count() == 286
    return store


def titles(store: Store, ids: np.ndarray) -> list[str]:
    return [p.title for p in store.papers(ids)]


def one(store: Store, arxiv_id: str) -> int:
    (pid,) = store.find_papers(Paper("x", arxiv_id=arxiv_id))
    return pid


# -- the language --------------------------------------------------------------------
def test_parse_the_issue_example() -> None:
    plan = parse(
        'author:smith title:"flow matching" year:>=2023 tag:to-read status:unread '
        "org:tencent -survey "
    )
    assert plan.terms == [
        Term("smith", "authors"),
        Term("flow matching", "title", phrase=True),
        Term("survey", negated=True),
    ]
    assert plan.filters == [
        Filter("year", ">=", 2023),
        Filter("tag", "=", "to-read"),
        Filter("status", "=", "unread"),
        Filter("org", "contains", "tencent"),
    ]
    assert plan.problems == []


def test_parse_prefix_ranges_or_and_problems() -> None:
    assert parse("diffusion mod").terms[-1] == Term("mod", prefix=True)
    assert parse("diffusion mod ").terms[-1] == Term("mod")
    assert parse("gpt*  ").terms == [Term("gpt", prefix=True)]
    assert parse("year:2019..2021 -tag:read").filters == [
        Filter("year", "between", (2019, 2021)),
        Filter("tag", "=", "read", negated=True),
    ]
    plan = parse("vae OR autoencoder bayes ")
    assert [t.or_next for t in plan.terms] == [True, False, False]
    assert parse("year:soon status:done").problems == [
        "year: needs a number, a comparison (>=2020) or a range (2019..2021)",
        "status: is unread, reading or read (not 'done')",
    ]
    assert parse("foo:bar ").terms == [Term("foo bar")]
    assert parse("tag: ").filters == [] and parse("").empty


# -- ranking and fields --------------------------------------------------------------
def test_bm25_ranks_title_matches_first(lib: Store) -> None:
    ids, scores = lib.search_ids("contrastive loss ")
    assert titles(lib, ids[:1]) == [
        "Breaking the Memory Barrier: Near Infinite Batch Size Scaling for Contrastive Loss"
    ]
    assert list(scores) == sorted(scores, reverse=True) and scores[0] > 0


def test_field_terms_phrases_and_negation(lib: Store) -> None:
    ids, _ = lib.search_ids("author:lipman ")
    assert titles(lib, ids) == ["Flow Matching for Generative Modeling"]
    ids, _ = lib.search_ids('title:"memory barrier" ')
    assert len(ids) == 1
    ids_words, _ = lib.search_ids("barrier memory ")
    ids_phrase, _ = lib.search_ids('"barrier memory" ')
    assert len(ids_words) >= 1 and len(ids_phrase) == 0
    with_video, _ = lib.search_ids("video ")
    without, _ = lib.search_ids("video -benchmark ")
    assert 0 < len(without) < len(with_video)
    assert not set(without) & set(lib.search_ids("benchmark ")[0])


def test_prefix_matching_while_typing(lib: Store) -> None:
    typing, _ = lib.search_ids("vide")
    done, _ = lib.search_ids("vide ")
    assert len(done) == 0 and len(typing) == len(lib.search_ids("video ")[0]) > 0


def test_filters_tags_status_org_rating_and_year(lib: Store) -> None:
    flow = one(lib, "2210.02747")
    inf = one(lib, "2410.17243")
    lib.add_tag([flow, inf], "to-read")
    lib.set_status([inf], "reading")
    lib.update_paper(inf, organisation="Tencent AI Lab")
    lib.set_rating([flow], 5)
    ids, _ = lib.search_ids("tag:to-read status:unread")
    assert list(ids) == [flow]
    ids, _ = lib.search_ids("org:tencent")
    assert list(ids) == [inf]
    ids, _ = lib.search_ids("rating:>=4 ")
    assert list(ids) == [flow]
    ids, _ = lib.search_ids("year:2024 -tag:to-read")
    all_2024, _ = lib.search_ids("year:2024")
    assert set(ids) == set(all_2024) - {inf}  # flow matching is from 2022
    assert len(all_2024) == sum(1 for p in lib.papers(lib.all_ids()) if p.year == 2024)
    ids, _ = lib.search_ids("year:2013..2014 has:arxiv")
    assert ids.size and all(p.year in (2013, 2014) and p.arxiv_id for p in lib.papers(ids))


def test_sorting_by_a_column_and_empty_query(lib: Store) -> None:
    ids, scores = lib.search_ids("learning ", sort="year", descending=False)
    years = [p.year for p in lib.papers(ids)]
    known = [y for y in years if y is not None]
    assert known == sorted(known) and years[: len(known)] == known  # missing years last
    assert len(scores) == len(ids)
    every, zeros = lib.search_ids("")
    assert len(every) == lib.paper_count() and not zeros.any()


# -- staying correct ---------------------------------------------------------------
def test_correct_after_import_edit_merge_and_undo(lib: Store, tmp_path: Path) -> None:
    before, _ = lib.search_ids("diphoton ")
    assert len(before) == 0
    import_paths(lib, [PAPERS / "arxiv-metadata-oai-snapshot.head200.jsonl"])
    after, _ = lib.search_ids("diphoton ")
    assert len(after) == 1
    pid = int(after[0])
    lib.update_paper(pid, title="Prompt photon pairs at the Tevatron")
    assert (
        len(lib.search_ids("diphoton ")[0]) == 0 or pid not in lib.search_ids("title:diphoton ")[0]
    )
    assert list(lib.search_ids("title:tevatron ")[0]) == [pid]
    other = int(lib.search_ids('"Attention Is All You Need" ')[0][0])
    mid = lib.merge(pid, [other])
    assert other not in lib.search_ids("attention ")[0]
    lib.undo_merge(mid)
    assert other in lib.search_ids("attention ")[0]
    assert lib.text_index_current()


def test_index_is_persistent_and_rebuilt_when_stale(tmp_path: Path) -> None:
    path = tmp_path / "lib.duckdb"
    with Store(path) as store:
        import_paths(store, SOURCES[:2])
        expected = store.search_ids("memory ")[0]
        assert store.text_index_path() == tmp_path / "lib.duckdb.search.sqlite"
    with Store(path) as store:
        assert store.ensure_text_index() is False  # current: nothing to rebuild
        assert np.array_equal(store.search_ids("memory ")[0], expected)
        # a change the index did not see (another program wrote the library)
        store.execute("UPDATE library_state SET value = value + 1")
    with Store(path) as store:
        assert not store.text_index_current()
        assert np.array_equal(store.search_ids("memory ")[0], expected)  # rebuilt on demand
        assert store.text_index_current()
    (tmp_path / "lib.duckdb.search.sqlite").write_bytes(b"not a database at all" * 100)
    with Store(path) as store:
        assert np.array_equal(store.search_ids("memory ")[0], expected)


# -- facets, saved searches, float mode ----------------------------------------------
def test_facets(lib: Store) -> None:
    lib.add_tag([one(lib, "2210.02747")], "to-read")
    facets = lib.facets(lib.search_ids("year:2024")[0])
    assert facets["year"] == [(2024, 29 + len(lib.search_ids("year:2024 -source:daily_papers")[0]))]
    assert facets["status"] == [("unread", facets["year"][0][1])]
    every = lib.facets()
    assert sum(c for _, c in every["status"]) == lib.paper_count()
    assert every["tag"] == [("to-read", 1)]
    assert dict(every["year"])[2006] == len(lib.search_ids("year:2006")[0])


def test_saved_search_is_a_smart_collection(lib: Store) -> None:
    cid = lib.save_search("flows to read", "tag:to-read")
    assert len(lib.collection_ids(cid)) == 0
    lib.add_tag([one(lib, "2210.02747")], "to-read")
    assert list(lib.collection_ids(cid)) == [one(lib, "2210.02747")]
    (c,) = lib.collections()
    assert c.smart and c.query == "tag:to-read"
    assert list(lib.search_ids('collection:"flows to read"')[0]) == [one(lib, "2210.02747")]
    with pytest.raises(ValueError):
        lib.add_to_collection(cid, [1])


def test_float_mode_puts_matches_on_top(lib: Store) -> None:
    ids, n = lib.float_ids("contrastive ")
    assert len(ids) == lib.paper_count() and n == len(lib.search_ids("contrastive ")[0])
    assert set(ids[:n]) == set(lib.search_ids("contrastive ")[0])
    assert len(set(ids)) == len(ids)


def test_filter_results_follow_every_write(lib: Store) -> None:
    pid = one(lib, "2210.02747")
    assert len(lib.search_ids("status:read")[0]) == 0
    lib.set_status([pid], "read")
    assert list(lib.search_ids("status:read")[0]) == [pid]
    lib.add_tag([pid], "done")
    assert list(lib.search_ids("status:read tag:done")[0]) == [pid]
    lib.remove_tag([pid], "done")
    assert len(lib.search_ids("status:read tag:done")[0]) == 0
    lib.set_status([pid], "unread")
    assert len(lib.search_ids("status:read")[0]) == 0


def test_column_sorts_match_sql_order_and_follow_edits(lib: Store) -> None:
    lib.warm_sort_cache()
    for column, expr in (("title", "lower(title)"), ("authors", "lower(authors[1])"),
                         ("venue", "lower(venue)"), ("year", "year")):  # fmt: skip
        for desc in (False, True):
            direction = "DESC" if desc else "ASC"
            expected = lib.execute(
                f"SELECT id FROM papers ORDER BY {expr} {direction} NULLS LAST, id"
            ).fetchnumpy()["id"]
            assert np.array_equal(lib.order_ids(None, column, desc), expected), (column, desc)
            assert np.array_equal(lib.paper_ids(column, desc), expected)
    pid = int(lib.order_ids(None, "title")[-1])
    lib.update_paper(pid, title="!!! first now")
    assert int(lib.order_ids(None, "title")[0]) == pid
    some = lib.all_ids()[::7]
    assert set(lib.order_ids(some, "title", True)) == set(some)
