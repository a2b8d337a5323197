"""Benchmarks for the semantic map (issue 9), each against a baseline run in the same
process on the same data, with the issue's target beside it.

    python tests/benchmarks/bench_map.py                      # 10k and 100k, 1M points
    python tests/benchmarks/bench_map.py --n 5000 --points 200000 --no-umap-baseline

Vectors: the 462 real all-MiniLM-L6-v2 vectors of ``tests/data/map_vectors.npz`` and,
for larger sizes, synthetic vectors made from them (topics are mixtures of two real
papers; papers scatter around a topic with the real data's covariance), calibrated so
the mean cosine to the 10 nearest neighbours is about the real one (printed).
Points for the raster part: 2-D Gaussian clusters of random sizes and spreads.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "app"))

from paperscope.mapping import neighbours, projection, raster  # noqa: E402
from paperscope.mapping.clusters import hdbscan_labels  # noqa: E402

REAL = REPO / "tests" / "data" / "map_vectors.npz"


def timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def row(name: str, ours: float, base: float | None, base_name: str, target: str = "") -> None:
    ratio = f"{base / ours:7.1f}x" if base is not None and ours > 0 else "      -"
    b = f"{base:9.3f} s" if base is not None else "        -  "
    print(f"{name:<38} {ours:9.3f} s   {b}  {ratio}  vs {base_name:<28} {target}")


def real_vectors() -> np.ndarray:
    return np.ascontiguousarray(np.load(REAL, allow_pickle=False)["vectors"], dtype=np.float32)


def synthetic_vectors(n: int, seed: int = 0, spread: float = 0.8) -> np.ndarray:
    """Realistic-looking unit vectors in three levels: topics (mixtures of two real
    papers, Zipf-sized), subtopics of ~20 papers around them, papers around those; the
    noise has the real vectors' covariance."""
    rng = np.random.default_rng(seed)
    real = real_vectors()
    centred = real - real.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    scale = s / np.sqrt(len(real))

    def noise(m: int) -> np.ndarray:
        out: np.ndarray = ((rng.standard_normal((m, len(scale))) * scale) @ vt).astype(np.float32)
        return out

    n_topics = max(10, n // 500)
    a = rng.integers(0, len(real), n_topics)
    b = rng.integers(0, len(real), n_topics)
    w = rng.uniform(0.0, 0.5, n_topics)[:, None]
    topics = neighbours.normalise((1 - w) * real[a] + w * real[b])
    n_sub = max(20, n // 20)
    sizes = rng.zipf(1.6, n_topics).astype(np.float64)
    topic_of = rng.choice(n_topics, size=n_sub, p=sizes / sizes.sum())
    subtopics = neighbours.normalise(topics[topic_of] + spread * noise(n_sub))
    which = rng.integers(0, n_sub, n)
    return neighbours.normalise(subtopics[which] + spread * noise(n))


def denser_vectors(
    n: int, seed: int = 0, base_n: int = 100_000, mix: int = 4, noise: float = 0.5
) -> np.ndarray:
    """:func:`synthetic_vectors` made denser the way a growing library is: ``base_n`` of
    them, and above that each paper a random convex mixture (Dirichlet weights) of a
    base paper and ``mix - 1`` of its 10 nearest base papers, plus isotropic noise of
    norm ``noise``. New papers fill the space between related ones instead of starting
    subtopics of their own, so the local dimension at the 10-NN scale stays where real
    vectors have it (:func:`local_dimension`, median at k = 20: 6,867 real title
    vectors of cdl.bib + memlab.bib 15.7, the 462 real abstracts 18.9; these at 1M 23.5;
    :func:`synthetic_vectors` 16.0 at 6,867, 20.3 at 100k, but 43.7 at 1M, where
    its subtopics of 20 papers in full-dimensional noise leave no structure at that
    scale)."""
    rng = np.random.default_rng(seed)
    base = synthetic_vectors(min(n, base_n), seed)
    if n <= base_n:
        return base
    near = neighbours.knn_graph(base, 11).indices[:, 1:]
    pick = rng.integers(0, base.shape[0], n)
    weights = rng.dirichlet(np.ones(mix), n).astype(np.float32)
    out = np.empty((n, base.shape[1]), np.float32)
    for s in range(0, n, 100_000):
        i = pick[s : s + 100_000]
        w = weights[s : s + i.size]
        others = near[i[:, None], rng.integers(0, near.shape[1], (i.size, mix - 1))]
        v = w[:, :1] * base[i] + np.einsum("ij,ijk->ik", w[:, 1:], base[others])
        v += rng.normal(scale=noise / np.sqrt(base.shape[1]), size=v.shape).astype(np.float32)
        out[s : s + i.size] = v
    return neighbours.normalise(out)


def local_dimension(x: np.ndarray, k: int = 20, sample: int = 200, seed: int = 1) -> float:
    """Median local intrinsic dimension (Levina-Bickel maximum likelihood from each
    sampled row's ``k`` nearest Euclidean distances) over ``sample`` seeded rows: how
    hard the nearest neighbours are to find (NN-descent's recall falls as it grows)."""
    rows = np.random.default_rng(seed).choice(len(x), size=min(sample, len(x)), replace=False)
    lids = []
    for s in range(0, rows.size, 50):
        r = rows[s : s + 50]
        dots = x[r] @ x.T
        dots[np.arange(r.size), r] = -np.inf
        top = -np.sort(np.partition(-dots, k - 1, axis=1)[:, :k], axis=1)  # best first
        d = np.sqrt(np.maximum(2.0 - 2.0 * top, 1e-12))
        lids.append(-1.0 / np.mean(np.log(d[:, : k - 1] / d[:, k - 1 :]), axis=1))
    return float(np.median(np.concatenate(lids)))


def mean_knn_cosine(x: np.ndarray, k: int = 10, sample: int = 400) -> float:
    rows = np.random.default_rng(1).choice(len(x), size=min(sample, len(x)), replace=False)
    s = x[rows] @ x.T
    s[np.arange(len(rows)), rows] = -np.inf
    top = -np.sort(-s, axis=1)[:, :k]
    return float(top.mean())


def naive_knn(x: np.ndarray, k: int, block: int = 1024) -> np.ndarray:
    """The obvious brute force: full strips of scores and argpartition on each."""
    out = np.empty((len(x), k), dtype=np.int64)
    for s in range(0, len(x), block):
        sc = x[s : s + block] @ x.T
        part = np.argpartition(-sc, k - 1, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(sc, part, axis=1), axis=1)
        out[s : s + block] = np.take_along_axis(part, order, axis=1)
    return out


def preservation(x: np.ndarray, coords: np.ndarray, sample: int = 1000) -> float:
    """Share of 10-NN (cosine, 384-d) among the 30-NN on the map, on a sample."""
    from scipy.spatial import cKDTree

    rows = np.random.default_rng(2).choice(len(x), size=min(sample, len(x)), replace=False)
    s = x[rows] @ x.T
    s[np.arange(len(rows)), rows] = -np.inf
    high = np.argpartition(-s, 9, axis=1)[:, :10]
    _, low = cKDTree(coords).query(coords[rows], k=31)
    return float(np.mean([len(set(h) & set(lo[1:])) / 10 for h, lo in zip(high, low, strict=True)]))


def bench_layout(n: int, umap_baseline: bool, knn_baseline: bool) -> None:
    print(f"\n== {n:,} papers × 384 ==")
    x = real_vectors() if n <= 462 else synthetic_vectors(n)
    print(f"mean cosine to 10 nearest: synthetic {mean_knn_cosine(x):.3f}, "
          f"real {mean_knn_cosine(real_vectors()):.3f}")  # fmt: skip

    from sklearn.decomposition import PCA

    t_pca, pca = timed(lambda: projection.pca_layout(x), repeat=2)
    t_skl, _ = timed(lambda: PCA(n_components=2, random_state=0).fit_transform(x), repeat=2)
    row("PCA layout", t_pca, t_skl, "sklearn PCA(2)", "target <= 2 s at 100k")

    t_knn, graph = timed(lambda: neighbours.knn_graph(x, 21))
    t_naive = None
    if knn_baseline:
        t_naive, ref = timed(lambda: naive_knn(x, 21))
        agree = float(np.mean(np.sort(ref[:, 1:], axis=1) == np.sort(graph.indices[:, 1:], axis=1)))
        print(f"  exact kNN agrees with the naive brute force on {agree:.4%} of entries")
    row("exact 21-NN graph (blocked BLAS)", t_knn, t_naive, "naive strips + argpartition")

    ids = np.arange(n, dtype=np.int64)
    qs = np.random.default_rng(3).integers(0, n, 20)
    t_q, _ = timed(lambda: [neighbours.similar(ids, x, int(q), 10) for q in qs])

    def full_sort() -> None:
        for q in qs:
            sc = x @ x[q]
            np.argsort(-sc)[:11]

    t_qb, _ = timed(full_sort)
    row("similar-papers query (mean of 20)", t_q / 20, t_qb / 20, "scores + full argsort",
        "target ~36 ms at 100k")  # fmt: skip

    projection.warm_up()
    frames: list[int] = []
    t_umap, layout = timed(
        lambda: projection.umap_layout(
            graph, pca.coords, on_partial=lambda c, e, tot: frames.append(e)
        )
    )
    t_umap_total = t_umap + t_knn
    t_base = None
    base_coords = None
    model = None
    if umap_baseline:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import umap

            umap.UMAP(n_neighbors=15, metric="cosine").fit_transform(x[:500])  # its JIT
            model = umap.UMAP(n_neighbors=15, metric="cosine")
            t_base, base_coords = timed(lambda: model.fit_transform(x))
            model.transform(x[:5])  # compile its transform path before timing it
    row("UMAP incl. kNN (streamed, warm)", t_umap_total, t_base,
        "umap.UMAP(cosine) fit, warm", "target <= 120 s at 100k")  # fmt: skip
    print(
        f"  {len(frames)} intermediate layouts streamed; first after "
        f"{t_knn:.1f} s kNN + one partial interval; PCA preview after {t_pca:.2f} s"
    )
    q = preservation(x, layout.coords)
    qb = preservation(x, base_coords) if base_coords is not None else float("nan")
    qp = preservation(x, pca.coords)
    print(f"  10-NN kept among 30-NN on the map: ours {q:.3f}, umap-learn {qb:.3f}, PCA {qp:.3f}")

    new = synthetic_vectors(100, seed=99) if n > 462 else x[:100]
    t_place, _ = timed(
        lambda: projection.place_new(new, x, layout.coords, layout.params["a"], layout.params["b"])
    )
    t_tb = None
    if model is not None:
        t_tb, _ = timed(lambda: model.transform(new))
    row("place 100 new papers", t_place, t_tb, "umap.UMAP.transform", "target <= 1 s")

    t_hdb, labels = timed(lambda: hdbscan_labels(layout.coords))
    print(f"  HDBSCAN on the layout: {t_hdb:.2f} s, {labels.max() + 1} clusters")
    bench_store(x, layout.coords)


def bench_store(x: np.ndarray, coords: np.ndarray) -> None:
    """Saving the layout and reading it back (what reopening the library costs)."""
    import tempfile

    from paperscope.library.store import Store

    n = len(x)
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "lib.duckdb") as store:
        store.execute(
            "INSERT INTO papers (id, title) SELECT i, 'paper ' || i FROM range(1, ?) t(i)", [n + 1]
        )
        ids = np.arange(1, n + 1, dtype=np.int64)
        t_save, lid = timed(lambda: store.save_layout("bench", "umap", {}, ids, coords))
        t_load, shown = timed(lambda: store.load_layout(lid), repeat=3)
        assert shown is not None and len(shown) == n
        nb = np.tile(ids[:20], (n, 1))
        t_nb, _ = timed(lambda: store.save_neighbours("bench", ids, nb, np.ones((n, 20))))
        t_q, _ = timed(lambda: store.stored_neighbours(int(ids[n // 2]), 10), repeat=5)
    print(f"  store: save layout {t_save:.2f} s, reopen (load layout) {t_load:.3f} s, "
          f"save similar table {t_nb:.2f} s, similar lookup {t_q * 1000:.1f} ms")  # fmt: skip


def clustered_points(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    k = 60
    centres = rng.uniform(-20, 20, size=(k, 2))
    spread = rng.uniform(0.3, 2.5, size=k)
    sizes = rng.dirichlet(np.full(k, 0.7))
    which = rng.choice(k, size=n, p=sizes)
    return (centres[which] + rng.standard_normal((n, 2)) * spread[which, None]).astype(np.float32)


def bench_raster(n: int) -> None:
    print(f"\n== map view helpers, {n:,} points, 1000 x 800 px ==")
    xy = clustered_points(n)
    view = raster.bounds(xy)
    shape = (800, 1000)
    t_d, _ = timed(lambda: raster.density(xy, view, shape), repeat=5)
    t_h, _ = timed(
        lambda: np.histogram2d(xy[:, 1], xy[:, 0], bins=shape,
                               range=((view[2], view[3]), (view[0], view[1]))),
        repeat=3,
    )  # fmt: skip
    row("density image (re-bin)", t_d, t_h, "np.histogram2d", "issue: 35 ms to re-bin")

    order = raster.draw_order(n)
    colours = np.random.default_rng(0).integers(0, 2**32, n, dtype=np.uint32)
    t_s, _ = timed(lambda: raster.splat(xy, colours, view, shape, rows=order), repeat=3)
    row("ARGB splat of all points", t_s, 0.0445, "issue's numpy splat (44.5 ms)")
    codes = np.random.default_rng(1).integers(0, 20, n)
    t_b, _ = timed(lambda: raster.colour_batches(codes, order), repeat=3)
    print(f"{'colour batches (20 colours)':<38} {t_b:9.3f} s")

    t_build, index = timed(lambda: raster.PointIndex(xy))
    queries = np.random.default_rng(4).uniform(view[0], view[1], size=(1000, 2))
    queries[:, 1] = np.random.default_rng(5).uniform(view[2], view[3], 1000)
    t_hover, _ = timed(lambda: [index.nearest(qx, qy) for qx, qy in queries])
    t_brute, _ = timed(lambda: [int(np.argmin((xy[:, 0] - qx) ** 2 + (xy[:, 1] - qy) ** 2))
                                for qx, qy in queries[:20]])  # fmt: skip
    row("hover lookup (KD-tree, per query)", t_hover / 1000, t_brute / 20,
        "brute-force argmin", "target <= 5 ms")  # fmt: skip
    print(f"{'  KD-tree build':<38} {t_build:9.3f} s")

    from matplotlib.path import Path as MplPath

    c = xy[0]
    ang = np.linspace(0, 2 * np.pi, 200, endpoint=False)
    lasso = c + np.c_[np.cos(ang), np.sin(ang)] * (3 + np.sin(5 * ang))[:, None]
    t_l, _ = timed(lambda: raster.select_lasso(xy, lasso), repeat=3)
    t_lb, _ = timed(lambda: MplPath(lasso).contains_points(xy), repeat=3)
    row("lasso selection", t_l, t_lb, "Path.contains_points on all")
    t_box, _ = timed(lambda: raster.select_box(xy, -5, 5, -5, 5), repeat=3)
    print(f"{'box selection':<38} {t_box:9.3f} s")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument(
        "--n", type=int, action="append", help="papers (repeatable; default 10k and 100k)"
    )
    p.add_argument("--points", type=int, default=1_000_000, help="points for the view helpers")
    p.add_argument("--no-umap-baseline", action="store_true", help="skip umap-learn's own fit")
    p.add_argument("--no-knn-baseline", action="store_true", help="skip the naive kNN")
    args = p.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'':<38} {'ours':>11}   {'baseline':>11}  {'ratio':>7}")
    for n in args.n or [10_000, 100_000]:
        bench_layout(n, not args.no_umap_baseline, not args.no_knn_baseline)
    if args.points > 0:
        bench_raster(args.points)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
