"""Benchmark: our TensorBoard reader vs TensorBoard's EventAccumulator, CSV loading,
and peak memory. Not collected by pytest.

    python tests/benchmarks/bench_runs.py                 # full size: 10 tags x 1,000,000 steps
    python tests/benchmarks/bench_runs.py --steps 20000   # quick

Event files are written by the real writer (torch.utils.tensorboard.SummaryWriter),
once with ``simple_value`` and once with tensor scalars (``new_style=True``). Our
reader reads every file in full; EventAccumulator reads a subset (``--ea-steps`` per
tag, it is slow) and both are compared in scalars per CPU-second (process time).
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from paperscope.core.records import Run, Series

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "app"))


def write_events(folder: Path, tags: int, steps: int, new_style: bool) -> Path:
    from torch.utils.tensorboard import SummaryWriter

    w = SummaryWriter(str(folder), max_queue=10000, flush_secs=3600)
    rng = np.random.default_rng(0)
    values = rng.random((steps, tags)).tolist()
    names = [f"group/metric_{k}" for k in range(tags)]
    for i in range(steps):
        row = values[i]
        for k in range(tags):
            w.add_scalar(names[k], row[k], i, new_style=new_style)
    w.close()
    return next(folder.glob("events*"))


def cpu(fn: Callable[[], object]) -> tuple[Any, float, float]:
    gc.collect()
    t0, w0 = time.process_time(), time.perf_counter()
    out = fn()
    return out, time.process_time() - t0, time.perf_counter() - w0


def ours(folder: Path) -> Run:
    from paperscope.readers.runs import tensorboard

    return tensorboard.read_run(folder)[1].runs[0]


def event_accumulator(path: Path, new_style: bool) -> int:
    from tensorboard.backend.event_processing import event_accumulator as ea
    from tensorboard.backend.event_processing import plugin_event_accumulator as pea

    if new_style:
        acc = pea.EventAccumulator(str(path), size_guidance={pea.TENSORS: 0})
        acc.Reload()
        return sum(len(acc.Tensors(t)) for t in acc.Tags()["tensors"])
    acc1 = ea.EventAccumulator(str(path), size_guidance={ea.SCALARS: 0})
    acc1.Reload()
    return sum(len(acc1.Scalars(t)) for t in acc1.Tags()["scalars"])


def peak_memory(fn: Callable[[], object]) -> tuple[Any, int]:
    gc.collect()
    tracemalloc.start()
    out = fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return out, peak


def unique_nbytes(series: list[Series]) -> int:
    """Bytes of the distinct buffers behind the series (steps are shared across a
    CSV's columns, so they count once)."""
    seen: dict[int, int] = {}
    for s in series:
        for a in (s.steps, s.wall_times, s.values):
            base = a if a.base is None else a.base
            seen[id(base)] = max(seen.get(id(base), 0), base.nbytes)
    return sum(seen.values())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=1_000_000)
    ap.add_argument("--tags", type=int, default=10)
    ap.add_argument("--ea-steps", type=int, default=20_000)
    ap.add_argument("--csv-rows", type=int, default=10_000_000)
    ap.add_argument("--dir", type=Path, default=None)
    args = ap.parse_args()
    root = Path(args.dir or tempfile.mkdtemp(prefix="bench_runs_"))
    print(f"files in {root}")

    from paperscope.readers.runs import tensorboard

    warm = root / "warm"
    warm.mkdir(parents=True, exist_ok=True)
    if not list(warm.glob("events*")):
        write_events(warm, 2, 10, False)
    _, t_compile, _ = cpu(lambda: tensorboard.read_run(warm))
    print(f"numba kernels loaded/compiled in {t_compile:.2f} CPU-s (once per install)")

    for style in ("simple_value", "tensor"):
        new = style == "tensor"
        big = root / f"{style}_{args.steps}"
        small = root / f"{style}_ea_{args.ea_steps}"
        for folder, n in ((big, args.steps), (small, min(args.ea_steps, args.steps))):
            if not list(folder.glob("events*")):
                folder.mkdir(parents=True, exist_ok=True)
                t = time.perf_counter()
                write_events(folder, args.tags, n, new)
                print(f"wrote {folder.name} in {time.perf_counter() - t:.1f} s")
        f_big = next(big.glob("events*"))
        run, t_ours, w_ours = cpu(lambda b=big: ours(b))  # type: ignore[misc]
        n_ours = sum(len(s) for s in run.series.values())
        assert n_ours == args.tags * args.steps, n_ours
        n_ea, t_ea, _ = cpu(lambda s=small, nw=new: event_accumulator(next(s.glob("events*")), nw))
        _, t_ours_small, _ = cpu(lambda s=small: ours(s))
        rate_ours = n_ours / t_ours
        rate_ea = n_ea / t_ea
        size = f_big.stat().st_size
        print(
            f"[{style}] ours: {n_ours:,} scalars in {t_ours:.3f} CPU-s ({w_ours:.3f} s wall, "
            f"{size / 1e6:.0f} MB) = {rate_ours:,.0f} scalars/CPU-s; "
            f"EventAccumulator: {n_ea:,} in {t_ea:.2f} CPU-s = {rate_ea:,.0f}/CPU-s "
            f"(ours on the same subset: {n_ea / t_ours_small:,.0f}/CPU-s); "
            f"ratio {rate_ours / rate_ea:.0f}x; goal 2,000,000: "
            f"{'MET' if rate_ours >= 2e6 else 'NOT MET'}"
        )
        del run
        run, peak = peak_memory(lambda b=big: ours(b))  # type: ignore[misc]
        arrays = sum(
            s.steps.nbytes + s.wall_times.nbytes + s.values.nbytes for s in run.series.values()
        )
        print(
            f"[{style}] peak traced memory {peak / 1e6:.0f} MB for {arrays / 1e6:.0f} MB of arrays "
            f"= {peak / arrays:.2f}x (goal <= 2x)"
        )
        del run

    # the parsed-run cache: reopening both folders
    import os

    os.environ["PAPERSCOPE_HOME"] = str(root / "home")
    from paperscope.workflows.runs import load_runs

    folders = [root / f"{style}_{args.steps}" for style in ("simple_value", "tensor")]
    _, _, w_first = cpu(lambda: load_runs(folders, use_cache=True))
    _, t_again, w_again = cpu(lambda: load_runs(folders, use_cache=True))
    size = sum(f.stat().st_size for d in folders for f in d.glob("events*"))
    print(
        f"[cache] {size / 1e6:.0f} MB of event files: first open {w_first:.2f} s, "
        f"reopen from the cache {w_again:.3f} s ({t_again:.3f} CPU-s)"
    )

    # CSV: step, wall time, two metrics
    csv = root / f"big_{args.csv_rows}.csv"
    if not csv.exists():
        n = args.csv_rows
        s = np.arange(n)
        with csv.open("w") as fh:
            fh.write("step,wall_time,loss,acc\n")
            rng = np.random.default_rng(1)
            for a in range(0, n, 1_000_000):
                b = min(n, a + 1_000_000)
                block = np.c_[s[a:b], 1.7e9 + s[a:b] * 0.01, rng.random(b - a), rng.random(b - a)]
                np.savetxt(fh, block, fmt=["%d", "%.3f", "%.6g", "%.6g"], delimiter=",")
    from paperscope.core.tasks import CancelToken, no_progress
    from paperscope.readers import registry

    reader = registry.get("csv")
    res, t_csv, w_csv = cpu(lambda: reader.read(csv, no_progress, CancelToken()))
    rows = len(res.runs[0].series["loss"])
    print(
        f"[csv] {rows:,} rows ({csv.stat().st_size / 1e6:.0f} MB) in {t_csv:.2f} CPU-s, "
        f"{w_csv:.2f} s wall (goal for 10M rows: <= 3 s)"
    )
    del res
    res, peak = peak_memory(lambda: reader.read(csv, no_progress, CancelToken()))
    arrays = unique_nbytes(res.runs[0].series.values())
    print(
        f"[csv] peak traced memory {peak / 1e6:.0f} MB for {arrays / 1e6:.0f} MB of arrays "
        f"= {peak / arrays:.2f}x"
    )


if __name__ == "__main__":
    main()
