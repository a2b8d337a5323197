"""SQL for search: runs a :class:`paperscope.library.search.Plan` against the FTS5 side
index (text, BM25) and DuckDB (filters on stored columns, sorting, facets)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from paperscope.core.tasks import CancelToken, Progress, no_progress
from paperscope.library.dedup import normalise_arxiv_id, normalise_doi
from paperscope.library.published import PREPRINT_VENUES
from paperscope.library.search import Filter, Plan, Term, parse
from paperscope.library.store._base import StoreBase
from paperscope.library.store.text_index import fts_expression

_EMPTY_I = np.zeros(0, dtype=np.int64)
_EMPTY_F = np.zeros(0, dtype=np.float64)
_ORDER_COLUMNS = (
    "id", "title", "authors", "year", "date", "upvotes", "organisation", "venue", "status",
    "rating", "added_at", "modified_at", "kind", "citation_key",
)  # fmt: skip
_MAX_SMART_DEPTH = 3
# text columns sorted through a cached rank (SQL expression per column)
_RANKED = {
    "title": "lower(title)",
    "authors": "lower(authors[1])",
    "organisation": "lower(organisation)",
    "venue": "lower(venue)",
    "citation_key": "lower(citation_key)",
}
_NULL_RANK = 2**31
SCORE_LIMIT = 10_000  # BM25 is computed for at most this many matches per query


def _mask(ids: np.ndarray, size: int) -> np.ndarray:
    mask = np.zeros(size, dtype=bool)
    mask[ids] = True
    return mask


def _keep(ids: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """``ids`` (sorted) that are in ``allowed`` (any order), via a boolean mask."""
    if len(ids) == 0 or len(allowed) == 0:
        return ids[:0]
    size = int(max(ids[-1], allowed.max())) + 1
    kept: np.ndarray = ids[_mask(allowed, size)[ids]]
    return kept


def _drop(ids: np.ndarray, gone: np.ndarray) -> np.ndarray:
    if len(ids) == 0 or len(gone) == 0:
        return ids
    size = int(max(ids[-1], gone.max())) + 1
    kept: np.ndarray = ids[~_mask(gone, size)[ids]]
    return kept


class SearchMixin(StoreBase):
    """Mixed into :class:`paperscope.library.store.Store`."""

    _smart_depth: int = 0

    # -- the side index (the store's ``text_index``) -----------------------------------
    def text_generation(self) -> int:
        return self.text_index.generation()

    def text_index_current(self) -> bool:
        """Whether the side index reflects the library (no rebuild needed)."""
        return self.text_index.current()

    def ensure_text_index(
        self, progress: Progress = no_progress, cancel: CancelToken | None = None
    ) -> bool:
        """Rebuild the side index if it does not reflect the library. The GUI runs this
        as a task after opening a library; a search does it on demand. Returns whether
        a rebuild happened."""
        return self.text_index.ensure(progress, cancel)

    def ensure_term_index(
        self, progress: Progress = no_progress, cancel: CancelToken | None = None,
        minimum: int | None = None,
    ) -> bool:  # fmt: skip
        """The text index, then the word postings that answer plain words without
        FTS5's per-row BM25 (``term_index.py``) when the library has at least
        ``minimum`` papers (default ``term_index.TERMS_ABOVE``). The GUI runs this after
        opening a library and after paper text changes. Returns whether it built them."""
        return self.text_index.ensure_terms(progress, cancel, minimum)

    def term_index_current(self) -> bool:
        """Whether plain words are answered by current word postings."""
        return self.text_index.terms() is not None

    def rebuild_text_index(
        self, progress: Progress = no_progress, cancel: CancelToken | None = None
    ) -> None:
        self.text_index.rebuild(progress, cancel)

    def close_text_index(self) -> None:
        self.text_index.close()

    def fulltext_snippet(self, paper_id: int, query: str) -> str:
        """Where the words of ``query`` occur in the paper's attached full text (the
        detail pane's snippet; matched words in ``[`` ``]``), or ""."""
        plan = parse(query)
        words = [Term(t.text, "fulltext", t.phrase, t.prefix) for t in plan.positive_terms]
        if not words:
            return ""
        self.text_index.ensure()
        expression = " OR ".join(fts_expression([w]) for w in words)
        return self.text_index.file().snippet(paper_id, expression)

    # -- search ------------------------------------------------------------------------
    def search_ids(
        self, query: str, sort: str = "score", descending: bool = True, typing: bool | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The papers matching ``query`` (see :mod:`paperscope.library.search`) in
        display order, with their BM25 scores (higher is better; 0 when the query has
        no words). ``sort="score"`` ranks by relevance; any table column sorts by it
        (ties by score, then id). An empty query gives every paper."""
        plan = parse(query, typing=typing)
        return self.run_plan(plan, sort, descending)

    def run_plan(
        self, plan: Plan, sort: str = "score", descending: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """Run a parsed query; see :meth:`search_ids`.

        The plan: matching ids come from the FTS5 index unscored (cheap), negated terms
        and filters are applied as boolean masks over the id space (filters run in
        DuckDB), and BM25 scores are computed only where they matter: for every match
        when the words match up to ``SCORE_LIMIT`` papers (before filters), else for
        the newest ``SCORE_LIMIT`` matches (the older ones follow, newest first: the user is still
        typing a word that matches a large part of the library)."""
        if sort != "score" and sort not in _ORDER_COLUMNS:
            raise ValueError(f"cannot sort by {sort!r}")
        if plan.empty:
            all_ids = self.order_ids(
                None, "id" if sort == "score" else sort, descending if sort != "score" else False
            )
            return all_ids, np.zeros(len(all_ids), dtype=np.float64)
        sids: np.ndarray | None = None
        sscores = _EMPTY_F
        if plan.terms:
            self.text_index.ensure()
            index = self.text_index.file()
            pos, neg = index.plan_expression(plan)
            # plain words are answered by the word postings when a big library has
            # them (the same ids and BM25 as FTS5, without its per-row bm25())
            terms = self.text_index.terms()
            if pos is not None:
                # scoring costs per matching paper: the newest SCORE_LIMIT matches are
                # scored; every match's id is read beside them, unscored
                groups = self.text_index.plain_groups(plan.positive_terms) if terms else None
                if terms is not None and groups is not None:
                    ids, sids, sscores = terms.search(groups, SCORE_LIMIT)
                else:
                    ids, sids, sscores = index.search(pos, SCORE_LIMIT)
            else:
                ids = self.all_ids()
            if neg is not None:
                words = self.text_index.plain_words(plan.negative_terms) if terms else None
                if terms is not None and words is not None:
                    ids = _drop(ids, terms.union(words))
                else:
                    ids = _drop(ids, index.match_ids(neg))
        else:
            ids = self.all_ids()
        if plan.filters:
            ids = _keep(ids, self.filter_ids(plan.filters))
        scores = np.zeros(len(ids), dtype=np.float64)
        start = len(ids)  # ids[start:] are the scored ones (the newest matches)
        if sids is not None and len(ids) and len(sids):
            # the scored ids are every match from sids[0] on: a run at the end of ids
            start = int(np.searchsorted(ids, sids[0]))
            tail = ids[start:]
            where = np.minimum(np.searchsorted(sids, tail), len(sids) - 1)
            hit = sids[where] == tail
            scores[start:][hit] = sscores[where[hit]]
        if sort == "score":
            if not plan.positive_terms:
                return ids, scores  # id order
            # best first; equal scores (and the unscored older ones) newest first
            head = scores[start:]
            if len(head) and head.min() > 0:  # as BM25 always is: sort only the scored
                tail = ids[start:]
                top = start + np.lexsort((-tail, -head if descending else head))
                rest = np.arange(start - 1, -1, -1)
                order = np.concatenate([top, rest] if descending else [rest, top])
            else:
                order = np.lexsort((-ids, -scores if descending else scores))
            return ids[order], scores[order]
        ordered = self.order_ids(ids, sort, descending)
        return ordered, scores[np.searchsorted(ids, ordered)]

    def float_ids(
        self, query: str, sort: str = "score", descending: bool = True
    ) -> tuple[np.ndarray, int]:
        """Float mode: every paper, the matches first (in search order), then the rest
        in ``sort`` order. Returns the ids and how many match."""
        hits, _ = self.search_ids(query, sort, descending)
        rest = self.order_ids(
            None, "id" if sort == "score" else sort, descending if sort != "score" else False
        )
        rest = rest[~np.isin(rest, hits)]
        return np.concatenate([hits, rest]), len(hits)

    def all_ids(self) -> np.ndarray:
        res = self.cursor().execute("SELECT id FROM papers ORDER BY id").fetchnumpy()
        return np.asarray(res["id"], dtype=np.int64)

    def order_ids(
        self, ids: np.ndarray | None, sort: str = "id", descending: bool = False
    ) -> np.ndarray:
        """``ids`` (all papers when ``None``) in table order by one column; missing
        values last, ties by id. Text columns sort through a cached rank per paper
        (rebuilt when paper text changes), so re-sorting a million rows stays fast."""
        if sort not in _ORDER_COLUMNS:
            raise ValueError(f"cannot sort by {sort!r}")
        if ids is not None and len(ids) == 0:
            return _EMPTY_I
        if sort in _RANKED:
            return self._order_by_rank(ids, sort, descending)
        direction = "DESC" if descending else "ASC"
        order = f"{sort} {direction} NULLS LAST, id"
        if ids is None:
            res = self.cursor().execute(f"SELECT id FROM papers ORDER BY {order}").fetchnumpy()
        else:
            wanted = {"id": np.ascontiguousarray(ids, dtype=np.int64)}  # noqa: F841  (DuckDB cannot scan a reversed view)
            res = (
                self.cursor()
                .execute(
                    f"SELECT p.id FROM papers p SEMI JOIN wanted w ON w.id = p.id ORDER BY {order}"
                )
                .fetchnumpy()
            )
        return np.asarray(res["id"], dtype=np.int64)

    def _rank(self, sort: str) -> np.ndarray:
        """Dense rank of every paper by a text column, indexed by id: -1 for ids that
        are not papers, ``_NULL_RANK`` for a missing value. Cached until paper text
        changes (the text generation moves)."""
        key = (sort, self.text_generation())
        cache: dict[tuple[str, int], np.ndarray] = self.__dict__.setdefault("_rank_cache", {})
        hit = cache.get(key)
        if hit is not None:
            return hit
        expr = _RANKED[sort]
        res = (
            self.cursor()
            .execute(
                f"SELECT id, coalesce(CASE WHEN {expr} IS NOT NULL THEN dense_rank() OVER "
                f"(ORDER BY {expr} NULLS LAST) END, {_NULL_RANK}) AS r FROM papers"
            )
            .fetchnumpy()
        )
        pids = np.asarray(res["id"], dtype=np.int64)
        rank = np.full(int(pids.max()) + 1 if len(pids) else 0, -1, dtype=np.int64)
        rank[pids] = np.asarray(res["r"], dtype=np.int64)
        for old in [k for k in cache if k[0] == sort]:
            del cache[old]
        cache[key] = rank
        return rank

    def warm_sort_cache(
        self, progress: Progress = no_progress, cancel: CancelToken | None = None
    ) -> None:
        """Compute the text-column ranks now (seconds on a million papers) so the first
        click on a column header answers at once; the GUI runs this as a task after
        opening a library, after :meth:`ensure_text_index`."""
        cancel = cancel or CancelToken()
        for i, column in enumerate(_RANKED):
            cancel.check()
            progress(i / len(_RANKED), f"Preparing to sort by {column}")
            self._rank(column)
        progress(1.0, "")

    def _order_by_rank(self, ids: np.ndarray | None, sort: str, descending: bool) -> np.ndarray:
        rank = self._rank(sort)
        if ids is None:
            target = np.flatnonzero(rank >= 0).astype(np.int64)
        else:
            target = np.asarray(ids, dtype=np.int64)
            target = target[target < len(rank)]
            target = target[rank[target] >= 0]
        if len(target) == 0:
            return _EMPTY_I
        r = rank[target]
        if descending:
            r = np.where(r == _NULL_RANK, _NULL_RANK, _NULL_RANK - 1 - r)
        combined = r * (int(target.max()) + 1) + target
        ordered: np.ndarray = target[np.argsort(combined)]
        return ordered

    # -- filters -------------------------------------------------------------------------
    def filter_ids(self, filters: Sequence[Filter]) -> np.ndarray:
        """Sorted ids of the papers passing every filter. The last few results are
        kept until the next write (typing changes the words, rarely the filters)."""
        key = (tuple(filters), self._write_lock.version, self.text_generation())
        cache = self.__dict__.setdefault("_filter_cache", {})
        hit = cache.get(key)
        if hit is not None:
            return hit  # type: ignore[no-any-return]
        ids = self._filter_ids(filters)
        ids.setflags(write=False)
        if len(cache) >= 16:
            cache.clear()
        cache[key] = ids
        return ids

    def _filter_ids(self, filters: Sequence[Filter]) -> np.ndarray:
        where: list[str] = []
        params: list[Any] = []
        extra_sets: list[tuple[np.ndarray, bool]] = []
        for f in filters:
            if f.field == "collection":
                members = self._collection_members(str(f.value))
                extra_sets.append((members, f.negated))
                continue
            cond, p = self._condition(f)
            where.append(
                f"NOT coalesce(({cond}), false)" if f.negated else f"coalesce(({cond}), false)"
            )
            params.extend(p)
        sql = (
            "SELECT id FROM papers"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY id"
        )
        ids = np.asarray(self.cursor().execute(sql, params).fetchnumpy()["id"], dtype=np.int64)
        for members, negated in extra_sets:
            keep = np.isin(ids, members)
            ids = ids[~keep] if negated else ids[keep]
        return ids

    def _condition(self, f: Filter) -> tuple[str, list[Any]]:
        v = f.value
        if f.field in ("year", "rating"):
            if f.op == "between":
                assert isinstance(v, tuple)
                return f"{f.field} BETWEEN ? AND ?", [v[0], v[1]]
            return f"{f.field} {f.op} ?", [v]
        if f.field == "status":
            return "status = ?", [v]
        if f.field == "published":  # mirrors library.published.published_as
            return (
                "json_extract(extra, '$.published') IS NOT NULL OR (arxiv_id IS NOT NULL AND ("
                "(coalesce(trim(venue), '') <> '' AND NOT regexp_matches(lower(venue), ?)) OR "
                "(doi IS NOT NULL AND NOT starts_with(doi, '10.48550/')"
                " AND NOT (starts_with(doi, '10.1101/')"
                " AND regexp_matches(lower(coalesce(venue, '')), ?)))))",
                [PREPRINT_VENUES, PREPRINT_VENUES],
            )
        if f.field == "tag":
            return (
                "id IN (SELECT pt.paper_id FROM paper_tags pt JOIN tags t ON t.id = pt.tag_id "
                "WHERE lower(t.name) = lower(?))",
                [v],
            )
        if f.field == "org":
            return "organisation ILIKE ?", [f"%{v}%"]
        if f.field == "venue":
            return "venue ILIKE ?", [f"%{v}%"]
        if f.field == "source":
            return "source ILIKE ?", [f"%{v}%"]
        if f.field == "kind":
            return "lower(kind) = lower(?)", [v]
        if f.field == "arxiv":
            return "arxiv_id = ?", [normalise_arxiv_id(str(v)) or str(v)]
        if f.field == "doi":
            return "doi = ?", [normalise_doi(str(v)) or str(v).lower()]
        if f.field == "has":
            return {
                "abstract": ("abstract <> ''", []),
                "doi": ("doi IS NOT NULL", []),
                "arxiv": ("arxiv_id IS NOT NULL", []),
                "notes": ("notes <> ''", []),
                "rating": ("rating IS NOT NULL", []),
                "tags": ("id IN (SELECT paper_id FROM paper_tags)", []),
                "url": ("url IS NOT NULL", []),
                "date": ("date IS NOT NULL", []),
                "pdf": ("id IN (SELECT paper_id FROM attachments WHERE kind = 'pdf')", []),
                "fulltext": ("id IN (SELECT paper_id FROM attachments WHERE fulltext <> '')", []),
            }[str(v)]
        raise ValueError(f"unknown filter {f.field!r}")

    def _collection_members(self, name: str) -> np.ndarray:
        row = (
            self.cursor()
            .execute("SELECT id, query FROM collections WHERE lower(name) = lower(?)", [name])
            .fetchone()
        )
        if row is None:
            return _EMPTY_I
        if row[1] is None:
            res = (
                self.cursor()
                .execute("SELECT paper_id FROM collection_papers WHERE collection_id = ?", [row[0]])
                .fetchnumpy()
            )
            return np.unique(np.asarray(res["paper_id"], dtype=np.int64))
        if self._smart_depth >= _MAX_SMART_DEPTH:
            return _EMPTY_I  # a saved search that names itself
        self._smart_depth += 1
        try:
            ids, _ = self.search_ids(str(row[1]), "id", False, typing=False)
        finally:
            self._smart_depth -= 1
        return np.sort(ids)

    # -- facets --------------------------------------------------------------------------
    def facets(
        self, ids: np.ndarray | None = None, limit: int = 50
    ) -> dict[str, list[tuple[Any, int]]]:
        """Counts per year, tag, organisation and status over ``ids`` (all papers when
        ``None``), most common first (years newest first); missing values left out."""
        cur = self.cursor()
        if ids is None:
            src = "papers"
        else:
            scope = {"id": np.ascontiguousarray(ids, dtype=np.int64)}  # noqa: F841
            src = "(SELECT p.* FROM papers p SEMI JOIN scope s ON s.id = p.id)"
        out: dict[str, list[tuple[Any, int]]] = {}
        out["year"] = [
            (int(r[0]), int(r[1]))
            for r in cur.execute(
                f"SELECT year, count(*) FROM {src} WHERE year IS NOT NULL GROUP BY year ORDER "
                "BY year DESC LIMIT ?",
                [limit],
            ).fetchall()
        ]
        out["status"] = [
            (r[0], int(r[1]))
            for r in cur.execute(
                f"SELECT status, count(*) FROM {src} GROUP BY status ORDER BY count(*) DESC, status"
            ).fetchall()
        ]
        out["org"] = [
            (r[0], int(r[1]))
            for r in cur.execute(
                f"SELECT organisation, count(*) FROM {src} WHERE organisation IS NOT NULL "
                "GROUP BY organisation ORDER BY count(*) DESC, organisation LIMIT ?",
                [limit],
            ).fetchall()
        ]
        out["tag"] = [
            (r[0], int(r[1]))
            for r in cur.execute(
                f"SELECT t.name, count(*) FROM {src} p JOIN paper_tags pt ON pt.paper_id = p.id "
                "JOIN tags t ON t.id = pt.tag_id GROUP BY t.name ORDER BY count(*) DESC, "
                "t.name LIMIT ?",
                [limit],
            ).fetchall()
        ]
        return out
