"""The exact similar-papers table computed in the background (migration 0160).

``workflows/similar_table.py`` fills it a chunk of papers at a time; this mixin only
stores and reads it. Every write of a model's vectors raises that model's *generation*
(``vector_generations``); a write that replaces or deletes vectors also raises
*replaced*. The table is current while its state's generation is the vectors' one: the
papers it ranked against (``exact_similar_cols``) are then exactly the vectors there
are, and a stored row is the exact answer. New vectors only make it stale until the job
merges them in (cheap); replaced ones make the job start over (the state's ``replaced``
differs), and every write of a job checks that, so a job that started before a
replacement cannot store rows ranked against the old vectors.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import numpy.typing as npt

from paperscope.library.store._base import StoreBase
from paperscope.library.store.maps import NewNeighbours, _check_neighbours, neighbour_columns

I64 = npt.NDArray[np.int64]
F32 = npt.NDArray[np.float32]


class StaleSimilarTable(RuntimeError):
    """The model's vectors were replaced after the job began: its rows would be stale."""


@dataclass(frozen=True, slots=True)
class ExactSimilarState:
    generation: int  # the vectors' generation of the stored columns (-1: none yet)
    replaced: int  # vector_generations.replaced when the table was begun
    current_generation: int
    current_replaced: int
    rows: int  # papers with a stored row

    @property
    def current(self) -> bool:
        """Whether every stored row is the exact answer among today's vectors."""
        return self.generation == self.current_generation and self.replaced == self.current_replaced


def bump_vector_generation(
    cur: duckdb.DuckDBPyConnection, model_id: str | None, replaced: bool
) -> None:
    """In a writer's transaction: the vectors of ``model_id`` (None: every model)
    changed; ``replaced``: some were replaced or deleted, not only added."""
    models = (
        [r[0] for r in cur.execute("SELECT DISTINCT model_id FROM paper_vectors").fetchall()]
        + [r[0] for r in cur.execute("SELECT model_id FROM vector_generations").fetchall()]
        if model_id is None
        else [model_id]
    )
    for m in sorted(set(models)):
        cur.execute(
            "INSERT INTO vector_generations VALUES (?, 1, ?) ON CONFLICT (model_id) DO UPDATE "
            "SET generation = generation + 1, replaced = replaced + excluded.replaced",
            [m, int(replaced)],
        )


class ExactSimilarMixin(StoreBase):
    """Mixed into :class:`paperscope.library.store.Store`."""

    def vector_generation(self, model_id: str) -> tuple[int, int]:
        """``(generation, replaced)`` of the model's vectors (see the module docstring)."""
        row = (
            self.cursor()
            .execute(
                "SELECT generation, replaced FROM vector_generations WHERE model_id = ?",
                [model_id],
            )
            .fetchone()
        )
        return (int(row[0]), int(row[1])) if row else (0, 0)

    def exact_similar_begun(self, model_id: str) -> bool:
        """Whether a job has begun the model's table (a quick check)."""
        return (
            self.cursor()
            .execute("SELECT 1 FROM exact_similar_state WHERE model_id = ?", [model_id])
            .fetchone()
            is not None
        )

    def exact_similar_state(self, model_id: str) -> ExactSimilarState | None:
        """Where the model's exact table stands; None when no job has begun one."""
        cur = self.cursor()
        row = cur.execute(
            "SELECT generation, replaced FROM exact_similar_state WHERE model_id = ?", [model_id]
        ).fetchone()
        if row is None:
            return None
        gen, rep = self.vector_generation(model_id)
        (rows,) = cur.execute(
            "SELECT count(DISTINCT paper_id) FROM exact_similar WHERE model_id = ?", [model_id]
        ).fetchone() or (0,)
        return ExactSimilarState(int(row[0]), int(row[1]), gen, rep, int(rows))

    def begin_exact_similar(self, model_id: str, replaced: int) -> None:
        """Empty the model's table and begin a new one for vectors at ``replaced``."""
        with self._transaction() as cur:
            self._check_replaced(cur, model_id, replaced, begun=False)
            for table in ("exact_similar", "exact_similar_cols", "exact_similar_state"):
                cur.execute(f"DELETE FROM {table} WHERE model_id = ?", [model_id])
            cur.execute("INSERT INTO exact_similar_state VALUES (?, -1, ?)", [model_id, replaced])

    def exact_similar_cols(self, model_id: str) -> I64:
        """The papers the stored rows were ranked among, sorted."""
        res = (
            self.cursor()
            .execute(
                "SELECT paper_id FROM exact_similar_cols WHERE model_id = ? ORDER BY paper_id",
                [model_id],
            )
            .fetchnumpy()
        )
        return np.asarray(res["paper_id"], dtype=np.int64)

    def set_exact_similar_cols(
        self, model_id: str, paper_ids: npt.ArrayLike, generation: int, replaced: int
    ) -> None:
        """The stored rows are now ranked among ``paper_ids`` (the vectors at
        ``generation``)."""
        cols = {"paper_id": np.asarray(paper_ids, dtype=np.int64)}  # noqa: F841
        with self._transaction() as cur:
            self._check_replaced(cur, model_id, replaced)
            cur.execute("DELETE FROM exact_similar_cols WHERE model_id = ?", [model_id])
            cur.execute("INSERT INTO exact_similar_cols SELECT ?, paper_id FROM cols", [model_id])
            cur.execute(
                "UPDATE exact_similar_state SET generation = ? WHERE model_id = ?",
                [generation, model_id],
            )

    def exact_similar_rows_done(self, model_id: str) -> tuple[I64, F32, I64]:
        """Per paper with a stored row (sorted): its lowest stored score and how many
        neighbours it holds."""
        res = (
            self.cursor()
            .execute(
                "SELECT paper_id, min(score) AS low, count(*) AS n FROM exact_similar "
                "WHERE model_id = ? GROUP BY paper_id ORDER BY paper_id",
                [model_id],
            )
            .fetchnumpy()
        )
        return (
            np.asarray(res["paper_id"], dtype=np.int64),
            np.asarray(res["low"], dtype=np.float32),
            np.asarray(res["n"], dtype=np.int64),
        )

    def exact_similar_lists(
        self, model_id: str, paper_ids: npt.ArrayLike
    ) -> dict[int, tuple[I64, F32]]:
        """The stored rows of ``paper_ids``: neighbour ids and scores, best first."""
        wanted = {"id": np.asarray(paper_ids, dtype=np.int64)}  # noqa: F841
        res = (
            self.cursor()
            .execute(
                "SELECT s.paper_id, s.neighbour_id, s.score FROM exact_similar s "
                "JOIN wanted w ON w.id = s.paper_id WHERE s.model_id = ? "
                "ORDER BY s.paper_id, s.rank",
                [model_id],
            )
            .fetchnumpy()
        )
        pid = np.asarray(res["paper_id"], dtype=np.int64)
        nb = np.asarray(res["neighbour_id"], dtype=np.int64)
        sc = np.asarray(res["score"], dtype=np.float32)
        out: dict[int, tuple[I64, F32]] = {}
        if pid.size:
            cuts = np.flatnonzero(np.diff(pid)) + 1
            for part_p, part_n, part_s in zip(
                np.split(pid, cuts), np.split(nb, cuts), np.split(sc, cuts), strict=True
            ):
                out[int(part_p[0])] = (part_n, part_s)
        return out

    def write_exact_similar(
        self,
        model_id: str,
        replaced: int,
        paper_ids: npt.ArrayLike,
        neighbour_ids: npt.ArrayLike,
        scores: npt.ArrayLike,
        counts: npt.ArrayLike | None = None,
    ) -> None:
        """Store (replacing) the rows of ``paper_ids``: row i of the ``n × k`` arrays,
        best first, its first ``counts[i]`` entries (all when None). Raises
        :class:`StaleSimilarTable` when the vectors were replaced since ``replaced``."""
        ids, nb, sc = _check_neighbours(NewNeighbours(paper_ids, neighbour_ids, scores))
        n_of = None if counts is None else np.asarray(counts, dtype=np.int64)
        rows = neighbour_columns(ids, nb, sc, n_of)  # noqa: F841  (scanned by DuckDB)
        wanted = {"id": ids}  # noqa: F841
        with self._transaction() as cur:
            self._check_replaced(cur, model_id, replaced)
            cur.execute(
                "DELETE FROM exact_similar WHERE model_id = ? "
                "AND paper_id IN (SELECT id FROM wanted)",
                [model_id],
            )
            cur.execute(
                "INSERT INTO exact_similar SELECT ?, paper_id, rank, neighbour_id, score FROM rows",
                [model_id],
            )

    def _check_replaced(
        self, cur: duckdb.DuckDBPyConnection, model_id: str, replaced: int, begun: bool = True
    ) -> None:
        row = cur.execute(
            "SELECT replaced FROM vector_generations WHERE model_id = ?", [model_id]
        ).fetchone()
        now = int(row[0]) if row else 0
        state = cur.execute(
            "SELECT replaced FROM exact_similar_state WHERE model_id = ?", [model_id]
        ).fetchone()
        if now != replaced or (begun and (state is None or int(state[0]) != replaced)):
            raise StaleSimilarTable(
                f"the vectors of {model_id} were replaced while similar papers were computed"
            )

    def exact_similar(
        self, paper_id: int, k: int, model_id: str | None = None
    ) -> list[tuple[int, float, str]] | None:
        """``(paper id, cosine, title)`` of the ``k`` most similar papers to
        ``paper_id`` from the exact table, best first; None when the table is not
        current or has no row for it yet (``model_id=None``: the one model that has a
        table; None when there are several). A stored row keeps more neighbours than
        are shown, so deleted papers drop out of it and the rest is still exact while
        ``k`` remain (or it held every other paper). Three small reads: this runs on the
        UI thread."""
        cur = self.cursor()
        states = cur.execute(
            "SELECT s.model_id, s.generation = coalesce(g.generation, 0) "
            "AND s.replaced = coalesce(g.replaced, 0) FROM exact_similar_state s "
            "LEFT JOIN vector_generations g ON g.model_id = s.model_id"
        ).fetchall()
        current = {str(m): bool(ok) for m, ok in states}
        if model_id is None:
            if len(current) != 1:
                return None
            (model_id,) = current
        if not current.get(model_id):
            return None
        got = cur.execute(
            "SELECT neighbour_id, score FROM exact_similar WHERE model_id = ? AND paper_id = ? "
            "ORDER BY rank",
            [model_id, int(paper_id)],
        ).fetchall()
        if not got:
            return None
        ids = [int(r[0]) for r in got]
        titles = {
            int(r[0]): str(r[1] or "")
            for r in cur.execute(
                f"SELECT id, title FROM papers WHERE id IN ({', '.join('?' * len(ids))})", ids
            ).fetchall()
        }
        hits = [(int(r[0]), float(r[1]), titles[int(r[0])]) for r in got if int(r[0]) in titles]
        if len(hits) < k:
            (ncols,) = cur.execute(
                "SELECT count(*) FROM exact_similar_cols WHERE model_id = ?", [model_id]
            ).fetchone() or (0,)
            if len(got) < int(ncols) - 1:
                return None  # too many of its neighbours were deleted: not known exactly
        return hits[:k]
