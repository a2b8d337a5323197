"""SQL for embedding vectors: which papers need embedding, writing and reading vectors.

Vectors live in ``paper_vectors`` as ``FLOAT[]`` lists keyed by paper id and model id,
with the hash of the embedded text. They travel in and out as one float32 matrix: in as
a long (row, column, value) table that DuckDB folds back into lists, out as lists that
are stacked into a matrix.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from paperscope.library.store._base import StoreBase

# paper columns that may make up the embedded text
TEXT_FIELDS = ("title", "abstract", "authors", "venue", "keywords", "notes")


class VectorsMixin(StoreBase):
    """Mixed into :class:`paperscope.library.store.Store`."""

    def paper_texts(
        self, fields: Sequence[str] = ("title", "abstract")
    ) -> tuple[npt.NDArray[np.int64], list[list[str]]]:
        """Every paper's id and the given text fields (lists joined with ", "), by id."""
        for f in fields:
            if f not in TEXT_FIELDS:
                raise ValueError(f"cannot embed the field {f!r}")
        if not fields:
            raise ValueError("no text fields to embed")
        cols = ", ".join(
            f"array_to_string({f}, ', ')" if f in ("authors", "keywords") else f"coalesce({f}, '')"
            for f in fields
        )
        rows = self.cursor().execute(f"SELECT id, {cols} FROM papers ORDER BY id").fetchall()
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        return ids, [[r[k + 1] or "" for r in rows] for k in range(len(fields))]

    def vector_hashes(self, model_id: str) -> dict[int, str]:
        """paper id -> hash of the text embedded for ``model_id``."""
        rows = (
            self.cursor()
            .execute("SELECT paper_id, text_hash FROM paper_vectors WHERE model_id = ?", [model_id])
            .fetchall()
        )
        return {int(p): str(h) for p, h in rows}

    def put_vectors(
        self,
        model_id: str,
        paper_ids: Sequence[int] | npt.NDArray[np.int64],
        text_hashes: Sequence[str],
        matrix: npt.NDArray[np.float32],
    ) -> None:
        """Store one vector per paper for ``model_id`` (replacing older ones), in one
        transaction."""
        ids = np.asarray(paper_ids, dtype=np.int64)
        mat = np.ascontiguousarray(matrix, dtype=np.float32)
        if mat.ndim != 2 or mat.shape[0] != len(ids) or len(text_hashes) != len(ids):
            raise ValueError(
                f"{len(ids)} ids, {len(text_hashes)} hashes and a {mat.shape} matrix do not match"
            )
        if len(ids) == 0:
            return
        n, dim = mat.shape
        rows = np.arange(n, dtype=np.int64)
        keys = {"paper_id": ids, "model_id": np.array([model_id] * n, dtype=object),  # noqa: F841
                "text_hash": np.array(list(text_hashes), dtype=object), "r": rows}  # fmt: skip
        flat = {  # noqa: F841  (scanned by DuckDB by name)
            "r": np.repeat(rows, dim),
            "k": np.tile(np.arange(dim, dtype=np.int32), n),
            "x": mat.ravel(),
        }
        with self._transaction() as cur:
            cur.execute(
                "DELETE FROM paper_vectors WHERE model_id = ? AND paper_id IN "
                "(SELECT paper_id FROM keys)",
                [model_id],
            )
            cur.execute(
                """INSERT INTO paper_vectors (paper_id, model_id, text_hash, vector)
                   SELECT keys.paper_id, keys.model_id, keys.text_hash, v.vector
                   FROM keys JOIN (SELECT r, list(x ORDER BY k) AS vector
                                   FROM flat GROUP BY r) v ON v.r = keys.r"""
            )

    def vectors(self, model_id: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """``(paper ids, matrix)`` of every stored vector of ``model_id`` whose paper
        still exists, sorted by paper id. An empty library gives a (0, 0) matrix."""
        res = (
            self.cursor()
            .execute(
                """SELECT v.paper_id, v.vector FROM paper_vectors v
               JOIN papers p ON p.id = v.paper_id
               WHERE v.model_id = ? ORDER BY v.paper_id""",
                [model_id],
            )
            .fetchnumpy()
        )
        ids = res["paper_id"].astype(np.int64)
        if len(ids) == 0:
            return ids, np.zeros((0, 0), dtype=np.float32)
        return ids, np.stack(list(res["vector"])).astype(np.float32, copy=False)

    def delete_vectors(self, model_id: str | None = None) -> int:
        """Delete every vector of ``model_id`` (``None``: of every model); returns how many."""
        with self._write_lock:
            cur = self.cursor()
            if model_id is None:
                row = cur.execute("SELECT count(*) FROM paper_vectors").fetchone()
                cur.execute("DELETE FROM paper_vectors")
            else:
                row = cur.execute(
                    "SELECT count(*) FROM paper_vectors WHERE model_id = ?", [model_id]
                ).fetchone()
                cur.execute("DELETE FROM paper_vectors WHERE model_id = ?", [model_id])
        return int(row[0]) if row else 0

    def vector_models(self) -> dict[str, int]:
        """model id -> how many vectors are stored for it."""
        rows = (
            self.cursor()
            .execute(
                "SELECT model_id, count(*) FROM paper_vectors GROUP BY model_id ORDER BY model_id"
            )
            .fetchall()
        )
        return {str(m): int(c) for m, c in rows}
