"""Exact top-k cosine search over unit rows without reading every vector: "similar
papers" at a million papers.

A query against the whole matrix reads all of it (1M × 384 float32: 1.5 GB, memory
bound). :class:`SketchIndex` keeps, beside the vectors, each row's projection on the
top ``dim`` principal directions of a seeded sample (the *sketch*, ``n × dim`` float32)
and the norm of what the projection leaves out (the *residual*). For unit rows ``x`` and
a query ``q`` split the same way,

    x · q = s_x · s_q + r_x · r_q  <=  s_x · s_q + |r_x| |r_q|        (Cauchy-Schwarz),

so one pass over the sketch bounds every score from above. The rows with the highest
bounds are scored exactly; once the k-th best exact score is above the bound of every
row not scored, no other row can be in the top k, and the answer is the exact one (a
small margin covers float32 rounding of the bounds). Rows whose bound reaches the k-th
score are scored too, however many. Scores are the plain float32 dot products that
:func:`paperscope.mapping.neighbours.rank_by_query` returns, row by row.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]

SKETCH_DIM = 96
SAMPLE_ROWS = 20_000  # rows the principal directions are fitted on (seeded)
MARGIN = 1e-4  # added to every bound: float32 rounding of sketch and residual
FIRST = 256  # rows scored exactly in the first round (at least 8 k)


class SketchIndex:
    """The sketch of ``matrix`` (unit rows, float32; a memory map is read once, in
    blocks). :meth:`top_k` answers exactly, as a full scan would."""

    def __init__(
        self, matrix: F32, dim: int = SKETCH_DIM, seed: int = 0, block: int = 65_536
    ) -> None:
        self.matrix = matrix
        n, d = matrix.shape
        self.dim = int(min(dim, d))
        rng = np.random.default_rng(seed)
        rows = np.sort(rng.choice(n, size=min(n, SAMPLE_ROWS), replace=False))
        sample = np.asarray(matrix[rows], dtype=np.float64)
        # uncentred principal directions: x = B Bᵀ x + residual, residual ⟂ span(B)
        _, _, vt = np.linalg.svd(sample, full_matrices=False)
        self.basis: F32 = np.ascontiguousarray(vt[: self.dim].T, dtype=np.float32)
        self._basis64 = self.basis.astype(np.float64)
        self.scored = 0  # rows the last query scored exactly (benchmarks)
        self.sketch: F32 = np.empty((n, self.dim), dtype=np.float32)
        self.residual: F32 = np.empty(n, dtype=np.float32)
        for s in range(0, n, block):
            part = np.asarray(matrix[s : s + block], dtype=np.float64)
            proj = part @ self._basis64
            self.sketch[s : s + block] = proj
            rest = np.einsum("ij,ij->i", part, part) - np.einsum("ij,ij->i", proj, proj)
            self.residual[s : s + block] = np.sqrt(np.maximum(rest, 0.0))

    def __len__(self) -> int:
        return int(self.sketch.shape[0])

    def nbytes(self) -> int:
        return int(self.sketch.nbytes + self.residual.nbytes + self.basis.nbytes)

    def top_k(self, query: npt.ArrayLike, k: int, exclude: npt.ArrayLike | None = None) -> I64:
        """Row positions of the ``k`` highest dot products with ``query``, best first
        (ties: the lower row first), leaving out the rows in ``exclude``; exactly
        those of a full scan."""
        n = len(self)
        q = np.asarray(query, dtype=np.float32).reshape(-1)
        ex = np.unique(np.asarray(exclude if exclude is not None else [], dtype=np.int64))
        k = int(min(k, n - ex.size))
        if k <= 0:
            return np.empty(0, dtype=np.int64)
        q64 = q.astype(np.float64)
        sq = q64 @ self._basis64
        rq = float(np.sqrt(max(float(q64 @ q64) - float(sq @ sq), 0.0)))
        bound = self.sketch @ sq.astype(np.float32)
        bound += self.residual * np.float32(rq)
        bound += np.float32(MARGIN)
        if ex.size:
            bound[ex] = -np.inf
        first = int(min(n, max(FIRST, 8 * k) + ex.size))
        cand = np.argpartition(-bound, first - 1)[:first] if first < n else np.arange(n)
        cand = np.sort(cand[np.isfinite(bound[cand])])  # in order: a memory map reads ahead
        scores = self.matrix[cand] @ q
        kth = _kth(scores, k)
        # every row whose bound reaches the k-th exact score may belong: score them all
        more = np.flatnonzero(bound >= kth)
        more = np.setdiff1d(more, cand, assume_unique=True)
        if more.size:
            cand = np.concatenate([cand, more])
            scores = np.concatenate([scores, self.matrix[more] @ q])
        self.scored = int(cand.size)
        order = np.lexsort((cand, -scores.astype(np.float64)))[:k]
        out: I64 = cand[order].astype(np.int64)
        return out


def _kth(scores: F32, k: int) -> float:
    if scores.size < k:
        return float("-inf")
    return float(np.partition(scores, scores.size - k)[scores.size - k])
