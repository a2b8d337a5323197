"""The maps store mixin on its own: layouts keyed by model and method, clusters,
the similar-papers table, papers deleted after the map was built."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from paperscope.core.records import Cluster, Paper
from paperscope.library.store import Store
from tests.mapping.corpus import load_corpus


@pytest.fixture
def small(store: Store) -> tuple[Store, np.ndarray]:
    _, texts, titles = load_corpus()
    papers = [
        Paper(title=t, abstract=x.split("\n\n", 1)[1])
        for t, x in zip(titles[:12], texts[:12], strict=True)
    ]
    store.add_papers(papers)
    return store, store.paper_ids()


def test_migration_creates_the_map_tables(store: Store) -> None:
    assert store.schema_version() >= 40
    tables = {
        r[0] for r in store.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    assert {"map_layouts", "map_points", "map_clusters", "paper_neighbours"} <= tables


def test_layouts_per_model_and_method(small: tuple[Store, np.ndarray]) -> None:
    store, ids = small
    xy = np.arange(24, dtype=np.float32).reshape(12, 2)
    a = store.save_layout("m1", "pca", {"n": 12}, ids, xy)
    b = store.save_layout("m1", "umap", {"a": 1.5, "b": 0.9}, ids, xy * 2)
    c = store.save_layout("m2", "umap", {"a": 1.0}, ids, xy * 3)
    assert [i.id for i in store.layouts("m1")] == [b, a]
    assert store.latest_layout("m1").info.id == b  # a complete UMAP first
    assert store.latest_layout().info.id == c
    again = store.save_layout("m1", "umap", {"a": 2.0}, ids, xy * 4, complete=False)
    assert {i.id for i in store.layouts("m1")} == {a, again}  # replaced, not piled up
    assert store.latest_layout("m1").info.id == again  # the cancelled UMAP, as last seen
    shown = store.load_layout(again)
    assert shown is not None and shown.info.params == {"a": 2.0} and not shown.info.complete
    np.testing.assert_array_equal(shown.coords, xy * 4)
    assert (shown.clusters_of == -1).all() and not shown.placed.any()
    assert store.load_layout(9999) is None
    with pytest.raises(ValueError, match="coords of shape"):
        store.save_layout("m1", "pca", {}, ids, xy[:3])
    store.delete_layout(a)
    assert [i.id for i in store.layouts("m1")] == [again]


def test_clusters_and_deleted_papers(small: tuple[Store, np.ndarray]) -> None:
    store, ids = small
    xy = np.random.default_rng(0).random((12, 2)).astype(np.float32)
    lid = store.save_layout("m", "umap", {}, ids, xy)
    labels = np.array([0] * 5 + [1] * 4 + [-1] * 3)
    clusters = [Cluster(0, "reward, rl", ("reward", "rl"), 5, (0.1, 0.2)),
                Cluster(1, "quantum", ("quantum",), 4, (0.5, 0.5))]  # fmt: skip
    store.save_clusters(lid, ids, labels, clusters)
    shown = store.load_layout(lid)
    assert shown.clusters == clusters
    assert shown.clusters_of.tolist() == labels.tolist()
    store.save_clusters(lid, ids[:2], [1, 1], clusters[1:])  # replaces all assignments
    assert store.load_layout(lid).clusters_of.tolist() == [1, 1] + [-1] * 10
    with pytest.raises(ValueError, match="2 labels for 3 papers"):
        store.save_clusters(lid, ids[:3], [1, 1], [])
    # a paper deleted from the library leaves the map without a rebuild
    store.execute("DELETE FROM papers WHERE id = ?", [int(ids[3])])
    assert len(store.load_layout(lid)) == 11 and ids[3] not in store.load_layout(lid).paper_ids


def test_similar_table_and_placed_points(small: tuple[Store, np.ndarray]) -> None:
    store, ids = small
    nb = np.stack([np.roll(ids, -s) for s in (1, 2, 3)], axis=1)
    scores = np.tile(np.array([0.9, 0.8, 0.7], dtype=np.float32), (12, 1))
    store.save_neighbours("m", ids, nb, scores)
    store.save_layout("m", "pca", {}, ids[:10], np.zeros((10, 2)))
    got = store.stored_neighbours(int(ids[0]), 2)
    assert got == [(int(ids[1]), pytest.approx(0.9)), (int(ids[2]), pytest.approx(0.8))]
    assert store.stored_neighbours(int(ids[0]), 5, "other-model") == []
    store.save_neighbours("m", ids, nb[:, :1], scores[:, :1])  # replaced
    assert len(store.stored_neighbours(int(ids[0]), 5, "m")) == 1
    with pytest.raises(ValueError, match="neighbour table"):
        store.save_neighbours("m", ids, nb[:3], scores[:3])
    lid = store.layouts("m")[0].id
    store.add_layout_points(lid, ids[10:], [[5, 5], [6, 6]])
    shown = store.load_layout(lid)
    assert len(shown) == 12 and shown.placed.tolist() == [False] * 10 + [True] * 2
    assert store.titles_and_abstracts([ids[0], 123456])[1] == ""


def test_save_map_writes_all_or_nothing_with_nearest_clusters(
    small: tuple[Store, np.ndarray],
) -> None:
    from paperscope.library.store.maps import NewLayout, NewNeighbours

    store, ids = small
    xy = np.arange(24, dtype=np.float32).reshape(12, 2)
    labels = np.array([0] * 5 + [1] * 4 + [-1] * 3)
    near = np.array([0] * 5 + [1] * 4 + [0, 1, 1])
    clusters = [Cluster(0, "a", ("a",), 5, (0.0, 0.0)),
                Cluster(1, "b", ("b",), 4, (1.0, 1.0))]  # fmt: skip
    nb = np.stack([np.roll(ids, -1), np.roll(ids, -2)], axis=1)
    pca, umap = store.save_map(
        "m",
        [NewLayout("pca", {"n": 12}, ids, xy),
         NewLayout("umap", {"a": 1.0}, ids, xy * 2, labels, clusters, near)],
        NewNeighbours(ids, nb, np.full(nb.shape, 0.5)),
    )  # fmt: skip
    shown = store.load_layout(umap)
    assert shown is not None and shown.clusters == clusters
    assert shown.clusters_of.tolist() == labels.tolist()
    assert shown.nearest_cluster is not None and shown.nearest_cluster.tolist() == near.tolist()
    plain = store.load_layout(pca)
    assert plain is not None and (plain.nearest_cluster == -1).all()
    assert len(store.stored_neighbours(int(ids[0]), 5, "m")) == 2
    # save_clusters without nearest clusters: each point's own cluster
    store.save_clusters(umap, ids, labels, clusters)
    again = store.load_layout(umap)
    assert again is not None and again.nearest_cluster.tolist() == labels.tolist()
    # a bad layout anywhere in the list: nothing is written
    before = [(i.id, i.method) for i in store.layouts()]
    with pytest.raises(ValueError, match="nearest clusters"):
        bad = NewLayout("umap", {}, ids, xy, labels, clusters, near[:3])
        store.save_map("m", [NewLayout("pca", {}, ids, xy), bad])
    assert [(i.id, i.method) for i in store.layouts()] == before


def test_cluster_levels_and_parents_survive_the_store(small: tuple[Store, np.ndarray]) -> None:
    store, ids = small
    xy = np.random.default_rng(1).random((12, 2)).astype(np.float32)
    lid = store.save_layout("m", "umap", {}, ids, xy)
    labels = np.array([0] * 4 + [1] * 4 + [2] * 4)
    clusters = [Cluster(0, "reward", ("reward",), 4, (0.1, 0.2), 0, 3),
                Cluster(1, "rlhf", ("rlhf",), 4, (0.2, 0.2), 0, 3),
                Cluster(2, "quantum", ("quantum",), 4, (0.8, 0.8), 0, 4),
                Cluster(3, "alignment", ("alignment",), 8, (0.15, 0.2), 1, -1),
                Cluster(4, "physics", ("physics",), 4, (0.8, 0.8), 1, -1)]  # fmt: skip
    store.save_clusters(lid, ids, labels, clusters)
    shown = store.load_layout(lid)
    assert shown is not None and shown.clusters == clusters  # level 0 first, then by size
    assert store.schema_version() >= 130


def test_mapped_vectors_are_unit_rows_on_disk_and_follow_every_change(
    small: tuple[Store, np.ndarray],
) -> None:
    """Issue #17: the vectors as a read-only memory map of unit rows in a side file
    beside the library, written in chunks (here 5 rows), the same rows as the table
    normalised; reused while nothing changes, rewritten after a put, a delete or a
    deleted paper; ``VectorIndex.open`` gives it to the GUI's queries."""
    from paperscope.mapping.neighbours import normalise
    from paperscope.workflows.map import VectorIndex, similar_papers

    store, ids = small
    rng = np.random.default_rng(0)
    x = rng.normal(size=(12, 8)).astype(np.float32)
    x[3] = 0.0  # an all-zero row stays zero
    store.put_vectors("m", ids, ["h"] * 12, x)
    got_ids, got = store.mapped_vectors("m", chunk=5)
    assert isinstance(got, np.memmap) and not got.flags.writeable
    assert got.filename is not None and Path(got.filename).parent == store.vector_files_dir()
    want_ids, want = store.vectors("m")
    np.testing.assert_array_equal(got_ids, want_ids)
    np.testing.assert_array_equal(np.asarray(got), normalise(want))
    first = got.filename
    again = store.mapped_vectors("m")[1]
    assert again.filename == first  # nothing changed: the same file, not rewritten
    store.put_vectors("m", ids[:2], ["h2"] * 2, x[:2] * -1)  # a change: a new file
    changed = store.mapped_vectors("m")[1]
    assert changed.filename != first and not list(store.vector_files_dir().glob("*.part"))
    np.testing.assert_array_equal(np.asarray(changed), normalise(store.vectors("m")[1]))
    assert len(list(store.vector_files_dir().glob("*.npy"))) == 2  # the old ones deleted
    store.delete_papers([int(ids[0])])  # a deleted paper leaves the map too
    assert int(ids[0]) not in store.mapped_vectors("m")[0]
    index = VectorIndex.open(store, "m")
    hits = similar_papers(store, int(ids[4]), k=3, vectors=index)
    full = similar_papers(store, int(ids[4]), k=3, vectors=VectorIndex.load(store, "m"))
    assert [h.id for h in hits] == [h.id for h in full]
    store.delete_vectors("m")
    assert not list(store.vector_files_dir().glob("*.npy"))
    assert store.mapped_vectors("m")[0].size == 0
