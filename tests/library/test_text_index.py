"""The FTS5 side index's one-call search (every match and the newest scored, on two
connections for an index file) and the search order built from it: the same answer
as reading each part alone and sorting everything at once."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from paperscope.library.search import parse
from paperscope.library.store import Store, searching
from paperscope.library.store.text_index import Fts5File

WORDS = ["flow", "matching", "diffusion", "transport", "quantum", "field", "flows"]


def _rows(n: int) -> list[tuple[int, str, str, str, str]]:
    rng = np.random.default_rng(5)
    rows = []
    for i in range(1, n + 1):
        title = " ".join(rng.choice(WORDS, size=int(rng.integers(2, 6))))
        abstract = " ".join(rng.choice(WORDS, size=int(rng.integers(5, 30))))
        rows.append((i, title, "Ann Author; Bo Writer", abstract, ""))
    return rows


@pytest.mark.parametrize("on_disk", [True, False])
def test_search_is_match_ids_and_newest_scores_in_one(tmp_path: Path, on_disk: bool) -> None:
    index = Fts5File(tmp_path / "t.sqlite" if on_disk else None)
    try:
        index.rebuild([_rows(400)], 400, generation=1)
        for expression in ['"flo"*', '"quantum" AND "fie"*', '"nothing"', '{title} : "tra"*']:
            every = index.match_ids(expression)
            for limit in (5, 50, 10_000):
                sids, sscores, complete = index.newest_scores(expression, limit)
                ids, sids2, sscores2 = index.search(expression, limit)
                assert np.array_equal(sids2, sids) and np.array_equal(sscores2, sscores)
                assert np.array_equal(ids, every), (expression, limit)
                assert complete == (len(every) <= limit)
                # the newest ones, ascending, with BM25 above zero
                assert np.array_equal(sids, every[-limit:] if len(every) > limit else every)
                assert np.all(sscores > 0)
        with pytest.raises(sqlite3.OperationalError, match="unterminated"):
            index.search('"unclosed', 10)
    finally:
        index.close()


def test_scores_are_read_back_exactly(tmp_path: Path) -> None:
    index = Fts5File(tmp_path / "t.sqlite")
    try:
        index.rebuild([_rows(200)], 200, generation=1)
        con = index._con
        exact = dict(
            con.execute(
                "SELECT rowid, -bm25(docs, 8.0, 4.0, 1.0, 0.25) FROM docs WHERE docs MATCH ?",
                ['"diffu"*'],
            ).fetchall()
        )
        sids, sscores, _ = index.newest_scores('"diffu"*', 10_000)
        assert [exact[int(i)] for i in sids] == sscores.tolist()
    finally:
        index.close()


def _reference(store: Store, query: str, descending: bool) -> np.ndarray:
    """The order as it was built before: scores mapped by searchsorted, one lexsort."""
    plan = parse(query)
    index = store.text_index.file()
    pos, _neg = index.plan_expression(plan)
    assert pos is not None
    ids = index.match_ids(pos)
    sids, sscores, _ = index.newest_scores(pos, searching.SCORE_LIMIT)
    if plan.filters:
        ids = searching._keep(ids, store.filter_ids(plan.filters))
    scores = np.zeros(len(ids))
    where = np.searchsorted(sids, ids)
    where[where >= len(sids)] = 0
    hit = sids[where] == ids
    scores[hit] = sscores[where[hit]]
    return ids[np.lexsort((-ids, -scores if descending else scores))]


@pytest.mark.parametrize("limit", [3, 40, 10_000])
def test_search_order_is_the_full_sort(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: int
) -> None:
    monkeypatch.setattr(searching, "SCORE_LIMIT", limit)
    from paperscope.core.records import Paper

    with Store(tmp_path / "lib.duckdb") as store:
        papers = [
            Paper(f"{title} {i}", authors=["Ann Author"], abstract=abstract, year=2000 + i % 20)
            for i, (_id, title, _a, abstract, _f) in enumerate(_rows(120))
        ]
        store.add_papers(papers)
        for query in ("flo", "quantum fie", "year:>=2010 tra", "matching -quantum di"):
            for descending in (True, False):
                ids, scores = store.search_ids(query, "score", descending)
                expected = _reference(store, query, descending)
                if "-" not in query:
                    assert np.array_equal(ids, expected), (query, descending, limit)
                assert len(ids) == len(set(ids.tolist()))
                scored = scores > 0
                # scored first (best first) when descending; the unscored newest first
                unscored = ids[~scored]
                assert np.array_equal(unscored, np.sort(unscored)[::-1])
                if descending and len(ids):
                    assert not np.any(np.diff(scored.astype(int)) > 0)


def test_generation_is_read_again_after_every_write(tmp_path: Path) -> None:
    from paperscope.core.records import Paper

    with Store(tmp_path / "lib.duckdb") as store:
        before = store.text_generation()
        assert store.text_generation() == before
        (pid,) = store.add_papers([Paper("Flow matching for all", abstract="flows")]).paper_ids
        after = store.text_generation()
        assert after > before
        store.update_paper(pid, title="Quantum fields instead")
        assert store.text_generation() > after
        assert len(store.search_ids("quantum ")[0]) == 1
        assert len(store.search_ids("matching ")[0]) == 0


def test_an_index_made_otherwise_is_dropped_and_rebuilt(tmp_path: Path) -> None:
    from paperscope.core.records import Paper

    path = tmp_path / "lib.duckdb"
    with Store(path) as store:
        store.add_papers([Paper("Quantum fields at last", abstract="flows")])
        assert len(store.search_ids("quan")[0]) == 1
    # an index of before the 4-letter prefixes, empty but marked current
    con = sqlite3.connect(tmp_path / "lib.duckdb.search.sqlite")
    con.execute("DROP TABLE docs")
    con.execute(
        "CREATE VIRTUAL TABLE docs USING fts5(title, authors, abstract, fulltext, "
        "tokenize = 'porter unicode61 remove_diacritics 2', prefix = '2 3')"
    )
    con.commit()
    con.close()
    with Store(path) as store:
        assert not store.text_index_current()
        assert len(store.search_ids("quan")[0]) == 1
        sql = (
            store.text_index.file()
            ._con.execute("SELECT sql FROM sqlite_master WHERE name = 'docs'")
            .fetchone()[0]
        )
        assert "prefix = '2 3 4'" in sql
