"""Benchmark: the comparison table for 50 groups × 26 tasks with IQM and stratified
bootstrap 95 % CIs (issue 15, goal <= 2 s).

    python tests/benchmarks/bench_table.py            # 50 groups × 26 tasks × 5 seeds
    python tests/benchmarks/bench_table.py --quick    # 10 groups × 26 tasks

Generates seeded runs in memory (each a 200-point curve of ``eval/return`` with a
config naming its algorithm and its Atari game), an empty library, and times
``workflows.table.comparison_table`` (each run's final value, grouped by algorithm,
one column per game, IQM with 2,000 bootstrap resamples per cell). The baseline,
measured in the same run: the same final values reduced with a plain numpy mean and
std per cell (no bootstrap).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "app"))

from paperscope.core.records import Run, Series  # noqa: E402
from paperscope.library.store import Store  # noqa: E402
from paperscope.workflows.table import comparison_table, run_value  # noqa: E402

METRIC = "eval/return"


def make_runs(groups: int, tasks: int, seeds: int, points: int = 200) -> list[Run]:
    rng = np.random.default_rng(0)
    steps = np.arange(points, dtype=np.int64) * 1000
    wall = np.full(points, np.nan)
    out = []
    for g in range(groups):
        for t in range(tasks):
            for s in range(seeds):
                values = np.cumsum(rng.normal(0.1 * (g + 1), 1.0, points)).astype(np.float64)
                out.append(Run(
                    id=f"{g}-{t}-{s}", name=f"algo{g}_game{t}_seed{s}", format="bench",
                    source=(f"/bench/algo{g}/game{t}/seed{s}",),
                    series={METRIC: Series(METRIC, steps, wall, values)},
                    config={"algo": f"algo{g}", "env_id": f"Game{t}NoFrameskip-v4", "seed": s},
                ))  # fmt: skip
    return out


def baseline(runs: list[Run]) -> tuple[float, int]:
    t0 = time.perf_counter()
    cells: dict[tuple[str, str], list[float]] = {}
    for r in runs:
        v = run_value(r, METRIC, "final", True)
        if v is not None:
            cells.setdefault((str(r.config["algo"]), str(r.config["env_id"])), []).append(v)
    for vals in cells.values():
        a = np.asarray(vals)
        a.mean(), a.std(ddof=1)
    return time.perf_counter() - t0, len(cells)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    groups, tasks, seeds = (10 if args.quick else 50), 26, 5
    runs = make_runs(groups, tasks, seeds)
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "lib.duckdb") as store:
        comparison_table(store, runs[:seeds], METRIC, group_by="algo", stat="iqm-ci", reps=50)
        base, n_cells = baseline(runs)
        t0 = time.perf_counter()
        built = comparison_table(store, runs, METRIC, group_by="algo", stat="iqm-ci", reps=2000)
        ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        comparison_table(store, runs, METRIC, group_by="algo", stat="mean-std")
        mean_std = time.perf_counter() - t0
    table = built.table
    assert len(table.rows) == groups and len(table.columns) == tasks, (table.rows, table.columns)
    assert sum(len(r.cells) for r in table.rows) == n_cells == groups * tasks
    goal = " (goal <= 2 s)" if not args.quick else ""
    print(f"{len(runs):,} runs: {groups} groups × {tasks} tasks × {seeds} seeds, {n_cells:,} cells")
    print(f"comparison_table IQM + 95% CI (2,000 resamples/cell): {ours:.2f} s{goal}")
    print(f"comparison_table mean ± std: {mean_std:.2f} s")
    print(f"baseline numpy mean/std of the same finals: {base:.3f} s; ratio {ours / base:.1f}x")


if __name__ == "__main__":
    main()
