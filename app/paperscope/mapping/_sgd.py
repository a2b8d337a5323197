"""A deterministic parallel UMAP epoch: numba kernel over the fuzzy graph's rows.

umap-learn's parallel SGD (Hogwild) lets threads race on the shared layout, so two runs
differ; its reproducible path runs on one thread. This kernel gives the same answer on
any number of threads: each epoch every paper moves only itself (its own row of the
symmetric fuzzy graph: attraction to its neighbours, repulsion from its negative
samples), reading the other papers where the previous epoch left them, and draws its
negative samples from its own random state. The graph is symmetric, so the pull of
an edge that umap applies to both ends at once is applied here by each end on its own
row (twice the step, as each end of an edge is moved twice an epoch there: once as
head, once as tail). Threads never write the same row, and nothing depends on which
thread ran which row.

Imported lazily (by :mod:`paperscope.mapping.projection`); it imports numba at the top.
"""

# mypy: ignore-errors
# (numba kernels: numpy scalar types everywhere; checked by the tests instead)
from __future__ import annotations

import numba  # noqa: TID253 - this module is only imported lazily
import numpy as np


@numba.njit(inline="always")
def _clip(v):
    if v > 4.0:
        return 4.0
    if v < -4.0:
        return -4.0
    return v


@numba.njit(inline="always")
def _pow(x, y):
    """``x ** y`` for ``x > 0`` in single precision (the gradient is clipped at 4 and
    scaled by the learning rate: float32's 7 digits are plenty), at a fraction of the
    cost of libm's double ``pow``."""
    return np.float64(np.exp(np.float32(y) * np.log(np.float32(x))))


@numba.njit(inline="always")
def _attraction(d2, a, b):
    """UMAP's attractive gradient coefficient at squared distance ``d2``."""
    if d2 > 0.0:
        p = _pow(d2, b)  # one power: d2 ** (b - 1) is p / d2
        return -2.0 * a * b * p / (d2 * (a * p + 1.0))
    return 0.0


@numba.njit(inline="always")
def _repulsion(d2, a, b, gamma):
    """UMAP's repulsive gradient coefficient at squared distance ``d2`` (> 0)."""
    return 2.0 * gamma * b / ((0.001 + d2) * (a * _pow(d2, b) + 1.0))


@numba.njit(inline="always")
def _next(state, row):
    """xorshift64* on ``state[row]``: the next 64-bit draw of that row's stream."""
    x = state[row]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    state[row] = x
    return x * np.uint64(2685821657736338717)


@numba.njit(inline="always")
def _below(x, n):
    """A draw in ``[0, n)`` from the top 32 bits of ``x`` by a multiply and a shift
    (Lemire's reduction; ``n < 2**32``): a 64-bit ``%`` costs tens of cycles per
    negative sample."""
    return ((x >> np.uint64(32)) * n) >> np.uint64(32)


@numba.njit(parallel=True, fastmath=False, cache=True, nogil=True)
def epoch(
    prev,
    out,
    indptr,
    tail,
    epochs_per_sample,
    next_pos,
    epochs_per_neg,
    next_neg,
    state,
    a,
    b,
    gamma,
    alpha,
    n,
):
    """One epoch: ``out`` (n × 2) from ``prev`` (n × 2); the per-edge schedules
    ``next_pos``/``next_neg`` and the per-row ``state`` advance in place."""
    n_vertices = prev.shape[0]
    nv = np.uint64(n_vertices)
    for i in numba.prange(n_vertices):
        cx = np.float64(prev[i, 0])
        cy = np.float64(prev[i, 1])
        for e in range(indptr[i], indptr[i + 1]):
            if next_pos[e] > n:
                continue
            k = tail[e]
            dx = cx - prev[k, 0]
            dy = cy - prev[k, 1]
            d2 = dx * dx + dy * dy
            g = _attraction(d2, a, b)
            cx += 2.0 * _clip(g * dx) * alpha
            cy += 2.0 * _clip(g * dy) * alpha
            next_pos[e] += epochs_per_sample[e]
            n_neg = int((n - next_neg[e]) / epochs_per_neg[e])
            for _p in range(n_neg):
                k = np.int64(_below(_next(state, i), nv))
                if k == i:
                    continue
                dx = cx - prev[k, 0]
                dy = cy - prev[k, 1]
                d2 = dx * dx + dy * dy
                if d2 > 0.0:
                    g = _repulsion(d2, a, b, gamma)
                    cx += _clip(g * dx) * alpha
                    cy += _clip(g * dy) * alpha
            next_neg[e] += n_neg * epochs_per_neg[e]
        out[i, 0] = cx
        out[i, 1] = cy


@numba.njit(parallel=True, cache=True, nogil=True)
def seed_states(seed, n):
    """Each row's starting random state: splitmix64 of ``seed`` and the row (never 0)."""
    out = np.empty(n, dtype=np.uint64)
    for i in numba.prange(n):
        z = np.uint64(seed) + np.uint64(i + 1) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
        out[i] = z if z != np.uint64(0) else np.uint64(1)
    return out


@numba.njit(parallel=True, fastmath=False, cache=True, nogil=True)
def place_epoch(
    emb,
    fixed,
    indptr,
    tail,
    epochs_per_sample,
    next_pos,
    epochs_per_neg,
    next_neg,
    state,
    a,
    b,
    gamma,
    alpha,
    n,
):
    """One epoch of placing new papers (``emb``, moved in place) on a layout that stays
    put (``fixed``): each new paper is pulled to its stored neighbours (row ``i`` of the
    new × stored membership graph) and pushed from stored papers drawn from its own
    random state, as ``UMAP.transform``. New papers never read each other, so any
    number of threads gives the same positions."""
    n_fixed = np.uint64(fixed.shape[0])
    for i in numba.prange(emb.shape[0]):
        cx = np.float64(emb[i, 0])
        cy = np.float64(emb[i, 1])
        for e in range(indptr[i], indptr[i + 1]):
            if next_pos[e] > n:
                continue
            k = tail[e]
            dx = cx - fixed[k, 0]
            dy = cy - fixed[k, 1]
            d2 = dx * dx + dy * dy
            g = _attraction(d2, a, b)
            cx += _clip(g * dx) * alpha
            cy += _clip(g * dy) * alpha
            next_pos[e] += epochs_per_sample[e]
            n_neg = int((n - next_neg[e]) / epochs_per_neg[e])
            for _p in range(n_neg):
                k = np.int64(_below(_next(state, i), n_fixed))
                dx = cx - fixed[k, 0]
                dy = cy - fixed[k, 1]
                d2 = dx * dx + dy * dy
                if d2 > 0.0:
                    g = _repulsion(d2, a, b, gamma)
                    cx += _clip(g * dx) * alpha
                    cy += _clip(g * dy) * alpha
            next_neg[e] += n_neg * epochs_per_neg[e]
        emb[i, 0] = cx
        emb[i, 1] = cy
