"""SQL for tags: coloured, ordered so the number keys can toggle the first nine."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from paperscope.library.store._base import StoreBase
from paperscope.library.store.organize._common import _ids

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


class TagsMixin(StoreBase):
    """Mixed into :class:`paperscope.library.store.Store`."""

    def tags(self) -> list[Tag]:
        """Every tag in number-key order, with how many papers carry it. Read again
        only after a writer let go of the write lock (every table row fetched asks)."""
        version = self._write_lock.version  # read before the rows
        hit: tuple[int, list[Tag]] | None = self.__dict__.get("_tags_cache")
        if hit is not None and hit[0] == version:
            return list(hit[1])
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
        tags = [
            Tag(r[0], r[1], r[2] or DEFAULT_COLORS[(r[0] - 1) % len(DEFAULT_COLORS)], i, r[4])
            for i, r in enumerate(rows)
        ]
        self.__dict__["_tags_cache"] = (version, tags)
        return list(tags)

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
