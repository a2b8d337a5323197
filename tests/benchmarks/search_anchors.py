"""The anchors of the search benchmark: the same prefix + BM25 job as the app's SQLite
FTS5 side index (``paperscope.library.store.text_index``), done by DuckDB's ``fts``
extension and by tantivy (PyPI ``tantivy``) on the same texts.

The job, per keystroke: the positive words of the parsed query (every word must
match, in any of title/authors/abstract/fulltext or in the one field a ``title:``
names; the last word a prefix while it is typed), answered with the ids of every
matching paper (the table's rows, the count) and BM25 scores for ranking them. What
each engine ranks:

- FTS5 (the app): the newest ``SCORE_LIMIT`` matches, column weights 8/4/1/0.25;
- tantivy: the best ``SCORE_LIMIT`` of all matches by BM25 (field boosts 8/4/1/0.25,
  a prefix expanded over the term dictionary into one BM25 term query per term);
  the ids of every match come from a second collector ordered by the id fast field;
- DuckDB fts: every match scored by the extension's own BM25 formula (its
  ``match_bm25`` macro, rewritten so that a prefix expands over its ``dict`` table and
  the words are ANDed; the extension has no prefix search and no field weights).

Phrases are left out of the job (the keystrokes the benchmark types have none).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

FIELDS = ("title", "authors", "abstract", "fulltext")
BOOSTS = (8.0, 4.0, 1.0, 0.25)


def folder_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# -- tantivy ---------------------------------------------------------------------------
class TantivyAnchor:
    """A tantivy index of the texts in ``folder`` (built once, reused)."""

    def __init__(self, folder: Path) -> None:
        import tantivy

        self.t = tantivy
        self.folder = folder
        sb = tantivy.SchemaBuilder()
        sb.add_unsigned_field("id", stored=False, indexed=True, fast=True)
        for f in FIELDS:
            sb.add_text_field(f, tokenizer_name="paperscope")
        self.schema = sb.build()
        # what FTS5's 'porter unicode61 remove_diacritics 2' does: words, lower case,
        # diacritics folded, Porter stems
        self.analyzer = (
            tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.ascii_fold())
            .filter(tantivy.Filter.stemmer("english"))
            .build()
        )
        self.index: Any = None

    def exists(self) -> bool:
        return (self.folder / "meta.json").exists()

    def build(self, batches: Iterable[list[tuple[int, str, str, str, str]]]) -> float:
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        t0 = time.perf_counter()
        index = self.t.Index(self.schema, path=str(self.folder), reuse=False)
        index.register_tokenizer("paperscope", self.analyzer)
        writer = index.writer(heap_size=512_000_000, num_threads=2)
        for batch in batches:
            for pid, *texts in batch:
                doc = self.t.Document()
                doc.add_unsigned("id", int(pid))
                for f, text in zip(FIELDS, texts, strict=True):
                    doc.add_text(f, text or "")
                writer.add_document(doc)
        writer.commit()
        writer.wait_merging_threads()
        return time.perf_counter() - t0

    def open(self) -> None:
        self.index = self.t.Index(self.schema, path=str(self.folder), reuse=True)
        self.index.register_tokenizer("paperscope", self.analyzer)
        self.index.reload()
        self.searcher = self.index.searcher()

    def _word(self, text: str, prefix: bool, column: str | None) -> Any:
        q, t = self.t.Query, self.t
        fields = [column] if column else list(FIELDS)
        clauses = []
        for f in fields:
            boost = BOOSTS[FIELDS.index(f)]
            # the prefix stemmed too, as FTS5 does ("magnetic*" is "magnet*")
            tokens = self.analyzer.analyze(text)[-1:]
            if prefix and tokens:
                terms = [w for w, _n in self.searcher.terms_with_prefix(f, tokens[0])]
            else:
                terms = tokens
            for term in terms:
                clauses.append(
                    (t.Occur.Should, q.boost_query(q.term_query(self.schema, f, term), boost))
                )
        return q.boolean_query(clauses) if clauses else q.empty_query()

    def query(self, words: Sequence[tuple[str, bool, str | None]], limit: int) -> Any:
        q, t = self.t.Query, self.t
        return q.boolean_query([(t.Occur.Must, self._word(*w)) for w in words])

    def job(
        self, words: Sequence[tuple[str, bool, str | None]], limit: int
    ) -> tuple[int, np.ndarray]:
        """(count, the ids of every match); the best ``limit`` ranked by BM25."""
        query = self.query(words, limit)
        best = self.searcher.search(query, limit, count=True)
        n = best.count
        ranked = self.searcher.fast_field_values("id", [h[1] for h in best.hits])
        if n <= limit:
            return n, np.sort(np.asarray(ranked, dtype=np.int64))
        every = self.searcher.search(query, n, count=False, order_by_field="id")
        ids = np.sort(np.asarray([h[0] for h in every.hits], dtype=np.int64))
        return n, ids


# -- DuckDB fts ------------------------------------------------------------------------
class DuckFtsAnchor:
    """DuckDB's fts extension over a copy of the texts in its own DuckDB file."""

    def __init__(self, path: Path, extension: Path) -> None:
        self.path = path
        self.extension = extension
        self.con: Any = None

    def exists(self) -> bool:
        return self.path.exists()

    def _connect(self) -> Any:
        import duckdb

        con = duckdb.connect(str(self.path))
        con.execute("SET threads = 2")
        con.execute("SET memory_limit = '6GB'")
        con.execute(f"LOAD '{self.extension}'")
        return con

    def build(self, batches: Iterable[list[tuple[int, str, str, str, str]]]) -> float:
        import pandas as pd

        self.path.unlink(missing_ok=True)
        t0 = time.perf_counter()
        con = self._connect()
        con.execute(
            "CREATE TABLE docs (id BIGINT, title VARCHAR, authors VARCHAR, abstract VARCHAR, "
            "fulltext VARCHAR)"
        )
        for batch in batches:
            frame = pd.DataFrame(batch, columns=["id", *FIELDS])  # noqa: F841
            con.execute("INSERT INTO docs SELECT * FROM frame")
        con.execute(
            "PRAGMA create_fts_index('docs', 'id', 'title', 'authors', 'abstract', 'fulltext', "
            "stemmer = 'porter', stopwords = 'none', strip_accents = 1, lower = 1)"
        )
        con.execute("CHECKPOINT")
        con.close()
        return time.perf_counter() - t0

    def open(self) -> None:
        self.con = self._connect()
        self.fields = {
            name: fid
            for fid, name in self.con.execute(
                "SELECT fieldid, field FROM fts_main_docs.fields"
            ).fetchall()
        }

    def job(
        self, words: Sequence[tuple[str, bool, str | None]], limit: int
    ) -> tuple[int, np.ndarray]:
        """(count, the ids of every match), every match scored by BM25 (k 1.2, b 0.75)."""
        q: list[str] = []
        params: list[Any] = []
        for i, (text, prefix, _column) in enumerate(words):
            # the prefix stemmed too, as FTS5 does
            op = "starts_with(d.term, {})" if prefix else "d.term = {}"
            cond = op.format("stem(lower(?), 'porter')")
            params.append(text)
            q.append(f"SELECT {i} AS w, termid FROM fts_main_docs.dict d WHERE {cond}")
        where_field = " OR ".join(
            f"(q.w = {i}{'' if c is None else f' AND t.fieldid = {self.fields[c]}'})"
            for i, (_t, _p, c) in enumerate(words)
        )
        sql = f"""
        WITH q AS ({" UNION ALL ".join(q)}),
        hits AS (SELECT t.docid, t.termid, q.w FROM fts_main_docs.terms t JOIN q USING (termid)
                 WHERE {where_field}),
        cdocs AS (SELECT docid FROM hits GROUP BY docid HAVING count(DISTINCT w) = {len(words)}),
        tf AS (SELECT docid, termid, count(*) AS tf FROM hits SEMI JOIN cdocs USING (docid)
               GROUP BY docid, termid),
        st AS (SELECT num_docs, avgdl FROM fts_main_docs.stats)
        SELECT docs.name AS id, sum(log(((st.num_docs - dict.df) + 0.5) / (dict.df + 0.5) + 1)
               * tf.tf * 2.2 / (tf.tf + 1.2 * (0.25 + 0.75 * docs.len / st.avgdl))) AS score
        FROM tf JOIN fts_main_docs.docs docs USING (docid) JOIN fts_main_docs.dict dict
             USING (termid), st
        GROUP BY docs.name
        """
        res = self.con.execute(sql, params).fetchnumpy()
        ids = np.sort(np.asarray(res["id"], dtype=np.int64))
        return len(ids), ids
