"""SQL for collections: hand-made, or saved searches (smart collections)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from paperscope.library.store._base import StoreBase
from paperscope.library.store.organize._common import _ids


@dataclass(frozen=True, slots=True)
class Collection:
    id: int
    name: str
    query: str | None  # a saved search (smart collection) when not None
    count: int | None = None  # members of a hand-made collection; None for smart ones

    @property
    def smart(self) -> bool:
        return self.query is not None


class CollectionsMixin(StoreBase):
    """Mixed into :class:`paperscope.library.store.Store`."""

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
