"""SQL for papers: import with merge, windows of rows for the table, edits."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from paperscope.core.fields import merge_fields
from paperscope.core.records import Creator, Paper, ReadIssue
from paperscope.core.tasks import CancelToken, Progress, no_progress
from paperscope.library.dedup import lookup_keys, normalise_arxiv_id, normalise_doi, paper_keys
from paperscope.library.store._base import StoreBase

if TYPE_CHECKING:
    import duckdb

SEP = "\x1f"  # joins list fields on their way into DuckDB

# Columns a reader fills; on merge a stored value wins, a missing one is filled in.
PAPER_FIELDS = (
    "title", "authors", "abstract", "year", "date", "upvotes", "organisation", "arxiv_id",
    "doi", "hf_id", "url", "venue", "kind", "citation_key", "keywords", "extra", "source",
    "creators", "fields",
)  # fmt: skip

# Columns the table may show and sort on.
TABLE_COLUMNS = (
    "id", "title", "authors", "year", "date", "upvotes", "organisation", "venue", "status",
    "rating", "added_at", "n_authors", "creators", "tag_ids", "n_files",
)  # fmt: skip

# Derived columns the table may ask for (not sortable); ``creators``: the names as parts,
# JSON text (the table shows them as the user prefers); ``tag_ids`` and ``n_files``: a
# paper's tags (ids, any order) and how many files it has, so that a screenful of rows
# is one query
_DERIVED = {
    "n_authors": "TRY_CAST(json_extract_string(p.extra, '$.n_authors') AS INTEGER)",
    "creators": "CAST(p.creators AS VARCHAR)",
    "tag_ids": "(SELECT list(pt.tag_id) FROM paper_tags pt WHERE pt.paper_id = p.id)",
    "n_files": "(SELECT count(*) FROM attachments a WHERE a.paper_id = p.id)",
}


@dataclass(slots=True)
class ImportSummary:
    added: int = 0
    merged: int = 0
    skipped: int = 0
    issues: list[ReadIssue] = field(default_factory=list)
    paper_ids: list[int] = field(default_factory=list)
    # of the merged: preprints merged with their venue version (published as it)
    published: int = 0

    def line(self) -> str:
        text = f"added {self.added}, merged {self.merged}, skipped {self.skipped}"
        if self.published:
            text += f"; {self.published} of the merged published as their venue version"
        return text


def _obj(values: list[Any]) -> np.ndarray:
    return np.array(values, dtype=object)


def _s(v: object) -> str:
    return "" if v is None else str(v)


def _columns(rows: Sequence[Paper]) -> dict[str, np.ndarray]:
    """Papers as one object array of strings per column, the shape DuckDB scans fastest
    (lists joined by ``SEP``, missing values as ""; the SQL turns them back)."""
    return {
        "title": _obj([p.title for p in rows]),
        "authors": _obj([SEP.join(p.authors) for p in rows]),
        "abstract": _obj([p.abstract or "" for p in rows]),
        "year": _obj([_s(p.year) for p in rows]),
        "date": _obj([_s(p.date) for p in rows]),
        "upvotes": _obj([_s(p.upvotes) for p in rows]),
        "organisation": _obj([_s(p.organisation) for p in rows]),
        "arxiv_id": _obj([_s(p.arxiv_id) for p in rows]),
        "doi": _obj([_s(p.doi) for p in rows]),
        "hf_id": _obj([_s(p.hf_id) for p in rows]),
        "url": _obj([_s(p.url) for p in rows]),
        "venue": _obj([_s(p.venue) for p in rows]),
        "kind": _obj([_s(p.kind) for p in rows]),
        "citation_key": _obj([_s(p.citation_key) for p in rows]),
        "keywords": _obj([SEP.join(p.keywords) for p in rows]),
        "extra": _obj([json.dumps(dict(p.extra)) if p.extra else "" for p in rows]),
        "source": _obj([_s(p.source) for p in rows]),
        "creators": _obj([_creators_json(p.creators) for p in rows]),
        "fields": _obj([json.dumps(dict(p.fields)) if p.fields else "" for p in rows]),
    }


def _creators_json(creators: Sequence[Creator]) -> str:
    return json.dumps([c.to_dict() for c in creators]) if creators else ""


def _creators_of(text: str | None) -> tuple[Creator, ...]:
    if not text:
        return ()
    return tuple(Creator.from_dict(d) for d in json.loads(text) if isinstance(d, dict))


def _merge_values(a: Paper, b: Paper) -> Paper:
    """Fill ``a``'s missing fields from ``b`` (``a`` wins where both have a value)."""
    changes: dict[str, Any] = {}
    for name in PAPER_FIELDS:
        va, vb = getattr(a, name), getattr(b, name)
        if name == "extra":
            if vb:
                changes[name] = {**vb, **va}
        elif name == "fields":
            if vb and vb != va:
                merged = merge_fields(va, vb, a.kind)
                if merged != va:
                    changes[name] = merged
        elif name == "creators":
            # the parts go with the display names they belong to
            authors = changes.get("authors", a.authors)
            if not va and vb and tuple(authors) == tuple(b.authors):
                changes[name] = vb
        elif name == "upvotes":
            if vb is not None and (va is None or vb > va):
                changes[name] = vb
        elif name == "abstract":
            if len(vb or "") > len(va or ""):
                changes[name] = vb
        elif (va is None or va == "" or va == ()) and vb not in (None, "", ()):
            changes[name] = vb
    alias = _alias_fields(changes.get("fields", a.fields), a, b)
    if alias is not None:
        changes["fields"] = alias
    if not changes:
        return a
    from dataclasses import replace

    return replace(a, **changes)


def _alias_fields(given: Any, a: Paper, b: Paper) -> dict[str, Any] | None:
    """A BibTeX record merged with another of a different citation key keeps that key
    as an alias (biblatex's ``ids`` field), so ``\\cite{other}`` still finds it."""
    if not (a.citation_key and b.citation_key) or a.citation_key == b.citation_key:
        return None
    fields: dict[str, Any] = dict(given or {})
    if (fields.get("_format") or "bibtex") != "bibtex":
        return None
    ids = [k.strip() for k in str(fields.get("ids") or "").split(",") if k.strip()]
    if b.citation_key in ids:
        return None
    fields.setdefault("_format", "bibtex")
    fields["ids"] = ", ".join([*ids, b.citation_key])
    return fields


def _normalised(p: Paper) -> Paper:
    """Identity fields in their one spelling: arXiv id without version, DOI lower-case
    without prefix (readers do this already; hand-made records may not)."""
    aid = normalise_arxiv_id(p.arxiv_id) if p.arxiv_id else None
    doi = normalise_doi(p.doi) if p.doi else None
    if aid == p.arxiv_id and doi == p.doi:
        return p
    from dataclasses import replace

    return replace(p, arxiv_id=aid or p.arxiv_id, doi=doi or p.doi)


def _insert_keys(
    cur: duckdb.DuckDBPyConnection, pairs: Sequence[tuple[str, int]], only_free: bool = False
) -> None:
    """Store ``(key, paper_id)`` pairs not stored yet; ``only_free``: only keys no paper
    holds."""
    if not pairs:
        return
    key_rows = {  # noqa: F841  (scanned by DuckDB by name)
        "key": np.array([k for k, _ in pairs], dtype=object),
        "paper_id": np.array([p for _, p in pairs], dtype=np.int64),
    }
    same = "" if only_free else " AND k.paper_id = r.paper_id"
    cur.execute(
        "INSERT INTO paper_keys SELECT DISTINCT r.key, r.paper_id FROM key_rows r "
        f"WHERE NOT EXISTS (SELECT 1 FROM paper_keys k WHERE k.key = r.key{same})"
    )


def _groups(
    papers: Sequence[Paper],
) -> tuple[list[list[str]], list[list[str]], dict[int, list[int]]]:
    """The papers' stored keys, looked-up keys, and the groups of papers of this import
    that are one paper (they share a key)."""
    n = len(papers)
    keys = [paper_keys(p) for p in papers]  # stored
    looks = [lookup_keys(p) for p in papers]  # looked up (see dedup.lookup_keys)
    uf = _UnionFind(n)
    first_with_key: dict[str, int] = {}
    for i, ks in enumerate(keys):
        for k in ks:
            first_with_key.setdefault(k, i)
    for i, ls in enumerate(looks):
        for k in ls:
            j = first_with_key.get(k)
            if j is not None and j != i:
                uf.union(i, j)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(uf.find(i), []).append(i)
    return keys, looks, groups


def _published_split(
    members: Sequence[int], papers: Sequence[Paper]
) -> tuple[list[int], list[int]] | None:
    """A group of one import holding a preprint and its venue version: (the preprint's
    members, with those of neither kind; the venue record's), or ``None``."""
    if len(members) < 2:
        return None
    from paperscope.library import published

    venue = [m for m in members if published.is_venue_version(papers[m])]
    pre = [m for m in members if m not in venue]
    if not venue or not any(published.is_preprint(papers[m]) for m in pre):
        return None
    first = next(m for m in pre if published.is_preprint(papers[m]))
    if published.roles(papers[first], papers[venue[0]]) is None:
        return None
    return pre, venue


def _key_reason(keys: Sequence[str]) -> str:
    """The evidence of an import's merge, in words, from the keys the papers share."""
    kinds = {k.split(":", 1)[0] for k in keys}
    if "doi" in kinds:
        return "same DOI " + next(k for k in keys if k.startswith("doi:"))[4:]
    if "arxiv" in kinds:
        return "same arXiv id " + next(k for k in keys if k.startswith("arxiv:"))[6:]
    return "same title, first author and year"


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        ri, rj = self.find(i), self.find(j)
        if ri != rj:
            self.parent[max(ri, rj)] = min(ri, rj)


class PapersMixin(StoreBase):
    """Mixed into :class:`paperscope.library.store.Store`."""

    # -- import ----------------------------------------------------------------------
    def add_papers(
        self,
        papers: Sequence[Paper],
        progress: Progress = no_progress,
        cancel: CancelToken | None = None,
    ) -> ImportSummary:
        """Add papers, merging each into the stored paper it shares a key with.

        One transaction: on any error (or cancel) nothing of this call is stored.
        """
        cancel = cancel or CancelToken()
        summary = ImportSummary()
        papers = [_normalised(p) for p in papers]
        keys, looks, groups = _groups(papers)
        progress(0.1, "Matching against the library")
        cancel.check()

        with self._transaction() as cur:
            existing = self._existing_keys(cur, looks)
            new_rows: list[Paper] = []
            new_keys: list[list[str]] = []
            updates: dict[int, Paper] = {}
            extra_keys: list[tuple[str, int]] = []
            planned = []
            for members in groups.values():
                cancel.check()
                merged = papers[members[0]]
                for m in members[1:]:
                    merged = _merge_values(merged, papers[m])
                glooks = {k for m in members for k in looks[m]}
                hits = sorted({existing[k] for k in glooks if k in existing})
                planned.append((members, merged, glooks, hits))
            # a venue record meeting its stored preprint (or the other way round) is
            # stored on its own, then merged as "published" below (undoable)
            roles = self._published_roles(
                [(i, g[1], g[3][0]) for i, g in enumerate(planned) if g[3]]
            )
            # (preprint, venue version, the one kept, reason): a stored id, or -1 - the
            # row in new_rows of a paper of this import
            published: list[tuple[int, int, int, str]] = []
            claimed: set[int] = set()
            for i, (members, merged, glooks, hits) in enumerate(planned):
                gkeys = sorted({k for m in members for k in keys[m]})
                target = hits[0] if hits else -1
                split = None if hits else _published_split(members, papers)
                if i in roles and target not in updates and target not in claimed:
                    claimed.add(target)
                    shared = sorted(k for k in glooks if existing.get(k) == target)
                    new = -1 - len(new_rows)
                    pre, ven = (target, new) if roles[i] else (new, target)
                    published.append((pre, ven, target, _key_reason(shared)))
                    new_rows.append(merged)
                    new_keys.append(gkeys)
                    summary.merged += len(members)
                elif split is not None:  # both versions in this import: stored apart first
                    ref = [-1 - len(new_rows), -2 - len(new_rows)]
                    shared = sorted(
                        set(keys[split[0][0]]) & {k for m in split[1] for k in looks[m]}
                    )
                    published.append((ref[0], ref[1], ref[0], _key_reason(shared)))
                    for side in split:
                        side_merged = papers[side[0]]
                        for m in side[1:]:
                            side_merged = _merge_values(side_merged, papers[m])
                        new_rows.append(side_merged)
                        new_keys.append(sorted({k for m in side for k in keys[m]}))
                    summary.added += 1
                    summary.merged += len(members) - 1
                elif hits:
                    updates[target] = (
                        _merge_values(updates[target], merged) if target in updates else merged
                    )
                    extra_keys.extend((k, target) for k in gkeys)
                    summary.merged += len(members)
                else:
                    new_rows.append(merged)
                    new_keys.append(gkeys)
                    summary.added += 1
                    summary.merged += len(members) - 1
            progress(0.4, f"Writing {len(new_rows)} new papers")
            new_ids = self._insert_papers(cur, new_rows)
            for pid, ks in zip(new_ids, new_keys, strict=True):
                extra_keys.extend((k, pid) for k in ks)
            cancel.check()
            progress(0.7, f"Merging {len(updates)} papers")
            self._fill_missing(cur, updates)
            _insert_keys(cur, extra_keys)
            cancel.check()
            self.text_index.mark_changed(cur)
        merged_away: set[int] = set()
        for pre, ven, keep, reason in published:
            pre, ven, keep = (x if x >= 0 else new_ids[-1 - x] for x in (pre, ven, keep))
            self.merge_published(pre, ven, keep_id=keep, how=reason)  # type: ignore[attr-defined]
            merged_away.add(ven if keep == pre else pre)
            summary.published += 1
        summary.paper_ids = [i for i in new_ids if i not in merged_away] + sorted(
            set(updates) | claimed
        )
        self.text_index.papers_changed(summary.paper_ids)
        progress(1.0, summary.line())
        return summary

    def _published_roles(self, checks: Sequence[tuple[int, Paper, int]]) -> dict[int, bool]:
        """Of ``(index, incoming paper, stored id)``, the indexes where one of the two is
        the other's preprint: ``True`` when the stored one is the preprint."""
        from paperscope.library import published

        venues = [(i, p, t) for i, p, t in checks if published.is_venue_version(p)]
        preprints = [(i, p, t) for i, p, t in checks if published.is_preprint(p)]
        if not venues and not preprints:
            return {}
        # only the stored papers that can be the other side are read (a re-import
        # merges thousands of venue records into stored venue records)
        asked = {  # noqa: F841  (scanned by DuckDB by name)
            "id": np.array([t for *_, t in venues + preprints], dtype=np.int64),
            "venue_side": np.array([True] * len(venues) + [False] * len(preprints)),
        }
        rows = (
            self.cursor()
            .execute(
                "SELECT DISTINCT p.id FROM papers p JOIN asked a ON a.id = p.id WHERE "
                "CASE WHEN a.venue_side THEN p.arxiv_id IS NOT NULL OR lower(p.kind) = 'preprint'"
                " OR regexp_matches(lower(coalesce(p.venue, '')), ?)"
                " ELSE coalesce(p.venue, '') <> '' OR p.doi IS NOT NULL END",
                [published.PREPRINT_VENUES],
            )
            .fetchall()
        )
        ids = sorted(int(r[0]) for r in rows)
        stored = dict(zip(ids, self.papers(ids), strict=True))
        wanted = [c for c in venues + preprints if c[2] in stored]
        out: dict[int, bool] = {}
        for i, p, t in wanted:
            order = published.roles(stored[t], p)
            if order is not None:
                out[i] = order == (0, 1)
        return out

    def plan_import(self, papers: Sequence[Paper]) -> tuple[int, int]:
        """What :meth:`add_papers` would do with these papers now, without storing
        anything: (added, merged), counted exactly as the import counts them."""
        papers = [_normalised(p) for p in papers]
        _keys, looks, groups = _groups(papers)
        existing = self._existing_keys(self.cursor(), looks)
        added = merged = 0
        for members in groups.values():
            if any(k in existing for m in members for k in looks[m]):
                merged += len(members)
            else:
                added += 1
                merged += len(members) - 1
        return added, merged

    @staticmethod
    def _existing_keys(cur: duckdb.DuckDBPyConnection, looks: list[list[str]]) -> dict[str, int]:
        all_keys = np.array(sorted({k for ls in looks for k in ls}), dtype=object)
        existing: dict[str, int] = {}
        if len(all_keys):
            incoming = {"key": all_keys}  # noqa: F841  (scanned by DuckDB by name)
            for k, pid in cur.execute(
                "SELECT k.key, min(k.paper_id) FROM paper_keys k "
                "JOIN incoming i ON i.key = k.key GROUP BY k.key"
            ).fetchall():
                existing[k] = pid
        return existing

    def _insert_papers(self, cur: duckdb.DuckDBPyConnection, rows: Sequence[Paper]) -> list[int]:
        if not rows:
            return []
        # take a block of ids from the sequence so they are never reused after a delete
        ids = (
            cur.execute("SELECT nextval('paper_seq') AS id FROM range(?)", [len(rows)])
            .fetchnumpy()["id"]
            .astype(np.int64)
        )
        data = {"id": ids, **_columns(rows)}  # noqa: F841  (scanned by DuckDB by name)
        cur.execute(
            """
            INSERT INTO papers (id, title, authors, abstract, year, date, upvotes, organisation,
                arxiv_id, doi, hf_id, url, venue, kind, citation_key, keywords, extra, source,
                creators, fields)
            SELECT id, title,
                CASE WHEN authors = '' THEN [] ELSE string_split(authors, chr(31)) END,
                abstract,
                TRY_CAST(NULLIF(year, '') AS INTEGER),
                TRY_CAST(NULLIF(date, '') AS DATE),
                TRY_CAST(NULLIF(upvotes, '') AS INTEGER),
                NULLIF(organisation, ''), NULLIF(arxiv_id, ''), NULLIF(doi, ''),
                NULLIF(hf_id, ''), NULLIF(url, ''), NULLIF(venue, ''), NULLIF(kind, ''),
                NULLIF(citation_key, ''),
                CASE WHEN keywords = '' THEN [] ELSE string_split(keywords, chr(31)) END,
                json(NULLIF(extra, '')), source, json(NULLIF(creators, '')),
                json(NULLIF(fields, ''))
            FROM data
            """
        )
        return [int(i) for i in ids]

    def fill_gaps(self, pairs: Sequence[tuple[int, Paper]]) -> None:
        """Fill the empty fields of stored papers from records found to be the same
        paper by other means than a key (a PDF matched by its title): the stored values
        win, the record's identity keys (its arXiv id, DOI) become the paper's too."""
        if not pairs:
            return
        updates: dict[int, Paper] = {}
        extra_keys: list[tuple[str, int]] = []
        for pid, paper in pairs:
            paper = _normalised(paper)
            updates[pid] = _merge_values(updates[pid], paper) if pid in updates else paper
            extra_keys.extend((k, pid) for k in paper_keys(paper))
        with self._transaction() as cur:
            self._fill_missing(cur, updates)
            # a key another paper holds stays that paper's (never two papers one key)
            _insert_keys(cur, extra_keys, only_free=True)
            self.text_index.mark_changed(cur)
        self.text_index.papers_changed(sorted(updates))

    def _fill_missing(self, cur: duckdb.DuckDBPyConnection, updates: dict[int, Paper]) -> None:
        """Merge incoming values into stored papers: stored values win, gaps are filled.
        One UPDATE for all changed papers."""
        if not updates:
            return
        stored = {p_id: p for p_id, p in zip(updates, self.papers(list(updates)), strict=True)}
        changed: list[tuple[int, Paper]] = []
        for pid, incoming in updates.items():
            have = stored[pid]
            merged = _merge_values(have, incoming)
            if merged is not have:
                changed.append((pid, merged))
        if not changed:
            return
        rows = [m for _, m in changed]
        ids = np.array([pid for pid, _ in changed], dtype=np.int64)
        fill = {"id": ids, **_columns(rows)}  # noqa: F841  (scanned by DuckDB by name)
        cur.execute(
            """
            UPDATE papers SET
                authors = CASE WHEN f.authors = '' THEN [] ELSE string_split(f.authors,
                    chr(31)) END,
                abstract = f.abstract,
                year = TRY_CAST(NULLIF(f.year, '') AS INTEGER),
                date = TRY_CAST(NULLIF(f.date, '') AS DATE),
                upvotes = TRY_CAST(NULLIF(f.upvotes, '') AS INTEGER),
                organisation = NULLIF(f.organisation, ''), arxiv_id = NULLIF(f.arxiv_id, ''),
                doi = NULLIF(f.doi, ''), hf_id = NULLIF(f.hf_id, ''), url = NULLIF(f.url, ''),
                venue = NULLIF(f.venue, ''), kind = NULLIF(f.kind, ''),
                citation_key = NULLIF(f.citation_key, ''),
                keywords = CASE WHEN f.keywords = '' THEN [] ELSE string_split(f.keywords,
                    chr(31)) END,
                extra = json(NULLIF(f.extra, '')),
                creators = json(NULLIF(f.creators, '')), fields = json(NULLIF(f.fields, '')),
                modified_at = current_timestamp
            FROM fill f WHERE papers.id = f.id
            """
        )

    # -- reading ---------------------------------------------------------------------
    def paper_count(self) -> int:
        row = self.cursor().execute("SELECT count(*) FROM papers").fetchone()
        return int(row[0]) if row else 0

    def papers(self, ids: Iterable[int]) -> list[Paper]:
        """Papers by id, in the order asked (ids that do not exist are left out)."""
        id_list = [int(i) for i in ids]
        if not id_list:
            return []
        wanted = {"id": np.array(id_list, dtype=np.int64)}  # noqa: F841
        rows = (
            self.cursor()
            .execute(
                """SELECT p.id, title, authors, abstract, year, CAST(date AS VARCHAR), upvotes,
                      organisation, arxiv_id, doi, hf_id, url, venue, kind, citation_key,
                      keywords, CAST(extra AS VARCHAR), source, CAST(creators AS VARCHAR),
                      CAST(fields AS VARCHAR)
               FROM papers p JOIN wanted w ON w.id = p.id"""
            )
            .fetchall()
        )
        by_id = {
            r[0]: Paper(
                title=r[1], authors=tuple(r[2] or ()), abstract=r[3] or "", year=r[4],
                date=r[5], upvotes=r[6], organisation=r[7], arxiv_id=r[8], doi=r[9],
                hf_id=r[10], url=r[11], venue=r[12], kind=r[13], citation_key=r[14],
                keywords=tuple(r[15] or ()), extra=json.loads(r[16]) if r[16] else {},
                source=r[17] or "", creators=_creators_of(r[18]),
                fields=json.loads(r[19]) if r[19] else {},
            )
            for r in rows
        }  # fmt: skip
        return [by_id[i] for i in id_list if i in by_id]

    def paper_row(self, paper_id: int) -> dict[str, Any] | None:
        """Every stored column of one paper (including the user's status, rating, notes)."""
        cur = self.cursor().execute(
            # the id is inlined: binding any parameter makes DuckDB import pandas when it is
            # installed (300 ms), and this runs when the window first shows a paper
            "SELECT *, CAST(extra AS VARCHAR) AS extra_text, CAST(creators AS VARCHAR) AS "
            "creators_text, CAST(fields AS VARCHAR) AS fields_text FROM papers "
            f"WHERE id = {int(paper_id)}"
        )
        row = cur.fetchone()
        if row is None:
            return None
        names = [d[0] for d in cur.description]
        out = dict(zip(names, row, strict=True))
        out["extra"] = json.loads(out.pop("extra_text") or "{}")
        out["creators"] = [c.to_dict() for c in _creators_of(out.pop("creators_text"))]
        out["fields"] = json.loads(out.pop("fields_text") or "{}")
        return out

    def paper_ids(
        self, sort: str = "id", descending: bool = False, contains: str = ""
    ) -> np.ndarray:
        """All paper ids in table order; ``contains`` keeps papers whose title, authors
        or abstract contain the text (case-insensitive)."""
        if sort not in TABLE_COLUMNS or sort in _DERIVED:
            raise ValueError(f"cannot sort by {sort!r}")
        if not contains.strip():
            return self.order_ids(None, sort, descending)
        order = f"{sort} {'DESC' if descending else 'ASC'} NULLS LAST, id"
        if sort == "authors":
            order = f"authors[1] {'DESC' if descending else 'ASC'} NULLS LAST, id"
        where, params = "", []
        if contains.strip():
            where = (
                "WHERE title ILIKE ? OR abstract ILIKE ? OR array_to_string(authors, ' ') ILIKE ?"
            )
            like = f"%{contains.strip()}%"
            params = [like, like, like]
        res = self.cursor().execute(f"SELECT id FROM papers {where} ORDER BY {order}", params)
        return res.fetchnumpy()["id"].astype(np.int64)

    def table_rows(self, ids: Sequence[int], columns: Sequence[str]) -> dict[int, tuple[Any, ...]]:
        """The given columns for a window of ids (what the table shows), by id."""
        for c in columns:
            if c not in TABLE_COLUMNS:
                raise ValueError(f"unknown column {c!r}")
        if len(ids) == 0:
            return {}
        wanted = {"id": np.ascontiguousarray(ids, dtype=np.int64)}  # noqa: F841  (DuckDB cannot scan a reversed view)
        cols = ", ".join(_DERIVED.get(c, f"p.{c}") for c in columns)
        rows = (
            self.cursor()
            .execute(f"SELECT p.id, {cols} FROM papers p JOIN wanted w ON w.id = p.id")
            .fetchall()
        )
        return {r[0]: tuple(r[1:]) for r in rows}

    def known_keys(self, keys: Sequence[str]) -> set[str]:
        """Which of these identity keys the library already holds (for import previews)."""
        if not keys:
            return set()
        asked = {"key": _obj(list(keys))}  # noqa: F841  (scanned by DuckDB by name)
        rows = (
            self.cursor()
            .execute("SELECT DISTINCT k.key FROM paper_keys k JOIN asked a ON a.key = k.key")
            .fetchall()
        )
        return {r[0] for r in rows}

    def column_values(self, ids: Sequence[int], column: str) -> np.ndarray:
        """One table column for these ids, row-aligned (an object array; None = missing).
        For colouring a million map points without building a million tuples."""
        if column not in TABLE_COLUMNS:
            raise ValueError(f"unknown column {column!r}")
        wanted = {  # noqa: F841  (scanned by DuckDB by name)
            "id": np.asarray(ids, dtype=np.int64),
            "pos": np.arange(len(ids), dtype=np.int64),
        }
        expr = _DERIVED.get(column, f"p.{column}")
        res = (
            self.cursor()
            .execute(
                f"SELECT w.pos, {expr} AS v FROM wanted w "
                "LEFT JOIN papers p ON p.id = w.id ORDER BY w.pos"
            )
            .fetchnumpy()
        )
        values = res["v"]
        out = np.asarray(np.ma.getdata(values), dtype=object)
        out[np.ma.getmaskarray(values)] = None
        return out

    def find_papers(self, paper: Paper) -> list[int]:
        """Ids of the stored papers this one would merge into (sharing an identity key)."""
        keys = lookup_keys(paper)
        if not keys:
            return []
        rows = (
            self.cursor()
            .execute(
                "SELECT DISTINCT paper_id FROM paper_keys WHERE key IN (SELECT unnest(?)) "
                "ORDER BY 1",
                [keys],
            )
            .fetchall()
        )
        return [int(r[0]) for r in rows]
