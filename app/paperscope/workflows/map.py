"""The semantic map: build and store layouts, clusters and similar papers.

``build_map`` is the one long task the GUI runs in a worker (and ``paperscope map``
runs in the terminal):

1. PCA layout (under 2 s for 100k papers), sent to ``on_partial`` at once, so the map
   is never empty;
2. the kNN graph (see ``knn`` below), from which the "similar papers" table is stored
   when the graph is exact;
3. UMAP from that graph, started from the PCA layout, each intermediate layout sent to
   ``on_partial`` while it converges;
4. HDBSCAN clusters, the hierarchy of broader clusters above them, each level named by
   c-TF-IDF without the library's own stop words (recorded in the layout's
   ``params["label_stop_words"]``).

All or nothing: the layouts, clusters and similar-papers table are written only when
the build completes, in one transaction (``store.save_map``); Cancel (or an error) at
any step leaves the stored map exactly as it was. Same input, same map: every random
step (UMAP's SGD and negative sampling, HDBSCAN's sample of a big map, the texts that
name the clusters, NN-descent) is drawn from ``seed`` (``DEFAULT_SEED`` unless told
otherwise), so the same library and settings give the same layout, clusters and labels.

Reopening the library reads the stored layout (``store.latest_layout()``): no
recomputation. Papers embedded after the build are placed with :func:`place_new_papers`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from paperscope.core.records import Cluster
from paperscope.core.tasks import CancelToken, Progress, no_progress, sub_progress
from paperscope.library.store import Store
from paperscope.library.store.maps import NewLayout, NewNeighbours, StoredMap
from paperscope.mapping import clusters as clustering
from paperscope.mapping import neighbours, projection
from paperscope.mapping.exact_search import SketchIndex

METHODS = ("pca", "umap")
UMAP_NEIGHBOURS = 15  # UMAP's n_neighbors (the paper itself included)
SIMILAR_STORED = 20  # similar papers kept per paper
EXACT_LIMIT = 50_000  # knn="auto" on a CPU: above this the graph is approximate (exact is O(n²))
KNN_MODES = ("auto", "exact", "approx")
# UMAP on a sample above this many papers, the rest placed on it. Up to here UMAP runs on
# all papers: at 1M real-like vectors (tests/benchmarks/bench_map_layout.py) the sample of
# 100k with 900k placed kept 0.001 of the 10-NN among the 30-NN on the map, in 1,072 s
# (NN-descent queries of the placed papers run on one core); UMAP on all of them is both
# faster and a map (the figures are in the benchmark's docstring).
SAMPLE_ABOVE = 1_000_000
SAMPLE_SIZE = 100_000  # the sample's size (seeded)
SKETCH_ABOVE = 50_000  # VectorIndex.similar searches through an exact sketch above this
SKETCH_MAX = 3_000_000  # and up to this (the sketch is 37 % of the vectors' size)
DEFAULT_SEED = 0  # every map is reproducible unless a caller asks for seed=None

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
    clusters: list[Cluster] = field(default_factory=list)
    complete: bool = True
    timings: dict[str, float] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    """The stored layout's params: ``knn``, ``layout_path``… (:func:`describe_run`)."""


@dataclass(frozen=True, slots=True)
class ScoredPaper:
    id: int
    title: str
    score: float


def _main_model(store: Store) -> str:
    """The model with the most stored vectors."""
    counts = store.vector_models()
    if not counts:
        raise MapError("no paper in this library has an embedding yet: run `paperscope embed`")
    return max(counts, key=lambda m: (counts[m], m))


def load_vectors(store: Store, model_id: str | None = None) -> tuple[str, Vectors]:
    """``(model_id, (paper_ids, matrix))`` from the library's stored embeddings
    (``model_id=None``: the model with the most stored vectors)."""
    if model_id is None:
        model_id = _main_model(store)
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
        self._sketch: SketchIndex | None = None
        self._lock = threading.Lock()

    @classmethod
    def load(cls, store: Store, model_id: str | None = None) -> VectorIndex:
        model, (ids, matrix) = load_vectors(store, model_id)
        return cls(model, ids, matrix)

    @classmethod
    def open(cls, store: Store, model_id: str | None = None) -> VectorIndex:
        """As :meth:`load`, but the matrix is the store's memory map of unit rows
        (``Store.mapped_vectors``): ten million vectors are read from disk as queries
        touch them, never copied into memory."""
        model = _main_model(store) if model_id is None else model_id
        ids, matrix = store.mapped_vectors(model)
        if ids.size == 0:
            raise MapError(f"no paper has an embedding of model {model}: run `paperscope embed`")
        index = cls.__new__(cls)
        index.model_id, index.ids, index.matrix = model, ids, matrix
        index._sketch, index._lock = None, threading.Lock()
        return index

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    def sketch(self) -> SketchIndex | None:
        """The exact-search sketch (:mod:`paperscope.mapping.exact_search`), made on
        first use between :data:`SKETCH_ABOVE` and :data:`SKETCH_MAX` vectors (1M:
        ~5 s, 370 MB; a query then takes 47 ms instead of 117, tests/benchmarks/
        bench_similar.py); None below, where one pass over the vectors is as quick,
        and above, where the sketch would not fit beside memory-mapped vectors."""
        if not SKETCH_ABOVE <= len(self) <= SKETCH_MAX:
            return None
        with self._lock:  # two queries at once build it once
            if self._sketch is None:
                from paperscope.mapping import exact_search

                self._sketch = exact_search.SketchIndex(self.matrix, exact_search.SKETCH_DIM)
            return self._sketch

    def similar(self, paper_id: int, k: int = 10) -> neighbours.Hits:
        """The ``k`` papers most similar to ``paper_id`` (itself left out), exactly:
        through the sketch when there is one. ``KeyError`` when it has no vector."""
        rows = neighbours.rows_of(self.ids, [paper_id])
        if rows.size == 0:
            raise KeyError(f"paper {paper_id} has no vector")
        sketch = self.sketch()
        if sketch is None:
            return neighbours.similar(self.ids, self.matrix, paper_id, k)
        q = np.asarray(self.matrix[rows[0]], dtype=np.float32)
        top = sketch.top_k(q, k, exclude=rows)
        return neighbours.Hits(self.ids[top], np.asarray(self.matrix[top] @ q, np.float32))


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


def _clusters(
    store: Store,
    ids: npt.NDArray[np.int64],
    coords: npt.NDArray[np.float32],
    min_cluster_size: int | None,
    progress: Progress,
    cancel: CancelToken,
    seed: int,
) -> tuple[clustering.Clustering, list[Cluster]]:
    result = clustering.cluster_map(
        coords, lambda rows: store.titles_and_abstracts(ids[rows]), min_cluster_size,
        progress=progress, cancel=cancel, seed=seed,
    )  # fmt: skip
    return result, result.clusters


def _layout(
    method: str,
    params: dict[str, Any],
    ids: npt.NDArray[np.int64],
    coords: npt.NDArray[np.float32],
    clustered: tuple[clustering.Clustering, list[Cluster]] | None = None,
) -> NewLayout:
    if clustered is None:
        return NewLayout(method, params, ids, coords)
    result, stored = clustered
    params = {**params, "label_stop_words": list(result.stop_words)}
    return NewLayout(method, params, ids, coords, result.labels, stored, result.nearest)


def build_map(
    store: Store,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    method: str = "umap",
    on_partial: PartialCallback | None = None,
    *,
    vectors: Vectors | None = None,
    model_id: str | None = None,
    seed: int | None = DEFAULT_SEED,
    n_epochs: int | None = None,
    min_cluster_size: int | None = None,
    partial_every_s: float = 0.5,
    exact_limit: int = EXACT_LIMIT,
    knn: str = "auto",
    sample_above: int = SAMPLE_ABOVE,
    sample_size: int = SAMPLE_SIZE,
) -> MapResult:
    """Compute the map of every embedded paper and store it when it is complete (see
    the module docstring); :class:`Cancelled` when ``cancel`` is set, nothing stored.

    ``vectors``: ``(paper_ids, matrix)`` to lay out instead of the library's stored
    embeddings (with ``model_id`` naming them). ``seed`` makes the map reproducible
    (above 50k papers UMAP's SGD runs on all cores and gives the same layout on any
    number of threads, :mod:`paperscope.mapping._sgd`; below on one thread); ``None``
    draws a fresh seed each time (and below 50k runs umap's Hogwild SGD on all cores).

    ``knn``: how the layout's neighbour graph is found. ``"exact"``: blocked BLAS
    (:func:`neighbours.knn_graph`); ``"approx"``: NN-descent (pynndescent, seeded by
    ``seed``, widened until its recall@10 against the exact neighbours of seeded check
    rows is >= 0.96, recorded as ``params["knn_recall"]`` and ``["knn_width"]``; see
    tests/mapping/test_knn_paths; above ``neighbours.TWO_WIDTHS_ABOVE`` papers two widths
    at most, the second's recall kept whatever it is, which the status bar then says);
    ``"auto"``: exact on the GPU (the ONNX MatMul + TopK graph of
    :mod:`paperscope.mapping.onnx_knn`) when onnxruntime has CUDA, else exact up to
    ``exact_limit`` papers and approximate above. Similar papers stay exact: the table
    stored from an approximate graph is marked so (the newest layout's ``params["knn"]
    == "nndescent"``) and :func:`similar_papers` then answers exactly from the stored
    vectors (one matrix-vector product), using that table only when there are none.
    What ran is the layout's ``params["knn"]``: ``"exact"``, ``"onnx-cuda"`` or
    ``"nndescent"``.

    Above ``sample_above`` papers the UMAP layout is fitted on a seeded sample of
    ``sample_size`` papers (its kNN graph chosen by ``knn`` for the sample's size) and
    the rest are placed on it as ``UMAP.transform`` does (:func:`projection.place_new`;
    their neighbours in the sample exact when the sample's graph is exact, else by an
    NN-descent index on the sample). The layout's ``params["layout_path"]`` says which
    ran (``"full"`` or ``"sample+transform"``, with ``"sample"`` and ``"placed_knn"``);
    that path stores no similar-papers table (the old one is dropped) and
    :func:`similar_papers` answers exactly from the vectors.
    """
    if method not in METHODS:
        raise MapError(f"unknown map method {method!r} (choose from {', '.join(METHODS)})")
    if knn not in KNN_MODES:
        raise MapError(f"unknown kNN mode {knn!r} (choose from {', '.join(KNN_MODES)})")
    cancel = cancel or CancelToken()
    timings: dict[str, float] = {}
    if vectors is None:
        model_id, vectors = load_vectors(store, model_id)
    model = model_id or "default"
    ids, matrix = _prepare(vectors)
    n = ids.shape[0]
    if n < 3:
        raise MapError(f"a map needs at least 3 embedded papers, this library has {n}")
    cluster_seed = DEFAULT_SEED if seed is None else seed
    umap = method == "umap"
    sampled = umap and n > sample_above and 3 <= sample_size < n
    how = _knn_how(knn, sample_size if sampled else n, exact_limit)
    t0 = time.perf_counter()
    progress(0.0, f"PCA layout of {n:,} papers")
    pca = projection.pca_layout(matrix)
    timings["pca"] = time.perf_counter() - t0
    if on_partial is not None:
        on_partial(MapFrame(ids, pca.coords, "pca"))
    cancel.check()
    if sampled:
        return _build_sampled(
            store, model, ids, matrix, pca, how, sample_size, timings, progress, cancel,
            on_partial, seed=seed, n_epochs=n_epochs, min_cluster_size=min_cluster_size,
            partial_every_s=partial_every_s,
        )  # fmt: skip

    t0 = time.perf_counter()
    graph, checked = _similar(
        matrix, sub_progress(progress, 0.02, 0.4 if umap else 0.5), cancel, how, seed
    )
    similar = NewNeighbours(ids, ids[graph.indices[:, 1:]], graph.scores[:, 1:])
    # an approximate table is marked so (similar_papers then answers from the vectors)
    marked = {"knn": how, **checked} if how == "nndescent" else {}
    timings["knn"] = time.perf_counter() - t0
    if not umap:
        t0 = time.perf_counter()
        clustered = _clusters(
            store, ids, pca.coords, min_cluster_size, sub_progress(progress, 0.5, 1.0),
            cancel, cluster_seed,
        )  # fmt: skip
        timings["clusters"] = time.perf_counter() - t0
        cancel.check()
        (pca_id,) = store.save_map(
            model, [_layout("pca", {**pca.params, **marked}, ids, pca.coords, clustered)], similar
        )
        progress(1.0, f"Map of {n:,} papers (PCA)")
        return MapResult(pca_id, "pca", model, n, clustered[1], True, timings, {"knn": how})

    def partial(coords: npt.NDArray[np.float32], epoch: int, total: int) -> None:
        if on_partial is not None:
            on_partial(MapFrame(ids, coords, "umap", epoch, total))

    t0 = time.perf_counter()
    layout = projection.umap_layout(
        graph, pca.coords, n_neighbors=UMAP_NEIGHBOURS, n_epochs=n_epochs, seed=seed,
        on_partial=partial, partial_every_s=partial_every_s,
        progress=sub_progress(progress, 0.4, 0.93), cancel=cancel, timings=timings,
    )  # fmt: skip
    timings["umap"] = time.perf_counter() - t0
    params = {**layout.params, "knn": how, **checked, "layout_path": "full"}
    t0 = time.perf_counter()
    clustered = _clusters(
        store, ids, layout.coords, min_cluster_size, sub_progress(progress, 0.93, 1.0),
        cancel, cluster_seed,
    )  # fmt: skip
    timings["clusters"] = time.perf_counter() - t0
    cancel.check()  # the last moment a Cancel keeps the stored map as it was
    t0 = time.perf_counter()
    _pca_id, layout_id = store.save_map(
        model,
        [_layout("pca", pca.params, ids, pca.coords),
         _layout("umap", params, ids, layout.coords, clustered)],
        similar,
    )  # fmt: skip
    timings["store"] = time.perf_counter() - t0
    progress(1.0, f"Map of {n:,} papers, {len(clustered[1])} clusters")
    return MapResult(layout_id, "umap", model, n, clustered[1], True, timings, params)


def _build_sampled(
    store: Store,
    model: str,
    ids: npt.NDArray[np.int64],
    matrix: npt.NDArray[np.float32],
    pca: projection.Layout,
    how: str,
    sample_size: int,
    timings: dict[str, float],
    progress: Progress,
    cancel: CancelToken,
    on_partial: PartialCallback | None,
    *,
    seed: int | None,
    n_epochs: int | None,
    min_cluster_size: int | None,
    partial_every_s: float,
) -> MapResult:
    """UMAP on a seeded sample, the rest placed on it (see :func:`build_map`)."""
    n = ids.shape[0]
    cluster_seed = DEFAULT_SEED if seed is None else seed
    rng = np.random.default_rng(cluster_seed)
    sample = np.sort(rng.choice(n, size=sample_size, replace=False))
    rest = np.setdiff1d(np.arange(n), sample, assume_unique=True)
    base = np.ascontiguousarray(matrix[sample])
    t0 = time.perf_counter()
    progress(0.02, f"kNN of a sample of {sample_size:,} of {n:,} papers")
    graph, checked = _similar(base, sub_progress(progress, 0.02, 0.25), cancel, how, seed)
    timings["knn"] = time.perf_counter() - t0

    def partial(coords: npt.NDArray[np.float32], epoch: int, total: int) -> None:
        if on_partial is not None:  # the sample moves, the rest waits at its PCA place
            frame = pca.coords.copy()
            frame[sample] = coords
            on_partial(MapFrame(ids, frame, "umap", epoch, total))

    t0 = time.perf_counter()
    fitted = projection.umap_layout(
        graph, pca.coords[sample], n_neighbors=UMAP_NEIGHBOURS, n_epochs=n_epochs, seed=seed,
        on_partial=partial, partial_every_s=partial_every_s,
        progress=sub_progress(progress, 0.25, 0.6), cancel=cancel, timings=timings,
    )  # fmt: skip
    timings["umap"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    placed_knn = "exact" if how in ("exact", "onnx-cuda") else "nndescent"
    progress(0.6, f"Placing {rest.size:,} papers on the sample's layout")
    if placed_knn == "exact":
        found = projection.query_neighbours(matrix[rest], base, UMAP_NEIGHBOURS)
    else:
        near, sims, placed_check = neighbours.approximate_query(
            base, matrix[rest], UMAP_NEIGHBOURS, seed, sub_progress(progress, 0.6, 0.8), cancel
        )
        found = (near, sims)
        checked = {**checked, "placed_knn_recall": round(placed_check.recall, 4),
                   "placed_knn_width": placed_check.width}  # fmt: skip
    cancel.check()
    params = fitted.params
    placed = projection.place_new(
        matrix[rest], base, fitted.coords, float(params["a"]), float(params["b"]),
        n_neighbors=UMAP_NEIGHBOURS, seed=seed, neighbours=found,
    )  # fmt: skip
    coords = np.empty((n, 2), dtype=np.float32)
    coords[sample] = fitted.coords
    coords[rest] = placed
    timings["place"] = time.perf_counter() - t0
    cancel.check()
    params = {**params, "knn": how, **checked, "layout_path": "sample+transform",
              "sample": sample_size, "placed_knn": placed_knn}  # fmt: skip
    if on_partial is not None:
        on_partial(MapFrame(ids, coords, "umap", params["n_epochs"], params["n_epochs"]))
    t0 = time.perf_counter()
    clustered = _clusters(
        store, ids, coords, min_cluster_size, sub_progress(progress, 0.93, 1.0), cancel,
        cluster_seed,
    )  # fmt: skip
    timings["clusters"] = time.perf_counter() - t0
    cancel.check()  # the last moment a Cancel keeps the stored map as it was
    no_table = NewNeighbours(ids[:0], np.zeros((0, SIMILAR_STORED), np.int64),
                             np.zeros((0, SIMILAR_STORED), np.float32))  # fmt: skip
    t0 = time.perf_counter()
    _pca_id, layout_id = store.save_map(
        model,
        [_layout("pca", pca.params, ids, pca.coords),
         _layout("umap", params, ids, coords, clustered)],
        no_table,  # similar papers: exactly from the vectors
    )  # fmt: skip
    timings["store"] = time.perf_counter() - t0
    progress(1.0, f"Map of {n:,} papers (UMAP on {sample_size:,}, the rest placed)")
    return MapResult(layout_id, "umap", model, n, clustered[1], True, timings, params)


def describe_run(params: dict[str, Any]) -> str:
    """What a stored layout's build ran, for the status bar and the CLI: e.g.
    ``"kNN exact · UMAP on all papers"``, ``"kNN nndescent (recall@10 0.934) · UMAP on
    all papers on 16 cores"``, ``"kNN onnx-cuda (GPU) · …"`` or ``"kNN exact · UMAP on a
    sample of 100,000, the rest placed (kNN nndescent)"``: where each step ran."""
    knn = params.get("knn")
    parts = [] if knn is None else [f"kNN {knn}"]
    if knn == "nndescent" and "knn_recall" in params:  # measured on its check rows
        parts[0] += f" (recall@10 {float(params['knn_recall']):.3f})"
    elif knn is not None and str(knn).endswith("-cuda"):
        parts[0] += " (GPU)"
    threads = int(params.get("sgd_threads") or 0)
    cores = f" on {threads} core{'s' if threads != 1 else ''}" if threads else ""
    if params.get("layout_path") == "sample+transform":
        parts.append(f"UMAP on a sample of {int(params.get('sample', 0)):,}{cores}, the rest "
                     f"placed (kNN {params.get('placed_knn', '?')})")  # fmt: skip
    elif params.get("layout_path") == "full":
        parts.append(f"UMAP on all papers{cores}")
    return " · ".join(parts)


def _similar(
    matrix: npt.NDArray[np.float32],
    progress: Progress,
    cancel: CancelToken,
    how: str = "exact",
    seed: int | None = None,
) -> tuple[neighbours.KnnGraph, dict[str, Any]]:
    """The graph, and what to record of it in the layout's params (an approximate
    graph's measured recall@10 and NN-descent width)."""
    k = min(max(UMAP_NEIGHBOURS, SIMILAR_STORED + 1), matrix.shape[0])
    if how == "onnx-cuda":
        from paperscope.mapping.onnx_knn import OnnxKnn

        return OnnxKnn("cuda").knn_graph(matrix, k, progress, cancel), {}
    if how == "exact":
        return neighbours.knn_graph(matrix, k, progress=progress, cancel=cancel), {}
    graph, check = neighbours.approximate_knn(matrix, k, seed, progress, cancel)
    return graph, {"knn_recall": round(check.recall, 4), "knn_width": check.width,
                   "knn_check_rows": check.rows, "knn_recalls": list(check.recalls),
                   "knn_widths": list(check.widths)}  # fmt: skip


def _knn_how(knn: str, n: int, exact_limit: int) -> str:
    """``"exact"``, ``"onnx-cuda"`` or ``"nndescent"``: what ``knn`` means for ``n``
    papers on this machine (see :func:`build_map`)."""
    if knn == "exact":
        return "exact"
    if knn == "approx":
        return "nndescent"
    from paperscope.mapping.onnx_knn import cuda_usable

    if cuda_usable():
        return "onnx-cuda"
    return "exact" if n <= exact_limit else "nndescent"


def place_new_papers(
    store: Store,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    *,
    vectors: Vectors | None = None,
    model_id: str | None = None,
    seed: int | None = DEFAULT_SEED,
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
        build_map(store, progress, cancel, "pca", vectors=(ids, matrix), model_id=model, seed=seed)
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
        seed=seed,
    )  # fmt: skip
    # a placed paper is in no cluster; it is shaded by the cluster of the stored paper
    # it landed nearest to
    from scipy.spatial import cKDTree

    near = None
    if current.nearest_cluster is not None:
        _, row = cKDTree(current.coords).query(coords, k=1)
        near = current.nearest_cluster[np.asarray(row, dtype=np.int64)]
    store.add_layout_points(current.info.id, ids[missing], coords, near)
    progress(1.0, f"Placed {int(missing.sum())} new papers")
    return int(missing.sum())


def open_map(store: Store, model_id: str | None = None) -> StoredMap | None:
    """The stored map to show on opening (None: build one)."""
    return store.latest_layout(model_id)


def stored_map_size(store: Store, model_id: str | None = None) -> int:
    """How many points :func:`open_map` would read (0: the library has no map)."""
    return store.latest_layout_size(model_id)


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
    from the exact table computed in the background when it is current
    (:mod:`paperscope.workflows.similar_table`), else from the map's stored table when it
    is exact and holds enough, otherwise exactly from the vectors (an approximate table
    only when the library has no vectors)."""
    table = _exact_table(store, paper_id, k, model_id)
    if table is not None:
        return table
    if vectors is None:
        stored, exact = _stored(store, paper_id, k, model_id)
        if exact:
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
    try:
        if isinstance(vectors, VectorIndex):
            hits = vectors.similar(paper_id, k)
        else:
            ids, matrix = _prepare(vectors)
            hits = neighbours.similar(ids, matrix, paper_id, k)
    except KeyError as exc:
        raise MapError(f"paper {paper_id} has no embedding") from exc
    return _titled_hits(store, hits)


def stored_similar(
    store: Store, paper_id: int, k: int = 10, model_id: str | None = None
) -> list[ScoredPaper] | None:
    """The stored similar-papers table's answer when it is exact and holds ``k``
    papers (a millisecond: the GUI asks it on the UI thread), else None: then
    :func:`similar_papers` computes it from the vectors (on a worker)."""
    table = _exact_table(store, paper_id, k, model_id)
    if table is not None:
        return table
    stored, exact = _stored(store, paper_id, k, model_id)
    return _titled(store, stored) if exact else None


def _exact_table(
    store: Store, paper_id: int, k: int, model_id: str | None
) -> list[ScoredPaper] | None:
    """The answer of the exact table computed in the background
    (:mod:`paperscope.workflows.similar_table`) when it is current and has the paper."""
    hits = store.exact_similar(paper_id, k, model_id)
    return None if hits is None else [ScoredPaper(i, t, s) for i, s, t in hits]


def _stored(
    store: Store, paper_id: int, k: int, model_id: str | None
) -> tuple[list[tuple[int, float]], bool]:
    """The stored neighbours of ``paper_id``, and whether they are the exact answer."""
    stored = store.stored_neighbours(paper_id, k, model_id)
    return stored, len(stored) >= k and not _table_is_approximate(store, model_id)


def _table_is_approximate(store: Store, model_id: str | None) -> bool:
    """Whether the stored similar-papers table came from an approximate graph (the
    newest layout of the model says so, see :func:`build_map`)."""
    newest = store.layouts(model_id)
    return bool(newest) and newest[0].params.get("knn") == "nndescent"


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
    return render_map(stored.coords, stored.clusters_of, stored.clusters, path, title,
                      nearest_cluster=stored.nearest_cluster)  # fmt: skip


def embed_and_build_map(
    store: Store,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    method: str = "umap",
    on_partial: PartialCallback | None = None,
    model_path: Path | str | None = None,
    seed: int | None = DEFAULT_SEED,
    partial_every_s: float = 0.5,
) -> MapResult:
    """What the map's "Build map" button does: embed what is not embedded yet (only new
    or changed papers), then lay out every embedded paper."""
    from paperscope.workflows.embed import embed_library

    cancel = cancel or CancelToken()
    summary = embed_library(store, sub_progress(progress, 0.0, 0.5), cancel, model_path=model_path)
    return build_map(
        store, sub_progress(progress, 0.5, 1.0), cancel, method, on_partial,
        model_id=summary.model_id, seed=seed, partial_every_s=partial_every_s,
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
