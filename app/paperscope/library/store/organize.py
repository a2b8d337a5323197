"""SQL for what a researcher does with papers: tags (coloured, ordered so the number
keys can toggle the first nine), collections (hand-made, or saved searches = smart
collections), reading status, a 1–5 rating, notes, and edits of the paper's fields."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from paperscope.library.store._base import StoreBase

if TYPE_CHECKING:
    pass

STATUSES = ("unread", "reading", "read")
_FIELD_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_\-:.+/]*")


def _column_value(paper: Any, column: str) -> Any:
    value = getattr(paper, column)
    return value if value not in ("", ()) else (() if column == "keywords" else None)


# The paper fields a user may edit (identity keys are recomputed for these).
EDITABLE = (
    "title", "authors", "abstract", "year", "date", "organisation", "arxiv_id", "doi", "url",
    "venue", "kind", "citation_key", "keywords",
)  # fmt: skip

DEFAULT_COLORS = (
    "#e15759", "#4e79a7", "#59a14f", "#f28e2b", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7",
    "#9c755f", "#bab0ac",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Tag:
    id: int
    name: str
    color: str
    position: int
    count: int = 0


@dataclass(frozen=True, slots=True)
class Collection:
    id: int
    name: str
    query: str | None  # a saved search (smart collection) when not None
    count: int | None = None  # members of a hand-made collection; None for smart ones

    @property
    def smart(self) -> bool:
        return self.query is not None


def _ids(paper_ids: Sequence[int] | np.ndarray) -> np.ndarray:
    return np.unique(np.asarray(paper_ids, dtype=np.int64))


class OrganizeMixin(StoreBase):
    """Mixed into :class:`paperscope.library.store.Store`."""

    # -- tags ------------------------------------------------------------------------
    def tags(self) -> list[Tag]:
        """Every tag in number-key order, with how many papers carry it."""
        rows = (
            self.cursor()
            .execute(
                """SELECT t.id, t.name, t.color, coalesce(t.position, 1000000 + t.id) AS pos,
                      count(pt.paper_id)
               FROM tags t LEFT JOIN paper_tags pt ON pt.tag_id = t.id
               GROUP BY ALL ORDER BY pos, t.id"""
            )
            .fetchall()
        )
        return [
            Tag(r[0], r[1], r[2] or DEFAULT_COLORS[(r[0] - 1) % len(DEFAULT_COLORS)], i, r[4])
            for i, r in enumerate(rows)
        ]

    def tag_id(self, name: str, create: bool = False, color: str | None = None) -> int | None:
        """The id of the tag called ``name`` (case-insensitive); created when asked."""
        name = name.strip()
        if not name:
            raise ValueError("a tag needs a name")
        cur = self.cursor()
        row = cur.execute("SELECT id FROM tags WHERE lower(name) = lower(?)", [name]).fetchone()
        if row:
            return int(row[0])
        if not create:
            return None
        with self._write_lock:
            pos = cur.execute("SELECT coalesce(max(position) + 1, 0) FROM tags").fetchone()
            new = cur.execute(
                "INSERT INTO tags (name, color, position) VALUES (?, ?, ?) RETURNING id",
                [name, color, int(pos[0]) if pos else 0],
            ).fetchone()
            assert new is not None
            tid = int(new[0])
            if color is None:
                color = DEFAULT_COLORS[(tid - 1) % len(DEFAULT_COLORS)]
                cur.execute("UPDATE tags SET color = ? WHERE id = ?", [color, tid])
        return tid

    def create_tag(self, name: str, color: str | None = None) -> int:
        tid = self.tag_id(name, create=True, color=color)
        assert tid is not None
        return tid

    def update_tag(self, tag_id: int, name: str | None = None, color: str | None = None) -> None:
        with self._write_lock:
            if name is not None:
                if not name.strip():
                    raise ValueError("a tag needs a name")
                self.cursor().execute(
                    "UPDATE tags SET name = ? WHERE id = ?", [name.strip(), tag_id]
                )
            if color is not None:
                self.cursor().execute("UPDATE tags SET color = ? WHERE id = ?", [color, tag_id])

    def move_tag(self, tag_id: int, position: int) -> None:
        """Put a tag at ``position`` (0-based) in number-key order."""
        order = [t.id for t in self.tags() if t.id != tag_id]
        order.insert(max(0, min(position, len(order))), tag_id)
        with self._write_lock:
            for pos, tid in enumerate(order):
                self.cursor().execute("UPDATE tags SET position = ? WHERE id = ?", [pos, tid])

    def delete_tag(self, tag_id: int) -> None:
        with self._transaction() as cur:
            cur.execute("DELETE FROM paper_tags WHERE tag_id = ?", [tag_id])
            cur.execute("DELETE FROM tags WHERE id = ?", [tag_id])

    def add_tag(self, paper_ids: Sequence[int] | np.ndarray, tag: str | int) -> None:
        """Put a tag (by name, created when new, or by id) on papers."""
        tid = tag if isinstance(tag, int) else self.create_tag(tag)
        new = {"paper_id": _ids(paper_ids)}  # noqa: F841  (scanned by DuckDB by name)
        with self._write_lock:
            self.cursor().execute(
                """INSERT INTO paper_tags SELECT n.paper_id, ? FROM new n
                   WHERE n.paper_id IN (SELECT id FROM papers)
                     AND n.paper_id NOT IN (SELECT paper_id FROM paper_tags WHERE tag_id = ?)""",
                [tid, tid],
            )

    def remove_tag(self, paper_ids: Sequence[int] | np.ndarray, tag: str | int) -> None:
        tid = tag if isinstance(tag, int) else self.tag_id(tag)
        if tid is None:
            return
        gone = {"paper_id": _ids(paper_ids)}  # noqa: F841
        with self._write_lock:
            self.cursor().execute(
                "DELETE FROM paper_tags WHERE tag_id = ? AND paper_id IN (SELECT paper_id FROM "
                "gone)",
                [tid],
            )

    def toggle_tag(self, paper_ids: Sequence[int] | np.ndarray, tag: str | int) -> bool:
        """Tag all the papers, or untag them all when every one already has the tag
        (what a number key does). Returns whether the tag is now on."""
        tid = tag if isinstance(tag, int) else self.create_tag(tag)
        ids = _ids(paper_ids)
        if len(ids) == 0:
            return False
        have = {"paper_id": ids}  # noqa: F841
        row = (
            self.cursor()
            .execute(
                "SELECT count(*) FROM paper_tags WHERE tag_id = ? AND paper_id IN (SELECT "
                "paper_id FROM have)",
                [tid],
            )
            .fetchone()
        )
        if row and int(row[0]) == len(ids):
            self.remove_tag(ids, tid)
            return False
        self.add_tag(ids, tid)
        return True

    def toggle_tag_number(self, paper_ids: Sequence[int] | np.ndarray, number: int) -> bool | None:
        """Number key ``number`` (1–9) toggles the tag at that place; ``None`` if none."""
        tags = self.tags()
        if not 1 <= number <= min(9, len(tags)):
            return None
        return self.toggle_tag(paper_ids, tags[number - 1].id)

    def paper_tags(self, paper_ids: Sequence[int] | np.ndarray) -> dict[int, list[Tag]]:
        """The tags of each paper (in tag order); papers without tags are left out."""
        want = {"paper_id": _ids(paper_ids)}  # noqa: F841
        order = {t.id: t for t in self.tags()}
        out: dict[int, list[Tag]] = {}
        for pid, tid in (
            self.cursor()
            .execute(
                "SELECT paper_id, tag_id FROM paper_tags WHERE paper_id IN (SELECT paper_id "
                "FROM want)"
            )
            .fetchall()
        ):
            if tid in order:
                out.setdefault(int(pid), []).append(order[tid])
        for tags in out.values():
            tags.sort(key=lambda t: t.position)
        return out

    def first_tag_positions(self) -> tuple[np.ndarray, np.ndarray]:
        """``(paper ids, place of each one's first tag in :meth:`tags` order)`` for every
        tagged paper, ids ascending: what sorting a million papers by tag needs, without
        sending the million ids to the database."""
        order = {t.id: t.position for t in self.tags()}
        res = self.cursor().execute("SELECT paper_id, tag_id FROM paper_tags").fetchnumpy()
        pids = np.asarray(res["paper_id"], dtype=np.int64)
        tids = np.asarray(res["tag_id"], dtype=np.int64)
        known = np.isin(tids, np.fromiter(order, dtype=np.int64, count=len(order)))
        pids, tids = pids[known], tids[known]
        if len(pids) == 0:
            return pids, pids.copy()
        lookup = np.zeros(int(tids.max()) + 1, dtype=np.int64)
        for tid, place in order.items():
            if tid < len(lookup):
                lookup[tid] = place
        pos = lookup[tids]
        sorter = np.lexsort((pos, pids))
        pids, pos = pids[sorter], pos[sorter]
        first = np.r_[True, pids[1:] != pids[:-1]]
        return pids[first], pos[first]

    # -- status, rating, notes ---------------------------------------------------------
    def set_status(self, paper_ids: Sequence[int] | np.ndarray, status: str) -> None:
        if status not in STATUSES:
            raise ValueError(f"unknown reading status {status!r}")
        self._set_column(paper_ids, "status", status)

    def set_rating(self, paper_ids: Sequence[int] | np.ndarray, rating: int | None) -> None:
        """1–5 stars, or ``None`` to clear."""
        if rating is not None and (isinstance(rating, bool) or not 1 <= int(rating) <= 5):
            raise ValueError(f"a rating is 1 to 5 (got {rating!r})")
        self._set_column(paper_ids, "rating", None if rating is None else int(rating))

    def set_notes(self, paper_id: int, notes: str) -> None:
        self._set_column([paper_id], "notes", notes)

    def _set_column(self, paper_ids: Sequence[int] | np.ndarray, column: str, value: Any) -> None:
        assert column in ("status", "rating", "notes")
        ids = {"id": _ids(paper_ids)}  # noqa: F841
        with self._write_lock:
            self.cursor().execute(
                f"UPDATE papers SET {column} = ?, modified_at = current_timestamp "
                "WHERE id IN (SELECT id FROM ids)",
                [value],
            )

    def update_paper(self, paper_id: int, **values: Any) -> None:
        """Edit a paper's own fields (see ``EDITABLE``); the identity keys and the text
        index follow."""
        from paperscope.library.dedup import paper_keys

        bad = set(values) - set(EDITABLE)
        if bad:
            raise ValueError(f"cannot edit {sorted(bad)}")
        if not values:
            return
        if "title" in values and not str(values["title"]).strip():
            raise ValueError("a paper needs a title")
        sets = []
        params: list[Any] = []
        for name, value in values.items():
            if name in ("authors", "keywords"):
                value = [str(v) for v in (value or ())]
            sets.append(f"{name} = TRY_CAST(? AS DATE)" if name == "date" else f"{name} = ?")
            params.append(value)
        with self._transaction() as cur:
            cur.execute(
                f"UPDATE papers SET {', '.join(sets)}, modified_at = current_timestamp "
                "WHERE id = ?",
                [*params, paper_id],
            )
            paper = self.papers([paper_id])
            if paper:
                cur.execute("DELETE FROM paper_keys WHERE paper_id = ?", [paper_id])
                for key in paper_keys(paper[0]):
                    cur.execute("INSERT INTO paper_keys VALUES (?, ?)", [key, paper_id])
            self.text_index.mark_changed(cur)
        self.text_index.papers_changed([paper_id])

    def set_field(self, paper_id: int, name: str, value: Any) -> Any:
        """Set one field of the paper's source record (``None`` or ``""`` removes it)
        and return the value it had (for undo). A column derived from that field (the
        venue from ``journal``, the year from ``year``…) follows, unless the column was
        edited apart from it."""
        from paperscope.core.fields import FORMAT, columns_of

        name = name.strip()
        if not _FIELD_NAME.fullmatch(name) or name == FORMAT:
            raise ValueError(f"not a field name: {name!r}")
        papers = self.papers([paper_id])
        if not papers:
            raise ValueError(f"no paper with id {paper_id}")
        paper = papers[0]
        fields = dict(paper.fields) or {FORMAT: "bibtex"}
        old = fields.get(name)
        if value in (None, ""):
            fields.pop(name, None)
        else:
            fields[name] = value
        before, after = columns_of(paper.fields or {FORMAT: "bibtex"}), columns_of(fields)
        follow = {
            c: after[c]
            for c in EDITABLE
            if c in after and after[c] != before[c] and before[c] == _column_value(paper, c)
        }
        with self._write_lock:
            self.cursor().execute(
                "UPDATE papers SET fields = CAST(? AS JSON), modified_at = current_timestamp "
                "WHERE id = ?",
                [json.dumps(fields), paper_id],
            )
        if follow:
            self.update_paper(paper_id, **follow)
        return old

    # -- collections -----------------------------------------------------------------
    def collections(self) -> list[Collection]:
        rows = (
            self.cursor()
            .execute(
                """SELECT c.id, c.name, c.query, count(cp.paper_id)
               FROM collections c LEFT JOIN collection_papers cp ON cp.collection_id = c.id
               GROUP BY c.id, c.name, c.query ORDER BY lower(c.name)"""
            )
            .fetchall()
        )
        return [Collection(r[0], r[1], r[2], None if r[2] is not None else int(r[3])) for r in rows]

    def create_collection(self, name: str, query: str | None = None) -> int:
        """A hand-made collection, or (with ``query``) a saved search."""
        name = name.strip()
        if not name:
            raise ValueError("a collection needs a name")
        with self._write_lock:
            cur = self.cursor()
            if cur.execute(
                "SELECT 1 FROM collections WHERE lower(name) = lower(?)", [name]
            ).fetchone():
                raise ValueError(f"a collection called {name!r} exists already")
            row = cur.execute(
                "INSERT INTO collections (name, query) VALUES (?, ?) RETURNING id", [name, query]
            ).fetchone()
        assert row is not None
        return int(row[0])

    def save_search(self, name: str, query: str) -> int:
        """Save a search as a smart collection (its members are whatever matches now)."""
        if not query.strip():
            raise ValueError("an empty search matches everything; nothing to save")
        return self.create_collection(name, query.strip())

    def collection(self, collection_id: int) -> Collection | None:
        return next((c for c in self.collections() if c.id == collection_id), None)

    def rename_collection(self, collection_id: int, name: str, query: str | None = None) -> None:
        with self._write_lock:
            self.cursor().execute(
                "UPDATE collections SET name = ? WHERE id = ?", [name.strip(), collection_id]
            )
            if query is not None:
                self.cursor().execute(
                    "UPDATE collections SET query = ? WHERE id = ? AND query IS NOT NULL",
                    [query, collection_id],
                )

    def delete_collection(self, collection_id: int) -> None:
        with self._write_lock:
            cur = self.cursor()
            cur.execute("DELETE FROM collection_papers WHERE collection_id = ?", [collection_id])
            cur.execute("DELETE FROM collections WHERE id = ?", [collection_id])

    def add_to_collection(self, collection_id: int, paper_ids: Sequence[int] | np.ndarray) -> None:
        c = self.collection(collection_id)
        if c is None:
            raise ValueError(f"no collection {collection_id}")
        if c.smart:
            raise ValueError(f"{c.name!r} is a saved search; its members follow the search")
        new = {"paper_id": _ids(paper_ids)}  # noqa: F841
        with self._write_lock:
            self.cursor().execute(
                """INSERT INTO collection_papers SELECT ?, n.paper_id FROM new n
                   WHERE n.paper_id IN (SELECT id FROM papers) AND n.paper_id NOT IN
                     (SELECT paper_id FROM collection_papers WHERE collection_id = ?)""",
                [collection_id, collection_id],
            )

    def remove_from_collection(
        self, collection_id: int, paper_ids: Sequence[int] | np.ndarray
    ) -> None:
        gone = {"paper_id": _ids(paper_ids)}  # noqa: F841
        with self._write_lock:
            self.cursor().execute(
                "DELETE FROM collection_papers WHERE collection_id = ? "
                "AND paper_id IN (SELECT paper_id FROM gone)",
                [collection_id],
            )

    def collection_ids(
        self, collection_id: int, sort: str = "id", descending: bool = False
    ) -> np.ndarray:
        """The papers of a collection in table order (a smart one runs its search)."""
        c = self.collection(collection_id)
        if c is None:
            raise ValueError(f"no collection {collection_id}")
        if c.query is not None:
            ids, _scores = self.search_ids(c.query, sort, descending)
            return np.asarray(ids, dtype=np.int64)
        members = (
            self.cursor()
            .execute(
                "SELECT paper_id FROM collection_papers WHERE collection_id = ?", [collection_id]
            )
            .fetchnumpy()["paper_id"]
        )
        return self.order_ids(np.asarray(members, dtype=np.int64), sort, descending)

    def paper_collections(self, paper_id: int) -> list[Collection]:
        """The hand-made collections a paper is in."""
        ids = {
            int(r[0])
            for r in self.cursor()
            .execute("SELECT collection_id FROM collection_papers WHERE paper_id = ?", [paper_id])
            .fetchall()
        }
        return [c for c in self.collections() if c.id in ids]

    # -- small helpers -------------------------------------------------------------
    def _json(self, value: Any) -> str:
        return json.dumps(value, default=str)

    # -- citation keys ---------------------------------------------------------------
    def ensure_citation_keys(self, paper_ids: Sequence[int] | np.ndarray) -> int:
        """Give every one of these papers a citation key that no other paper in the
        library has (``vaswani2017attention``, then ``…b``, ``…c``), and keep it, so
        the next export uses the same key. Returns how many keys were made."""
        from paperscope.library.export import citation_key_base

        ids = _ids(paper_ids)
        want = {"id": ids}  # noqa: F841
        lacking = [
            int(r[0])
            for r in self.cursor()
            .execute(
                "SELECT id FROM papers WHERE id IN (SELECT id FROM want) "
                "AND coalesce(citation_key, '') = '' ORDER BY id"
            )
            .fetchall()
        ]
        if not lacking:
            return 0
        taken = {
            str(r[0]).lower()
            for r in self.cursor()
            .execute("SELECT citation_key FROM papers WHERE citation_key IS NOT NULL")
            .fetchall()
        }
        papers = self.papers(lacking)
        new_keys: list[str] = []
        for p in papers:
            base = citation_key_base(p)
            key, n = base, 1
            while key.lower() in taken:
                n += 1
                key = base + (chr(ord("a") + n - 1) if n <= 26 else str(n))
            taken.add(key.lower())
            new_keys.append(key)
        fill = {  # noqa: F841
            "id": np.array(lacking, dtype=np.int64),
            "key": np.array(new_keys, dtype=object),
        }
        with self._write_lock:
            self.cursor().execute(
                "UPDATE papers SET citation_key = f.key FROM fill f WHERE papers.id = f.id"
            )
        return len(new_keys)

    def paper_notes(self, paper_ids: Sequence[int] | np.ndarray) -> dict[int, str]:
        """The notes of these papers (papers without notes are left out)."""
        want = {"id": _ids(paper_ids)}  # noqa: F841
        return {
            int(r[0]): r[1]
            for r in self.cursor()
            .execute(
                "SELECT id, notes FROM papers WHERE id IN (SELECT id FROM want) AND notes <> ''"
            )
            .fetchall()
        }

    # -- removal ---------------------------------------------------------------------
    def delete_papers(self, paper_ids: Sequence[int] | np.ndarray) -> int:
        """Remove papers with their keys, tags, collection memberships and run links
        (the run files stay), one transaction; their reported results are kept,
        matched to no paper. Returns how many were removed."""
        ids = {"id": _ids(paper_ids)}
        with self._transaction() as cur:
            row = cur.execute(
                "SELECT count(*) FROM papers WHERE id IN (SELECT id FROM ids)"
            ).fetchone()
            for table in ("paper_keys", "paper_tags", "collection_papers", "run_links"):
                cur.execute(f"DELETE FROM {table} WHERE paper_id IN (SELECT id FROM ids)")
            # a deleted paper's reported results stay, matched to no paper (the
            # file's record names the paper: it matches again if re-imported)
            cur.execute(
                "UPDATE reported_results SET paper_id = NULL WHERE paper_id IN (SELECT id FROM ids)"
            )
            cur.execute("DELETE FROM papers WHERE id IN (SELECT id FROM ids)")
            self.text_index.mark_changed(cur)
        self.text_index.papers_changed([int(i) for i in ids["id"]])
        return int(row[0]) if row else 0
