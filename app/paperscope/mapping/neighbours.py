"""Exact nearest neighbours over L2-normalised vectors by blocked BLAS brute force.

Cosine similarity of unit vectors is their dot product, so one matrix product answers
a query and tiles of matrix products answer the whole k-nearest-neighbour graph. No
index is built (DuckDB's HNSW took minutes to build 100k and was slower to query).

The graph (:func:`knn_graph`) is computed once per map and used twice: as UMAP's
``precomputed_knn`` and as the stored "similar papers" table. Queries against the live
vectors (:func:`similar`, :func:`more_like_these`, :func:`rank_by_query`) need no graph.

Every function here expects the rows of ``matrix`` to be L2-normalised float32 (the
embedding engine stores them so; :func:`normalise` makes any matrix so).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from paperscope.core.tasks import CancelToken, Progress, no_progress

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]


class Hits(NamedTuple):
    """Ranked results: paper ids and their cosine scores, best first."""

    ids: I64
    scores: F32


class KnnGraph(NamedTuple):
    """The k nearest neighbours of every row, row itself first (score 1).

    ``indices`` are row positions (int32, ``n × k``), ``scores`` cosine similarities
    (float32, descending along each row).
    """

    indices: npt.NDArray[np.int32]
    scores: F32

    @property
    def k(self) -> int:
        return int(self.indices.shape[1])

    def cosine_distances(self) -> F32:
        """``1 - score`` clipped at 0: what UMAP's cosine metric expects."""
        out: F32 = np.maximum(np.float32(1.0) - self.scores, np.float32(0.0))
        return out


def normalise(matrix: npt.ArrayLike) -> F32:
    """A float32 C-contiguous copy with unit rows (all-zero rows stay zero)."""
    m = np.array(matrix, dtype=np.float32, order="C", copy=True)
    if m.ndim != 2:
        raise ValueError(f"expected a 2-D matrix of vectors, got shape {m.shape}")
    norms = np.linalg.norm(m, axis=1)
    norms[norms == 0] = 1.0
    m /= norms[:, None]
    return m


def _as_unit_query(query: npt.ArrayLike, dim: int) -> F32:
    q = np.asarray(query, dtype=np.float32).reshape(-1)
    if q.shape[0] != dim:
        raise ValueError(f"query has dimension {q.shape[0]}, the vectors have {dim}")
    norm = float(np.linalg.norm(q))
    return q / norm if norm > 0 else q


def top_k(scores: F32, k: int, exclude: npt.ArrayLike | None = None) -> I64:
    """Positions of the ``k`` largest scores, best first (``exclude``: positions to skip)."""
    s = scores
    if exclude is not None:
        ex = np.asarray(exclude, dtype=np.int64).reshape(-1)
        if ex.size:
            s = scores.copy()
            s[ex] = -np.inf
    n = s.shape[0]
    k = max(0, min(k, n - (0 if exclude is None else int(np.size(exclude)))))
    if k == 0:
        return np.empty(0, dtype=np.int64)
    if k < n:
        part = np.argpartition(s, n - k)[n - k :]
    else:
        part = np.arange(n)
    order = np.argsort(-s[part], kind="stable")
    out: I64 = part[order].astype(np.int64)
    return out


def rows_of(ids: npt.ArrayLike, wanted: Sequence[int] | npt.ArrayLike) -> I64:
    """Row positions of ``wanted`` paper ids in ``ids`` (ids not present are dropped)."""
    ids_arr = np.asarray(ids, dtype=np.int64)
    w = np.asarray(wanted, dtype=np.int64).reshape(-1)
    if w.size == 0:
        return np.empty(0, dtype=np.int64)
    if w.size <= 8:  # a few ids: linear scans beat sorting the whole id array
        found = [np.flatnonzero(ids_arr == i)[:1] for i in w]
        hit: I64 = np.concatenate(found).astype(np.int64)
        return hit
    order = np.argsort(ids_arr, kind="stable")
    sorted_ids = ids_arr[order]
    pos = np.searchsorted(sorted_ids, w)
    pos = np.minimum(pos, max(len(sorted_ids) - 1, 0))
    ok = (sorted_ids[pos] == w) if len(sorted_ids) else np.zeros(len(w), dtype=bool)
    out: I64 = order[pos[ok]].astype(np.int64)
    return out


def rank_by_query(
    ids: npt.ArrayLike,
    matrix: F32,
    query: npt.ArrayLike,
    k: int | None = None,
    exclude_ids: Sequence[int] = (),
) -> Hits:
    """Papers ranked by cosine similarity to a query vector (e.g. an embedded text query).

    ``k=None`` ranks the whole library.
    """
    ids_arr = np.asarray(ids, dtype=np.int64)
    if matrix.shape[0] != ids_arr.shape[0]:
        raise ValueError(f"{ids_arr.shape[0]} ids for {matrix.shape[0]} vectors")
    if matrix.shape[0] == 0:
        return Hits(np.empty(0, np.int64), np.empty(0, np.float32))
    q = _as_unit_query(query, matrix.shape[1])
    scores = matrix @ q
    exclude = rows_of(ids_arr, exclude_ids) if len(exclude_ids) else None
    rows = top_k(scores, matrix.shape[0] if k is None else k, exclude)
    return Hits(ids_arr[rows], scores[rows].astype(np.float32))


def similar(ids: npt.ArrayLike, matrix: F32, paper_id: int, k: int = 10) -> Hits:
    """The ``k`` papers most similar to ``paper_id`` (itself left out).

    Raises ``KeyError`` when the paper has no vector.
    """
    rows = rows_of(ids, [paper_id])
    if rows.size == 0:
        raise KeyError(f"paper {paper_id} has no vector")
    return rank_by_query(ids, matrix, matrix[rows[0]], k, exclude_ids=[paper_id])


def more_like_these(
    ids: npt.ArrayLike,
    matrix: F32,
    positive_ids: Sequence[int],
    negative_ids: Sequence[int] = (),
    k: int = 10,
    negative_weight: float = 1.0,
) -> Hits:
    """Papers like a selection: the mean of the selected vectors minus
    ``negative_weight`` times the mean of the negatives (Rocchio), selection left out."""
    pos = rows_of(ids, positive_ids)
    if pos.size == 0:
        raise KeyError("none of the selected papers has a vector")
    query = matrix[pos].mean(axis=0)
    neg = rows_of(ids, negative_ids)
    if neg.size:
        query = query - np.float32(negative_weight) * matrix[neg].mean(axis=0)
    exclude = [int(i) for i in positive_ids] + [int(i) for i in negative_ids]
    return rank_by_query(ids, matrix, query, k, exclude_ids=exclude)


# -- the whole graph -------------------------------------------------------------------


def _merge(
    best_idx: npt.NDArray[np.int32],
    best_val: F32,
    cand_rows: I64,
    cand_cols: I64,
    cand_vals: F32,
) -> None:
    """Merge candidates ``(row, col, value)`` (global row numbers) into the running
    top-k in place."""
    k = best_idx.shape[1]
    touched = np.unique(cand_rows)
    all_rows = np.concatenate([np.repeat(touched, k), cand_rows])
    all_cols = np.concatenate([best_idx[touched].reshape(-1).astype(np.int64), cand_cols])
    all_vals = np.concatenate([best_val[touched].reshape(-1), cand_vals])
    order = np.lexsort((-all_vals, all_rows))
    all_rows, all_cols, all_vals = all_rows[order], all_cols[order], all_vals[order]
    starts = np.searchsorted(all_rows, touched)
    rank = np.arange(all_rows.shape[0]) - np.repeat(
        starts, np.diff(np.append(starts, len(all_rows)))
    )
    keep = rank < k
    r, c = all_rows[keep], rank[keep]
    best_idx[r, c] = all_cols[keep]
    best_val[r, c] = all_vals[keep]


def _above(tile: F32, threshold: F32) -> tuple[I64, I64]:
    """Row and column of every entry of ``tile`` above ``threshold`` (broadcast)."""
    flat = np.flatnonzero(tile > threshold)
    r, c = np.divmod(flat, tile.shape[1])
    return r, c


def knn_graph(
    matrix: F32,
    k: int,
    block: int = 2048,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> KnnGraph:
    """Exact ``k`` nearest neighbours of every row (the row itself first).

    Tiles of ``block × block`` dot products cover the upper triangle once (each tile
    serves both its row block and its column block). Each row keeps a running top-k and
    its k-th best score as a threshold, so after the first tiles only the few scores above
    it are looked at. Memory: a few tiles, never ``n × n``.
    """
    cancel = cancel or CancelToken()
    m = np.ascontiguousarray(matrix, dtype=np.float32)
    n = m.shape[0]
    k = int(min(k, n))
    best_idx = np.zeros((n, k), dtype=np.int32)
    best_val = np.full((n, k), -np.inf, dtype=np.float32)
    if n == 0 or k == 0:
        return KnnGraph(best_idx, best_val)
    if n <= 2 * block:  # one tile: the diagonal pass below is the whole job
        block = n
    starts = list(range(0, n, block))
    nb = len(starts)
    # first the diagonal tiles, so every row starts with a finite threshold
    for s in starts:
        e = min(s + block, n)
        tile = m[s:e] @ m[s:e].T
        np.fill_diagonal(tile, np.inf)  # the row itself always ranks first
        kk = min(k, e - s)
        part = np.argpartition(-tile, kk - 1, axis=1)[:, :kk]
        vals = np.take_along_axis(tile, part, axis=1)
        order = np.argsort(-vals, axis=1, kind="stable")
        best_idx[s:e, :kk] = (np.take_along_axis(part, order, axis=1) + s).astype(np.int32)
        best_val[s:e, :kk] = np.take_along_axis(vals, order, axis=1)
    cancel.check()
    total = nb * (nb - 1) // 2
    done = 0
    for bi, si in enumerate(starts):
        ei = min(si + block, n)
        a = m[si:ei]
        for sj in starts[bi + 1 :]:
            ej = min(sj + block, n)
            tile = a @ m[sj:ej].T
            # rows of block i gain columns from block j ...
            r, c = _above(tile, best_val[si:ei, k - 1][:, None])
            if r.size:
                _merge(best_idx, best_val, r + si, c + sj, tile[r, c])
            # ... and rows of block j gain columns from block i (the transposed tile)
            r, c = _above(tile, best_val[sj:ej, k - 1][None, :])
            if r.size:
                _merge(best_idx, best_val, c + sj, r + si, tile[r, c])
            done += 1
        cancel.check()
        if total:
            progress(done / total, f"Nearest neighbours: {min(ei, n):,} of {n:,} papers")
    best_val[best_val == np.inf] = 1.0
    progress(1.0, f"Nearest neighbours of {n:,} papers")
    return KnnGraph(best_idx, best_val)


class RowChunk(NamedTuple):
    """Finished rows of :func:`knn_rows`: their positions, and their ``k`` nearest
    other rows (positions) with scores, best first (equal scores: the lower position
    first); ``counts[i]`` of them are real
    (fewer than ``k`` only when there are fewer other rows)."""

    rows: I64
    indices: I64
    scores: F32
    counts: I64


def knn_rows(
    matrix: F32,
    rows: npt.ArrayLike,
    k: int,
    block: int = 2048,
    fixed_block: int = 32_768,
    cancel: CancelToken | None = None,
) -> Iterator[RowChunk]:
    """The exact ``k`` nearest neighbours (each row itself left out) of ``rows``
    (sorted positions) among all rows of ``matrix``, yielded a block of rows at a time
    as soon as each block is final, so a caller can store them and a cancel keeps them.

    As :func:`knn_graph`: the blocks of ``rows`` meet each other in tiles that serve
    both sides (the upper triangle once), after the diagonal tiles gave every row a
    finite threshold; a block is final once it has met the blocks after it (the ones
    before it met it earlier). The other rows of ``matrix`` (``fixed``: rows already
    done) only lend columns, ``fixed_block`` at a time, one-sided. ``matrix`` may be a
    memory map: it is read a block at a time.
    """
    cancel = cancel or CancelToken()
    todo = np.asarray(rows, dtype=np.int64)
    n, t = int(matrix.shape[0]), int(todo.shape[0])
    k = int(min(k, n - 1))
    if t == 0 or k <= 0:
        return
    fixed = np.setdiff1d(np.arange(n, dtype=np.int64), todo, assume_unique=True)
    best_idx = np.zeros((t, k), dtype=np.int32)
    best_val = np.full((t, k), -np.inf, dtype=np.float32)
    starts = list(range(0, t, block))

    def part(i: int) -> F32:  # read when needed: a memory map stays on disk
        return np.ascontiguousarray(matrix[todo[starts[i] : starts[i] + block]], dtype=np.float32)

    for i, s in enumerate(starts):  # the diagonal tiles first: every row a threshold
        a = part(i)
        tile = a @ a.T
        np.fill_diagonal(tile, -np.inf)
        kk = min(k, tile.shape[1])
        top = np.argpartition(-tile, kk - 1, axis=1)[:, :kk]
        vals = np.take_along_axis(tile, top, axis=1)
        order = np.argsort(-vals, axis=1, kind="stable")
        # column numbers are positions in matrix (todo[...]); int32 holds them
        best_idx[s : s + a.shape[0], :kk] = todo[s + np.take_along_axis(top, order, axis=1)]
        best_val[s : s + a.shape[0], :kk] = np.take_along_axis(vals, order, axis=1)
        cancel.check()
    for i, s in enumerate(starts):
        a = part(i)
        e = s + a.shape[0]
        for f in range(0, fixed.shape[0], fixed_block):
            cols = fixed[f : f + fixed_block]
            tile = a @ np.asarray(matrix[cols], dtype=np.float32).T
            r, c = _above(tile, best_val[s:e, k - 1][:, None])
            if r.size:
                _merge(best_idx, best_val, r + s, cols[c], tile[r, c])
            cancel.check()
        for j in range(i + 1, len(starts)):
            b = part(j)
            sj = starts[j]
            tile = a @ b.T
            r, c = _above(tile, best_val[s:e, k - 1][:, None])
            if r.size:
                _merge(best_idx, best_val, r + s, todo[sj + c], tile[r, c])
            r, c = _above(tile, best_val[sj : sj + b.shape[0], k - 1][None, :])
            if r.size:
                _merge(best_idx, best_val, c + sj, todo[s + r], tile[r, c])
            cancel.check()  # a tile is tens of ms at 1M: Cancel answers at once
        idx, vals = best_idx[s:e].astype(np.int64), best_val[s:e]
        order = np.lexsort((idx, -vals), axis=1)  # equal scores: the lower position first
        vals = np.take_along_axis(vals, order, axis=1)
        yield RowChunk(
            todo[s:e], np.take_along_axis(idx, order, axis=1), vals,
            np.isfinite(vals).sum(axis=1).astype(np.int64),
        )  # fmt: skip


def top_k_among(
    matrix: F32, rows: I64, k: int, columns: I64, column_block: int = 32_768
) -> tuple[I64, F32]:
    """The ``k`` best of ``columns`` (sorted positions in ``matrix``) for each of
    ``rows`` by dot product, best first, each row itself left out (ties at the k-th
    score may go either way). Returns positions and scores, ``len(rows) × k'`` with
    ``k' = min(k, len(columns))`` (a row among the columns has one fewer: its last is
    ``-inf``). ``column_block`` columns per product (2048 rows × 32768: 256 MiB)."""
    q = np.ascontiguousarray(matrix[rows], dtype=np.float32)
    best_i = np.empty((rows.shape[0], 0), dtype=np.int64)
    best_s = np.empty((rows.shape[0], 0), dtype=np.float32)
    kk = int(min(k, columns.shape[0]))
    if kk == 0:
        return best_i, best_s
    for start in range(0, columns.shape[0], column_block):
        block = columns[start : start + column_block]
        tile = q @ np.asarray(matrix[block], dtype=np.float32).T
        at = np.minimum(np.searchsorted(block, rows), block.shape[0] - 1)
        own = np.flatnonzero(block[at] == rows)  # the row itself never counts
        tile[own, at[own]] = -np.inf
        take = min(kk, block.shape[0])
        part = np.argpartition(-tile, take - 1, axis=1)[:, :take]
        best_i = np.concatenate([best_i, block[part]], axis=1)
        best_s = np.concatenate([best_s, np.take_along_axis(tile, part, axis=1)], axis=1)
        if best_i.shape[1] > 4 * kk:
            best_i, best_s = _keep_best(best_i, best_s, kk)
    return _keep_best(best_i, best_s, kk)


def _keep_best(idx: I64, score: F32, k: int) -> tuple[I64, F32]:
    """Each row's ``k`` best (score descending, then position ascending)."""
    order = np.lexsort((idx, -score), axis=1)[:, :k]
    return np.take_along_axis(idx, order, axis=1), np.take_along_axis(score, order, axis=1)


def self_first(indices: npt.ArrayLike, scores: npt.ArrayLike) -> KnnGraph:
    """A graph in :class:`KnnGraph`'s conventions from any per-row top-k (best first):
    row ``i``'s own position moved to the front with score 1 (inserted, dropping the
    last, when exact duplicates pushed it out), the others keeping their order."""
    idx = np.array(indices, dtype=np.int64, copy=True)
    val = np.array(scores, dtype=np.float32, copy=True)
    n, k = idx.shape
    if k == 0:
        return KnnGraph(idx.astype(np.int32), val)
    rows = np.arange(n)[:, None]
    is_self = idx == rows
    # where the row itself sits (k: not found, then it is inserted and the last dropped)
    pos = np.where(is_self.any(axis=1), is_self.argmax(axis=1), k - 1)
    col = np.arange(k)[None, :]
    src = np.where(col <= pos[:, None], col - 1, col)  # shift right up to pos
    src[:, 0] = 0
    out_idx = np.take_along_axis(idx, src, axis=1)
    out_val = np.take_along_axis(val, src, axis=1)
    out_idx[:, 0] = np.arange(n)
    out_val[:, 0] = 1.0
    return KnnGraph(out_idx.astype(np.int32), out_val)


def pair_scores(matrix: F32, indices: npt.ArrayLike, block: int = 1024) -> F32:
    """``out[i, j] = matrix[i] · matrix[indices[i, j]]`` (negative indices read row -1:
    mask them after), by blocks of rows so that the gathered rows stay small."""
    idx = np.asarray(indices, dtype=np.int64)
    out = np.empty(idx.shape, dtype=np.float32)
    for s in range(0, idx.shape[0], block):
        e = min(s + block, idx.shape[0])
        out[s:e] = np.einsum("ij,ikj->ik", matrix[s:e], matrix[idx[s:e]])
    return out


WIDTHS = (1.0, 2.0, 3.0)  # the widths tried in turn (times k) until the recall is met
# From this many rows the first width is 2 × k: on real-like vectors (bench_map_layout.py)
# k candidates keep recall@10 0.975 at 100k but 0.921 at 200k, and the second run of
# NN-descent cost as much as the first (1M: 118 s at 21, 248 s at 42 on two cores).
WIDE_ABOVE = 150_000
# From this many rows at most two widths, k then 2 × k, the last recall recorded whatever
# it is. Vectors that a growing library makes denser (bench_map.denser_vectors, local
# dimension 23.5-34 at 1M) meet MIN_RECALL at k: 0.984 in 98 s at 1M; vectors without
# structure at the 10-NN scale (bench_map.synthetic_vectors at 1M, local dimension 44)
# reach 0.837 at 2 × k and only 0.934 at 3 × k (three runs: 667 s of a 782 s map), so
# a third, wider run costs minutes and does not reach MIN_RECALL anyway.
TWO_WIDTHS_ABOVE = 500_000
MIN_RECALL = 0.96  # recall@10 a graph must show on the check rows (0.95 promised, margin)
CHECK_ROWS = 500  # rows whose exact 10 nearest neighbours check an approximate graph


class KnnCheck(NamedTuple):
    """How an approximate graph was found: the NN-descent ``width`` (candidates per
    row) that ran last, its ``recall`` (recall@10 against the exact neighbours of
    ``rows`` seeded sample rows), ``widths``, every width tried, and ``recalls``, the
    recall each showed."""

    width: int
    recall: float
    rows: int
    widths: tuple[int, ...]
    recalls: tuple[float, ...] = ()


def check_rows(n: int, count: int = CHECK_ROWS, seed: int | None = 0) -> I64:
    """A seeded sample of row positions (sorted) to check an approximate graph on."""
    rng = np.random.default_rng(0 if seed is None else seed)
    out: I64 = np.sort(rng.choice(n, size=min(count, n), replace=False)).astype(np.int64)
    return out


def exact_neighbours_of(matrix: F32, rows: I64, k: int, block: int = 256) -> I64:
    """The exact ``k`` nearest others of ``rows`` (the row itself left out), best first
    (ties: the lower position), by blocks of rows against the whole matrix."""
    n = matrix.shape[0]
    k = int(min(k, n - 1))
    out = np.empty((rows.shape[0], k), dtype=np.int64)
    for s in range(0, rows.shape[0], block):
        r = rows[s : s + block]
        dots = matrix[r] @ matrix.T
        dots[np.arange(r.shape[0]), r] = -np.inf
        part = np.argpartition(-dots, k - 1, axis=1)[:, :k]
        vals = np.take_along_axis(dots, part, axis=1)
        order = np.argsort(-vals, axis=1, kind="stable")
        out[s : s + block] = np.take_along_axis(part, order, axis=1)
    return out


def recall_of(found: npt.ArrayLike, exact: npt.ArrayLike) -> float:
    """Mean share of each row's ``exact`` neighbours (``m × k``) that ``found`` (``m × k'``)
    names."""
    f = np.asarray(found)
    e = np.asarray(exact)
    if e.size == 0:
        return 1.0
    hits = [np.isin(er, fr).sum() for fr, er in zip(f, e, strict=True)]
    return float(np.sum(hits)) / float(e.size)


# pynndescent's modules whose numba kernels it compiles without ``cache=True``
_NND_MODULES = (
    "pynndescent.pynndescent_",
    "pynndescent.utils",
    "pynndescent.rp_trees",
    "pynndescent.distances",
    "pynndescent.graph_utils",
)
# kernels numba cannot cache ("uses dynamic globals": the distance function they take)
_NND_UNCACHEABLE = frozenset({"nn_descent", "nn_descent_internal"})
_NND_CACHED: list[int] = []


def _load_nndescent() -> Any:
    """pynndescent's ``NNDescent``, imported once, quietly, with numba's on-disk cache
    turned on for the kernels pynndescent compiles without it (it caches only a few):
    otherwise every new process recompiles them at its first map build or placement:
    NN-descent's first call on 5,000 vectors took 42-58 s on 2 cores, 14-15 s from the
    cache (``nn_descent`` itself cannot be cached). Cached where umap's kernels are
    (:func:`paperscope.mapping.projection._cache_umap_kernels`)."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=ImportWarning)
        from pynndescent import NNDescent
    if not _NND_CACHED:
        from paperscope.mapping._kernel_cache import enable_caching

        _NND_CACHED.append(enable_caching(dict.fromkeys(_NND_MODULES), _NND_UNCACHEABLE))
    return NNDescent


def _nn_descent(m: F32, width: int, seed: int | None) -> I64:
    nn_descent = _load_nndescent()
    index = nn_descent(m, metric="dot", n_neighbors=width, random_state=seed, low_memory=True)
    idx, _ = index.neighbor_graph
    return np.asarray(idx, dtype=np.int64)


def _rescored(m: F32, idx: I64, k: int) -> KnnGraph:
    """The best ``k`` of each row's candidates by exact cosine (missing entries, -1,
    last; ties: the earlier candidate), the row itself first."""
    scores = pair_scores(m, idx)
    scores[idx < 0] = -np.inf
    order = np.argsort(-scores, axis=1, kind="stable")
    graph = self_first(
        np.take_along_axis(idx, order, axis=1), np.take_along_axis(scores, order, axis=1)
    )
    return KnnGraph(
        np.ascontiguousarray(graph.indices[:, :k]), np.ascontiguousarray(graph.scores[:, :k])
    )


def widths_for(n: int) -> tuple[float, ...]:
    """The NN-descent widths (times k) tried in turn for ``n`` rows."""
    if n > TWO_WIDTHS_ABOVE:
        return WIDTHS[:2]
    return WIDTHS[1:] if n > WIDE_ABOVE else WIDTHS


def approximate_knn(
    matrix: F32,
    k: int,
    seed: int | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    min_recall: float = MIN_RECALL,
    widths: Sequence[float] | None = None,
    check: int = CHECK_ROWS,
) -> tuple[KnnGraph, KnnCheck]:
    """Approximate ``k`` nearest neighbours by NN-descent (pynndescent, what umap-learn
    uses) with a measured recall: the graph found with ``widths[0] × k`` candidates per
    row (re-scored exactly, the best ``k`` kept) is checked against the exact 10 nearest
    neighbours of ``check`` seeded sample rows; while its recall@10 is below
    ``min_recall`` NN-descent runs again with the next, wider width. ``widths``:
    :func:`widths_for` the number of rows unless given. Same shape and
    conventions as :func:`knn_graph`.

    Real embeddings need the first width (all-MiniLM-like vectors: recall@10 0.996 at
    20k); vectors without low-dimensional structure (isotropic noise around a few
    centres, tests/benchmarks/bench_map_layout.py ``--data hard``) need ``3 × k``.
    Deterministic for a given ``seed``: pynndescent is seeded, the check rows too, and
    ties in the exact re-scoring keep NN-descent's order.
    """
    cancel = cancel or CancelToken()
    m = np.ascontiguousarray(matrix, dtype=np.float32)
    n = m.shape[0]
    widths = widths_for(n) if widths is None else tuple(widths)
    k = int(min(k, n))
    if n == 0 or k == 0:
        empty = KnnGraph(np.zeros((n, k), np.int32), np.zeros((n, k), np.float32))
        return empty, KnnCheck(0, 1.0, 0, ())
    rows = check_rows(n, check, seed)
    kc = int(min(10, k - 1, n - 1))
    exact = exact_neighbours_of(m, rows, kc) if kc > 0 else np.zeros((rows.size, 0), np.int64)
    tried: list[int] = []
    graph: KnnGraph | None = None
    recall = 0.0
    recalls: list[float] = []
    for step, factor in enumerate(widths):
        width = int(min(n, max(k, round(factor * k))))
        if tried and width <= tried[-1]:
            continue
        progress(step / len(widths), f"Approximate nearest neighbours of {n:,} papers "
                 f"({width} candidates each)")  # fmt: skip
        # from scratch: going on from the narrower graph (pynndescent's init_graph) took
        # as long at 20k (10.9 s against 9.2 s) and compiles another path (~50 s)
        found = _nn_descent(m, width, seed)
        tried.append(width)
        cancel.check()
        graph = _rescored(m, found, k)
        recall = recall_of(graph.indices[rows, 1 : kc + 1], exact)
        recalls.append(round(recall, 4))
        if recall >= min_recall:
            break
    assert graph is not None
    progress(1.0, f"Approximate nearest neighbours of {n:,} papers (recall@10 {recall:.3f})")
    return graph, KnnCheck(tried[-1], recall, int(rows.size), tuple(tried), tuple(recalls))


def approximate_knn_graph(
    matrix: F32,
    k: int,
    seed: int | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    min_recall: float = MIN_RECALL,
) -> KnnGraph:
    """:func:`approximate_knn`'s graph alone."""
    return approximate_knn(matrix, k, seed, progress, cancel, min_recall)[0]


def approximate_query(
    base: F32,
    queries: F32,
    k: int,
    seed: int | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    min_recall: float = MIN_RECALL,
    widths: Sequence[float] = WIDTHS,
    check: int = CHECK_ROWS,
) -> tuple[I64, F32, KnnCheck]:
    """Approximate ``k`` most similar rows of ``base`` for each row of ``queries`` (unit
    vectors): an NN-descent index on ``base`` (seeded) of ``widths[0] × k`` neighbours a
    row, searched for ``widths[0] × k`` candidates a query, re-scored exactly, the best
    ``k`` kept. Its recall@10 is measured first on ``check`` seeded sample queries
    against their exact neighbours; while it is below ``min_recall`` the index is built
    again at the next width. Each search starts from the index's fixed
    random state, so the answer is deterministic. ``(indices, cosines, check)``, best
    first, cosines exact for the pairs found."""
    cancel = cancel or CancelToken()
    b = np.ascontiguousarray(base, dtype=np.float32)
    q = np.ascontiguousarray(queries, dtype=np.float32)
    k = int(min(k, b.shape[0]))
    if q.shape[0] == 0 or k == 0:
        empty = np.zeros((q.shape[0], k), np.int64), np.zeros((q.shape[0], k), np.float32)
        return empty[0], empty[1], KnnCheck(0, 1.0, 0, ())
    progress(None, f"Approximate neighbours of {q.shape[0]:,} papers among {b.shape[0]:,}")
    nn_descent = _load_nndescent()

    rows = check_rows(q.shape[0], check, seed)
    kc = int(min(10, k))
    dots = q[rows] @ b.T
    part = np.argpartition(-dots, kc - 1, axis=1)[:, :kc]
    exact = np.take_along_axis(
        part, np.argsort(-np.take_along_axis(dots, part, axis=1), axis=1, kind="stable"), axis=1
    )
    del dots

    def search(index: Any, part_q: F32, width: int) -> tuple[I64, F32]:
        found, _ = index.query(part_q, k=width)
        found = np.asarray(found, dtype=np.int64)
        sims = np.einsum("ij,ikj->ik", part_q, b[np.maximum(found, 0)])
        sims[found < 0] = -np.inf
        order = np.argsort(-sims, axis=1, kind="stable")[:, :k]
        return np.take_along_axis(found, order, axis=1), np.take_along_axis(sims, order, axis=1)

    tried: list[int] = []
    recalls: list[float] = []
    index: Any = None
    recall = 0.0
    for factor in widths:
        width = int(min(b.shape[0], max(k, round(factor * k))))
        if tried and width <= tried[-1]:
            continue
        index = nn_descent(b, metric="dot", n_neighbors=width, random_state=seed,
                           low_memory=True)  # fmt: skip
        tried.append(width)
        cancel.check()
        got, _ = search(index, q[rows], width)
        recall = recall_of(got[:, :kc], exact)
        recalls.append(round(recall, 4))
        if recall >= min_recall:
            break
    width = tried[-1]
    idx = np.empty((q.shape[0], k), dtype=np.int64)
    sims = np.empty((q.shape[0], k), dtype=np.float32)
    step = 4_096  # queries per part: Cancel is heard, the gathered rows stay ~300 MB
    for s in range(0, q.shape[0], step):
        cancel.check()
        idx[s : s + step], sims[s : s + step] = search(index, q[s : s + step], width)
        progress(min(1.0, (s + step) / q.shape[0]), "Approximate neighbours")
    return idx, sims, KnnCheck(width, recall, int(rows.size), tuple(tried), tuple(recalls))
