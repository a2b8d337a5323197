"""Benchmark: importing reported results in the Papers with Code format (issue 15).

    python tests/benchmarks/bench_results_import.py            # 60,000 records (goal <= 10 s)
    python tests/benchmarks/bench_results_import.py --quick    # 6,000 records

Generates a sota-extractor JSON of N records (rows, each with 3 metrics: ``"0.8428 ± 0.0014"``
strings, percentages, plain numbers, unit suffixes, placeholders) over tasks, datasets
and nested subtasks, naming papers by arXiv URL or title, against a library of 5,000
papers of which a fifth are named. Times ``import_results`` (read + value parsing +
matching + storing in a DuckDB file) and prints it with the baseline measured in the
same run: ``json.load`` of the same file alone.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "app"))

from paperscope.core.records import Paper  # noqa: E402
from paperscope.library.store import Store  # noqa: E402
from paperscope.workflows.results import import_results  # noqa: E402

METRICS = ("Test Accuracy", "Top-1 Error", "Params")


def generate(path: Path, records: int, papers: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    rows_needed = records
    tasks = []
    made = 0
    t = 0
    while made < rows_needed:
        datasets = []
        for d in range(20):
            rows = []
            for _ in range(min(25, rows_needed - made)):
                p = int(rng.integers(0, papers * 5))
                named = p < papers
                url = f"https://arxiv.org/abs/{2000 + p // 10000:04d}.{p % 10000:05d}v2"
                v = float(rng.uniform(0.2, 0.99))
                kind = made % 4
                acc = (
                    f"{v:.4f} \u00b1 {v / 100:.4f}" if kind == 0
                    else f"{100 * v:.1f}%" if kind == 1
                    else v if kind == 2
                    else f"{v:.3f}"
                )  # fmt: skip
                rows.append({
                    "model_name": f"Model {made}",
                    "paper_title": f"Generated paper number {p}" if not named or p % 2 else "",
                    "paper_url": url if named and p % 3 else "",
                    "paper_date": None,
                    "code_links": [],
                    "model_links": [],
                    "metrics": {
                        METRICS[0]: acc,
                        METRICS[1]: f"{100 * (1 - v):.2f}",
                        METRICS[2]: ["1.2M", "350k", "", "–"][made % 4],
                    },
                })  # fmt: skip
                made += 1
            datasets.append({"dataset": f"Dataset {t}-{d}", "sota": {"metrics": list(METRICS),
                             "rows": rows}})  # fmt: skip
            if made >= rows_needed:
                break
        tasks.append({"task": f"Task {t}", "datasets": datasets[:10],
                      "subtasks": [{"task": f"Task {t} sub", "datasets": datasets[10:],
                                    "subtasks": []}]})  # fmt: skip
        t += 1
    path.write_text(json.dumps(tasks), encoding="utf-8")


def library(path: Path, papers: int) -> None:
    with Store(path) as store:
        store.add_papers([
            Paper(
                title=f"Generated paper number {p}",
                arxiv_id=f"{2000 + p // 10000:04d}.{p % 10000:05d}",
                year=2020,
            )
            for p in range(papers)
        ])  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--records", type=int, default=None, help="rows (default 60,000)")
    ap.add_argument("--profile", action="store_true", help="print the top cProfile entries")
    args = ap.parse_args()
    records = args.records or (6_000 if args.quick else 60_000)
    papers = 5_000
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "evaluation-tables.json"
        generate(src, records, papers)
        lib = Path(tmp) / "lib.duckdb"
        library(lib, papers)
        t0 = time.perf_counter()
        with src.open(encoding="utf-8") as fh:
            json.load(fh)
        base = time.perf_counter() - t0
        with Store(lib) as store:
            t0 = time.perf_counter()
            if args.profile:
                import cProfile
                import pstats

                prof = cProfile.Profile()
                summary = prof.runcall(import_results, store, [src])
                pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
            else:
                summary = import_results(store, [src])
            ours = time.perf_counter() - t0
        size = src.stat().st_size / 1e6
        print(f"records generated: {records:,} rows ({3 * records:,} values) in {size:.1f} MB")
        print(f"imported: {summary.line()}")
        goal = " (goal <= 10 s)" if not args.quick else ""
        print(f"import_results: {ours:.2f} s{goal}; baseline json.load alone: {base:.2f} s; "
              f"ratio {ours / base:.1f}x")  # fmt: skip


if __name__ == "__main__":
    main()
