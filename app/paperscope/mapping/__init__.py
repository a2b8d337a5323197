"""The semantic map's computations (Qt-free; umap, sklearn, scipy, matplotlib lazily).

* :mod:`.neighbours` — exact nearest neighbours of unit vectors by blocked BLAS:
  ``knn_graph`` (the whole graph, once per map: UMAP's ``precomputed_knn`` and the
  stored similar-papers table), ``similar``, ``more_like_these``, ``rank_by_query``.
* :mod:`.projection` — ``pca_layout`` (instant preview), ``umap_layout`` (from the kNN
  graph, streaming layouts through ``on_partial``, cancellable between epochs),
  ``place_new`` (``transform`` for papers added later), ``warm_up`` (numba JIT).
* :mod:`.clusters` — HDBSCAN on the layout, clusters named by c-TF-IDF terms.
* :mod:`.raster` — what the map view draws with: density image, random draw order,
  colour batches, ARGB splat, KD-tree hover, box and lasso selection.
* :mod:`.render` — the map drawn headless with matplotlib (PNG/SVG).

The verbs the GUI and CLI share are in :mod:`paperscope.workflows.map`; layouts,
clusters and the similar-papers table are stored by
:mod:`paperscope.library.store.maps`.
"""
