"""SQL for the "Merge duplicates" dialog: candidate pairs, a merge with field choices,
and its undo.

Candidates are pairs the import did not merge by itself: an identifier that agrees,
or the same normalised title (or one title the other's main title, the part before a
colon) together with at least one of year, first author's family name and venue; each
with its evidence and a confidence. A merge keeps one paper,
takes the chosen field values, moves identity keys, tags and collection memberships
to it, and deletes the others; every touched row is copied to the ``merge_*`` tables
first, so the merge can be undone exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from paperscope.core.fields import merge_fields
from paperscope.library.store._base import StoreBase
from paperscope.library.store.similar import bump_vector_generation

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


# below this confidence the merge dialog's default answer is "Not duplicates"
LOW_CONFIDENCE = 0.7


@dataclass(frozen=True, slots=True)
class MergeCandidate:
    """A proposed pair: ``reason`` in a few words, ``evidence`` (what agrees and what
    does not) and ``confidence`` (0–1; below :data:`LOW_CONFIDENCE` the dialog
    answers "Not duplicates" by default)."""

    a: int
    b: int
    reason: str
    evidence: tuple[str, ...] = ()
    confidence: float = 0.0

    @property
    def low(self) -> bool:
        return self.confidence < LOW_CONFIDENCE


def _judge(r: Sequence[Any]) -> MergeCandidate:
    """Evidence and confidence of one proposed pair (a row of merge_candidates)."""
    a, b, hows, key, ya, yb, fa, fb, va, vb, aa, ab, vna, vnb = r
    evidence: list[str] = []
    if "id" in hows:
        kind, _, value = str(key).partition(":")
        evidence.append(f"same {_ID_NAMES.get(kind, kind)} {value}")
    if "title" in hows:
        evidence.append("same title")
    elif "main" in hows:
        evidence.append("same main title (one has a subtitle)")
    same_year = ya is not None and ya == yb
    same_fam = bool(fa) and fa == fb
    near_fam = not same_fam and bool(fa) and bool(fb) and _one_edit(fa, fb)  # a typo
    same_venue = bool(va) and va == vb
    evidence.append(f"same year {ya}" if same_year else f"years differ: {ya or '—'} vs {yb or '—'}")
    if same_fam:
        evidence.append(f"same first author: {aa}")
    elif near_fam:
        evidence.append(f"first authors nearly the same: {aa} vs {ab}")
    else:
        evidence.append(f"first authors differ: {aa or '—'} vs {ab or '—'}")
    if same_venue:
        evidence.append(f"same venue: {vna}")
    elif va and vb:
        evidence.append(f"venues differ: {vna} vs {vnb}")
    if "id" in hows:
        confidence = 0.95
    else:
        gap = abs(int(ya) - int(yb)) if ya is not None and yb is not None else None
        confidence = 0.45 if "title" in hows else 0.2
        confidence += 0.3 if same_fam else 0.2 if near_fam else 0.0
        if same_year:
            confidence += 0.15
        elif gap == 1 and (same_fam or near_fam):
            confidence += 0.1  # a preprint and its publication
        elif gap is not None and gap > 2:
            confidence -= 0.1  # another edition, a reprint or another work
        confidence += 0.05 * same_venue
    if "id" in hows:
        reason = evidence[0]
    elif "main" in hows and "title" not in hows:
        reason = "same main title, first author and year"
    elif not same_year and same_fam:
        reason = "same title, different year"
    elif same_year and not same_fam:
        reason = "same title, different first author"
    else:
        reason = "same title"
    return MergeCandidate(int(a), int(b), reason, tuple(evidence), round(min(confidence, 1.0), 2))


_ID_NAMES = {"doi": "DOI", "arxiv": "arXiv id", "hf": "Hugging Face id"}


def _one_edit(a: str, b: str) -> bool:
    """``a`` and ``b`` differ by one inserted, deleted or changed letter (names of
    five letters or more)."""
    if min(len(a), len(b)) < 5 or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)) :] == b[i + 1 :]


@dataclass(frozen=True, slots=True)
class MergeRecord:
    id: int
    kept_id: int
    other_ids: tuple[int, ...]
    merged_at: str
    undone: bool
    kind: str = "duplicates"  # or "published": a preprint and its venue version


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


class MergeMixin(StoreBase):
    """Mixed into :class:`paperscope.library.store.Store`."""

    # -- candidates ------------------------------------------------------------------
    def merge_candidates(self, limit: int = 500) -> list[MergeCandidate]:
        """Likely duplicate pairs that were not merged automatically (and that the user
        has not marked as distinct), lowest ids first.

        A pair is proposed only when an identifier agrees (DOI, arXiv id, HF id), or
        the title agrees (in full, or one is the other's main title before a colon)
        *and* at least one of year, first author's family name and venue agrees; each
        comes with its evidence and a confidence (see :func:`_judge`)."""
        title = _FOLD.format(x="title")
        main = _FOLD.format(x="split_part(title, ':', 1)")
        first = (
            "coalesce(json_extract_string(creators, '$[0].family'), "
            "json_extract_string(creators, '$[0].literal'))"
        )
        rows = (
            self.cursor()
            .execute(
                f"""
            WITH t AS (
                SELECT id, {title} AS t, {main} AS m, year,
                       -- family name: the first creator's, else the text before a comma,
                       -- else the last word
                       CASE WHEN {first} IS NOT NULL THEN {_FOLD.format(x=first)}
                            WHEN contains(coalesce(authors[1], ''), ',')
                            THEN {_FOLD.format(x="split_part(authors[1], ',', 1)")}
                            ELSE {_FOLD.format(x=_LAST_WORD)}
                       END AS fam,
                       {_FOLD.format(x="coalesce(venue, '')")} AS v,
                       coalesce(authors[1], '') AS first_author, coalesce(venue, '') AS venue
                FROM papers
            ),
            ident AS (
                SELECT ka.paper_id AS a, kb.paper_id AS b, min(ka.key) AS key
                FROM paper_keys ka JOIN paper_keys kb
                  ON ka.key = kb.key AND ka.paper_id < kb.paper_id
                WHERE NOT (ka.key LIKE 'title:%' OR ka.key LIKE 'anon:%')
                GROUP BY 1, 2
            ),
            same_title AS (
                SELECT a.id AS a, b.id AS b, 'title' AS how
                FROM t a JOIN t b ON a.t = b.t AND a.id < b.id
                WHERE length(a.t) >= 8 AND (a.year = b.year
                      OR (a.fam <> '' AND a.fam = b.fam) OR (a.v <> '' AND a.v = b.v))
            ),
            same_main AS (
                SELECT a.id AS a, b.id AS b, 'main' AS how
                FROM t a JOIN t b ON a.m = b.m AND a.fam = b.fam AND a.year = b.year AND a.id < b.id
                WHERE length(a.m) >= 20 AND a.t <> b.t AND a.fam <> ''
                  AND (a.t = a.m OR b.t = b.m)
            ),
            pairs AS (
                SELECT a, b, 'id' AS how FROM ident
                UNION ALL SELECT * FROM same_title UNION ALL SELECT * FROM same_main
            ),
            grouped AS (
                SELECT a, b, list(DISTINCT how ORDER BY how) AS hows FROM pairs
                WHERE NOT EXISTS (
                    SELECT 1 FROM not_duplicates n
                    WHERE (n.a = pairs.a AND n.b = pairs.b) OR (n.a = pairs.b AND n.b = pairs.a))
                GROUP BY a, b ORDER BY a, b LIMIT ?
            )
            SELECT g.a, g.b, g.hows, i.key, ta.year, tb.year, ta.fam, tb.fam, ta.v, tb.v,
                   ta.first_author, tb.first_author, ta.venue, tb.venue
            FROM grouped g JOIN t ta ON ta.id = g.a JOIN t tb ON tb.id = g.b
            LEFT JOIN ident i ON i.a = g.a AND i.b = g.b
            ORDER BY g.a, g.b
            """,
                [limit],
            )
            .fetchall()
        )
        return [_judge(r) for r in rows]

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
        # a merged-away citation key stays an alias (biblatex's ids field)
        fields = dict(out.get("fields") or {})
        if (fields.get("_format") or "bibtex") == "bibtex":
            had = [k.strip() for k in str(fields.get("ids") or "").split(",") if k.strip()]
            ids = list(had)
            for row in rows.values():
                key = (row or {}).get("citation_key")
                if key and key != out.get("citation_key") and key not in ids:
                    ids.append(key)
            if ids != had:
                fields.setdefault("_format", "bibtex")
                fields["ids"] = ", ".join(ids)
                out["fields"] = fields
        return out

    def merge(
        self,
        keep_id: int,
        other_ids: Sequence[int],
        field_choices: Mapping[str, int] | None = None,
        *,
        values: Mapping[str, Any] | None = None,
        kind: str = "duplicates",
    ) -> int:
        """Merge ``other_ids`` into ``keep_id`` (see :meth:`merged_values`; ``values``:
        what the kept paper holds instead, every field of :data:`MERGE_FIELDS`); returns
        the merge's id for :meth:`undo_merge`. One transaction: all or nothing."""
        import json

        others = [int(o) for o in dict.fromkeys(other_ids) if int(o) != int(keep_id)]
        if not others:
            raise ValueError("nothing to merge")
        if values is None:
            values = self.merged_values(keep_id, others, field_choices)
        ids = [int(keep_id), *others]
        with self._transaction() as cur:
            row = cur.execute(
                "INSERT INTO merge_log (kept_id, other_ids, kind) VALUES (?, ?, ?) RETURNING id",
                [keep_id, others, kind],
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
                f"{f} = CAST(? AS JSON)" if f in _JSON_FIELDS else f"{f} = ?" for f in MERGE_FIELDS
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
                cur.execute(f"DELETE FROM {table} WHERE paper_id IN (SELECT unnest(?))", [others])
            # run links, reported results and attachments follow to the kept paper (an
            # undo leaves them there: the kept paper is the one restored in place)
            for table in ("run_links", "reported_results", "attachments"):
                cur.execute(
                    f"UPDATE {table} SET paper_id = ? WHERE paper_id IN (SELECT unnest(?))",
                    [keep_id, others],
                )
            cur.execute("DELETE FROM papers WHERE id IN (SELECT unnest(?))", [others])
            self.text_index.mark_changed(cur)
        self.text_index.papers_changed(ids)
        return mid

    def published_values(
        self,
        preprint_id: int,
        venue_id: int,
        keep_id: int | None = None,
        how: str = "",
        field_choices: Mapping[str, int] | None = None,
    ) -> dict[str, Any]:
        """What a preprint merged with its venue version holds (the dialog's preview):
        the merge's gap filling, then the venue's title, venue, year, date, entry type,
        fields, DOI and citation key (``field_choices`` may choose otherwise), and
        ``extra["published"]`` (see :mod:`paperscope.library.published`)."""
        from paperscope.library import published

        keep = preprint_id if keep_id is None else keep_id
        other = venue_id if keep == preprint_id else preprint_id
        pre, ven = self.paper_row(preprint_id), self.paper_row(venue_id)
        if pre is None or ven is None:
            raise ValueError(f"no paper with id {venue_id if pre else preprint_id}")
        choices = {**published.venue_choices(preprint_id, venue_id, ven), **(field_choices or {})}
        values = self.merged_values(keep, [other], choices)
        values["extra"] = {
            **(values.get("extra") or {}),
            "published": published.published_record(pre, ven, how),
        }
        return values

    def merge_published(
        self,
        preprint_id: int,
        venue_id: int,
        keep_id: int | None = None,
        how: str = "",
        field_choices: Mapping[str, int] | None = None,
    ) -> int:
        """Merge a preprint and its venue version into one paper (``keep_id``: the id
        kept, the preprint's by default) that is published as the venue; undone like
        any merge (:meth:`undo_merge`). ``how``: the evidence, in words."""
        keep = preprint_id if keep_id is None else keep_id
        other = venue_id if keep == preprint_id else preprint_id
        values = self.published_values(preprint_id, venue_id, keep, how, field_choices)
        return self.merge(keep, [other], values=values, kind="published")

    def merges(self, include_undone: bool = False) -> list[MergeRecord]:
        """The merge history, newest first."""
        rows = (
            self.cursor()
            .execute(
                "SELECT id, kept_id, other_ids, CAST(merged_at AS VARCHAR), undone, "
                "coalesce(kind, 'duplicates') FROM merge_log "
                + ("" if include_undone else "WHERE NOT undone ")
                + "ORDER BY id DESC"
            )
            .fetchall()
        )
        return [MergeRecord(r[0], r[1], tuple(r[2]), r[3], r[4], r[5]) for r in rows]

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
        with self._transaction() as cur:
            for table in ("paper_keys", "paper_tags", "collection_papers"):
                cur.execute(f"DELETE FROM {table} WHERE paper_id IN (SELECT unnest(?))", [ids])
            cur.execute("DELETE FROM papers WHERE id IN (SELECT unnest(?))", [ids])
            cur.execute(
                "INSERT INTO papers BY NAME SELECT * EXCLUDE (merge_id) FROM merge_papers "
                "WHERE merge_id = ?",
                [mid],
            )
            # papers back with their vectors: the exact similar table must take them in
            bump_vector_generation(cur, None, replaced=False)
            cur.execute(
                "INSERT INTO paper_keys SELECT key, paper_id FROM merge_keys WHERE merge_id = ?",
                [mid],
            )
            cur.execute(
                "INSERT INTO paper_tags SELECT paper_id, tag_id FROM merge_tags WHERE merge_id = ?",
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
            self.text_index.mark_changed(cur)
        self.text_index.papers_changed(ids)
        return mid
