"""2-D layouts of the paper vectors: PCA at once, then UMAP streamed while it converges.

- :func:`pca_layout`: exact PCA through the 384×384 covariance (one BLAS product and a
  small eigendecomposition), well under 2 s for 100k papers, so the map is never empty.
- :func:`umap_layout`: UMAP from a precomputed exact kNN graph
  (:func:`paperscope.mapping.neighbours.knn_graph`). umap-learn builds the fuzzy graph;
  the stochastic gradient descent runs here one epoch at a time, above 50k papers
  through :mod:`paperscope.mapping._sgd` (every paper moves itself from where the last
  epoch left the others: all cores, the same layout for a seed on any number of
  threads), below through umap's own compiled single-epoch kernel (umap-learn 0.5.x:
  reproducible only on one thread), so the layout can be handed to ``on_partial``
  every ``partial_every_s`` seconds and cancel can stop between epochs with the last
  layout intact. At 100k papers (real-like vectors, 2 shared cores) 100 epochs of
  the row SGD took 31 s and kept 0.538 of the 10-NN among the 30-NN; umap-learn's
  seeded kernel 70 s for 200 epochs and 0.528 (fuzzy graph included, load 3-5). With
  float32 powers and a multiply-shift draw of the negative samples the row SGD took
  21.6 s against 29.8 s before in one session (same graph, 0.550 against 0.548 kept).
- :func:`place_new`: puts new papers on an existing UMAP layout the way
  ``UMAP.transform`` does (fuzzy membership to their nearest stored papers, weighted
  mean start, a few epochs with the old layout fixed), from plain arrays, so nothing
  needs to be pickled between sessions; it is also how a map of a million papers is
  laid out (UMAP on a seeded sample, the rest placed on it: ``workflows.map``).
- :func:`warm_up`: compiles umap's numba kernels on a tiny problem; call it once in a
  background worker at start (the first fit in a process otherwise pays 20–80 s).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from paperscope.core.tasks import Cancelled, CancelToken, Progress, no_progress
from paperscope.mapping.neighbours import F32, KnnGraph, knn_graph

PartialFn = Callable[[F32, int, int], None]
"""``on_partial(layout, epochs_done, n_epochs)``: a copy of the layout so far."""


@dataclass(frozen=True, slots=True)
class Layout:
    """A finished (or cancelled) layout: ``coords`` is ``n × 2`` float32, row-aligned
    with the vectors it came from. ``params`` is what is stored beside it."""

    coords: F32
    method: str
    params: dict[str, Any] = field(default_factory=dict)
    complete: bool = True


# -- PCA -------------------------------------------------------------------------------


def pca_layout(matrix: npt.ArrayLike) -> Layout:
    """The first two principal components (signs fixed so reruns look the same)."""
    x = np.asarray(matrix, dtype=np.float32)
    n = x.shape[0]
    if n == 0:
        return Layout(np.zeros((0, 2), np.float32), "pca", {"n": 0})
    mean = x.mean(axis=0, dtype=np.float64).astype(np.float32)
    # covariance without materialising the centred matrix: X'X - n·mean·mean'
    cov = (x.T @ x).astype(np.float64) - n * np.outer(mean, mean).astype(np.float64)
    vals, vecs = np.linalg.eigh(cov)
    comps = vecs[:, ::-1][:, :2].T.astype(np.float32)  # 2 × d, largest first
    # a deterministic sign: the largest-magnitude loading of each component is positive
    signs = np.sign(comps[np.arange(comps.shape[0]), np.abs(comps).argmax(axis=1)])
    signs[signs == 0] = 1
    comps *= signs[:, None]
    coords = x @ comps.T - (mean @ comps.T)[None, :]
    if coords.shape[1] < 2:  # one-dimensional input
        coords = np.hstack([coords, np.zeros((n, 2 - coords.shape[1]), np.float32)])
    total = float(np.trace(cov)) or 1.0
    explained = [float(v) / total for v in vals[::-1][:2]]
    return Layout(
        np.ascontiguousarray(coords, dtype=np.float32),
        "pca",
        {"n": n, "explained_variance_ratio": explained},
    )


# -- UMAP ------------------------------------------------------------------------------


def _load_umap() -> None:
    """Import umap-learn once, quietly: without TensorFlow it warns (ImportWarning) that
    ParametricUMAP is unavailable, which PaperScope never uses."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=ImportWarning)
        warnings.filterwarnings("ignore", message=".*Tensorflow.*")
        import umap  # noqa: F401
    if not _UMAP_CACHED:
        _cache_umap_kernels()


_UMAP_CACHED: list[bool] = []
_UMAP_KERNELS = {
    "umap.umap_": (
        "smooth_knn_dist",
        "compute_membership_strengths",
        "fast_intersection",
        "reset_local_metrics",
        "reprocess_row",
        "init_transform",
        "init_update",
    ),
    "umap.layouts": (
        "clip",
        "_nb_optimize_layout_euclidean_single_epoch",
        "_nb_optimize_layout_euclidean_single_epoch_parallel",
    ),
}


def _cache_umap_kernels() -> None:
    """Let numba cache the umap-learn kernels it compiles without ``cache=True`` (the
    fuzzy graph, the single-epoch SGD): each map build in a new process otherwise
    recompiles them (``warm_up``: 14-16 s on 2 cores, 0.3 s from the cache)."""
    from paperscope.mapping._kernel_cache import enable_caching

    enable_caching(_UMAP_KERNELS)
    _UMAP_CACHED.append(True)


ROWS_SGD_ABOVE = 50_000  # sgd="auto": the parallel row SGD above this many papers


def default_epochs(n: int) -> int:
    """umap-learn's default (500 epochs up to 10k points, 200 above) up to 50k, 100
    above: at 100k (real-like vectors, ``tests/benchmarks/bench_map_layout.py``) the
    row SGD keeps 0.538 of the 10-NN among the 30-NN at 100 epochs and 0.570 at 200,
    umap-learn's seeded SGD 0.490 and 0.528, so 100 row epochs lay out at least as well
    as umap-learn's 200, in half the time of 200."""
    if n <= 10_000:
        return 500
    return 200 if n <= 50_000 else 100


def _scale_init(init: F32, rng: np.random.Generator) -> F32:
    """umap's treatment of a given start: spread to [0, 10] with a little noise."""
    e = np.asarray(init, dtype=np.float64)
    span = np.abs(e).max() or 1.0
    e = e * (10.0 / span) + rng.normal(scale=1e-4, size=e.shape)
    lo, hi = e.min(axis=0), e.max(axis=0)
    hi = np.where(hi - lo > 0, hi, lo + 1.0)
    return np.ascontiguousarray(10.0 * (e - lo) / (hi - lo), dtype=np.float32)


def _epoch_kernel(parallel: bool) -> Callable[..., None] | None:
    """umap-learn's compiled single-epoch SGD step, or None when this version lacks it."""
    _load_umap()
    try:
        from umap.layouts import _get_optimize_layout_euclidean_single_epoch_fn
    except ImportError:
        return None
    fn: Callable[..., None] = _get_optimize_layout_euclidean_single_epoch_fn(parallel)
    return fn


def umap_layout(
    graph: KnnGraph,
    init: npt.ArrayLike,
    *,
    n_neighbors: int = 15,
    min_dist: float = 0.1,
    spread: float = 1.0,
    n_epochs: int | None = None,
    seed: int | None = None,
    on_partial: PartialFn | None = None,
    partial_every_s: float = 0.5,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    sgd: str = "auto",
    timings: dict[str, float] | None = None,
) -> Layout:
    """UMAP from an exact kNN graph (cosine), started from ``init`` (``n × 2``, e.g. the
    PCA layout: the map then morphs from the preview into the UMAP layout).

    ``sgd="rows"`` runs the SGD of :mod:`paperscope.mapping._sgd` on all cores, the
    same layout for a ``seed`` on any number of threads; ``sgd="umap"`` runs
    umap-learn's kernel: reproducible for a ``seed`` on one thread, Hogwild on all
    cores for ``seed=None``; ``"auto"`` (the default): rows above ``ROWS_SGD_ABOVE``
    papers, umap's below (on the 462 real abstracts the row SGD's clusters mixed the
    arXiv physics papers with ML ones where umap's did not, seeds 0-2). ``timings``
    (optional) receives the seconds of the fuzzy graph (``"umap_graph"``). When
    ``cancel`` is set the last layout is sent to ``on_partial`` and :class:`Cancelled`
    is raised.
    """
    _load_umap()
    from scipy.sparse import coo_matrix
    from umap.umap_ import find_ab_params, fuzzy_simplicial_set, make_epochs_per_sample

    cancel = cancel or CancelToken()
    n = graph.indices.shape[0]
    nn = int(min(n_neighbors, graph.k))
    if n < 3 or nn < 2:
        raise ValueError(f"UMAP needs at least 3 papers and 2 neighbours (got {n}, {nn})")
    n_epochs = int(n_epochs or default_epochs(n))
    params: dict[str, Any] = {
        "n_neighbors": nn, "min_dist": min_dist, "spread": spread, "n_epochs": n_epochs,
        "seed": seed, "metric": "cosine", "init": "pca",
    }  # fmt: skip
    rng = np.random.default_rng(seed)
    legacy_rng = np.random.RandomState(seed)
    t_graph = time.perf_counter()
    progress(0.0, "UMAP: fuzzy graph")
    knn_idx = np.ascontiguousarray(graph.indices[:, :nn], dtype=np.int64)
    knn_dst = np.ascontiguousarray(graph.cosine_distances()[:, :nn], dtype=np.float32)
    fuzzy, _sigmas, _rhos = fuzzy_simplicial_set(
        np.empty((n, 1), np.float32), nn, legacy_rng, "cosine",
        knn_indices=knn_idx, knn_dists=knn_dst,
    )  # fmt: skip
    cancel.check()
    fuzzy = coo_matrix(fuzzy)
    fuzzy.sum_duplicates()
    fuzzy.data[fuzzy.data < fuzzy.data.max() / float(n_epochs)] = 0.0
    fuzzy.eliminate_zeros()
    a, b = find_ab_params(spread, min_dist)
    params["a"], params["b"] = float(a), float(b)
    start = np.asarray(init, dtype=np.float32)
    if start.shape != (n, 2):
        raise ValueError(f"the start layout has shape {start.shape}, expected ({n}, 2)")
    emb = _scale_init(start, rng)
    head = fuzzy.row.astype(np.int32)
    tail = fuzzy.col.astype(np.int32)
    eps = make_epochs_per_sample(fuzzy.data, n_epochs)
    rng_state = legacy_rng.randint(np.iinfo(np.int32).min, np.iinfo(np.int32).max, 3).astype(
        np.int64
    )
    if timings is not None:
        timings["umap_graph"] = time.perf_counter() - t_graph
    progress(0.05, "UMAP: layout")
    if sgd not in ("auto", "rows", "umap"):
        raise ValueError(f"unknown SGD {sgd!r} (auto, rows or umap)")
    if sgd == "auto":
        sgd = "rows" if n > ROWS_SGD_ABOVE else "umap"
    params["sgd"] = sgd
    import numba

    parallel = seed is None
    # the cores the optimisation ran on (what the status bar says): the row SGD uses all
    # of numba's threads, umap-learn's kernel all of them only unseeded (Hogwild)
    params["sgd_threads"] = int(numba.get_num_threads()) if sgd == "rows" or parallel else 1
    if sgd == "rows":
        rows_seed = int(rng.integers(0, 2**63 - 1))
        emb = _rows_sgd(fuzzy, emb, n_epochs, float(a), float(b), rows_seed, on_partial,
                        partial_every_s, progress, cancel)  # fmt: skip
        return Layout(emb, "umap", params)
    kernel = _epoch_kernel(parallel)
    last_sent = time.monotonic()
    if kernel is None:  # a umap-learn without the per-epoch kernel: one call, no stream
        from umap.layouts import optimize_layout_euclidean

        emb = optimize_layout_euclidean(
            emb, emb, head, tail, n_epochs, n, eps, a, b, rng_state, 1.0, 1.0, 5.0,
            parallel=parallel, move_other=True,
        )  # fmt: skip
        progress(1.0, "UMAP: done")
        if on_partial is not None:
            on_partial(emb.copy(), n_epochs, n_epochs)
        return Layout(emb, "umap", params)
    negative_sample_rate = 5.0
    eps_neg = eps / negative_sample_rate
    next_neg = eps_neg.copy()
    next_pos = eps.copy()
    rng_per_sample = np.full((n, len(rng_state)), rng_state, dtype=np.int64) + emb[:, 0].astype(
        np.float64
    ).view(np.int64).reshape(-1, 1)
    zeros1 = np.zeros(1, dtype=np.float32)
    alpha = 1.0
    for epoch in range(n_epochs):
        if cancel.cancelled:
            if on_partial is not None:
                on_partial(emb.copy(), epoch, n_epochs)
            raise Cancelled()
        kernel(
            emb, emb, head, tail, n, eps, a, b, rng_per_sample, 1.0, 2, True, alpha,
            eps_neg, next_neg, next_pos, epoch, False, zeros1, zeros1, 0.0, 0.0, 0.0,
            0.0, zeros1, zeros1, 0.0,
        )  # fmt: skip
        alpha = 1.0 * (1.0 - float(epoch) / float(n_epochs))
        now = time.monotonic()
        if now - last_sent >= partial_every_s:
            last_sent = now
            progress(0.05 + 0.95 * (epoch + 1) / n_epochs, f"UMAP: epoch {epoch + 1}/{n_epochs}")
            if on_partial is not None:
                on_partial(emb.copy(), epoch + 1, n_epochs)
    progress(1.0, "UMAP: done")
    if on_partial is not None:
        on_partial(emb.copy(), n_epochs, n_epochs)
    return Layout(emb, "umap", params)


def _rows_sgd(
    fuzzy: Any,
    emb: F32,
    n_epochs: int,
    a: float,
    b: float,
    seed: int,
    on_partial: PartialFn | None,
    partial_every_s: float,
    progress: Progress,
    cancel: CancelToken,
) -> F32:
    """UMAP's SGD by :mod:`paperscope.mapping._sgd`: every paper moves itself each
    epoch, on all cores, with the same result on any number of threads."""
    from umap.umap_ import make_epochs_per_sample

    from paperscope.mapping import _sgd

    csr = fuzzy.tocsr()
    csr.sort_indices()
    n = csr.shape[0]
    indptr = np.ascontiguousarray(csr.indptr, dtype=np.int64)
    tail = np.ascontiguousarray(csr.indices, dtype=np.int64)
    eps = np.ascontiguousarray(make_epochs_per_sample(csr.data, n_epochs), dtype=np.float64)
    eps_neg = eps / 5.0  # negative_sample_rate 5, umap's default
    next_pos = eps.copy()
    next_neg = eps_neg.copy()
    state = _sgd.seed_states(np.uint64(seed), n)
    prev = np.ascontiguousarray(emb, dtype=np.float32)
    out = np.empty_like(prev)
    last_sent = time.monotonic()
    for epoch in range(n_epochs):
        if cancel.cancelled:
            if on_partial is not None:
                on_partial(prev.copy(), epoch, n_epochs)
            raise Cancelled()
        alpha = 1.0 - float(epoch) / float(n_epochs)
        _sgd.epoch(prev, out, indptr, tail, eps, next_pos, eps_neg, next_neg, state,
                   a, b, 1.0, alpha, float(epoch))  # fmt: skip
        prev, out = out, prev
        now = time.monotonic()
        if now - last_sent >= partial_every_s:
            last_sent = now
            progress(0.05 + 0.95 * (epoch + 1) / n_epochs, f"UMAP: epoch {epoch + 1}/{n_epochs}")
            if on_partial is not None:
                on_partial(prev.copy(), epoch + 1, n_epochs)
    progress(1.0, "UMAP: done")
    if on_partial is not None:
        on_partial(prev.copy(), n_epochs, n_epochs)
    return prev


def query_neighbours(
    new_vectors: F32, matrix: F32, k: int, block: int = 2048
) -> tuple[npt.NDArray[np.int64], F32]:
    """The ``k`` stored rows most similar to each new vector (exact, blocks of
    ``block`` new rows, so memory is ``block × n``): ``(indices, cosines)``, best first."""
    q = np.ascontiguousarray(new_vectors, dtype=np.float32)
    m, n = q.shape[0], matrix.shape[0]
    k = int(min(k, n))
    idx = np.empty((m, k), dtype=np.int64)
    sims = np.empty((m, k), dtype=np.float32)
    for s in range(0, m, block):
        part = q[s : s + block] @ matrix.T
        top = np.argpartition(-part, k - 1, axis=1)[:, :k]
        val = np.take_along_axis(part, top, axis=1)
        order = np.argsort(-val, axis=1, kind="stable")
        idx[s : s + block] = np.take_along_axis(top, order, axis=1)
        sims[s : s + block] = np.take_along_axis(val, order, axis=1)
    return idx, sims


def place_new(
    new_vectors: F32,
    matrix: F32,
    coords: F32,
    a: float,
    b: float,
    *,
    n_neighbors: int = 15,
    n_epochs: int | None = None,
    seed: int | None = None,
    neighbours: tuple[npt.NDArray[np.int64], F32] | None = None,
    sgd: str = "rows",
) -> F32:
    """Positions for new papers on an existing UMAP layout (``UMAP.transform``).

    ``sgd="rows"`` (the default) moves the new papers on all cores
    (:func:`paperscope.mapping._sgd.place_epoch`, the same positions on any number of
    threads); ``"umap"``: umap-learn's ``optimize_layout_euclidean`` (one thread when
    ``seed`` is given).

    ``matrix``/``coords`` are the stored papers' unit vectors and layout, ``a``/``b``
    the layout's curve parameters (stored in its params). ``neighbours``: each new
    paper's stored neighbours ``(indices, cosines)``, best first, when the caller has
    them (e.g. from an approximate index); otherwise they are found exactly
    (:func:`query_neighbours`).
    """
    _load_umap()
    import scipy.sparse
    from umap.layouts import optimize_layout_euclidean
    from umap.umap_ import compute_membership_strengths, make_epochs_per_sample, smooth_knn_dist

    m = new_vectors.shape[0]
    n = matrix.shape[0]
    if m == 0:
        return np.zeros((0, 2), np.float32)
    k = int(min(n_neighbors, n))
    if neighbours is None:
        neighbours = query_neighbours(new_vectors, matrix, k)
    idx = np.ascontiguousarray(neighbours[0][:, :k], dtype=np.int64)
    top = np.ascontiguousarray(neighbours[1][:, :k], dtype=np.float32)
    dists = np.maximum(1.0 - top, 0.0).astype(np.float32)
    sigmas, rhos = smooth_knn_dist(dists, float(k), local_connectivity=0.0)
    rows, cols, vals, _ = compute_membership_strengths(idx, dists, sigmas, rhos, bipartite=True)
    graph = scipy.sparse.coo_matrix((vals, (rows, cols)), shape=(m, n)).tocsr()
    graph.eliminate_zeros()
    # start each paper at the membership-weighted mean of its neighbours
    weights = graph.multiply(
        1.0 / np.maximum(np.asarray(graph.sum(axis=1)).ravel(), 1e-12)[:, None]
    )
    emb = np.asarray(scipy.sparse.csr_matrix(weights) @ coords, dtype=np.float32)
    exact = np.isclose(top.max(axis=1), 1.0, atol=1e-6)
    if exact.any():  # a paper identical to a stored one sits on it
        emb[exact] = coords[idx[exact, 0]]
    epochs = int(n_epochs if n_epochs is not None else (100 if n <= 10_000 else 30))
    g = graph.tocoo()
    g.data[g.data < g.data.max() / float(epochs)] = 0.0
    g.eliminate_zeros()
    eps = make_epochs_per_sample(g.data, epochs)
    if sgd == "rows":
        return _place_rows(g, eps, emb, coords, epochs, a, b, seed)
    legacy = np.random.RandomState(seed)
    rng_state = legacy.randint(np.iinfo(np.int32).min, np.iinfo(np.int32).max, 3).astype(np.int64)
    emb = np.ascontiguousarray(emb, dtype=np.float32)
    out = optimize_layout_euclidean(
        emb, np.ascontiguousarray(coords, dtype=np.float32).copy(), g.row, g.col, epochs, n,
        eps, a, b, rng_state, 1.0, 0.25, 5.0, seed is None,
    )  # fmt: skip
    result: F32 = np.asarray(out, dtype=np.float32)
    return result


def _place_rows(
    g: Any, eps: npt.NDArray[np.float64], emb: F32, coords: F32, epochs: int, a: float,
    b: float, seed: int | None,
) -> F32:  # fmt: skip
    """``place_new``'s SGD by :func:`paperscope.mapping._sgd.place_epoch`."""
    from paperscope.mapping import _sgd

    csr_order = np.lexsort((g.col, g.row))
    rows = np.asarray(g.row, dtype=np.int64)[csr_order]
    tail = np.ascontiguousarray(np.asarray(g.col, dtype=np.int64)[csr_order])
    per = np.ascontiguousarray(np.asarray(eps, dtype=np.float64)[csr_order])
    m = emb.shape[0]
    indptr = np.searchsorted(rows, np.arange(m + 1)).astype(np.int64)
    per_neg = per / 5.0
    next_pos = per.copy()
    next_neg = per_neg.copy()
    s = int(np.random.default_rng(seed).integers(0, 2**63 - 1))
    state = _sgd.seed_states(np.uint64(s), m)
    out = np.ascontiguousarray(emb, dtype=np.float32).copy()
    fixed = np.ascontiguousarray(coords, dtype=np.float32)
    for epoch in range(epochs):
        alpha = 0.25 * (1.0 - float(epoch) / float(epochs))
        _sgd.place_epoch(out, fixed, indptr, tail, per, next_pos, per_neg, next_neg, state,
                         a, b, 1.0, alpha, float(epoch))  # fmt: skip
    return out


def warm_up(seed: int | None = None) -> float:
    """Compile umap's numba kernels on 300 random points; returns the seconds it took.

    The SGD kernel is compiled for the mode ``seed`` selects (``None``: parallel, what
    the app uses).
    """
    from paperscope.mapping.neighbours import normalise

    t0 = time.perf_counter()
    rng = np.random.default_rng(0)
    x = normalise(rng.standard_normal((300, 16)).astype(np.float32))
    g = knn_graph(x, 16)
    layout = umap_layout(g, pca_layout(x).coords, n_epochs=5, seed=seed)
    place_new(
        x[:5], x, layout.coords, layout.params["a"], layout.params["b"], n_epochs=2, seed=seed
    )
    return time.perf_counter() - t0
