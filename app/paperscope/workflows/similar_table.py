"""Similar papers for every paper, exactly, computed in the background.

A big library's map is laid out on an approximate neighbour graph (or on a sample), so
its similar-papers table is not exact, and the exact answer for one paper reads every
vector (at 1M papers about 47 ms through the sketch of :mod:`paperscope.mapping.
exact_search`). :func:`build_exact_similar` ranks every paper against all the others
by blocked matrix products (BLAS on every core) and stores the rows a chunk at a time
(``Store.write_exact_similar``); a lookup is then one indexed read. The job can be
cancelled at any point and goes on from the rows it stored the next time. Papers
embedded since are merged into the stored rows (their products with the new vectors
only) and get rows of their own; replaced vectors make it begin again (see
:mod:`paperscope.library.store.similar`). Until a paper has a current row,
:func:`paperscope.workflows.map.similar_papers` answers from the vectors.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from paperscope.core.tasks import CancelToken, Progress, no_progress
from paperscope.library.store import Store
from paperscope.library.store.similar import StaleSimilarTable
from paperscope.mapping import neighbours
from paperscope.workflows.map import SIMILAR_STORED, MapError, _main_model

I64 = npt.NDArray[np.int64]
F32 = npt.NDArray[np.float32]

STORED = SIMILAR_STORED  # neighbours kept per paper: ten shown, ten spare for deletions
CHUNK = 2048  # papers ranked (and stored) per step


class SimilarTableError(RuntimeError):
    """No vectors to rank, or they changed under the job in a way it cannot follow."""


@dataclass(frozen=True, slots=True)
class SimilarTableResult:
    model_id: str
    papers: int  # vectors the rows are ranked among
    rows_before: int  # papers that had a current row when the job began
    computed: int  # rows ranked from scratch by this job
    merged: int  # stored rows that new vectors changed
    seconds: float
    complete: bool  # every paper has a current row (False: stopped at max_rows)


def model_to_follow(store: Store) -> str | None:
    """The model whose table the window brings up to date after a map build, or None:
    the newest map's own similar-papers table is not exact (laid out on an approximate
    graph, or on a sample, which stores none), or a table was begun before (then new
    papers are merged in, which is quick). A quick check, for the UI thread."""
    layouts = store.layouts()
    if not layouts:
        return None
    newest = layouts[0]
    params = newest.params
    approximate = params.get("knn") == "nndescent" or params.get("layout_path") == (
        "sample+transform"
    )
    return newest.model_id if approximate or store.exact_similar_begun(newest.model_id) else None


def build_exact_similar(
    store: Store,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    *,
    model_id: str | None = None,
    chunk: int = CHUNK,
    max_rows: int | None = None,
) -> SimilarTableResult:
    """Bring the exact similar-papers table of ``model_id`` (None: the model with the
    most vectors) up to date: begin it, go on with it, or merge new vectors into it (see
    the module docstring). ``max_rows``: rank at most that many papers from scratch in
    this call (the rest another time). :class:`Cancelled` keeps every finished chunk."""
    cancel = cancel or CancelToken()
    t0 = time.perf_counter()
    try:
        model = model_id or _main_model(store)
    except MapError as exc:
        raise SimilarTableError(str(exc)) from None
    gen, rep = store.vector_generation(model)
    ids, matrix = store.mapped_vectors(model)
    if store.vector_generation(model) != (gen, rep):
        raise SimilarTableError("the vectors changed while they were read: run it again")
    n = int(ids.shape[0])
    if n < 2:
        raise SimilarTableError(f"similar papers need at least 2 embedded papers, {n} have one")
    state = store.exact_similar_state(model)
    rows_before = state.rows if state is not None and state.current else 0
    fresh = state is None or state.replaced != rep
    if fresh:
        store.begin_exact_similar(model, rep)
        cols = np.empty(0, dtype=np.int64)
    else:
        cols = store.exact_similar_cols(model)
    try:  # every write checks that no vector was replaced since the job began
        done, low, count = store.exact_similar_rows_done(model)
        merged = 0
        added = np.setdiff1d(ids, cols, assume_unique=True)
        if done.size and added.size:
            progress(0.0, f"Similar papers: merging {added.size:,} new papers into {done.size:,}")
            merged = _merge_new(store, model, rep, ids, matrix, done, low, count, added, cancel)
        # (a fresh table has no columns yet; the same size and nothing added: the same set)
        if cols.size != n or added.size or state is None or state.generation != gen:
            store.set_exact_similar_cols(model, ids, gen, rep)
        todo = np.setdiff1d(ids, done, assume_unique=True)
        left = int(todo.shape[0])
        if max_rows is not None:
            todo = todo[: max(max_rows, 0)]
        total, finished = int(todo.shape[0]), 0
        if total:
            progress(0.0, f"Similar papers: {n - left:,} of {n:,} papers")
        # the work of each block of rows: the columns it meets (the blocks after it, and
        # the rows not in this job), so the bar moves with the time, not the row count
        blocks = -(-total // chunk)
        work = np.array(
            [(blocks - i) * chunk + (n - total) for i in range(blocks)], dtype=np.float64
        )
        share = np.cumsum(work) / max(float(work.sum()), 1.0)
        for b, chunk_rows in enumerate(
            neighbours.knn_rows(
                matrix, np.searchsorted(ids, todo), STORED, block=chunk, cancel=cancel
            )
        ):
            store.write_exact_similar(
                model, rep, ids[chunk_rows.rows], ids[chunk_rows.indices], chunk_rows.scores,
                chunk_rows.counts,
            )  # fmt: skip
            finished += int(chunk_rows.rows.shape[0])
            progress(float(share[b]), f"Similar papers: {n - left + finished:,} of {n:,} papers")
    except StaleSimilarTable as exc:
        raise SimilarTableError(f"{exc}: run it again") from None
    complete = total == left
    progress(1.0, f"Similar papers of {n:,} papers" if complete else "Similar papers: paused")
    return SimilarTableResult(
        model, n, rows_before, total, merged, time.perf_counter() - t0, complete
    )


def _merge_new(
    store: Store,
    model: str,
    rep: int,
    ids: I64,
    matrix: F32,
    done: I64,
    low: F32,
    count: I64,
    added: I64,
    cancel: CancelToken,
) -> int:
    """Merge the vectors of ``added`` into the stored rows ``done``: the products of
    the done rows with the new vectors only; a row changes when a new paper beats its
    lowest stored score (or it holds fewer than :data:`STORED`). Rerunning it after a
    cancel is harmless: a neighbour already in a row is not added twice."""
    live = np.isin(done, ids)
    rows_ids, rows_low, rows_n = done[live], low[live], count[live]
    rows = np.searchsorted(ids, rows_ids)
    new_pos = np.searchsorted(ids, added)
    changed = 0
    for at in range(0, rows.shape[0], CHUNK):
        cancel.check()
        part = slice(at, at + CHUNK)
        cand_i, cand_s = neighbours.top_k_among(matrix, rows[part], STORED, new_pos)
        if cand_i.shape[1] == 0:
            continue
        beats = (cand_s > rows_low[part, None]) | (rows_n[part, None] < STORED)
        hit = np.flatnonzero(beats.any(axis=1))
        if hit.size == 0:
            continue
        pids = rows_ids[part][hit]
        lists = store.exact_similar_lists(model, pids)
        out_i = np.zeros((hit.size, STORED), dtype=np.int64)
        out_s = np.zeros((hit.size, STORED), dtype=np.float32)
        out_n = np.zeros(hit.size, dtype=np.int64)
        for j, (pid, h) in enumerate(zip(pids.tolist(), hit.tolist(), strict=True)):
            old_i, old_s = lists.get(pid, (np.empty(0, np.int64), np.empty(0, np.float32)))
            new_i = ids[cand_i[h]]
            new = ~np.isin(new_i, old_i) & np.isfinite(cand_s[h])
            all_i = np.concatenate([old_i, new_i[new]])
            all_s = np.concatenate([old_s, cand_s[h][new]])
            order = np.lexsort((all_i, -all_s))[:STORED]
            out_n[j] = order.size
            out_i[j, : order.size], out_s[j, : order.size] = all_i[order], all_s[order]
        store.write_exact_similar(model, rep, pids, out_i, out_s, out_n)
        changed += int(hit.size)
    return changed
