"""The semantic map: build and store layouts, clusters and similar papers.

``build_map`` is the one long task the GUI runs in a worker (and ``paperscope map``
runs in the terminal):

1. PCA layout (under 2 s for 100k papers), stored and sent to ``on_partial`` at once,
   so the map is never empty;
2. the exact kNN graph (blocked BLAS), stored as the "similar papers" table;
3. UMAP from that graph, started from the PCA layout, each intermediate layout sent to
   ``on_partial`` while it converges; Cancel stores the last one (``complete=False``);
4. HDBSCAN clusters named by c-TF-IDF, stored with the layout.

Reopening the library reads the stored layout (``store.latest_layout()``): no
recomputation. Papers embedded after the build are placed with :func:`place_new_papers`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from paperscope.core.tasks import Cancelled, CancelToken, Progress, no_progress, sub_progress
from paperscope.library.store import Store
from paperscope.library.store.maps import StoredCluster, StoredMap
from paperscope.mapping import clusters as clustering
from paperscope.mapping import neighbours, projection

METHODS = ("pca", "umap")
UMAP_NEIGHBOURS = 15  # UMAP's n_neighbors (the paper itself included)
SIMILAR_STORED = 20  # similar papers kept per paper
EXACT_LIMIT = 200_000  # above this the kNN graph is approximate (exact is O(n²) on a CPU)

Vectors = tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]


class MapError(Exception):
    """The map cannot be built; the message is meant for the user."""


@dataclass(frozen=True, slots=True)
class MapFrame:
    """One layout on its way: ``coords`` row-aligned with ``paper_ids``. ``method`` is
    ``"pca"`` for the preview, ``"umap"`` while UMAP converges (``epoch`` of
    ``n_epochs``; ``epoch == n_epochs`` on the last frame)."""

    paper_ids: npt.NDArray[np.int64]
    coords: npt.NDArray[np.float32]
    method: str
    epoch: int = 0
    n_epochs: int = 0


PartialCallback = Callable[[MapFrame], None]


@dataclass(slots=True)
class MapResult:
    layout_id: int
    method: str
    model_id: str
    n_papers: int
    clusters: list[StoredCluster] = field(default_factory=list)
    complete: bool = True
    timings: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ScoredPaper:
    id: int
    title: str
    score: float


def load_vectors(store: Store, model_id: str | None = None) -> tuple[str, Vectors]:
    """``(model_id, (paper_ids, matrix))`` from the library's stored embeddings
    (``model_id=None``: the model with the most stored vectors)."""
    if model_id is None:
        counts = store.vector_models()
        if not counts:
            raise MapError("no paper in this library has an embedding yet: run `paperscope embed`")
        model_id = max(counts, key=lambda m: (counts[m], m))
    ids, matrix = store.vectors(model_id)
    ids = np.asarray(ids, dtype=np.int64)
    if ids.size == 0:
        raise MapError(f"no paper has an embedding of model {model_id}: run `paperscope embed`")
    return str(model_id), (ids, np.asarray(matrix, dtype=np.float32))


class VectorIndex:
    """The library's vectors of one model loaded once (unit rows), for the GUI's many
    quick queries: pass it as ``vectors=`` to :func:`similar_papers`,
    :func:`more_like_these` and :func:`rank_by_vector` instead of reading the store each
    time. Reload it after embedding more papers."""

    def __init__(self, model_id: str, ids: npt.ArrayLike, matrix: npt.ArrayLike) -> None:
        self.model_id = model_id
        self.ids, self.matrix = _prepare((np.asarray(ids), np.asarray(matrix)))

    @classmethod
    def load(cls, store: Store, model_id: str | None = None) -> VectorIndex:
        model, (ids, matrix) = load_vectors(store, model_id)
        return cls(model, ids, matrix)

    def __len__(self) -> int:
        return int(self.ids.shape[0])


def _prepare(vectors: Vectors | VectorIndex) -> Vectors:
    if isinstance(vectors, VectorIndex):
        return vectors.ids, vectors.matrix
    ids = np.asarray(vectors[0], dtype=np.int64)
    matrix = neighbours.normalise(vectors[1])
    if matrix.shape[0] != ids.shape[0]:
        raise MapError(f"{ids.shape[0]} paper ids for {matrix.shape[0]} vectors")
    if np.unique(ids).shape[0] != ids.shape[0]:
        raise MapError("the vectors name some paper twice")
    return ids, matrix


def _store_clusters(
    store: Store,
    layout_id: int,
    ids: npt.NDArray[np.int64],
    coords: npt.NDArray[np.float32],
    min_cluster_size: int | None,
    progress: Progress,
    cancel: CancelToken,
) -> list[StoredCluster]:
    result = clustering.cluster_map(
        coords, lambda rows: store.titles_and_abstracts(ids[rows]), min_cluster_size,
        progress=progress, cancel=cancel,
    )  # fmt: skip
    stored = [StoredCluster(c.id, c.label, c.terms, c.size, c.centre) for c in result.clusters]
    store.save_clusters(layout_id, ids, result.labels, stored)
    return stored


def build_map(
    store: Store,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    method: str = "umap",
    on_partial: PartialCallback | None = None,
    *,
    vectors: Vectors | None = None,
    model_id: str | None = None,
    seed: int | None = None,
    n_epochs: int | None = None,
    min_cluster_size: int | None = None,
    partial_every_s: float = 0.5,
    exact_limit: int = EXACT_LIMIT,
) -> MapResult:
    """Compute and store the map of every embedded paper (see the module docstring).

    ``vectors``: ``(paper_ids, matrix)`` to lay out instead of the library's stored
    embeddings (with ``model_id`` naming them). ``seed`` makes UMAP reproducible (and
    single-threaded). Above ``exact_limit`` papers the neighbour graph is approximate
    (NN-descent) instead of exact, which is O(n²) on a CPU.
    """
    if method not in METHODS:
        raise MapError(f"unknown map method {method!r} (choose from {', '.join(METHODS)})")
    cancel = cancel or CancelToken()
    timings: dict[str, float] = {}
    if vectors is None:
        model_id, vectors = load_vectors(store, model_id)
    model = model_id or "default"
    ids, matrix = _prepare(vectors)
    n = ids.shape[0]
    if n < 3:
        raise MapError(f"a map needs at least 3 embedded papers, this library has {n}")
    umap = method == "umap"
    t0 = time.perf_counter()
    progress(0.0, f"PCA layout of {n:,} papers")
    pca = projection.pca_layout(matrix)
    timings["pca"] = time.perf_counter() - t0
    pca_id = store.save_layout(model, "pca", pca.params, ids, pca.coords)
    if on_partial is not None:
        on_partial(MapFrame(ids, pca.coords, "pca"))
    cancel.check()
    if not umap:
        t0 = time.perf_counter()
        stored = _store_clusters(
            store, pca_id, ids, pca.coords, min_cluster_size, sub_progress(progress, 0.5, 1.0),
            cancel,
        )  # fmt: skip
        timings["clusters"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        _store_similar(
            store, model, ids, matrix, sub_progress(progress, 0.05, 0.5), cancel,
            exact=n <= exact_limit, seed=seed,
        )  # fmt: skip
        timings["knn"] = time.perf_counter() - t0
        progress(1.0, f"Map of {n:,} papers (PCA)")
        return MapResult(pca_id, "pca", model, n, stored, True, timings)

    t0 = time.perf_counter()
    graph = _store_similar(
        store, model, ids, matrix, sub_progress(progress, 0.02, 0.4), cancel,
        exact=n <= exact_limit, seed=seed,
    )  # fmt: skip
    timings["knn"] = time.perf_counter() - t0

    last: list[npt.NDArray[np.float32]] = [pca.coords]

    def partial(coords: npt.NDArray[np.float32], epoch: int, total: int) -> None:
        last[0] = coords
        if on_partial is not None:
            on_partial(MapFrame(ids, coords, "umap", epoch, total))

    t0 = time.perf_counter()
    try:
        layout = projection.umap_layout(
            graph, pca.coords, n_neighbors=UMAP_NEIGHBOURS, n_epochs=n_epochs, seed=seed,
            on_partial=partial, partial_every_s=partial_every_s,
            progress=sub_progress(progress, 0.4, 0.93), cancel=cancel,
        )  # fmt: skip
    except Cancelled:
        if last[0] is not pca.coords:  # keep the last layout UMAP reached
            store.save_layout(model, "umap", {"cancelled": True}, ids, last[0], complete=False)
        raise
    timings["umap"] = time.perf_counter() - t0
    params = {**layout.params, "knn": "exact" if n <= exact_limit else "nndescent"}
    layout_id = store.save_layout(model, "umap", params, ids, layout.coords)
    t0 = time.perf_counter()
    stored = _store_clusters(
        store, layout_id, ids, layout.coords, min_cluster_size, sub_progress(progress, 0.93, 1.0),
        cancel,
    )  # fmt: skip
    timings["clusters"] = time.perf_counter() - t0
    progress(1.0, f"Map of {n:,} papers, {len(stored)} clusters")
    return MapResult(layout_id, "umap", model, n, stored, True, timings)


def _store_similar(
    store: Store,
    model: str,
    ids: npt.NDArray[np.int64],
    matrix: npt.NDArray[np.float32],
    progress: Progress,
    cancel: CancelToken,
    exact: bool = True,
    seed: int | None = None,
) -> neighbours.KnnGraph:
    k = min(max(UMAP_NEIGHBOURS, SIMILAR_STORED + 1), ids.shape[0])
    if exact:
        graph = neighbours.knn_graph(matrix, k, progress=progress, cancel=cancel)
    else:
        graph = neighbours.approximate_knn_graph(matrix, k, seed, progress, cancel)
    store.save_neighbours(model, ids, ids[graph.indices[:, 1:]], graph.scores[:, 1:])
    return graph


def place_new_papers(
    store: Store,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    *,
    vectors: Vectors | None = None,
    model_id: str | None = None,
) -> int:
    """Put embedded papers that the stored UMAP layout lacks onto it (``transform``);
    returns how many were placed. A PCA layout is simply recomputed (it is instant)."""
    cancel = cancel or CancelToken()
    if vectors is None:
        model_id, vectors = load_vectors(store, model_id)
    model = model_id or "default"
    ids, matrix = _prepare(vectors)
    current = store.latest_layout(model)
    if current is None:
        raise MapError("there is no map yet: build one first")
    missing = ~np.isin(ids, current.paper_ids)
    if not missing.any():
        return 0
    cancel.check()
    if current.info.method != "umap" or not current.info.complete:
        build_map(store, progress, cancel, "pca", vectors=(ids, matrix), model_id=model)
        return int(missing.sum())
    have = neighbours.rows_of(ids, current.paper_ids)
    known_ids = ids[have]
    order = np.argsort(current.paper_ids)
    pos = order[np.searchsorted(current.paper_ids[order], known_ids)]
    progress(0.1, f"Placing {int(missing.sum())} new papers")
    params: dict[str, Any] = current.info.params
    coords = projection.place_new(
        matrix[missing], matrix[have], current.coords[pos],
        float(params["a"]), float(params["b"]), n_neighbors=int(params.get("n_neighbors", 15)),
    )  # fmt: skip
    store.add_layout_points(current.info.id, ids[missing], coords)
    progress(1.0, f"Placed {int(missing.sum())} new papers")
    return int(missing.sum())


def open_map(store: Store, model_id: str | None = None) -> StoredMap | None:
    """The stored map to show on opening (None: build one)."""
    return store.latest_layout(model_id)


def _titled(store: Store, hits: Sequence[tuple[int, float]]) -> list[ScoredPaper]:
    rows = store.table_rows([i for i, _ in hits], ["title"])
    return [ScoredPaper(i, str(rows[i][0]), s) for i, s in hits if i in rows]


def _titled_hits(store: Store, hits: neighbours.Hits) -> list[ScoredPaper]:
    return _titled(store, list(zip(hits.ids.tolist(), hits.scores.tolist(), strict=True)))


def similar_papers(
    store: Store,
    paper_id: int,
    k: int = 10,
    *,
    vectors: Vectors | VectorIndex | None = None,
    model_id: str | None = None,
) -> list[ScoredPaper]:
    """The ``k`` papers most similar to ``paper_id`` with cosine scores, best first:
    from the stored table when it holds enough, otherwise from the vectors."""
    if vectors is None:
        stored = store.stored_neighbours(paper_id, k, model_id)
        if len(stored) >= k:
            return _titled(store, stored)
        try:
            model_id, vectors = load_vectors(store, model_id)
        except MapError:
            if stored:  # a small library: fewer than k others exist
                return _titled(store, stored)
            raise MapError(
                f"paper {paper_id} has no similar papers yet: "
                "run `paperscope embed`, then `paperscope map`"
            ) from None
    ids, matrix = _prepare(vectors)
    try:
        hits = neighbours.similar(ids, matrix, paper_id, k)
    except KeyError as exc:
        raise MapError(f"paper {paper_id} has no embedding") from exc
    return _titled_hits(store, hits)


def more_like_these(
    store: Store,
    positive_ids: Sequence[int],
    negative_ids: Sequence[int] = (),
    k: int = 10,
    *,
    vectors: Vectors | VectorIndex | None = None,
    model_id: str | None = None,
) -> list[ScoredPaper]:
    """Papers like the selection (mean of its vectors minus the negatives' mean)."""
    if vectors is None:
        model_id, vectors = load_vectors(store, model_id)
    ids, matrix = _prepare(vectors)
    try:
        hits = neighbours.more_like_these(ids, matrix, positive_ids, negative_ids, k)
    except KeyError as exc:
        raise MapError(str(exc)) from exc
    return _titled_hits(store, hits)


def rank_by_vector(
    store: Store,
    query: npt.ArrayLike,
    k: int = 50,
    *,
    vectors: Vectors | VectorIndex | None = None,
    model_id: str | None = None,
) -> list[ScoredPaper]:
    """Semantic search: papers ranked by cosine to an embedded query (``~free text``)."""
    if vectors is None:
        model_id, vectors = load_vectors(store, model_id)
    ids, matrix = _prepare(vectors)
    hits = neighbours.rank_by_query(ids, matrix, query, k)
    return _titled_hits(store, hits)


def warm_up() -> float:
    """Compile the map's numba kernels (call once in a background worker at start)."""
    return projection.warm_up()


def render_png(store: Store, stored: StoredMap, path: Path) -> Path:
    """Render a stored map (PNG or SVG by suffix) with matplotlib, labels drawn."""
    from paperscope.mapping.render import render_map

    info = stored.info
    title = f"{len(stored):,} papers · {info.method.upper()} · {info.model_id}"
    return render_map(stored.coords, stored.clusters_of, stored.clusters, path, title)


def embed_and_build_map(
    store: Store,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    method: str = "umap",
    on_partial: PartialCallback | None = None,
    model_path: Path | str | None = None,
) -> MapResult:
    """What the map's "Build map" button does: embed what is not embedded yet (only new
    or changed papers), then lay out every embedded paper."""
    from paperscope.workflows.embed import embed_library

    cancel = cancel or CancelToken()
    summary = embed_library(store, sub_progress(progress, 0.0, 0.5), cancel, model_path=model_path)
    return build_map(
        store, sub_progress(progress, 0.5, 1.0), cancel, method, on_partial,
        model_id=summary.model_id,
    )  # fmt: skip


def semantic_search(
    store: Store,
    text: str,
    k: int = 50,
    model_path: Path | str | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> list[ScoredPaper]:
    """Papers ranked by cosine to a free-text query (the search box's ``~query``),
    over the library's vectors of the same model."""
    from paperscope.workflows.embed import embed_query

    model_id, vector = embed_query(text, model_path, progress=progress, cancel=cancel)
    return rank_by_vector(store, vector, k, model_id=model_id)
