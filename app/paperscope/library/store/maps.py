"""SQL for the semantic map: layouts, their clusters, the similar-papers table.

A layout is keyed by the embedding model id and the method (one per pair: saving a
new one replaces the old); its params (JSON) record how it was made. Points are read
back joined to ``papers``, so deleted papers drop out of the map without a rebuild.

A map build writes everything it made with :meth:`MapsMixin.save_map`, in one
transaction: a build that is cancelled or fails leaves the stored map as it was.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from paperscope.core.records import Cluster
from paperscope.library.store._base import StoreBase

if TYPE_CHECKING:
    import duckdb


@dataclass(frozen=True, slots=True)
class LayoutInfo:
    id: int
    model_id: str
    method: str
    params: dict[str, Any]
    complete: bool
    created_at: str


@dataclass(frozen=True, slots=True)
class StoredMap:
    """A layout as stored: row-aligned ``paper_ids``, ``coords`` (n × 2 float32),
    ``clusters_of`` (cluster id per point, -1 none), ``placed`` (added by transform),
    the named clusters, and ``nearest_cluster`` (the point's cluster, or for a noise
    point the cluster of its nearest clustered point; -1 none; ``None``: not stored)."""

    info: LayoutInfo
    paper_ids: npt.NDArray[np.int64]
    coords: npt.NDArray[np.float32]
    clusters_of: npt.NDArray[np.int32]
    placed: npt.NDArray[np.bool_]
    clusters: list[Cluster] = field(default_factory=list)
    nearest_cluster: npt.NDArray[np.int32] | None = None

    def __len__(self) -> int:
        return int(self.paper_ids.shape[0])


@dataclass(frozen=True, slots=True)
class NewLayout:
    """One layout for :meth:`MapsMixin.save_map`: its points, and optionally its
    clusters (``labels``: a cluster id per point, -1 noise; ``nearest``: the nearest
    cluster per point, see :class:`StoredMap`)."""

    method: str
    params: dict[str, Any]
    paper_ids: npt.ArrayLike
    coords: npt.ArrayLike
    labels: npt.ArrayLike | None = None
    clusters: Sequence[Cluster] = ()
    nearest: npt.ArrayLike | None = None
    complete: bool = True


@dataclass(frozen=True, slots=True)
class NewNeighbours:
    """The similar-papers table for :meth:`MapsMixin.save_map` (see
    :meth:`MapsMixin.save_neighbours`)."""

    paper_ids: npt.ArrayLike
    neighbour_ids: npt.ArrayLike
    scores: npt.ArrayLike


class MapsMixin(StoreBase):
    """Mixed into :class:`paperscope.library.store.Store`."""

    # -- layouts ---------------------------------------------------------------------
    def save_layout(
        self,
        model_id: str,
        method: str,
        params: dict[str, Any],
        paper_ids: npt.ArrayLike,
        coords: npt.ArrayLike,
        complete: bool = True,
    ) -> int:
        """Store a layout (replacing the model's previous one of this method); its id."""
        return self.save_map(model_id, [NewLayout(method, params, paper_ids, coords,
                                                  complete=complete)])[0]  # fmt: skip

    def save_map(
        self,
        model_id: str,
        layouts: Sequence[NewLayout],
        neighbours: NewNeighbours | None = None,
    ) -> list[int]:
        """Store what one map build made in one transaction: each layout (replacing the
        model's previous one of its method) with its clusters, and the similar-papers
        table. All or nothing: on any error the stored map stays as it was. The new
        layouts' ids, in order."""
        checked = [_check_layout(lay) for lay in layouts]
        table = None if neighbours is None else _check_neighbours(neighbours)
        with self._transaction() as cur:
            out = []
            for lay, (ids, xy, labels, nearest) in zip(layouts, checked, strict=True):
                old = cur.execute(
                    "SELECT id FROM map_layouts WHERE model_id = ? AND method = ?",
                    [model_id, lay.method],
                ).fetchall()
                for (lid,) in old:
                    self._drop_layout(cur, int(lid))
                row = cur.execute(
                    "INSERT INTO map_layouts (model_id, method, params, complete) "
                    "VALUES (?, ?, ?, ?) RETURNING id",
                    [model_id, lay.method, json.dumps(lay.params), lay.complete],
                ).fetchone()
                assert row is not None
                layout_id = int(row[0])
                self._insert_points(cur, layout_id, ids, xy, placed=False)
                if labels is not None and nearest is not None:
                    self._write_clusters(cur, layout_id, ids, labels, nearest, lay.clusters)
                out.append(layout_id)
            if table is not None:
                self._write_neighbours(cur, model_id, *table)
        return out

    def _insert_points(
        self,
        cur: duckdb.DuckDBPyConnection,
        layout_id: int,
        ids: npt.NDArray[np.int64],
        xy: npt.NDArray[np.float32],
        placed: bool,
        nearest: npt.NDArray[np.int32] | None = None,
    ) -> None:
        pts = {  # noqa: F841  (scanned by DuckDB by name)
            "paper_id": ids,
            "x": np.ascontiguousarray(xy[:, 0]),
            "y": np.ascontiguousarray(xy[:, 1]),
            "nearest": np.full(ids.shape[0], -1, np.int32) if nearest is None else nearest,
        }
        cur.execute(
            "INSERT INTO map_points (layout_id, paper_id, x, y, cluster, placed, "
            "nearest_cluster) SELECT ?, paper_id, x, y, -1, ?, nearest FROM pts",
            [layout_id, placed],
        )

    def _drop_layout(self, cur: duckdb.DuckDBPyConnection, layout_id: int) -> None:
        for table, col in (("map_points", "layout_id"), ("map_clusters", "layout_id"),
                           ("map_layouts", "id")):  # fmt: skip
            cur.execute(f"DELETE FROM {table} WHERE {col} = ?", [layout_id])

    def delete_layout(self, layout_id: int) -> None:
        with self._transaction() as cur:
            self._drop_layout(cur, layout_id)

    def add_layout_points(
        self,
        layout_id: int,
        paper_ids: npt.ArrayLike,
        coords: npt.ArrayLike,
        nearest: npt.ArrayLike | None = None,
    ) -> None:
        """Add papers placed later (by transform) to a stored layout, with the cluster
        nearest each (``nearest``; none by default: they are not part of the clustering)."""
        ids = np.asarray(paper_ids, dtype=np.int64)
        xy = np.asarray(coords, dtype=np.float32)
        if xy.shape != (ids.shape[0], 2):
            raise ValueError(f"coords of shape {xy.shape} for {ids.shape[0]} papers")
        near = None if nearest is None else np.asarray(nearest, dtype=np.int32)
        if near is not None and near.shape != ids.shape:
            raise ValueError(f"{near.shape[0]} nearest clusters for {ids.shape[0]} papers")
        if ids.size == 0:
            return
        with self._write_lock:
            cur = self.cursor()
            wanted = {"paper_id": ids}  # noqa: F841
            cur.execute(
                "DELETE FROM map_points WHERE layout_id = ? AND paper_id IN "
                "(SELECT paper_id FROM wanted)",
                [layout_id],
            )
            self._insert_points(cur, layout_id, ids, xy, placed=True, nearest=near)

    def layouts(self, model_id: str | None = None) -> list[LayoutInfo]:
        """Stored layouts, newest first."""
        where, params = ("WHERE model_id = ?", [model_id]) if model_id else ("", [])
        rows = (
            self.cursor()
            .execute(
                "SELECT id, model_id, method, CAST(params AS VARCHAR), complete, "
                f"CAST(created_at AS VARCHAR) FROM map_layouts {where} ORDER BY id DESC",
                params,
            )
            .fetchall()
        )
        return [LayoutInfo(int(r[0]), r[1], r[2], json.loads(r[3]), bool(r[4]), r[5]) for r in rows]

    def latest_layout(
        self, model_id: str | None = None, method: str | None = None
    ) -> StoredMap | None:
        """The layout to show on opening: a complete UMAP layout first, then the newest."""
        best = self._latest_info(model_id, method)
        return None if best is None else self.load_layout(best.id)

    def _latest_info(self, model_id: str | None, method: str | None) -> LayoutInfo | None:
        infos = [i for i in self.layouts(model_id) if method is None or i.method == method]
        if not infos:
            return None
        return sorted(infos, key=lambda i: (i.method == "umap" and i.complete, i.id))[-1]

    def latest_layout_size(self, model_id: str | None = None) -> int:
        """How many points :meth:`latest_layout` would read (0: no map), without reading
        them: the GUI reads a map of millions on a worker."""
        best = self._latest_info(model_id, None)
        if best is None:
            return 0
        row = (
            self.cursor()
            .execute(
                "SELECT count(*) FROM map_points m JOIN papers p ON p.id = m.paper_id "
                "WHERE m.layout_id = ?",
                [best.id],
            )
            .fetchone()
        )
        return int(row[0]) if row else 0

    def load_layout(self, layout_id: int) -> StoredMap | None:
        info = next((i for i in self.layouts() if i.id == layout_id), None)
        if info is None:
            return None
        # a library opened read-only may predate migration 0050 (no nearest clusters)
        nearest = "m.nearest_cluster" if self.schema_version() >= 50 else "m.cluster"
        res = (
            self.cursor()
            .execute(
                f"SELECT m.paper_id, m.x, m.y, m.cluster, m.placed, {nearest} AS nearest "
                "FROM map_points m "
                "JOIN papers p ON p.id = m.paper_id WHERE m.layout_id = ? ORDER BY m.paper_id",
                [layout_id],
            )
            .fetchnumpy()
        )
        coords = np.column_stack([np.asarray(res["x"]), np.asarray(res["y"])]).astype(np.float32)
        # a library opened read-only may predate migration 0130 (no levels)
        levels = "level, parent" if self.schema_version() >= 130 else "0, -1"
        clusters = [
            Cluster(
                int(r[0]),
                r[1],
                tuple(r[2]),
                int(r[3]),
                (float(r[4]), float(r[5])),
                int(r[6]),
                int(r[7]),
            )
            for r in self.cursor()
            .execute(
                f"SELECT cluster, label, terms, size, x, y, {levels} FROM map_clusters "
                "WHERE layout_id = ? ORDER BY 7, size DESC, cluster",
                [layout_id],
            )
            .fetchall()
        ]
        return StoredMap(
            info,
            np.asarray(res["paper_id"], dtype=np.int64),
            coords.reshape(-1, 2),
            np.asarray(res["cluster"], dtype=np.int32),
            np.asarray(res["placed"], dtype=bool),
            clusters,
            np.asarray(res["nearest"], dtype=np.int32),
        )

    # -- clusters --------------------------------------------------------------------
    def save_clusters(
        self,
        layout_id: int,
        paper_ids: npt.ArrayLike,
        labels: npt.ArrayLike,
        clusters: Sequence[Cluster],
        nearest: npt.ArrayLike | None = None,
    ) -> None:
        """Store each paper's cluster id (and nearest cluster, by default its own) and
        the clusters' names, replacing old ones."""
        ids = np.asarray(paper_ids, dtype=np.int64)
        lab, near = _check_labels(ids, labels, nearest)
        with self._transaction() as cur:
            self._write_clusters(cur, layout_id, ids, lab, near, clusters)

    def _write_clusters(
        self,
        cur: duckdb.DuckDBPyConnection,
        layout_id: int,
        ids: npt.NDArray[np.int64],
        lab: npt.NDArray[np.int32],
        near: npt.NDArray[np.int32],
        clusters: Sequence[Cluster],
    ) -> None:
        assign = {"paper_id": ids, "cluster": lab, "nearest": near}  # noqa: F841
        cur.execute(
            "UPDATE map_points SET cluster = -1, nearest_cluster = -1 WHERE layout_id = ?",
            [layout_id],
        )
        cur.execute(
            "UPDATE map_points SET cluster = a.cluster, nearest_cluster = a.nearest FROM assign a "
            "WHERE map_points.layout_id = ? AND map_points.paper_id = a.paper_id",
            [layout_id],
        )
        cur.execute("DELETE FROM map_clusters WHERE layout_id = ?", [layout_id])
        for c in clusters:
            cur.execute(
                "INSERT INTO map_clusters (layout_id, cluster, label, terms, size, x, y, level, "
                "parent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [layout_id, c.id, c.label, list(c.terms), c.size, *c.centre, c.level, c.parent],
            )

    # -- similar papers --------------------------------------------------------------
    def save_neighbours(
        self,
        model_id: str,
        paper_ids: npt.ArrayLike,
        neighbour_ids: npt.ArrayLike,
        scores: npt.ArrayLike,
    ) -> None:
        """Replace the model's similar-papers table: row i of ``neighbour_ids``/``scores``
        (n × k, best first) belongs to ``paper_ids[i]``."""
        table = _check_neighbours(NewNeighbours(paper_ids, neighbour_ids, scores))
        with self._transaction() as cur:
            self._write_neighbours(cur, model_id, *table)

    def _write_neighbours(
        self,
        cur: duckdb.DuckDBPyConnection,
        model_id: str,
        ids: npt.NDArray[np.int64],
        nb: npt.NDArray[np.int64],
        sc: npt.NDArray[np.float32],
    ) -> None:
        nbrs = neighbour_columns(ids, nb, sc)  # noqa: F841
        cur.execute("DELETE FROM paper_neighbours WHERE model_id = ?", [model_id])
        cur.execute(
            "INSERT INTO paper_neighbours SELECT ?, paper_id, rank, neighbour_id, score FROM nbrs",
            [model_id],
        )

    def stored_neighbours(
        self, paper_id: int, k: int = 10, model_id: str | None = None
    ) -> list[tuple[int, float]]:
        """``(paper id, cosine)`` of the stored most similar papers, best first
        (``model_id=None``: the model of the newest map)."""
        if model_id is None:
            newest = self.layouts()
            if not newest:
                return []
            model_id = newest[0].model_id
        sql = (
            "SELECT n.neighbour_id, n.score FROM paper_neighbours n "
            "JOIN papers p ON p.id = n.neighbour_id "
            "WHERE n.paper_id = ? AND n.model_id = ? ORDER BY n.rank LIMIT ?"
        )
        rows = self.cursor().execute(sql, [int(paper_id), model_id, int(k)]).fetchall()
        return [(int(r[0]), float(r[1])) for r in rows]

    # -- texts for naming clusters ---------------------------------------------------
    def titles_and_abstracts(self, paper_ids: npt.ArrayLike) -> list[str]:
        """``title`` + blank line + ``abstract`` of each paper, in the order asked
        (an empty string for an id that is not in the library)."""
        ids = np.asarray(paper_ids, dtype=np.int64)
        if ids.size == 0:
            return []
        wanted = {"id": ids}  # noqa: F841
        rows = (
            self.cursor()
            .execute("SELECT p.id, p.title, p.abstract FROM papers p JOIN wanted w ON w.id = p.id")
            .fetchall()
        )
        by_id = {int(r[0]): f"{r[1]}\n\n{r[2]}" for r in rows}
        return [by_id.get(int(i), "") for i in ids]


def _check_labels(
    ids: npt.NDArray[np.int64], labels: npt.ArrayLike, nearest: npt.ArrayLike | None
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]:
    lab = np.asarray(labels, dtype=np.int32)
    if lab.shape != ids.shape:
        raise ValueError(f"{lab.shape[0]} labels for {ids.shape[0]} papers")
    near = lab if nearest is None else np.asarray(nearest, dtype=np.int32)
    if near.shape != ids.shape:
        raise ValueError(f"{near.shape[0]} nearest clusters for {ids.shape[0]} papers")
    return lab, near


def _check_layout(
    lay: NewLayout,
) -> tuple[
    npt.NDArray[np.int64],
    npt.NDArray[np.float32],
    npt.NDArray[np.int32] | None,
    npt.NDArray[np.int32] | None,
]:
    ids = np.asarray(lay.paper_ids, dtype=np.int64)
    xy = np.asarray(lay.coords, dtype=np.float32)
    if xy.shape != (ids.shape[0], 2):
        raise ValueError(f"coords of shape {xy.shape} for {ids.shape[0]} papers")
    if lay.labels is None:
        return ids, xy, None, None
    lab, near = _check_labels(ids, lay.labels, lay.nearest)
    return ids, xy, lab, near


def neighbour_columns(
    ids: npt.NDArray[np.int64],
    nb: npt.NDArray[np.int64],
    sc: npt.NDArray[np.float32],
    counts: npt.NDArray[np.int64] | None = None,
) -> dict[str, npt.NDArray[Any]]:
    """An ``n × k`` neighbour table (row i of ``nb``/``sc`` for ``ids[i]``, best first)
    as the columns DuckDB scans: paper_id, rank (1 = most similar), neighbour_id, score;
    only the first ``counts[i]`` of row i when ``counts`` is given."""
    k = nb.shape[1]
    cols = {
        "paper_id": np.repeat(ids, k),
        "rank": np.tile(np.arange(1, k + 1, dtype=np.int16), ids.shape[0]),
        "neighbour_id": nb.reshape(-1),
        "score": sc.reshape(-1),
    }
    if counts is None:
        return cols
    keep = (np.arange(k)[None, :] < counts[:, None]).reshape(-1)
    return {name: col[keep] for name, col in cols.items()}


def _check_neighbours(
    table: NewNeighbours,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    ids = np.asarray(table.paper_ids, dtype=np.int64)
    nb = np.asarray(table.neighbour_ids, dtype=np.int64)
    sc = np.asarray(table.scores, dtype=np.float32)
    if nb.ndim != 2 or nb.shape[0] != ids.shape[0] or sc.shape != nb.shape:
        raise ValueError(f"neighbour table {nb.shape}/{sc.shape} for {ids.shape[0]} papers")
    return ids, nb, sc
