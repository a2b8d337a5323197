"""Soak benchmark (issue 7, part 6): the whole app's work, cycle after cycle, with RSS.

    python tests/benchmarks/bench_soak.py      # full size: 1M papers, 20k embedded
    python tests/benchmarks/bench_soak.py --papers 20000 --embed 500 --cycles 3
    python tests/benchmarks/bench_soak.py --random-vectors ...   # fast cycle, see below

Each cycle, in one process:

1. imports ``--papers`` Kaggle-format arXiv lines (``bench_library.generate``: re-sampled
   from the real head-200 snapshot, written once) into a fresh library through
   ``workflows.papers.import_paths`` (the bulk path above 20 MB), and builds the FTS5
   side index;
2. embeds the first ``--embed`` papers with the bundled model (onnxruntime; ~30 texts/s
   on this CPU) — or, with ``--random-vectors``, stores clustered random unit vectors
   instead (**labelled "RANDOM VECTORS" in the output: no model runs**);
3. builds the map (``workflows.map.build_map``: PCA, kNN, UMAP, HDBSCAN clusters);
4. loads ``--runs`` runs (TensorBoard event files written once with tensorboardX,
   ``--points`` points each) through ``workflows.runs.load_runs`` (the ``.npz`` run cache
   from the second cycle on, as in the app);
5. exports ``--figures`` figures (``workflows.plots.export_plot``, PNG), alternating
   ungrouped and grouped-with-bands plots;
6. closes the library and deletes it.

Reported: RSS at the start and end of each cycle, the peak RSS (VmHWM) of each cycle
(reset per cycle through ``/proc/self/clear_refs`` where the kernel allows), the time of
each step, and the growth of the end-of-cycle RSS from cycle 1 to the last (the baseline:
a process that leaks nothing keeps it flat after the first cycle's caches and imports).
Not collected by pytest.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "app"))

import numpy as np  # noqa: E402


def _status() -> dict[str, int]:
    out = {}
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, value = line.split(":", 1)
                out[key] = int(value.split()[0]) * 1024
    return out


def rss_mb() -> float:
    return _status()["VmRSS"] / 2**20


def peak_mb() -> float:
    return _status()["VmHWM"] / 2**20


def reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _bench_library() -> Any:
    path = Path(__file__).with_name("bench_library.py")
    spec = importlib.util.spec_from_file_location("bench_library", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_runs(folder: Path, n_runs: int, points: int, seed: int = 1) -> None:
    """``n_runs`` TensorBoard runs (tensorboardX event files), 2 tags each, config in the
    folder name (seed, lr) so runs group by regex."""
    from tensorboardX import SummaryWriter

    rng = np.random.default_rng(seed)
    for k in range(n_runs):
        lr = (1e-3, 3e-4, 1e-4, 3e-5)[k % 4]
        run_dir = folder / f"lr{lr:g}_seed{k // 4}"
        writer = SummaryWriter(str(run_dir))
        decay = points / (2 + k % 4)
        noise = rng.normal(scale=0.05, size=points)
        for step in range(points):
            writer.add_scalar("train/loss", float(np.exp(-step / decay) + noise[step]), step)
            if step % 10 == 0:
                writer.add_scalar("eval/accuracy", float(1 - np.exp(-step / decay)), step)
        writer.close()


def clustered_unit_vectors(n: int, dim: int = 384, k: int = 12, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, dim))
    m = centres[rng.integers(0, k, size=n)] + rng.normal(scale=0.8, size=(n, dim))
    m /= np.linalg.norm(m, axis=1, keepdims=True)
    return m.astype(np.float32)


def cycle(
    args: argparse.Namespace, snapshot: Path, runs_dir: Path, work: Path, k: int
) -> dict[str, float]:
    from paperscope.library.store import Store
    from paperscope.workflows.embed import DEFAULT_FIELDS, paper_text, query_encoder, text_hash
    from paperscope.workflows.map import build_map
    from paperscope.workflows.papers import import_paths
    from paperscope.workflows.plots import PlotSpec, compute_plot, export_plot
    from paperscope.workflows.runs import load_runs

    t: dict[str, float] = {}
    lib = work / f"cycle{k}"
    lib.mkdir()
    store = Store(lib / "library.duckdb")
    try:
        t0 = time.perf_counter()
        summary = import_paths(store, [snapshot])
        store.ensure_text_index()
        t["import+index"] = time.perf_counter() - t0
        assert summary.added == args.papers, summary.line()

        t0 = time.perf_counter()
        ids, columns = store.paper_texts(DEFAULT_FIELDS)
        ids = np.asarray(ids, dtype=np.int64)[: args.embed]
        texts = [paper_text(parts) for parts in zip(*columns, strict=True)][: args.embed]
        del columns
        hashes = [text_hash(x) for x in texts]
        if args.random_vectors:
            model_id = "RANDOM-VECTORS"
            matrix = clustered_unit_vectors(len(ids))
        else:
            enc = query_encoder(None)
            model_id = enc.model_id
            matrix = enc.encode(texts)
        store.put_vectors(model_id, ids, hashes, matrix)
        del texts, hashes, matrix
        t["embed"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        result = build_map(store, model_id=model_id, method="umap")
        t["map"] = time.perf_counter() - t0
        assert result.n_papers == len(ids)

        t0 = time.perf_counter()
        runs, issues = load_runs([runs_dir])
        t["load runs"] = time.perf_counter() - t0
        assert len(runs) == args.runs, (len(runs), issues[:3])

        t0 = time.perf_counter()
        for f in range(args.figures):
            if f % 2:
                spec = PlotSpec("train/loss", group_regex=r"(lr[^_]+)_seed\d+", band="std")
            else:
                spec = PlotSpec("eval/accuracy" if f % 4 == 2 else "train/loss")
            export_plot(compute_plot(runs, spec), work / f"fig{f}.png")
        t["figures"] = time.perf_counter() - t0
        del runs
    finally:
        store.close()
        shutil.rmtree(lib, ignore_errors=True)
    return t


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--papers", type=int, default=1_000_000)
    p.add_argument("--embed", type=int, default=20_000)
    p.add_argument(
        "--random-vectors",
        action="store_true",
        help="store clustered random unit vectors instead of running the model",
    )
    p.add_argument("--cycles", type=int, default=3)
    p.add_argument("--runs", type=int, default=100)
    p.add_argument("--points", type=int, default=2_000, help="train/loss points per run")
    p.add_argument("--figures", type=int, default=20)
    args = p.parse_args()
    args.embed = min(args.embed, args.papers)

    with tempfile.TemporaryDirectory(prefix="paperscope-soak-") as tmp:
        work = Path(tmp)
        import os

        os.environ["PAPERSCOPE_HOME"] = str(work / "home")  # caches of this run only
        t0 = time.perf_counter()
        snapshot = work / "arxiv.jsonl"
        _bench_library().generate(snapshot, args.papers)
        runs_dir = work / "runs"
        write_runs(runs_dir, args.runs, args.points)
        size = snapshot.stat().st_size / 2**20
        print(f"setup: {args.papers:,} snapshot lines ({size:.0f} MB), "
              f"{args.runs} TensorBoard runs x {args.points:,} points in "
              f"{time.perf_counter() - t0:.0f} s")  # fmt: skip
        vectors = "RANDOM VECTORS (no model runs)" if args.random_vectors else "bundled model"
        print(f"embedding: {args.embed:,} papers with {vectors}")
        gc.collect()
        base = rss_mb()
        print(f"RSS before the first cycle: {base:.0f} MB")
        ends = []
        for k in range(1, args.cycles + 1):
            gc.collect()
            resettable = reset_peak()
            start = rss_mb()
            t = cycle(args, snapshot, runs_dir, work, k)
            gc.collect()
            end = rss_mb()
            ends.append(end)
            peak = peak_mb()
            steps = ", ".join(f"{name} {sec:.1f} s" for name, sec in t.items())
            scope = "this cycle" if resettable else "since start"
            print(f"cycle {k}: RSS start {start:.0f} MB, end {end:.0f} MB "
                  f"(+{end - start:.0f}), peak {peak:.0f} MB ({scope}); {steps}")  # fmt: skip
        if len(ends) > 1:
            growth = (ends[-1] - ends[0]) / (len(ends) - 1)
            print(f"growth of the end-of-cycle RSS after cycle 1: {growth:+.1f} MB/cycle "
                  f"(cycle 1 end {ends[0]:.0f} MB, last {ends[-1]:.0f} MB); "
                  f"ratio last/first {ends[-1] / ends[0]:.3f} (1.000: no growth)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
