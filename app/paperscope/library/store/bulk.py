"""Bulk import of the Kaggle/Cornell arXiv snapshot with DuckDB's own JSON reader.

A million JSON lines go from the file to the ``papers`` table without a Python object
per paper: DuckDB parses, cleans, computes the identity keys (the same keys
:func:`paperscope.library.dedup.paper_keys` gives; see the comments below) and merges
into the library in one transaction. Lines DuckDB cannot parse are found afterwards by
a line-by-line check and reported as skipped, with their line numbers.

Differences from the record-by-record reader: titles and abstracts keep their TeX as
written (``authors_parsed`` is already decoded in the snapshot).
"""

from __future__ import annotations

import json
from pathlib import Path

from paperscope.core.records import ReadError, ReadIssue
from paperscope.core.tasks import CancelToken, Progress, no_progress
from paperscope.library.dedup import GENERIC_TITLES
from paperscope.library.store._base import StoreBase
from paperscope.library.store.papers import ImportSummary

_COLUMNS = {
    "id": "VARCHAR", "submitter": "VARCHAR", "authors": "VARCHAR", "title": "VARCHAR",
    "comments": "VARCHAR", "journal-ref": "VARCHAR", "doi": "VARCHAR", "report-no": "VARCHAR",
    "categories": "VARCHAR", "license": "VARCHAR", "abstract": "VARCHAR",
    "versions": "STRUCT(version VARCHAR, created VARCHAR)[]", "update_date": "VARCHAR",
    "authors_parsed": "VARCHAR[][]",
}  # fmt: skip
_MAX_REPORTED = 200


def _fold(x: str, sep: str = "") -> str:
    """SQL for dedup.fold(): accents stripped, lower-case letters and digits."""
    return f"regexp_replace(lower(strip_accents({x})), '[^a-z0-9]+', '{sep}', 'g')"


class BulkMixin(StoreBase):
    """Mixed into :class:`paperscope.library.store.Store`."""

    def import_arxiv_snapshot(
        self,
        path: Path,
        progress: Progress = no_progress,
        cancel: CancelToken | None = None,
    ) -> ImportSummary:
        """Import a Kaggle arXiv snapshot (JSON lines) in bulk; see the module text.

        Raises ``ReadError`` when the file cannot be read as JSON lines at all; then
        nothing is stored."""
        cancel = cancel or CancelToken()
        path = Path(path)
        summary = ImportSummary()
        columns = "{" + ", ".join(f"'{k}': '{v}'" for k, v in _COLUMNS.items()) + "}"
        generic = sorted(GENERIC_TITLES)
        progress(0.02, "Reading JSON lines")
        with self._transaction() as cur:
            # Mirrors arxiv_kaggle.record_to_paper and dedup.paper_keys:
            #   family name = last word of the folded family (dedup.family_name on
            #   "Given Family Suffix"); a preprint also gets next year's title key.
            try:
                cur.execute(
                    f"""
                CREATE OR REPLACE TEMP TABLE bulk AS
                SELECT row_number() OVER () AS rn,
                    trim(regexp_replace(title, '\\s*[\\n\\r\\t]\\s*|\\s\\s+', ' ', 'g')) AS
                        title,
                    coalesce(list_filter(list_transform(authors_parsed,
                        a -> trim(concat_ws(' ', trim(a[2]), trim(a[1]), trim(a[3])))),
                        a -> a <> ''), []) AS authors,
                    coalesce(trim(regexp_replace(abstract, '\\s*[\\n\\r\\t]\\s*|\\s\\s+',
                        ' ', 'g')), '') AS abstract,
                    CAST(try_strptime(versions[1].created, '%a, %d %b %Y %H:%M:%S %Z') AS
                        DATE) AS date,
                    CASE WHEN regexp_matches(id, '^\\d{{4}}\\.\\d{{4,5}}$') THEN id
                         WHEN regexp_matches(id, '^[A-Za-z\\-]+(\\.[A-Z]{{2}})?/\\d{{7}}$')
                             THEN lower(id)
                    END AS arxiv_id,
                    nullif(rtrim(regexp_extract(lower(doi), '(10\\.\\d{{4,9}}/\\S+)', 1),
                        '.,;}}'), '') AS doi,
                    nullif(trim(regexp_replace("journal-ref",
                        '\\s*[\\n\\r\\t]\\s*|\\s\\s+', ' ', 'g')), '') AS venue,
                    json_object(
                        'categories', string_split(trim(categories), ' '),
                        'primary_category', split_part(trim(categories), ' ', 1),
                        'comment', nullif(trim(regexp_replace(comments,
                            '\\s*[\\n\\r\\t]\\s*|\\s\\s+', ' ', 'g')), ''),
                        'report_no', "report-no", 'license', license,
                        'updated', update_date, 'submitter', submitter,
                        'arxiv_version', len(versions)) AS extra,
                    {_fold("title")} AS tfold,
                    list_last(string_split(trim({_fold("authors_parsed[1][1]", " ")}),
                        ' ')) AS fam
                FROM read_json(?, format = 'newline_delimited', columns = {columns},
                               ignore_errors = true, maximum_object_size = 16777216)
                """,
                    [str(path)],
                )
            except Exception as exc:  # DuckDB raises several kinds for unreadable input
                raise ReadError(
                    str(path), "line 1", f"not JSON lines: {str(exc).splitlines()[0]}"
                ) from None
            cancel.check()
            n_raw = int(cur.execute("SELECT count(*) FROM bulk").fetchone()[0])  # type: ignore[index]
            n_untitled = int(
                cur.execute("SELECT count(*) FROM bulk WHERE coalesce(title, '') = ''").fetchone()[
                    0
                ]  # type: ignore[index]
            )
            if n_raw == n_untitled:  # nothing usable: a failed file changes nothing
                bad = _bad_lines(path, n_raw, cancel, suspect=True)
                where, what = bad[0] if bad else (0, "no records with a title")
                raise ReadError(str(path), f"line {where}" if where else "end of file", what)
            cur.execute("DELETE FROM bulk WHERE coalesce(title, '') = ''")
            n_untitled_rows = n_untitled
            cancel.check()
            progress(0.4, "Matching against the library")
            # kind 's': stored and looked up; 'a': stored only (anon: keys let
            # author-less records find a paper); 'l': looked up only
            cur.execute(
                """
                CREATE OR REPLACE TEMP TABLE bulk_k AS
                SELECT rn, arxiv_id, doi, tfold AS t, coalesce(fam, '') AS fam,
                    coalesce(CAST(year(date) AS VARCHAR), '') AS y0,
                    CAST(year(date) + 1 AS VARCHAR) AS y1,
                    length(tfold) >= 8 AND NOT list_contains(?, tfold) AS distinct_title,
                    (length(tfold) >= 8 AND NOT list_contains(?, tfold))
                        OR (tfold <> '' AND coalesce(fam, '') <> '' AND date IS NOT NULL)
                        AS keyed
                FROM bulk
                """,
                [generic, generic],
            )
            cur.execute(
                """
                CREATE OR REPLACE TEMP TABLE bulk_keys AS
                SELECT DISTINCT rn, key, kind FROM (
                    SELECT rn, 'arxiv:' || arxiv_id AS key, 's' AS kind FROM bulk_k
                    UNION ALL
                    SELECT rn, 'doi:' || doi, 's' FROM bulk_k
                    WHERE doi NOT LIKE '10.48550/arxiv.%'
                    UNION ALL
                    SELECT rn, 'title:' || t || '|' || fam || '|' || y, 's'
                    FROM (SELECT *, unnest([y0, y1]) AS y FROM bulk_k) WHERE keyed
                    UNION ALL
                    SELECT rn, 'anon:' || t || '|' || y,
                        CASE WHEN fam <> '' THEN 'a' ELSE 'l' END
                    FROM (SELECT *, unnest([y0, y1]) AS y FROM bulk_k) WHERE distinct_title
                    UNION ALL
                    SELECT rn, 'title:' || t || '||' || y, 'l'
                    FROM (SELECT *, unnest([y0, y1]) AS y FROM bulk_k)
                    WHERE distinct_title AND fam <> ''
                ) WHERE key IS NOT NULL
                """
            )
            # rows that meet a stored paper, and the stored paper they meet
            cur.execute(
                """
                CREATE OR REPLACE TEMP TABLE bulk_hit AS
                SELECT b.rn, min(k.paper_id) AS pid FROM bulk_keys b
                JOIN paper_keys k ON k.key = b.key
                WHERE b.kind IN ('s', 'l')
                GROUP BY b.rn
                """
            )
            # rows that repeat an earlier row of the same file: the earliest row
            # sharing a key represents them
            cur.execute(
                """
                CREATE OR REPLACE TEMP TABLE bulk_rep AS
                WITH fresh AS (SELECT * FROM bulk_keys
                               WHERE kind = 's' AND rn NOT IN (SELECT rn FROM bulk_hit)),
                     first_of AS (SELECT key, min(rn) AS rep FROM fresh GROUP BY key)
                SELECT f.rn, min(o.rep) AS rep FROM fresh f JOIN first_of o USING (key)
                    GROUP BY f.rn
                """
            )
            cancel.check()
            progress(0.55, "Writing papers")
            cur.execute(
                """
                CREATE OR REPLACE TEMP TABLE bulk_new AS
                SELECT b.rn, nextval('paper_seq') AS id FROM bulk b
                LEFT JOIN bulk_rep r ON r.rn = b.rn
                WHERE b.rn NOT IN (SELECT rn FROM bulk_hit) AND coalesce(r.rep, b.rn) = b.rn
                """
            )
            cur.execute(
                """
                INSERT INTO papers (id, title, authors, abstract, year, date, arxiv_id,
                    doi, url,
                                    venue, kind, extra, source)
                SELECT n.id, b.title, b.authors, b.abstract, year(b.date), b.date,
                    b.arxiv_id, b.doi,
                       CASE WHEN b.arxiv_id IS NOT NULL THEN 'https://arxiv.org/abs/' ||
                           b.arxiv_id END,
                       b.venue, 'preprint', b.extra, ?
                FROM bulk b JOIN bulk_new n USING (rn)
                """,
                [path.name],
            )
            cancel.check()
            progress(0.8, "Recording identity keys")
            cur.execute(
                """
                INSERT INTO paper_keys
                SELECT DISTINCT x.key, x.pid FROM (
                    SELECT k.key, coalesce(h.pid, n.id, nr.id) AS pid
                    FROM bulk_keys k
                    LEFT JOIN bulk_hit h ON h.rn = k.rn
                    LEFT JOIN bulk_new n ON n.rn = k.rn
                    LEFT JOIN bulk_rep r ON r.rn = k.rn
                    LEFT JOIN bulk_new nr ON nr.rn = r.rep
                    WHERE k.kind IN ('s', 'a')
                ) x
                WHERE x.pid IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM paper_keys p WHERE p.key = x.key AND p.paper_id = x.pid)
                """
            )
            # stored papers met again: fill what they lack (only those that lack
            # something: rewriting 100k unchanged rows took DuckDB ~27 s)
            n_hits = cur.execute("SELECT count(*) FROM bulk_hit").fetchone()
            if n_hits and n_hits[0]:
                cur.execute(
                    """
                    UPDATE papers p SET
                        abstract = CASE WHEN p.abstract = '' THEN b.abstract
                                   ELSE p.abstract END,
                        arxiv_id = coalesce(p.arxiv_id, b.arxiv_id),
                        doi = coalesce(p.doi, b.doi),
                        date = coalesce(p.date, b.date),
                        year = coalesce(p.year, year(b.date)),
                        venue = coalesce(p.venue, b.venue),
                        authors = CASE WHEN len(p.authors) = 0 THEN b.authors
                                  ELSE p.authors END,
                        modified_at = current_timestamp
                    FROM (SELECT h.pid, first(b.abstract) AS abstract,
                                 first(b.arxiv_id) AS arxiv_id, first(b.doi) AS doi,
                                 first(b.date) AS date, first(b.venue) AS venue,
                                 first(b.authors) AS authors
                          FROM bulk_hit h JOIN bulk b USING (rn) GROUP BY h.pid) b
                    WHERE p.id = b.pid AND (
                        (p.abstract = '' AND b.abstract <> '')
                        OR (p.arxiv_id IS NULL AND b.arxiv_id IS NOT NULL)
                        OR (p.doi IS NULL AND b.doi IS NOT NULL)
                        OR (p.date IS NULL AND b.date IS NOT NULL)
                        OR (p.year IS NULL AND b.date IS NOT NULL)
                        OR (p.venue IS NULL AND b.venue IS NOT NULL)
                        OR (len(p.authors) = 0 AND len(b.authors) > 0))
                    """
                )
            added = int(cur.execute("SELECT count(*) FROM bulk_new").fetchone()[0])  # type: ignore[index]
            new_ids = cur.execute("SELECT id FROM bulk_new ORDER BY id").fetchnumpy()["id"]
            hit_ids = cur.execute("SELECT DISTINCT pid FROM bulk_hit ORDER BY pid").fetchnumpy()[
                "pid"
            ]
            for t in ("bulk", "bulk_k", "bulk_keys", "bulk_hit", "bulk_rep", "bulk_new"):
                cur.execute(f"DROP TABLE IF EXISTS {t}")
            self.text_index.mark_changed(cur)
            cancel.check()
        summary.added = added
        summary.merged = n_raw - n_untitled_rows - added
        summary.paper_ids = [int(i) for i in new_ids] + [int(i) for i in hit_ids]
        progress(0.9, "Checking for unreadable lines")
        # DuckDB turns an unparsable line into an empty row (no title) or drops it
        bad = _bad_lines(path, n_raw, cancel, suspect=n_untitled > 0)
        n_untitled = max(n_untitled - len(bad), 0)
        for lineno, message in bad[:_MAX_REPORTED]:
            summary.issues.append(ReadIssue(str(path), f"line {lineno}", message, "skipped"))
        if len(bad) > _MAX_REPORTED:
            summary.issues.append(
                ReadIssue(
                    str(path), "", f"{len(bad) - _MAX_REPORTED} more unreadable lines", "skipped"
                )
            )
        if n_untitled:
            summary.issues.append(
                ReadIssue(str(path), "", f"{n_untitled} records without a title", "skipped")
            )
        summary.skipped = len(bad) + n_untitled
        self.text_index.papers_changed(summary.paper_ids)
        progress(1.0, summary.line())
        return summary


def _bad_lines(
    path: Path, n_read: int, cancel: CancelToken, suspect: bool
) -> list[tuple[int, str]]:
    """Lines that are not JSON objects: looked for line by line only when some rows came
    back empty (``suspect``) or the count of non-blank lines differs from the rows read."""
    if not suspect:
        non_blank = 0
        with path.open("rb") as fh:
            for line in fh:
                if line.strip():
                    non_blank += 1
        if non_blank == n_read:
            return []
    bad: list[tuple[int, str]] = []
    with path.open("rb") as fh:
        for lineno, line in enumerate(fh, 1):
            if lineno % 100000 == 0:
                cancel.check()
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except (ValueError, RecursionError) as exc:
                bad.append((lineno, f"not valid JSON: {exc}"))
                continue
            if not isinstance(rec, dict):
                bad.append((lineno, "not a JSON object"))
    return bad
