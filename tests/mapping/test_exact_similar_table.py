"""Similar papers computed exactly in the background (issue #17: "the similar-papers
table stays exact, computed in the background"): ``neighbours.knn_rows`` against the
exact graph, and ``workflows.similar_table`` on the real abstracts — exact rows, a
cancel that keeps finished chunks and resumes, new vectors merged in, replaced vectors
starting over, deleted papers left out, and ``similar_papers`` answering from it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest

from paperscope.core.tasks import Cancelled, CancelToken
from paperscope.mapping import neighbours
from paperscope.workflows.map import similar_papers, stored_similar
from paperscope.workflows.similar_table import (
    STORED,
    SimilarTableError,
    build_exact_similar,
)

if TYPE_CHECKING:
    from paperscope.library.store import Store

MODEL = "all-MiniLM-L6-v2"
TIE = 1e-5


def exact_rows(ids: np.ndarray, unit: np.ndarray, k: int = STORED) -> tuple[np.ndarray, np.ndarray]:
    """Every row's ``k`` nearest others as paper ids and scores (one matrix product)."""
    scores = unit @ unit.T
    np.fill_diagonal(scores, -np.inf)
    order = np.argsort(-scores, axis=1, kind="stable")[:, : k + 1]
    return ids[order], np.take_along_axis(scores, order, axis=1)


def assert_rows_exact(store: Store, ids: np.ndarray, unit: np.ndarray) -> None:
    """Every stored row holds the exact nearest papers: same scores rank by rank, the
    same paper wherever that score is not tied with its neighbours in the ranking."""
    want_ids, want_sc = exact_rows(ids, unit)
    lists = store.exact_similar_lists(MODEL, ids)
    assert sorted(lists) == ids.tolist()
    k = min(STORED, len(ids) - 1)
    for r, pid in enumerate(ids.tolist()):
        got_i, got_s = lists[pid]
        assert got_i.shape == (k,)
        np.testing.assert_allclose(got_s, want_sc[r, :k], atol=TIE)
        gaps = np.abs(np.diff(want_sc[r], prepend=np.inf))
        untied = (gaps[:k] > TIE) & (np.abs(np.diff(want_sc[r]))[:k] > TIE)
        assert (got_i[untied] == want_ids[r, :k][untied]).all()


@pytest.fixture
def embedded(
    library: tuple[Store, np.ndarray, np.ndarray],
) -> tuple[Store, np.ndarray, np.ndarray, np.ndarray]:
    """The real library with every paper's vector stored: store, ids, vectors, unit rows."""
    store, ids, vectors = library
    store.put_vectors(MODEL, ids, ["v1"] * len(ids), vectors)
    return store, ids, vectors, neighbours.normalise(vectors)


def test_knn_rows_gives_the_exact_graph_of_real_abstracts_block_by_block(corpus) -> None:
    m = corpus.vectors
    graph = neighbours.knn_graph(m, STORED + 2)  # one more: ties across the cut show
    chunks = list(neighbours.knn_rows(m, np.arange(len(m)), STORED, block=64))
    assert [c.rows[0] for c in chunks] == list(range(0, len(m), 64))
    idx = np.concatenate([c.indices for c in chunks])
    sc = np.concatenate([c.scores for c in chunks])
    want = graph.scores[:, 1:]
    np.testing.assert_allclose(sc, want[:, :STORED], atol=TIE)
    gap_before = np.abs(np.diff(want, axis=1, prepend=np.inf))[:, :STORED]
    gap_after = np.abs(np.diff(want, axis=1))
    untied = (gap_before > TIE) & (gap_after > TIE)  # the corpus has duplicate abstracts
    assert untied.mean() > 0.9
    assert (idx[untied] == graph.indices[:, 1 : STORED + 1][untied]).all()
    # some rows only: the others lend their columns (in blocks of 50)
    rows = np.arange(100, 300)
    part = list(neighbours.knn_rows(m, rows, STORED, block=32, fixed_block=50))
    np.testing.assert_allclose(
        np.concatenate([c.scores for c in part]), want[rows, :STORED], atol=TIE
    )
    # fewer others than k: every other row, counted
    (few,) = neighbours.knn_rows(m[:4], np.arange(4), STORED)
    assert few.counts.tolist() == [3, 3, 3, 3]
    assert sorted(few.indices[0, :3].tolist()) == [1, 2, 3]


def test_the_table_is_exact_and_similar_papers_answers_from_it(
    embedded: tuple[Store, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    store, ids, _vectors, unit = embedded
    assert stored_similar(store, int(ids[0]), 10) is None  # no map, no table
    fractions: list[float] = []
    result = build_exact_similar(store, lambda f, _m: fractions.append(f), chunk=64)
    # the bar follows the work: the first blocks meet every later block, the last none
    steps = np.diff(fractions)
    assert fractions[0] == 0.0 and fractions[-1] == 1.0 and (steps >= 0).all()
    assert steps[0] > steps[-2] > 0  # (the last step is the final 1.0 again)
    assert (result.papers, result.computed, result.merged, result.complete) == (
        len(ids), len(ids), 0, True,
    )  # fmt: skip
    assert_rows_exact(store, ids, unit)
    state = store.exact_similar_state(MODEL)
    assert state is not None and state.current and state.rows == len(ids)
    # the table is what answers: a row written wrong on purpose shows
    a = int(ids[5])
    want = neighbours.similar(ids, unit, a, 10)
    assert [h.id for h in similar_papers(store, a, 10)] == want.ids.tolist()
    wrong = ids[~np.isin(ids, [a, *want.ids.tolist()])][:STORED]
    _, rep = store.vector_generation(MODEL)
    store.write_exact_similar(MODEL, rep, [a], wrong[None, :], np.ones((1, STORED), np.float32))
    hits = stored_similar(store, a, 10)
    assert hits is not None and [h.id for h in hits] == wrong[:10].tolist()
    # a second run finds nothing to do
    again = build_exact_similar(store)
    assert (again.rows_before, again.computed, again.merged) == (len(ids), 0, 0)


def test_cancel_keeps_finished_chunks_and_the_next_run_goes_on(
    embedded: tuple[Store, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    store, ids, _vectors, unit = embedded
    cancel = CancelToken()
    written: list[float] = []

    def progress(fraction: float, _message: str) -> None:
        written.append(fraction)
        if len(written) == 4:  # the start, then three chunks stored
            cancel.cancel()

    with pytest.raises(Cancelled):
        build_exact_similar(store, progress, cancel, chunk=64)
    state = store.exact_similar_state(MODEL)
    assert state is not None and state.current and state.rows == 3 * 64
    first, later = int(ids[10]), int(ids[-1])
    assert store.exact_similar(first, 10, MODEL) is not None
    assert store.exact_similar(later, 10, MODEL) is None  # not yet: from the vectors
    assert [h.id for h in similar_papers(store, later, 10)] == (
        neighbours.similar(ids, unit, later, 10).ids.tolist()
    )
    rest = build_exact_similar(store, chunk=64)
    assert (rest.rows_before, rest.computed, rest.complete) == (3 * 64, len(ids) - 3 * 64, True)
    assert_rows_exact(store, ids, unit)
    # max_rows stops early and says so
    store.begin_exact_similar(MODEL, store.vector_generation(MODEL)[1])
    some = build_exact_similar(store, chunk=64, max_rows=100)
    assert (some.computed, some.complete) == (100, False)


def test_new_vectors_are_merged_and_replaced_ones_start_over(
    library: tuple[Store, np.ndarray, np.ndarray],
) -> None:
    store, ids, vectors = library
    unit = neighbours.normalise(vectors)
    cut = 400
    store.put_vectors(MODEL, ids[:cut], ["v1"] * cut, vectors[:cut])
    build_exact_similar(store, chunk=128)
    assert_rows_exact(store, ids[:cut], unit[:cut])
    # papers embedded since: the table is stale (the vectors answer) until merged
    store.put_vectors(MODEL, ids[cut:], ["v1"] * (len(ids) - cut), vectors[cut:])
    state = store.exact_similar_state(MODEL)
    assert state is not None and not state.current
    assert store.exact_similar(int(ids[0]), 10, MODEL) is None
    merged = build_exact_similar(store, chunk=128)
    assert merged.computed == len(ids) - cut and merged.merged > 0
    assert_rows_exact(store, ids, unit)
    # a replaced vector: everything is ranked again
    moved = vectors.copy()
    moved[7] = vectors[300]
    store.put_vectors(MODEL, ids[7:8], ["v2"], moved[7:8])
    assert store.exact_similar(int(ids[0]), 10, MODEL) is None
    again = build_exact_similar(store, chunk=128)
    assert again.computed == len(ids) and again.merged == 0
    assert_rows_exact(store, ids, neighbours.normalise(moved))


def test_a_replacement_during_the_job_stops_it_and_deleted_papers_drop_out(
    embedded: tuple[Store, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    store, ids, vectors, _unit = embedded
    calls: list[float] = []

    def progress(fraction: float, _message: str) -> None:
        calls.append(fraction)
        if len(calls) == 2:
            store.put_vectors(MODEL, ids[:1], ["v2"], vectors[1:2])

    with pytest.raises(SimilarTableError, match="replaced"):
        build_exact_similar(store, progress, chunk=64)
    done = build_exact_similar(store, chunk=64)
    assert done.computed == len(ids)
    # deleting a paper: it leaves every row it was in; the rest stays exact
    a = int(ids[20])
    top = store.exact_similar(a, 10, MODEL)
    assert top is not None
    gone = top[0][0]
    store.delete_papers([gone])
    left_ids, left_unit = store.mapped_vectors(MODEL)
    after = store.exact_similar(a, 10, MODEL)
    assert after is not None and gone not in [i for i, *_ in after]
    assert [i for i, *_ in after] == neighbours.similar(left_ids, left_unit, a, 10).ids.tolist()
    with pytest.raises(SimilarTableError, match="embedding"):
        store.delete_vectors(MODEL)
        build_exact_similar(store)


def test_the_command_line_computes_it_goes_on_and_answers_from_it(
    embedded: tuple[Store, np.ndarray, np.ndarray, np.ndarray], capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from paperscope.cli import main

    store, ids, vectors, _unit = embedded
    path = store.path
    store.close()
    lib = ["--library", str(path)]
    assert main([*lib, "similar", "--all", "--max-rows", "100", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert (first["papers"], first["computed"], first["complete"]) == (len(ids), 100, False)
    assert main([*lib, "similar", "--all"]) == 0
    out = capsys.readouterr().out
    assert f"{len(ids) - 100:,} ranked" in out and "(complete)" in out
    a = int(ids[42])
    assert main([*lib, "similar", str(a), "--json"]) == 0
    got = [json.loads(x)["id"] for x in capsys.readouterr().out.splitlines()]
    assert got == neighbours.similar(ids, neighbours.normalise(vectors), a, 10).ids.tolist()
    assert main([*lib, "similar"]) == 2
    assert "PAPER_ID, or --all" in capsys.readouterr().err


def test_papers_back_from_an_undone_merge_are_merged_into_the_table(
    embedded: tuple[Store, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    """A merge deletes the other paper (its vector stays); ranked while it was gone, the
    table lacks it, so undoing the merge makes the table stale until the job takes the
    paper back in."""
    store, ids, vectors, _unit = embedded
    a, b = int(ids[30]), int(ids[31])
    store.merge(a, [b])
    build_exact_similar(store, chunk=128)
    left = ids != b
    assert_rows_exact(store, ids[left], neighbours.normalise(vectors[left]))
    store.undo_merge()
    assert store.exact_similar(a, 10, MODEL) is None
    again = build_exact_similar(store, chunk=128)
    assert again.computed == 1  # paper b's own row; the others took it in
    assert_rows_exact(store, ids, neighbours.normalise(vectors))
