"""Exact vs approximate kNN graph for the map's layout (issue #17, item 2), same data,
same process: blocked BLAS (``neighbours.knn_graph``, what ``build_map`` ran for every
library up to now) against NN-descent (``neighbours.approximate_knn_graph``, pynndescent,
seeded), with recall@10 of the approximate graph against the exact one. ``--onnx`` also
times the ONNX MatMul + TopK graph on onnxruntime's CPU provider (the GPU path's graph).

    python tests/benchmarks/bench_map_knn.py                 # 20k and 100k
    python tests/benchmarks/bench_map_knn.py --n 20000 --onnx
    python tests/benchmarks/bench_map_knn.py --n 100000 --exact-max 50000   # no exact run

Above ``--exact-max`` the whole exact graph is not computed (O(n²): minutes on 2 cores);
recall is then measured on ``--sample`` seeded rows, whose exact neighbours are one
brute-force product against all vectors.

Vectors: synthetic clustered unit vectors, 384-d (``_clustered_unit_vectors`` of
tests/gui/test_no_freeze.py: 8 random unit topic centres, wide Gaussian spread). The
graph has k = 21 (the map's: the paper itself + 20 similar papers; UMAP uses the first
15). NN-descent's numba kernels are compiled on 10,000 other vectors first and that time is
reported apart (it is paid once per process, ~45 s on 2 cores, cached by numba after).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "app"))

from paperscope.mapping import neighbours  # noqa: E402

K = 21


def clustered_unit_vectors(n: int, dim: int = 384, k: int = 8, seed: int = 3) -> np.ndarray:
    """As ``_clustered_unit_vectors`` in tests/gui/test_no_freeze.py."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    topic = rng.integers(0, k, size=n)
    m = centres[topic] + rng.normal(scale=0.6 / np.sqrt(dim), size=(n, dim)) * 4
    m /= np.linalg.norm(m, axis=1, keepdims=True)
    return m.astype(np.float32)


def recall_at(approx: np.ndarray, exact: np.ndarray, k: int = 10) -> float:
    """Mean share of the exact k nearest others found among the approximate k nearest
    others (the row itself left out of both)."""
    a, e = np.sort(approx[:, 1 : k + 1], axis=1), np.sort(exact[:, 1 : k + 1], axis=1)
    hits = sum(np.isin(x, y, assume_unique=True).sum() for x, y in zip(a, e, strict=True))
    return float(hits) / (k * len(a))


def sampled_exact(x: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Exact k nearest (row itself first) of the sampled ``rows``, by brute force."""
    out = np.empty((len(rows), K), dtype=np.int64)
    for s in range(0, len(rows), 500):
        r = rows[s : s + 500]
        dots = x[r] @ x.T
        dots[np.arange(len(r)), r] = np.inf
        for i in range(len(r)):
            out[s + i] = neighbours.top_k(dots[i], K)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, nargs="+", default=[20_000, 100_000])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--onnx", action="store_true", help="also time the ONNX graph (CPU)")
    ap.add_argument("--exact-max", type=int, default=10**9, help="no exact graph above this")
    ap.add_argument("--sample", type=int, default=2000, help="rows for recall above it")
    args = ap.parse_args()

    t0 = time.perf_counter()
    neighbours.approximate_knn_graph(clustered_unit_vectors(10_000, seed=99), K, seed=args.seed)
    print(f"NN-descent compile + first run on 10,000 vectors: {time.perf_counter() - t0:.1f} s")
    print(f"{'n':>9} {'exact s':>9} {'approx s':>9} {'speed-up':>9} {'recall@10':>10}"
          f" {'recall@20':>10}{'  onnx-cpu s':>12}")  # fmt: skip
    for n in args.n:
        x = clustered_unit_vectors(n)
        rows = np.arange(n)
        if n <= args.exact_max:
            t0 = time.perf_counter()
            exact = neighbours.knn_graph(x, K).indices
            t_exact = time.perf_counter() - t0
        else:
            rows = np.sort(np.random.default_rng(args.seed).choice(n, args.sample, replace=False))
            exact = sampled_exact(x, rows)
            t_exact = float("nan")
        t0 = time.perf_counter()
        approx = neighbours.approximate_knn_graph(x, K, seed=args.seed)
        t_approx = time.perf_counter() - t0
        found = approx.indices[rows]
        onnx = ""
        if args.onnx:
            from paperscope.mapping.onnx_knn import OnnxKnn

            t0 = time.perf_counter()
            OnnxKnn("cpu").knn_graph(x, K)
            onnx = f"{time.perf_counter() - t0:12.2f}"
        print(
            f"{n:>9,} {t_exact:9.2f} {t_approx:9.2f} {t_exact / t_approx:8.1f}x "
            f"{recall_at(found, exact, 10):10.4f} {recall_at(found, exact, 20):10.4f}{onnx}"
            + ("" if len(rows) == n else f"   (recall on {len(rows):,} sampled rows)"),
            flush=True,
        )


if __name__ == "__main__":
    main()
