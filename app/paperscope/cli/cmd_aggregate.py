"""``paperscope aggregate SCORES… --reference RANDOM.json HUMAN.json``: rliable's
IQM, median, mean and optimality gap with stratified bootstrap 95% CIs per method."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "aggregate",
        help="IQM, median, mean, optimality gap with bootstrap CIs over tasks (rliable)",
        description="Each SCORES file is one method: JSON {task: [score per run]}. Scores "
        "are normalised per task as (score - random) / (human - random) when --reference "
        "is given. CIs: stratified bootstrap (runs resampled within tasks), percentile.",
    )
    p.add_argument(
        "scores", nargs="+", type=Path, metavar="SCORES", help="one JSON file per method"
    )
    p.add_argument(
        "--reference", nargs=2, type=Path, metavar=("RANDOM.json", "HUMAN.json"),
        help="reference score tables for normalisation; 'atari atari': rliable's per-game "
        "Atari random and human scores, shipped",
    )  # fmt: skip
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument(
        "--reps", type=int, default=50_000,
        help="bootstrap resamples (default: 50000, as rliable)",
    )  # fmt: skip
    p.add_argument("--confidence", type=float, default=0.95, help="CI coverage (default: 0.95)")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed (default: 0)")
    p.add_argument(
        "--value-key", metavar="FIELD",
        help="score field in list-of-records files (e.g. HNS)",
    )  # fmt: skip
    p.add_argument(
        "--improvement", action="store_true",
        help="also P(X > Y) with its CI for every ordered pair of methods",
    )  # fmt: skip
    p.add_argument(
        "--figure", type=Path, metavar="FILE.(pdf|svg|png)",
        help="also draw the interval estimates (one panel per metric)",
    )  # fmt: skip
    p.add_argument(
        "--profiles", type=Path, metavar="FILE.(pdf|svg|png)",
        help="also draw performance profiles (fraction of runs with score > tau)",
    )  # fmt: skip
    p.add_argument(
        "--tau-max", type=float, default=8.0,
        help="performance profiles go from tau 0 to this (default: 8, as rliable's Atari plots)",
    )  # fmt: skip
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from paperscope.cli._common import TerminalProgress, check_output_file
    from paperscope.workflows.aggregate import aggregate_files

    for out in (args.figure, args.profiles):
        problem = None if out is None else check_output_file(out)
        if problem is not None:
            print(f"paperscope: {problem}", file=sys.stderr)
            return 2
    random, human = args.reference or (None, None)
    try:
        result = aggregate_files(
            args.scores, random, human, value_key=args.value_key, reps=args.reps,
            confidence=args.confidence, seed=args.seed, profiles=args.profiles is not None,
            tau_max=args.tau_max, improvement=args.improvement,
            progress=TerminalProgress("bootstrap "),
        )  # fmt: skip
    except ValueError as exc:
        print(f"paperscope: {exc}", file=sys.stderr)
        return 2
    report = result.report
    out = report.as_dict()
    if args.improvement:
        out["improvement"] = [
            {"x": x, "y": y, "reps": result.improvement_reps, **est.as_dict()}
            for (x, y), est in result.improvement.items()
        ]
    for issue in report.issues:
        print(f"{issue.severity}: {issue}", file=sys.stderr)
    written = _figures(result, args)
    if args.json:
        out["figures"] = [str(p) for p in written]
        print(json.dumps(out, indent=2))
    else:
        _print_table(out, args.confidence)
        for p in written:
            print(f"wrote {p}")
    return 0


def _figures(result: Any, args: argparse.Namespace) -> list[Path]:
    from paperscope.results.aggregate_figure import (
        render_interval_estimates,
        render_performance_profiles,
    )
    from paperscope.workflows.aggregate import PROFILE_REPS

    written = []
    if args.figure:
        written.append(render_interval_estimates(args.figure, result.report))
    if args.profiles:
        written.append(
            render_performance_profiles(
                args.profiles, result.profiles, reps=min(args.reps, PROFILE_REPS),
                confidence=args.confidence,
            )
        )  # fmt: skip
    return written


def _print_table(out: dict[str, Any], confidence: float) -> None:
    from paperscope.results.aggregate import METRICS

    pct = f"{100 * confidence:g}%"
    width = max(len("method"), *(len(n) for n in out["methods"]))
    header = f"{'method':<{width}}  {'runs':>4}  " + "  ".join(f"{m:<24}" for m in METRICS)
    print(f"{len(out['tasks'])} tasks; {out['normalisation']}; {pct} CIs, "
          f"{out['bootstrap']['reps']} stratified bootstrap resamples")  # fmt: skip
    print(header.rstrip())
    for name, res in out["methods"].items():
        cells = []
        for m in METRICS:
            e = res[m]
            cells.append(f"{e['point']:.3f} [{e['ci_low']:.3f}, {e['ci_high']:.3f}]".ljust(24))
        print((f"{name:<{width}}  {res['runs']:>4}  " + "  ".join(cells)).rstrip())
    for row in out.get("improvement", []):
        print(f"P({row['x']} > {row['y']}) = {row['point']:.3f} "
              f"[{row['ci_low']:.3f}, {row['ci_high']:.3f}]")  # fmt: skip
