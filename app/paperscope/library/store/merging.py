"""SQL for the "Merge duplicates" dialog: candidate pairs, a merge with field choices,
and its undo.

Candidates are pairs the import did not merge by itself: the same normalised title
with a different year or first author, or the same first author and year with one
title the other's main title (the part before a colon). A merge keeps one paper,
takes the chosen field values, moves identity keys, tags and collection memberships
to it, and deletes the others; every touched row is copied to the ``merge_*`` tables
first, so the merge can be undone exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from paperscope.core.fields import merge_fields

if TYPE_CHECKING:
    import duckdb

# what a merge may take from either paper
MERGE_FIELDS = (
    "title", "authors", "abstract", "year", "date", "upvotes", "organisation", "arxiv_id",
    "doi", "hf_id", "url", "venue", "kind", "citation_key", "keywords", "extra", "source",
    "status", "rating", "notes", "creators", "fields",
)  # fmt: skip
_JSON_FIELDS = ("extra", "creators", "fields")
_STATUS_RANK = {"unread": 0, "reading": 1, "read": 2}

# folded title: lower-case ASCII letters and digits (mirrors dedup.normalised_title)
_FOLD = "regexp_replace(lower(strip_accents({x})), '[^a-z0-9]+', '', 'g')"


_LAST_WORD = "list_last(string_split(trim(coalesce(authors[1], '')), ' '))"


# (table, its other column, whether that column comes before paper_id) of the rows a
# merge moves from the merged papers to the one kept
_MOVED = (
    ("paper_keys", "key", True),
    ("paper_tags", "tag_id", False),
    ("collection_papers", "collection_id", True),
)


@dataclass(frozen=True, slots=True)
class MergeCandidate:
    a: int
    b: int
    reason: str


@dataclass(frozen=True, slots=True)
class MergeRecord:
    id: int
    kept_id: int
    other_ids: tuple[int, ...]
    merged_at: str
    undone: bool


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


class MergeMixin:
    """Mixed into :class:`paperscope.library.store.Store`."""

    _write_lock: Any

    if TYPE_CHECKING:

        def cursor(self) -> duckdb.DuckDBPyConnection: ...

        def paper_row(self, paper_id: int) -> dict[str, Any] | None: ...

        def _after_papers_changed(self, ids: Sequence[int]) -> None: ...

        def _bump_generation(self, cur: duckdb.DuckDBPyConnection) -> None: ...

    # -- candidates ------------------------------------------------------------------
    def merge_candidates(self, limit: int = 500) -> list[MergeCandidate]:
        """Likely duplicate pairs that were not merged automatically (and that the user
        has not marked as distinct), lowest ids first."""
        title = _FOLD.format(x="title")
        main = _FOLD.format(x="split_part(title, ':', 1)")
        rows = (
            self.cursor()
            .execute(
                f"""
            WITH t AS (
                SELECT id, {title} AS t, {main} AS m, year,
                       -- family name: text before a comma, else the last word
                       CASE WHEN contains(coalesce(authors[1], ''), ',')
                            THEN {_FOLD.format(x="split_part(authors[1], ',', 1)")}
                            ELSE {_FOLD.format(x=_LAST_WORD)}
                       END AS fam
                FROM papers
            ),
            same_title AS (
                SELECT a.id AS a, b.id AS b,
                       CASE WHEN a.year IS DISTINCT FROM b.year AND a.fam = b.fam THEN
                           'same title, different year'
                            WHEN a.fam <> b.fam AND a.year IS NOT DISTINCT FROM b.year THEN
                                'same title, different first author'
                            ELSE 'same title' END AS reason
                FROM t a JOIN t b ON a.t = b.t AND a.id < b.id
                WHERE length(a.t) >= 8
            ),
            same_main AS (
                SELECT a.id AS a, b.id AS b, 'same main title, first author and year' AS reason
                FROM t a JOIN t b ON a.m = b.m AND a.fam = b.fam AND a.year = b.year AND a.id < b.id
                WHERE length(a.m) >= 20 AND a.t <> b.t AND a.fam <> ''
            ),
            pairs AS (SELECT * FROM same_title UNION ALL SELECT * FROM same_main)
            SELECT a, b, min(reason) FROM pairs
            WHERE NOT EXISTS (
                SELECT 1 FROM not_duplicates n
                WHERE (n.a = pairs.a AND n.b = pairs.b) OR (n.a = pairs.b AND n.b = pairs.a))
            GROUP BY a, b ORDER BY a, b LIMIT ?
            """,
                [limit],
            )
            .fetchall()
        )
        return [MergeCandidate(int(r[0]), int(r[1]), r[2]) for r in rows]

    def mark_not_duplicates(self, a: int, b: int) -> None:
        """The user says these two are different papers: never propose them again."""
        with self._write_lock:
            self.cursor().execute(
                "INSERT INTO not_duplicates VALUES (?, ?)", [min(a, b), max(a, b)]
            )

    # -- merge -----------------------------------------------------------------------
    def merged_values(
        self, keep_id: int, other_ids: Sequence[int], field_choices: Mapping[str, int] | None = None
    ) -> dict[str, Any]:
        """What the kept paper will hold after the merge (for the dialog's preview):
        its own values, gaps filled from the others (longest abstract, most upvotes,
        highest rating, furthest reading status, notes joined), then ``field_choices``
        (field → the id of the paper whose value to take) applied."""
        rows = {pid: self.paper_row(pid) for pid in [keep_id, *other_ids]}
        missing = [pid for pid, r in rows.items() if r is None]
        if missing:
            raise ValueError(f"no paper with id {missing[0]}")
        keep = rows[keep_id]
        assert keep is not None
        out = {f: keep[f] for f in MERGE_FIELDS}
        for pid in other_ids:
            other = rows[pid]
            assert other is not None
            for f in MERGE_FIELDS:
                mine, theirs = out[f], other[f]
                if f == "extra":
                    out[f] = {**(theirs or {}), **(mine or {})}
                elif f == "fields":
                    out[f] = merge_fields(mine or {}, theirs or {}, out.get("kind"))
                elif f == "creators":
                    if not mine and theirs and out["authors"] == other["authors"]:
                        out[f] = theirs
                elif f == "abstract":
                    if len(theirs or "") > len(mine or ""):
                        out[f] = theirs
                elif f in ("upvotes", "rating"):
                    if theirs is not None and (mine is None or theirs > mine):
                        out[f] = theirs
                elif f == "status":
                    if _STATUS_RANK.get(theirs, 0) > _STATUS_RANK.get(mine, 0):
                        out[f] = theirs
                elif f == "notes":
                    if theirs and theirs not in (mine or ""):
                        out[f] = f"{mine}\n\n{theirs}" if mine else theirs
                elif _empty(mine) and not _empty(theirs):
                    out[f] = theirs
        for f, pid in (field_choices or {}).items():
            if f not in MERGE_FIELDS:
                raise ValueError(f"cannot choose the field {f!r}")
            if pid not in rows:
                raise ValueError(f"paper {pid} is not part of this merge")
            source = rows[pid]
            assert source is not None
            out[f] = source[f]
            if f == "authors" and "creators" not in (field_choices or {}):
                out["creators"] = source["creators"]  # the parts of the names chosen
        return out

    def merge(
        self, keep_id: int, other_ids: Sequence[int], field_choices: Mapping[str, int] | None = None
    ) -> int:
        """Merge ``other_ids`` into ``keep_id`` (see :meth:`merged_values`); returns the
        merge's id for :meth:`undo_merge`. One transaction: all or nothing."""
        import json

        others = [int(o) for o in dict.fromkeys(other_ids) if int(o) != int(keep_id)]
        if not others:
            raise ValueError("nothing to merge")
        values = self.merged_values(keep_id, others, field_choices)
        ids = [int(keep_id), *others]
        with self._write_lock:
            cur = self.cursor()
            cur.execute("BEGIN TRANSACTION")
            try:
                row = cur.execute(
                    "INSERT INTO merge_log (kept_id, other_ids) VALUES (?, ?) RETURNING id",
                    [keep_id, others],
                ).fetchone()
                assert row is not None
                mid = int(row[0])
                cols = [
                    r[0]
                    for r in cur.execute(
                        "SELECT column_name FROM information_schema.columns "
                        "WHERE table_name = 'merge_papers' AND column_name <> 'merge_id'"
                    ).fetchall()
                ]
                cur.execute(
                    f"INSERT INTO merge_papers BY NAME SELECT ? AS merge_id, {', '.join(cols)} "
                    "FROM papers WHERE id IN (SELECT unnest(?))",
                    [mid, ids],
                )
                cur.execute(
                    "INSERT INTO merge_keys SELECT ?, key, paper_id FROM paper_keys WHERE "
                    "paper_id IN (SELECT unnest(?))",
                    [mid, ids],
                )
                cur.execute(
                    "INSERT INTO merge_tags SELECT ?, paper_id, tag_id FROM paper_tags WHERE "
                    "paper_id IN (SELECT unnest(?))",
                    [mid, ids],
                )
                cur.execute(
                    "INSERT INTO merge_collections SELECT ?, collection_id, paper_id FROM "
                    "collection_papers "
                    "WHERE paper_id IN (SELECT unnest(?))",
                    [mid, ids],
                )
                sets = ", ".join(
                    f"{f} = CAST(? AS JSON)" if f in _JSON_FIELDS else f"{f} = ?"
                    for f in MERGE_FIELDS
                )
                params = [
                    (json.dumps(values[f]) if values[f] else None)
                    if f in _JSON_FIELDS
                    else (list(values[f] or []) if f in ("authors", "keywords") else values[f])
                    for f in MERGE_FIELDS
                ]
                cur.execute(
                    f"UPDATE papers SET {sets}, modified_at = current_timestamp WHERE id = ?",
                    [*params, keep_id],
                )
                # keys, tags and collections of the others move to the kept paper
                for table, value, ordered in _MOVED:
                    columns = f"{value}, ?" if ordered else f"?, {value}"
                    cur.execute(
                        f"INSERT INTO {table} SELECT DISTINCT {columns} FROM {table} "
                        f"WHERE paper_id IN (SELECT unnest(?)) AND {value} NOT IN "
                        f"(SELECT {value} FROM {table} WHERE paper_id = ?)",
                        [keep_id, others, keep_id],
                    )
                    cur.execute(
                        f"DELETE FROM {table} WHERE paper_id IN (SELECT unnest(?))", [others]
                    )
                cur.execute("DELETE FROM papers WHERE id IN (SELECT unnest(?))", [others])
                self._bump_generation(cur)
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        self._after_papers_changed(ids)
        return mid

    def merges(self, include_undone: bool = False) -> list[MergeRecord]:
        """The merge history, newest first."""
        rows = (
            self.cursor()
            .execute(
                "SELECT id, kept_id, other_ids, CAST(merged_at AS VARCHAR), undone FROM merge_log "
                + ("" if include_undone else "WHERE NOT undone ")
                + "ORDER BY id DESC"
            )
            .fetchall()
        )
        return [MergeRecord(r[0], r[1], tuple(r[2]), r[3], r[4]) for r in rows]

    def undo_merge(self, merge_id: int | None = None) -> int | None:
        """Undo a merge (the latest one when ``merge_id`` is ``None``): the papers,
        their keys, tags and collection memberships return as they were before it.
        Returns the merge's id, or ``None`` when there is nothing to undo."""
        history = self.merges()
        if not history:
            return None
        target = (
            history[0] if merge_id is None else next((m for m in history if m.id == merge_id), None)
        )
        if target is None:
            raise ValueError(f"no merge {merge_id} to undo")
        ids = [target.kept_id, *target.other_ids]
        later = [m for m in history if m.id > target.id and set(ids) & {m.kept_id, *m.other_ids}]
        if later:
            raise ValueError(f"undo merge {later[-1].id} first: it changed the same papers")
        mid = target.id
        with self._write_lock:
            cur = self.cursor()
            cur.execute("BEGIN TRANSACTION")
            try:
                for table in ("paper_keys", "paper_tags", "collection_papers"):
                    cur.execute(f"DELETE FROM {table} WHERE paper_id IN (SELECT unnest(?))", [ids])
                cur.execute("DELETE FROM papers WHERE id IN (SELECT unnest(?))", [ids])
                cur.execute(
                    "INSERT INTO papers BY NAME SELECT * EXCLUDE (merge_id) FROM merge_papers "
                    "WHERE merge_id = ?",
                    [mid],
                )
                cur.execute(
                    "INSERT INTO paper_keys SELECT key, paper_id FROM merge_keys WHERE "
                    "merge_id = ?",
                    [mid],
                )
                cur.execute(
                    "INSERT INTO paper_tags SELECT paper_id, tag_id FROM merge_tags WHERE "
                    "merge_id = ?",
                    [mid],
                )
                cur.execute(
                    "INSERT INTO collection_papers SELECT collection_id, paper_id FROM "
                    "merge_collections WHERE merge_id = ?",
                    [mid],
                )
                for table in ("merge_papers", "merge_keys", "merge_tags", "merge_collections"):
                    cur.execute(f"DELETE FROM {table} WHERE merge_id = ?", [mid])
                cur.execute("UPDATE merge_log SET undone = true WHERE id = ?", [mid])
                self._bump_generation(cur)
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        self._after_papers_changed(ids)
        return mid
