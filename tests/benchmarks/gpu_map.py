"""GPU speed of the map's exact kNN graph (issue #17, item 3): the ONNX MatMul + TopK
graph of ``paperscope.mapping.onnx_knn`` on onnxruntime-gpu's CUDA provider, at 100k and
1M synthetic clustered unit vectors (384-d, k = 21, the map's graph), against the CPU
paths in the same run (numpy blocked BLAS on every core, and the same ONNX graph on the
CPU provider, at the sizes where they finish in time).

Prepared for the lent GPU machine (python3 3.12, numpy, onnx; only the CPU build of
onnxruntime, no duckdb, no umap/pynndescent: only ``paperscope.mapping.neighbours`` and
``paperscope.mapping.onnx_knn`` are used). Staging: the onnxruntime-gpu wheel as in
../shared/gpu/README.md (``../shared/gpu/stage-onnxruntime-gpu.sh``, then six runs copying
.gpu/p0..p5 to /tmp/ortp); this script needs no model and no paper files. The run:
``bash tests/benchmarks/gpu_map.sh`` (carrying .gpu/meta), or
``python3 tests/benchmarks/gpu_map.py --out DIR``. Every step appends to
``OUT/gpu_map.json`` and rewrites ``OUT/gpu_map.md`` as soon as it is measured, so a
killed run still leaves results.

Steps:
1. environment (onnxruntime and its providers, CPU count);
2. parity at --parity-n (20k): CUDA graph vs numpy's exact graph: same neighbours
   wherever a score is not tied (|difference| > 1e-5), scores within 1e-5, recall@10;
3. timing for each --n (default 100k and 1M): CUDA (after a warm-up block), and the CPU
   paths for n <= --cpu-max (default 100k); seconds and the speed-up.

    --smoke: a CPU check of this script here (4k vectors, CPU provider standing in).
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

import numpy as np  # noqa: E402

RESULTS: list[dict[str, Any]] = []
K = 21
TIE = 1e-5


def save(out: Path, row: dict[str, Any]) -> None:
    RESULTS.append(row)
    print(json.dumps(row), flush=True)
    (out / "gpu_map.json").write_text(json.dumps(RESULTS, indent=1))
    lines = ["| path | n | seconds | vs CUDA |", "|---|---|---|---|"]
    cuda = {r["n"]: r["seconds"] for r in RESULTS if r.get("name") == "onnx-cuda"}
    notes = []
    for r in RESULTS:
        if "seconds" in r:
            ratio = f"{r['seconds'] / cuda[r['n']]:.1f}x" if r["n"] in cuda else ""
            lines.append(f"| {r['label']} | {r['n']:,} | {r['seconds']:.2f} | {ratio} |")
        else:
            rest = ", ".join(f"{k}={v}" for k, v in r.items() if k not in ("label", "name"))
            notes.append(f"- {r['label']}: {rest}")
    (out / "gpu_map.md").write_text("\n".join([*lines, "", *notes]) + "\n")


def clustered_unit_vectors(n: int, dim: int = 384, k: int = 8, seed: int = 3) -> np.ndarray:
    """As ``_clustered_unit_vectors`` in tests/gui/test_no_freeze.py (by chunks, so 1M
    rows need no float64 copy of the whole matrix)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    out = np.empty((n, dim), dtype=np.float32)
    for s in range(0, n, 100_000):
        e = min(s + 100_000, n)
        topic = rng.integers(0, k, size=e - s)
        m = centres[topic] + rng.normal(scale=0.6 / np.sqrt(dim), size=(e - s, dim)) * 4
        m /= np.linalg.norm(m, axis=1, keepdims=True)
        out[s:e] = m
    return out


def parity(x: np.ndarray, got_idx: np.ndarray, got_scores: np.ndarray) -> dict[str, Any]:
    from paperscope.mapping.neighbours import knn_graph, pair_scores

    exact = knn_graph(x, K + 1)
    want_idx, want = exact.indices, exact.scores
    recomputed = pair_scores(x, got_idx)
    recomputed[:, 0] = 1.0
    gap_before = np.abs(np.diff(want, axis=1, prepend=np.inf))[:, :K]
    untied = (gap_before > TIE) & (np.abs(np.diff(want, axis=1)) > TIE)
    a, e = np.sort(got_idx[:, 1:11], axis=1), np.sort(want_idx[:, 1:11], axis=1)
    recall = sum(np.isin(p, q).sum() for p, q in zip(a, e, strict=True)) / (10 * len(a))
    return {
        "max_score_error": float(np.abs(recomputed - want[:, :K]).max()),
        "max_reported_score_error": float(np.abs(got_scores - want[:, :K]).max()),
        "untied_share": float(untied.mean()),
        "untied_mismatches": int((got_idx[untied] != want_idx[:, :K][untied]).sum()),
        "recall_at_10": float(recall),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--out", type=Path, default=Path(os.environ.get("OUT", "gpu-out")))
    ap.add_argument("--n", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--parity-n", type=int, default=20_000)
    ap.add_argument("--cpu-max", type=int, default=100_000)
    ap.add_argument("--block", type=int, default=4096)
    ap.add_argument("--smoke", action="store_true")
    args = ap.parse_args()
    if args.smoke:
        args.n, args.parity_n, args.cpu_max = [4000], 2000, 4000
    args.out.mkdir(parents=True, exist_ok=True)

    import onnxruntime as ort

    from paperscope.mapping.neighbours import knn_graph
    from paperscope.mapping.onnx_knn import OnnxKnn, cuda_usable

    usable = cuda_usable()
    save(args.out, {
        "label": "environment", "python": platform.python_version(), "cpus": os.cpu_count(),
        "onnxruntime": ort.__version__, "providers": ort.get_available_providers(),
        "cuda_usable": usable,
    })  # fmt: skip
    device = "cuda" if usable else "cpu"
    if not usable and not args.smoke:
        print("CUDA is not usable: only the CPU rows will be measured", flush=True)

    # 2. parity
    x = clustered_unit_vectors(args.parity_n, seed=5)
    runner = OnnxKnn(device, block=args.block)
    t0 = time.perf_counter()
    g = runner.knn_graph(x, K)
    save(args.out, {"label": f"parity onnx-{runner.device} vs numpy exact",
                    "n": args.parity_n, "first_run_s": round(time.perf_counter() - t0, 2),
                    **parity(x, g.indices, g.scores)})  # fmt: skip

    # 3. timing
    for n in args.n:
        x = clustered_unit_vectors(n)
        runner = OnnxKnn(device, block=args.block)
        runner.top_k(x[: args.block], x, K)  # warm-up: session, CUDA kernels, copy
        t0 = time.perf_counter()
        runner.knn_graph(x, K)
        save(args.out, {"label": f"ONNX MatMul+TopK ({runner.device}, block {args.block})",
                        "name": f"onnx-{runner.device}", "n": n,
                        "seconds": time.perf_counter() - t0})  # fmt: skip
        if n <= args.cpu_max:
            t0 = time.perf_counter()
            knn_graph(x, K)
            save(
                args.out,
                {
                    "label": f"numpy blocked BLAS ({os.cpu_count()} cores)",
                    "name": "numpy",
                    "n": n,
                    "seconds": time.perf_counter() - t0,
                },
            )
            if runner.device == "cuda":
                t0 = time.perf_counter()
                OnnxKnn("cpu", block=args.block).knn_graph(x, K)
                save(args.out, {"label": "ONNX MatMul+TopK (cpu provider)", "name": "onnx-cpu",
                                "n": n, "seconds": time.perf_counter() - t0})  # fmt: skip
        del x


if __name__ == "__main__":
    main()
