"""Laying out 100k (or, by flag, a million) papers on two cores (issue #17, item 2):
``build_map`` end to end on synthetic vectors in a temporary library — PCA,
the kNN graph (``--knn auto``: exact up to 50k, NN-descent above), UMAP on all papers up
to ``SAMPLE_ABOVE`` (1M) or on a seeded sample of ``SAMPLE_SIZE`` (100k) with the rest
placed on it, HDBSCAN clusters, the stored map — with the projection-quality figure
(10-NN kept among 30-NN on the map, on sampled rows, as ``bench_map.py``) and recall@10
of the approximate kNN that ran against the exact one on sampled rows.

    nice -n 10 python tests/benchmarks/bench_map_layout.py              # 100k
    nice -n 10 python tests/benchmarks/bench_map_layout.py --data hard  # no low-dim structure
    nice -n 10 python tests/benchmarks/bench_map_layout.py --n 1000000  # sample+transform
    nice -n 10 python tests/benchmarks/bench_map_layout.py --n 20000 --sample-above 10000 \\
        --sample-size 5000                                              # a quick look

``--data real-like`` (the default): ``bench_map.synthetic_vectors``, topics and
subtopics of the real abstracts with their covariance, calibrated to their mean cosine to
the 10 nearest neighbours; ``--data denser``: ``bench_map.denser_vectors``, those at 100k
made denser to ``--n`` the way a growing library is (new papers between related ones);
``--data hard``: isotropic noise around 8 centres (no low-dimensional structure:
NN-descent needs 3 × k candidates a row there). Each run prints the vectors' local
dimension (median Levina-Bickel estimate at k = 20, ``bench_map.local_dimension``): how
hard their nearest neighbours are to find. Real vectors: 15.7 (6,867 all-MiniLM-L6-v2
title vectors of cdl.bib + memlab.bib), 18.9 (the 462 real abstracts); real-like 16.0
at 6,867 papers, 20.3 at 100k, 43.7 at 1M; denser 23.5 at 1M.

Measured on this 2-core machine (seed 0; 10-NN kept among 30-NN; recall@10 on the
build's 500 check rows, and on 1,000 other rows where a second figure is given):

======  =========  =============================================  =======  ===========  =====
papers  data       path                                           to map   recall       kept
======  =========  =============================================  =======  ===========  =====
200k    real-like  NN-descent 21 then 42 candidates, UMAP on all  73.0 s   0.991        0.367
200k    real-like  NN-descent 42 (``WIDE_ABOVE``), UMAP on all    58.5 s   0.991        0.367
1M      real-like  sample of 100k, 900k placed (the old path)     1,072 s  0.93*        0.001
1M      real-like  NN-descent 42 then 63, UMAP on all             782 s    0.934        0.069
1M      real-like  NN-descent 42 only, UMAP on all                407.5 s  0.837        0.066
1M      real-like  NN-descent 21 then 42 (``TWO_WIDTHS_ABOVE``)   540.9 s  0.837        0.066
1M      denser     NN-descent 21 (met at k), UMAP on all          263.2 s  0.997/0.997  0.373
======  =========  =============================================  =======  ===========  =====

(* the placed papers' neighbours in the sample.) At 1M real-like, 21 then 42: knn 365.0
s, fuzzy graph 13.1 s, UMAP's row SGD 159.7 s (100 epochs), clusters 6.9 s, store 5.0
s; denser: knn 87.4 s, fuzzy graph 10.8 s, row SGD 157.8 s. NN-descent alone at 1M, 42
candidates: 0.9996 on denser vectors of local dimension 23.5 (215 s), 0.997 at
local dimension 34.0 (noise 0.65; 196 s; 21 candidates: 0.984 in 98 s), 0.837 on
real-like (local dimension 43.7).

umap's and NN-descent's numba kernels are compiled first on small inputs (paid once per
process, cached by numba after) and that time is reported apart. The baseline measured
in the same run is UMAP on all papers where ``--baseline`` asks for it (the path below
the threshold, on the same vectors).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "app"))

from paperscope.mapping import neighbours, projection  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_map import denser_vectors, local_dimension, synthetic_vectors  # noqa: E402

K = 21


def clustered_unit_vectors(n: int, dim: int = 384, k: int = 8, seed: int = 3) -> np.ndarray:
    """As ``_clustered_unit_vectors`` in tests/gui/test_no_freeze.py (made in parts)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, dim)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    topic = rng.integers(0, k, size=n)
    out = np.empty((n, dim), dtype=np.float32)
    for s in range(0, n, 100_000):
        t = topic[s : s + 100_000]
        m = centres[t] + rng.normal(scale=2.4 / np.sqrt(dim), size=(t.size, dim)).astype(np.float32)
        out[s : s + t.size] = m / np.linalg.norm(m, axis=1, keepdims=True)
    return out


def exact_rows(
    base: np.ndarray, queries: np.ndarray, k: int, skip: np.ndarray | None
) -> np.ndarray:
    """Exact ``k`` most similar rows of ``base`` per query (``skip``: a query's own row)."""
    out = np.empty((len(queries), k), dtype=np.int64)
    for s in range(0, len(queries), 256):
        dots = queries[s : s + 256] @ base.T
        if skip is not None:
            dots[np.arange(dots.shape[0]), skip[s : s + 256]] = -np.inf
        out[s : s + 256] = np.argpartition(-dots, k - 1, axis=1)[:, :k]
    return out


def recall(found: np.ndarray, exact: np.ndarray) -> float:
    return float(
        np.mean([len(set(f) & set(e)) / e.size for f, e in zip(found, exact, strict=True)])
    )


def kept(x: np.ndarray, coords: np.ndarray, rows: np.ndarray) -> float:
    """Share of each sampled row's 10-NN (cosine) among its 30-NN on the map."""
    from scipy.spatial import cKDTree

    high = exact_rows(x, x[rows], 10, rows)
    _, low = cKDTree(coords).query(coords[rows], k=31)
    return float(np.mean([len(set(h) & set(lo[1:])) / 10 for h, lo in zip(high, low, strict=True)]))


def build(x: np.ndarray, ids: np.ndarray, **kw: object) -> tuple[float, object, np.ndarray]:
    """``build_map`` in a temporary library; the final layout is its last frame (the
    synthetic ids are no papers of that library, so the stored map shows none)."""
    from paperscope.library.store import Store
    from paperscope.workflows.map import build_map

    frames: list[object] = []
    with tempfile.TemporaryDirectory() as d:
        store = Store(Path(d) / "library.duckdb")
        t0 = time.perf_counter()
        said: list[str] = []

        def progress(fraction: float | None, message: str = "") -> None:
            head = message.split(":")[0].split("(")[0].strip()
            if head and (not said or said[-1] != head):  # each new step, timed
                said.append(head)
                print(f"    {time.perf_counter() - t0:6.1f} s  {message}", flush=True)

        result = build_map(store, progress, vectors=(ids, x), model_id="synthetic", seed=0,
                           on_partial=frames.append, **kw)  # type: ignore[arg-type]  # fmt: skip
        wall = time.perf_counter() - t0
        store.close()
    last = frames[-1]
    assert last.epoch == last.n_epochs and last.epoch > 0  # type: ignore[attr-defined]
    coords = np.asarray(last.coords)[neighbours.rows_of(last.paper_ids, ids)]  # type: ignore[attr-defined]
    return wall, result, coords


def main() -> None:
    from paperscope.workflows.map import SAMPLE_ABOVE, SAMPLE_SIZE, describe_run

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--data", choices=("real-like", "denser", "hard"), default="real-like")
    ap.add_argument("--knn", choices=("auto", "exact", "approx"), default="auto")
    ap.add_argument("--sample-above", type=int, default=SAMPLE_ABOVE)
    ap.add_argument("--sample-size", type=int, default=SAMPLE_SIZE)
    ap.add_argument("--rows", type=int, default=1000, help="sampled rows for recall, quality")
    ap.add_argument("--baseline", action="store_true", help="also UMAP on all papers")
    ap.add_argument("--no-recheck", action="store_true",
                    help="only the recall measured by the build on its check rows")  # fmt: skip
    args = ap.parse_args()

    t0 = time.perf_counter()
    projection.warm_up(seed=0)
    warm = clustered_unit_vectors(5_000, seed=99)
    neighbours.approximate_knn_graph(warm, K, seed=0)
    if args.n > args.sample_above:  # the placed papers' index search compiles too
        neighbours.approximate_query(warm, warm[:200], 15, seed=0)
    projection.umap_layout(  # and the row SGD (the 100k path's)
        neighbours.knn_graph(warm[:300], 16), warm[:300, :2], n_epochs=3, seed=0, sgd="rows"
    )
    print(f"numba compile (umap + NN-descent), once per process: {time.perf_counter() - t0:.1f} s",
          flush=True)  # fmt: skip
    n = args.n
    t0 = time.perf_counter()
    make = {"hard": clustered_unit_vectors, "denser": denser_vectors}
    x = make.get(args.data, synthetic_vectors)(n)
    ids = np.arange(1, n + 1, dtype=np.int64)
    made = time.perf_counter() - t0
    print(f"{n:,} synthetic {args.data} unit vectors × 384 made in {made:.1f} s; local "
          f"dimension (median, k = 20) {local_dimension(x):.1f}", flush=True)  # fmt: skip
    rows = np.sort(np.random.default_rng(5).choice(n, size=min(args.rows, n), replace=False))
    kw = {"knn": args.knn, "sample_above": args.sample_above, "sample_size": args.sample_size}
    cpu0 = time.process_time()
    wall, result, coords = build(x, ids, **kw)
    cpu = time.process_time() - cpu0
    params = result.params  # type: ignore[attr-defined]
    steps = ", ".join(f"{k} {v:.1f} s" for k, v in result.timings.items())
    steps += f"; CPU {cpu:.0f} s, load {os.getloadavg()[0]:.1f}"
    print(f"build_map, {n:,} papers: {wall:.1f} s to the stored map ({steps})")
    print(f"  ran: {describe_run(params)}; UMAP {params['n_epochs']} epochs, "
          f"SGD {params.get('sgd', 'umap')}")  # fmt: skip
    if "placed_knn_recall" in params:
        print(f"  placed papers' NN-descent width {params['placed_knn_width']}, recall@10 "
              f"on its check rows {params['placed_knn_recall']:.4f}")  # fmt: skip
    if "knn_recall" in params:
        print(f"  NN-descent width {params['knn_width']}, recall@10 on its own "
              f"{params['knn_check_rows']} check rows {params['knn_recall']:.4f}")  # fmt: skip
    print(f"  10-NN kept among 30-NN on the map ({rows.size:,} rows): {kept(x, coords, rows):.3f}")
    # recall@10 of the approximate kNN that ran, against the exact one, on sampled rows
    if args.no_recheck:
        pass
    elif params.get("layout_path") == "sample+transform":
        sample = np.sort(np.random.default_rng(0).choice(n, size=args.sample_size, replace=False))
        base = x[sample]
        srow = np.sort(
            np.random.default_rng(6).choice(
                sample.size, size=min(args.rows, sample.size), replace=False
            )
        )
        if params["knn"] == "nndescent":
            g = neighbours.approximate_knn_graph(base, K, seed=0)  # the same graph
            r = recall(g.indices[srow, 1:11], exact_rows(base, base[srow], 10, srow))
            print(f"  recall@10 of the sample's NN-descent graph ({srow.size} other rows): {r:.4f}")
        rest = np.setdiff1d(np.arange(n), sample)[:: max(1, (n - sample.size) // args.rows)][
            : args.rows
        ]
        if params["placed_knn"] == "nndescent":
            idx, _, _ = neighbours.approximate_query(base, x[rest], 15, seed=0)
            r = recall(idx[:, :10], exact_rows(base, x[rest], 10, None))
            print(f"  recall@10 of the placed papers' neighbours in the sample: {r:.4f}")
    elif params["knn"] == "nndescent":
        g = neighbours.approximate_knn_graph(x, K, seed=0)  # the same seed: the same graph
        r = recall(g.indices[rows, 1:11], exact_rows(x, x[rows], 10, rows))
        print(f"  recall@10 of the NN-descent graph ({rows.size} other rows): {r:.4f}")
    if args.baseline and params.get("layout_path") == "sample+transform":
        wall_b, res_b, coords_b = build(x, ids, knn=args.knn, sample_above=n + 1)
        print(f"baseline, UMAP on all {n:,} papers: {wall_b:.1f} s "
              f"({describe_run(res_b.params)}; 10-NN kept {kept(x, coords_b, rows):.3f}) "  # type: ignore[attr-defined]
              f"-> sample+transform is {wall_b / wall:.1f}x faster")  # fmt: skip


if __name__ == "__main__":
    main()
