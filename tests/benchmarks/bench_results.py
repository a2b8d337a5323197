"""Benchmarks for the results area (issue 5): smoothing, grouping, bootstrap.

    python tests/benchmarks/bench_results.py            # full sizes (10M points, ...)
    python tests/benchmarks/bench_results.py --quick    # small sizes, a few seconds

Each line prints our time, the baseline measured in the same run and the ratio:

* smoothing: ``ema`` on N points (goal: 10M points <= 0.5 s) against TensorBoard's
  ``classicSmoothing`` as a plain Python loop, timed on a subset and scaled to N;
  the time-weighted variant (numba) on the same N, first call (compile) reported apart;
* grouping: ``aggregate_group`` (mean ± std, and ci95 with 1,000 resamples) of R runs
  on unequal x grids against the straightforward numpy version (np.interp per run,
  nanmean/nanstd);
* bootstrap: ``interval_estimates`` (IQM, median, mean, optimality gap) on the Atari
  100k SPR scores against ``rliable.library.get_interval_estimates`` with the same reps.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "app"))

from paperscope.readers.runs import rliable_scores as S  # noqa: E402
from paperscope.results import aggregate as A  # noqa: E402
from paperscope.results.align import Curve, aggregate_group  # noqa: E402
from paperscope.results.smoothing import ema, time_weighted_ema  # noqa: E402

IRIS = REPO.parent / "shared" / "data" / "runs" / "iris" / "results" / "data"


def best_of(fn: Callable[[], Any], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def tensorboard_loop(ys: list[float], w: float) -> list[float]:
    """TensorBoard's classicSmoothing, statement by statement."""
    initial = ys[0]
    if all(y == initial for y in ys):
        return list(ys)
    last, num_accum, out = 0.0, 0, []
    for y in ys:
        if not math.isfinite(y):
            out.append(y)
            continue
        last = last * w + (1 - w) * y
        num_accum += 1
        out.append(last / (1 if w == 1 else 1 - math.pow(w, num_accum)))
    return out


def report(name: str, ours: float, base: float, base_name: str, extra: str = "") -> None:
    print(
        f"{name:<44} ours {ours:8.3f} s   {base_name} {base:8.3f} s   "
        f"speed-up x{base / ours:8.1f}{'   ' + extra if extra else ''}"
    )


def bench_smoothing(n: int, subset: int) -> None:
    rng = np.random.default_rng(0)
    y = np.cumsum(rng.normal(size=n))
    y[rng.integers(0, n, size=n // 1000)] = np.nan
    ema(y[:100])
    ours = best_of(lambda: ema(y, 0.6))
    ys = y[:subset].tolist()
    t = time.perf_counter()
    tensorboard_loop(ys, 0.6)
    loop = (time.perf_counter() - t) * n / subset
    goal = "OK" if n < 10_000_000 or ours <= 0.5 else "OVER 0.5 s GOAL"
    report(f"smoothing ema, {n:,} points", ours, loop, "TB loop (scaled)", goal)

    x = np.cumsum(rng.exponential(size=n))
    t = time.perf_counter()
    time_weighted_ema(x[:100], y[:100])
    compile_s = time.perf_counter() - t
    tw = best_of(lambda: time_weighted_ema(x, y, 0.6))
    report(f"smoothing time-weighted, {n:,} points", tw, loop, "TB loop (scaled)",
           f"first call (numba compile) {compile_s:.2f} s")  # fmt: skip


def naive_group(xs: list[np.ndarray], ys: list[np.ndarray]) -> tuple[np.ndarray, ...]:
    grid = np.unique(np.concatenate(xs))
    if grid.size > 2000:
        grid = np.linspace(grid[0], grid[-1], 2000)
    m = np.full((len(xs), grid.size), np.nan)
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        inside = (grid >= x[0]) & (grid <= x[-1])
        m[i, inside] = np.interp(grid[inside], x, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(m, axis=0)
        std = np.nanstd(m, axis=0, ddof=1)
    return mean, mean - std, mean + std


def bench_grouping(runs: int, points: int) -> None:
    rng = np.random.default_rng(1)
    curves, xs, ys = [], [], []
    for i in range(runs):
        n = int(points * rng.uniform(0.5, 1.0))
        x = np.cumsum(rng.integers(1, 20, size=n)).astype(np.float64)
        y = np.cumsum(rng.normal(size=n))
        curves.append(Curve(str(i), str(i), "m", x, y, ema(y, 0.6)))
        xs.append(x)
        ys.append(curves[-1].y)
    base = best_of(lambda: naive_group(xs, ys))
    ours = best_of(lambda: aggregate_group("g", curves, "mean", "std"))
    report(f"group mean±std, {runs} runs × ≤{points:,} pts", ours, base, "numpy naive")
    ci = best_of(lambda: aggregate_group("g", curves, "mean", "ci95", reps=1000), repeat=1)
    report(f"group mean ci95 (1000 resamples), {runs} runs", ci, base, "numpy naive std",
           "(the baseline computes no CI)")  # fmt: skip


def bench_bootstrap(reps: int) -> None:
    rnd = S.load_reference(IRIS / "RANDOM.json")
    hum = S.load_reference(IRIS / "HUMAN.json")
    spr = A.score_matrix("SPR", S.load_scores(IRIS / "SPR.json"), rnd, hum).scores
    ours = best_of(lambda: A.interval_estimates(spr, reps=reps, seed=0), repeat=1)
    try:
        from rliable import library as rly
        from rliable import metrics as rm
    except ImportError:
        print(f"bootstrap {reps} reps: ours {ours:.3f} s (rliable not installed: no baseline)")
        return

    def fn(x: np.ndarray) -> np.ndarray:
        return np.array([rm.aggregate_iqm(x), rm.aggregate_median(x), rm.aggregate_mean(x),
                         rm.aggregate_optimality_gap(x)])  # fmt: skip

    t = time.perf_counter()
    rly.get_interval_estimates({"SPR": spr}, fn, reps=reps)
    base = time.perf_counter() - t
    report(f"bootstrap 4 metrics, 100×26, {reps:,} reps", ours, base, "rliable")
    t = time.perf_counter()
    n = min(reps, 2000)
    A.probability_of_improvement_ci(spr, spr[::-1], reps=n)
    label = f"P(improvement) CI, {n} reps"
    print(f"{label:<44} ours {time.perf_counter() - t:8.3f} s")


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--quick", action="store_true", help="small sizes for a quick check")
    args = p.parse_args()
    if args.quick:
        bench_smoothing(1_000_000, 100_000)
        bench_grouping(20, 20_000)
        bench_bootstrap(2_000)
    else:
        bench_smoothing(10_000_000, 500_000)
        bench_grouping(200, 100_000)
        bench_bootstrap(50_000)


if __name__ == "__main__":
    main()
