"""SQL for embedding vectors: which papers need embedding, writing and reading vectors.

Vectors live in ``paper_vectors`` as ``FLOAT[]`` lists keyed by paper id and model id,
with the hash of the embedded text. They travel in and out as one float32 matrix: in as
a long (row, column, value) table that DuckDB folds back into lists, out as lists that
are stacked into a matrix.

For many vectors (ten million papers: 15 GB at 384 dimensions) :meth:`mapped_vectors`
gives them as a read-only memory map of unit rows instead: a derived, rebuildable side
file beside the library (``LIBRARY.vectors/``, as ``LIBRARY.search.sqlite`` is for
text), written once in chunks and named by a fingerprint of what is stored (the count
and the papers' ids and text hashes), deleted whenever vectors of its model are
written or deleted. Nothing but this module reads the table to make it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from paperscope.library.store._base import StoreBase, vector_files_of
from paperscope.library.store.similar import bump_vector_generation

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
        self._drop_vector_files(model_id)
        with self._transaction() as cur:
            (old,) = cur.execute(
                "SELECT count(*) FROM paper_vectors WHERE model_id = ? AND paper_id IN "
                "(SELECT paper_id FROM keys)",
                [model_id],
            ).fetchone() or (0,)
            bump_vector_generation(cur, model_id, replaced=int(old) > 0)
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
        self._drop_vector_files(model_id)
        with self._transaction() as cur:
            bump_vector_generation(cur, model_id, replaced=True)
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

    # -- the memory-mapped side file ---------------------------------------------------
    def vector_files_dir(self) -> Path | None:
        """Where the memory-mapped vectors live (``None``: a library in memory)."""
        if str(self.path) == ":memory:":
            return None
        return vector_files_of(self.path)

    @staticmethod
    def _model_stem(model_id: str) -> str:
        return hashlib.sha1(model_id.encode()).hexdigest()[:16]

    def _drop_vector_files(self, model_id: str | None) -> None:
        folder = self.vector_files_dir()
        if folder is None or not folder.is_dir():
            return
        pattern = "*.npy" if model_id is None else f"{self._model_stem(model_id)}-*.npy"
        for path in folder.glob(pattern):
            # mapped by this process on Windows: kept, its name is stale anyway
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)

    def vector_fingerprint(self, model_id: str) -> str:
        """What the stored vectors of ``model_id`` are, in short: their count and a hash
        of their papers' ids and text hashes (papers that still exist)."""
        row = (
            self.cursor()
            .execute(
                # one string per row (DuckDB's hash of two values combines their hashes,
                # so an xor over rows could cancel a change out)
                """SELECT count(*), coalesce(bit_xor(h), 0), coalesce(sum(h::HUGEINT) % 65521, 0)
               FROM (SELECT hash(v.paper_id::VARCHAR || '/' || v.text_hash) AS h
                     FROM paper_vectors v JOIN papers p ON p.id = v.paper_id
                     WHERE v.model_id = ?)""",
                [model_id],
            )
            .fetchone()
        )
        if row is None:
            return "0-0-0"
        return f"{int(row[0])}-{int(row[1]):x}-{int(row[2]):x}"

    def mapped_vectors(
        self, model_id: str, chunk: int = 100_000
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """``(paper ids, matrix)`` as :meth:`vectors` gives them but with unit rows
        (all-zero rows stay zero), the matrix a read-only ``np.memmap`` of the side
        file: its pages are read when used and the OS may drop them again, so ten
        million vectors never sit in the process's memory. The file is written on
        first use after any change (``chunk`` rows at a time). A library in memory or
        a folder that cannot be written gives the matrix in memory."""
        folder = self.vector_files_dir()
        fingerprint = self.vector_fingerprint(model_id)
        stem = f"{self._model_stem(model_id)}-{fingerprint}"
        if folder is not None and not fingerprint.startswith("0-"):  # none: nothing to map
            matrix_path, ids_path = folder / f"{stem}.npy", folder / f"{stem}.ids.npy"
            if matrix_path.is_file() and ids_path.is_file():
                ids = np.load(ids_path, allow_pickle=False)
                return ids, np.load(matrix_path, mmap_mode="r", allow_pickle=False)
            try:
                folder.mkdir(exist_ok=True)
                self._drop_vector_files(model_id)
                self._write_vector_file(model_id, matrix_path, ids_path, chunk)
            except OSError:
                pass
            else:
                ids = np.load(ids_path, allow_pickle=False)
                return ids, np.load(matrix_path, mmap_mode="r", allow_pickle=False)
        ids, matrix = self.vectors(model_id)
        return ids, _unit_rows(matrix)

    def _write_vector_file(self, model_id: str, matrix_path: Path, ids_path: Path, chunk: int
                           ) -> None:  # fmt: skip
        cur = self.cursor()
        query = """SELECT v.paper_id, v.vector FROM paper_vectors v
                   JOIN papers p ON p.id = v.paper_id
                   WHERE v.model_id = ? AND v.paper_id > ? ORDER BY v.paper_id LIMIT ?"""
        row = cur.execute(
            """SELECT count(*), max(len(v.vector)) FROM paper_vectors v
               JOIN papers p ON p.id = v.paper_id WHERE v.model_id = ?""",
            [model_id],
        ).fetchone()
        n, dim = (int(row[0]), int(row[1] or 0)) if row else (0, 0)
        tmp, tmp_ids = matrix_path.with_suffix(".part"), ids_path.with_suffix(".part")
        out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float32, shape=(n, dim))
        ids = np.empty(n, dtype=np.int64)
        at, last = 0, np.iinfo(np.int64).min
        while at < n:
            res = cur.execute(query, [model_id, last, chunk]).fetchnumpy()
            got = np.asarray(res["paper_id"], dtype=np.int64)
            if got.size == 0 or at + got.size > n:
                raise OSError("the vectors changed while they were written out")
            part = np.stack(list(res["vector"])).astype(np.float32, copy=False)
            out[at : at + got.size] = _unit_rows(part)
            ids[at : at + got.size] = got
            at += got.size
            last = int(got[-1])
        out.flush()
        del out
        with open(tmp_ids, "wb") as f:
            np.save(f, ids, allow_pickle=False)
        os.replace(tmp, matrix_path)  # the ids last: both exist only once both are whole
        os.replace(tmp_ids, ids_path)


def _unit_rows(matrix: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """A float32 copy with unit rows (all-zero rows stay zero), as
    ``mapping.neighbours.normalise`` makes them."""
    m = np.array(matrix, dtype=np.float32, order="C", copy=True)
    if m.size == 0:
        return m
    norms = np.linalg.norm(m, axis=1)
    norms[norms == 0] = 1.0
    m /= norms[:, None]
    return m
