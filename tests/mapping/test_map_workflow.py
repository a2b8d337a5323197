"""The map workflow end to end on a library of the real papers: build, store,
reopen, similar papers, cancel, new papers, the commands."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from paperscope.cli import main
from paperscope.core.records import Cluster
from paperscope.core.tasks import Cancelled, CancelToken
from paperscope.library.store import Store
from paperscope.workflows.map import (
    MapError,
    MapFrame,
    VectorIndex,
    build_map,
    more_like_these,
    open_map,
    place_new_papers,
    rank_by_vector,
    render_png,
    similar_papers,
)
from tests.mapping.conftest import N_LIBRARY, REWARD_A, REWARD_B, Corpus

MODEL = "all-MiniLM-L6-v2"


def _id_of(store: Store, title: str) -> int:
    return int(store.paper_ids(contains=title)[0])


def test_build_umap_map_streams_stores_and_reopens(
    library: tuple[Store, np.ndarray, np.ndarray], corpus: Corpus
) -> None:
    store, ids, vectors = library
    frames: list[MapFrame] = []
    messages: list[tuple[float | None, str]] = []
    result = build_map(
        store, lambda f, m="": messages.append((f, m)), method="umap",
        on_partial=frames.append, vectors=(ids, vectors), model_id=MODEL, seed=0,
        partial_every_s=0.0,
    )  # fmt: skip
    assert result.method == "umap" and result.complete and result.n_papers == N_LIBRARY
    assert set(result.timings) == {"pca", "knn", "umap_graph", "umap", "clusters", "store"}
    # the PCA preview comes first, then UMAP frames with rising epochs, last = final
    assert frames[0].method == "pca" and frames[1].method == "umap"
    epochs = [f.epoch for f in frames[1:]]
    assert epochs == sorted(epochs) and epochs[-1] == frames[-1].n_epochs == 500
    assert all((f.paper_ids == ids).all() for f in frames)
    fractions = [f for f, _ in messages if f is not None]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert len(result.clusters) >= 6
    path = store.path
    store.close()

    with Store(path) as again:  # reopening shows the map without recomputing
        shown = open_map(again)
        assert shown is not None and shown.info.method == "umap" and shown.info.complete
        assert shown.info.model_id == MODEL and shown.info.params["n_neighbors"] == 15
        order = np.argsort(ids)
        assert (shown.paper_ids == ids[order]).all()
        np.testing.assert_allclose(shown.coords, frames[-1].coords[order], rtol=1e-6)
        # one record from clustering to the store and back (core.records.Cluster)
        assert {type(c) for c in [*shown.clusters, *result.clusters]} == {Cluster}
        assert [(c.id, c.label, c.terms, c.size, c.level, c.parent) for c in shown.clusters] == [
            (c.id, c.label, c.terms, c.size, c.level, c.parent) for c in result.clusters
        ]
        from paperscope.mapping.clusters import finest_under

        for c in shown.clusters:  # every level, its papers those of the clusters inside it
            inside = list(finest_under(shown.clusters, c.id))
            assert int(np.isin(shown.clusters_of, inside).sum()) == c.size
        pca = again.latest_layout(MODEL, "pca")
        assert pca is not None and len(pca) == N_LIBRARY
        assert {i.method for i in again.layouts(MODEL)} == {"pca", "umap"}
        # similar papers come from the stored table: the known pair
        a, b = _id_of(again, REWARD_A), _id_of(again, REWARD_B)
        hits = similar_papers(again, a, 5)
        assert b in [h.id for h in hits]
        assert hits[0].score >= hits[-1].score and all(0 < h.score < 1 for h in hits)
        assert {h.title for h in hits} <= set(corpus.titles)
        assert len(similar_papers(again, a, 20)) == 20
        with pytest.raises(MapError, match="paper 999999 has no similar papers yet"):
            similar_papers(again, 999_999, 5)
        # rebuilding replaces the layouts of this model instead of piling them up
        build_map(again, method="pca", vectors=(ids, vectors), model_id=MODEL)
        assert sorted(i.method for i in again.layouts(MODEL)) == ["pca", "umap"]


def test_cli_similar_prints_json_lines(
    library: tuple[Store, np.ndarray, np.ndarray], capsys: pytest.CaptureFixture[str]
) -> None:
    store, ids, vectors = library
    build_map(store, method="pca", vectors=(ids, vectors), model_id=MODEL)
    a, b = _id_of(store, REWARD_A), _id_of(store, REWARD_B)
    path = store.path
    store.close()
    assert main(["--library", str(path), "similar", str(a), "--limit", "5", "--json"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert len(lines) == 5 and set(lines[0]) == {"id", "title", "score"}
    assert b in [x["id"] for x in lines]
    assert REWARD_B in [x["title"] for x in lines]
    assert main(["--library", str(path), "similar", "999999"]) == 2
    assert "999999" in capsys.readouterr().err
    assert main(["--library", str(path), "similar", str(a), "--limit", "0"]) == 2


def test_cli_map_without_embeddings_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lib = tmp_path / "empty.duckdb"
    Store(lib).close()
    assert main(["--library", str(lib), "map", "--method", "pca"]) == 2
    assert "embed" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--library", str(lib), "map", "--method", "tsne"])


def _snapshot(store: Store) -> list[tuple[object, ...]]:
    """Everything the library stores of its maps, comparable with ``==``."""
    out: list[tuple[object, ...]] = []
    for info in store.layouts():
        shown = store.load_layout(info.id)
        assert shown is not None
        out.append((
            info, shown.paper_ids.tolist(), shown.coords.tolist(), shown.clusters_of.tolist(),
            None if shown.nearest_cluster is None else shown.nearest_cluster.tolist(),
            shown.placed.tolist(), shown.clusters,
        ))  # fmt: skip
    rows = store.execute(
        "SELECT model_id, paper_id, rank, neighbour_id, score FROM paper_neighbours ORDER BY ALL"
    ).fetchall()
    out.append(tuple(rows))
    return out


@pytest.mark.parametrize("step", ["pca", "umap start", "umap epoch 20", "clusters"])
def test_a_cancelled_build_leaves_the_stored_map_as_it_was(
    library: tuple[Store, np.ndarray, np.ndarray], step: str
) -> None:
    """Issue #21 item 7: Cancel at any step of a rebuild (set from the build's own
    callbacks at a given step, never by a timer) stores nothing; the previous map, its
    clusters and the similar-papers table are intact, also after reopening."""
    store, ids, vectors = library
    first = build_map(store, vectors=(ids, vectors), model_id=MODEL, seed=0,
                      n_epochs=60)  # fmt: skip
    assert first.clusters
    before = _snapshot(store)
    token = CancelToken()
    seen: list[str] = []

    def on_partial(frame: MapFrame) -> None:
        seen.append(f"{frame.method} epoch {frame.epoch}")
        if seen[-1] == step or (step == "pca" and frame.method == "pca"):
            token.cancel()

    def progress(fraction: float | None, message: str = "") -> None:
        seen.append(message)
        if (step == "umap start" and message.startswith("UMAP: fuzzy")) or (
            step == "clusters" and message == "Clusters: naming"
        ):
            token.cancel()

    with pytest.raises(Cancelled):
        build_map(store, progress, token, on_partial=on_partial, vectors=(ids, vectors),
                  model_id=MODEL, seed=1, partial_every_s=0.0)  # fmt: skip
    assert step in seen or step in ("pca", "umap start", "clusters")
    assert _snapshot(store) == before
    path = store.path
    store.close()
    with Store(path) as again:  # after a restart: the previous map, clusters and all
        assert _snapshot(again) == before
        shown = open_map(again, MODEL)
        assert shown is not None and shown.info.id == first.layout_id
        assert [c.label for c in shown.clusters] == [c.label for c in first.clusters]
        assert (shown.clusters_of >= 0).any()


def test_a_failing_build_leaves_the_stored_map_as_it_was(
    library: tuple[Store, np.ndarray, np.ndarray],
) -> None:
    """The map is written in one transaction: a write that fails half-way (here the
    UMAP layout's params cannot be stored) rolls back the PCA layout and the
    similar-papers table written before it in the same transaction."""
    store, ids, vectors = library
    build_map(store, vectors=(ids, vectors), model_id=MODEL, seed=0, n_epochs=30)
    before = _snapshot(store)
    from paperscope.library.store.maps import NewLayout, NewNeighbours

    nb = np.stack([np.roll(ids, -1), np.roll(ids, -2)], axis=1)
    with pytest.raises(TypeError):
        store.save_map(
            MODEL,
            [NewLayout("pca", {}, ids, np.zeros((len(ids), 2))),
             NewLayout("umap", {"bad": object()}, ids, np.ones((len(ids), 2)))],
            NewNeighbours(ids, nb, np.ones(nb.shape)),
        )  # fmt: skip
    assert _snapshot(store) == before


def test_same_library_same_map(
    library: tuple[Store, np.ndarray, np.ndarray],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue #21 item 8: the same library and settings give the same layout, clusters
    and labels, from the workflow and from `paperscope map --json` run twice."""
    store, ids, vectors = library
    maps = []
    for _ in range(2):
        result = build_map(store, vectors=(ids, vectors), model_id=MODEL)  # the default seed
        shown = open_map(store, MODEL)
        assert shown is not None
        maps.append((result, shown))
    (r1, m1), (r2, m2) = maps
    np.testing.assert_allclose(m1.coords, m2.coords, rtol=0, atol=1e-5)
    assert m1.clusters_of.tolist() == m2.clusters_of.tolist()
    assert m1.nearest_cluster.tolist() == m2.nearest_cluster.tolist()
    assert [(c.id, c.size, c.label) for c in r1.clusters] == [
        (c.id, c.size, c.label) for c in r2.clusters
    ]
    assert len(r1.clusters) >= 6
    # a different seed is a different (valid) map: the seed is really used
    build_map(store, vectors=(ids, vectors), model_id=MODEL, seed=7)
    other = open_map(store, MODEL)
    assert other is not None and not np.allclose(other.coords, m1.coords, atol=1e-3)

    store.put_vectors(MODEL, ids, ["from-test"] * len(ids), vectors)
    path = store.path
    store.close()
    printed = []
    for _ in range(2):
        assert main(["--library", str(path), "map", "--json"]) == 0
        printed.append([json.loads(x) for x in capsys.readouterr().out.splitlines()])
    assert printed[0] == printed[1]
    clusters = printed[0]
    keys = {"id", "size", "label", "level", "parent", "terms"}
    assert [set(c) for c in clusters] == [keys] * len(clusters)
    assert [(c["id"], c["size"], c["label"], c["level"], c["parent"]) for c in clusters] == [
        (c.id, c.size, c.label, c.level, c.parent) for c in r1.clusters
    ]
    # every level of the hierarchy is printed, each cluster inside one of the level above
    levels = sorted({c["level"] for c in clusters})
    assert levels == list(range(len(levels))) and len(levels) >= 2
    by_id = {c["id"]: c for c in clusters}
    for c in clusters:
        if c["level"] < levels[-1]:
            assert by_id[c["parent"]]["level"] == c["level"] + 1
        else:
            assert c["parent"] == -1
    # --knn picks the layout's kNN; what ran is said (and stored with the layout)
    assert main(["--library", str(path), "map", "--knn", "exact"]) == 0
    out = capsys.readouterr().out
    assert "  ran: kNN exact · UMAP on all papers on 1 core" in out.splitlines()
    with Store(path) as again:
        shown = open_map(again, MODEL)
        assert shown is not None and shown.info.params["knn"] == "exact"
        assert shown.info.params["layout_path"] == "full"


def test_new_papers_are_placed_on_the_stored_map(
    library: tuple[Store, np.ndarray, np.ndarray], corpus: Corpus
) -> None:
    store, ids, vectors = library
    late = np.arange(len(ids)) % 15 == 0  # 31 papers embedded after the map was built
    build_map(store, vectors=(ids[~late], vectors[~late]), model_id=MODEL, seed=0)
    before = open_map(store, MODEL)
    assert before is not None and len(before) == N_LIBRARY - 31
    placed = place_new_papers(store, vectors=(ids, vectors), model_id=MODEL)
    assert placed == 31
    after = open_map(store, MODEL)
    assert after is not None and len(after) == N_LIBRARY and after.placed.sum() == 31
    assert set(after.paper_ids[after.placed].tolist()) == set(ids[late].tolist())
    # the old points did not move
    keep = ~after.placed
    np.testing.assert_array_equal(after.coords[keep], before.coords)
    # placed papers are in no cluster, shaded by the cluster of the point they sit nearest
    assert (after.clusters_of[after.placed] == -1).all()
    for row in np.flatnonzero(after.placed):
        d = np.linalg.norm(before.coords - after.coords[row], axis=1)
        assert after.nearest_cluster[row] == before.nearest_cluster[np.argmin(d)]
    # each placed paper lies nearer its most similar paper than the median pair distance
    pos = {int(p): i for i, p in enumerate(after.paper_ids)}
    span = np.median(np.linalg.norm(after.coords - after.coords.mean(axis=0), axis=1))
    close = 0
    for pid in ids[late]:
        best = similar_papers(store, int(pid), 1, vectors=(ids, vectors))[0].id
        close += np.linalg.norm(after.coords[pos[int(pid)]] - after.coords[pos[best]]) < span
    assert close >= 28
    assert place_new_papers(store, vectors=(ids, vectors), model_id=MODEL) == 0


def test_more_like_these_and_vector_query(library: tuple[Store, np.ndarray, np.ndarray]) -> None:
    store, ids, vectors = library
    a, b = _id_of(store, REWARD_A), _id_of(store, REWARD_B)
    hits = more_like_these(store, [a, b], k=5, vectors=(ids, vectors))
    assert len(hits) == 5 and a not in [h.id for h in hits]
    assert all(
        "reward" in h.title.lower() or "rlhf" in h.title.lower() or "align" in h.title.lower()
        for h in hits[:3]
    )
    row = int(np.flatnonzero(ids == a)[0])
    ranked = rank_by_vector(store, vectors[row], 3, vectors=(ids, vectors))
    assert ranked[0].id == a and np.isclose(ranked[0].score, 1.0, atol=1e-5)
    with pytest.raises(MapError, match="run `paperscope embed`"):
        more_like_these(store, [a])
    # the same answers from vectors loaded once (what the GUI keeps)
    index = VectorIndex(MODEL, ids, vectors * 2.0)  # normalised on the way in
    assert len(index) == len(ids)
    assert more_like_these(store, [a, b], k=5, vectors=index) == hits
    assert [h.id for h in similar_papers(store, a, 5, vectors=index)] == [
        h.id for h in similar_papers(store, a, 5, vectors=(ids, vectors))
    ]
    with pytest.raises(MapError, match="paper 999999 has no embedding"):
        similar_papers(store, 999_999, 5, vectors=index)


def test_build_map_input_errors(library: tuple[Store, np.ndarray, np.ndarray]) -> None:
    store, ids, vectors = library
    with pytest.raises(MapError, match="unknown map method"):
        build_map(store, method="tsne", vectors=(ids, vectors))
    with pytest.raises(MapError, match="at least 3"):
        build_map(store, vectors=(ids[:2], vectors[:2]))
    with pytest.raises(MapError, match="twice"):
        build_map(store, vectors=(np.array([1, 1, 2]), vectors[:3]))
    with pytest.raises(MapError, match="run `paperscope embed`"):
        build_map(store)


def test_render_png_with_labels(
    library: tuple[Store, np.ndarray, np.ndarray], tmp_path: Path
) -> None:
    import matplotlib.image

    store, ids, vectors = library
    build_map(store, vectors=(ids, vectors), model_id=MODEL, seed=0)
    shown = open_map(store, MODEL)
    assert shown is not None
    out = render_png(store, shown, tmp_path / "out" / "map.png")
    img = matplotlib.image.imread(out)
    assert img.shape[0] > 500 and img.shape[1] > 700
    # coloured cluster points, not only grey/white
    rgb = img[..., :3].reshape(-1, 3)
    saturation = rgb.max(axis=1) - rgb.min(axis=1)
    assert (saturation > 0.3).sum() > 500
    svg = render_png(store, shown, tmp_path / "map.svg")
    text = svg.read_text(encoding="utf-8")
    assert shown.clusters[0].label.split(", ")[0] in text


@pytest.mark.slow
def test_large_library_path_uses_approximate_neighbours(
    library: tuple[Store, np.ndarray, np.ndarray],
) -> None:
    """Above ``exact_limit`` the graph comes from NN-descent (pynndescent compiles for
    ~45 s in a fresh process, hence slow); it finds nearly all exact neighbours."""
    from paperscope.mapping.neighbours import approximate_knn_graph, knn_graph

    store, ids, vectors = library
    result = build_map(store, vectors=(ids, vectors), model_id=MODEL, seed=0, exact_limit=100)
    shown = open_map(store, MODEL)
    assert shown is not None and shown.info.params["knn"] == "nndescent"
    assert len(result.clusters) >= 5
    a, b = _id_of(store, REWARD_A), _id_of(store, REWARD_B)
    assert b in [h.id for h in similar_papers(store, a, 5)]
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    approx = approximate_knn_graph(unit, 16, seed=0)
    exact = knn_graph(unit, 16)
    assert (approx.indices[:, 0] == np.arange(len(ids))).all()
    recall = np.mean(
        [len(set(x) & set(y)) / 16 for x, y in zip(approx.indices, exact.indices, strict=True)]
    )
    assert recall > 0.95
    assert (np.diff(approx.scores, axis=1) <= 1e-6).all()
