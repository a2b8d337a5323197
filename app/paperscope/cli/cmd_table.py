"""``paperscope table RUNS… --metric NAME``: the comparison table of your run groups
and the linked papers' reported methods, as LaTeX (booktabs, ``\\cite``, with the
``.bib`` of the cited papers beside it), Markdown or CSV."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser("table", help="comparison table of run groups and reported results")
    p.add_argument("runs", nargs="+", type=Path, metavar="RUNS", help="run files or folders")
    p.add_argument("--metric", required=True, metavar="NAME", help="the runs' metric (tag)")
    p.add_argument(
        "--reported-metric",
        metavar="NAME",
        help="the papers' name for it (default: the same as --metric)",
    )
    p.add_argument(
        "--dataset",
        metavar="NAME",
        help="the runs' dataset/task (default: the run config's env_id, dataset…)",
    )
    p.add_argument(
        "--group-by",
        metavar="KEY",
        help="a config key, 'name' (names up to a trailing seed) or 're:PATTERN'",
    )
    p.add_argument(
        "--paper",
        action="append",
        default=[],
        metavar="ID",
        help="a paper whose reported results join (repeatable); linked papers join anyway",
    )
    p.add_argument("--at", default="final", metavar="final|best|STEP")
    p.add_argument("--stat", default="mean-std", choices=("mean-std", "iqm-ci"))
    p.add_argument(
        "--normalise", choices=("human",), default=None,
        help="human-normalised scores, (score - random) / (human - random), in the columns "
        "of Atari games (rliable's per-game human and random scores)",
    )  # fmt: skip
    p.add_argument("--lower-is-better", action="store_true", help="the best value is the least")
    p.add_argument("--digits", type=int, default=2, metavar="N")
    p.add_argument("--reps", type=int, default=2000, help="bootstrap resamples for iqm-ci")
    p.add_argument("--caption", default=None)
    p.add_argument("--format", required=True, choices=("latex", "markdown", "csv"))
    p.add_argument("--out", required=True, type=Path, metavar="FILE")
    p.set_defaults(func=run)  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from paperscope.cli._common import TerminalProgress, check_output_file, open_store
    from paperscope.workflows.results import resolve_paper
    from paperscope.workflows.runs import load_runs
    from paperscope.workflows.table import comparison_table, save_table

    problem = check_output_file(args.out)
    if problem:
        print(f"paperscope: {problem}", file=sys.stderr)
        return 2
    runs, issues = load_runs(args.runs, TerminalProgress("runs "))
    for issue in issues:
        print(f"{issue.severity}: {issue}", file=sys.stderr)
    if not runs:
        print("paperscope: no runs found in " + ", ".join(map(str, args.runs)), file=sys.stderr)
        return 2
    with open_store(args) as store:
        try:
            papers = [resolve_paper(store, p) for p in args.paper]
            built = comparison_table(
                store, runs, args.metric, group_by=args.group_by, paper_ids=papers, at=args.at,
                stat=args.stat, dataset=args.dataset, reported_metric=args.reported_metric,
                lower_is_better=True if args.lower_is_better else None, reps=args.reps,
                normalise=args.normalise,
            )  # fmt: skip
        except ValueError as exc:
            print(f"paperscope: {exc}", file=sys.stderr)
            return 2
    for issue in built.issues:
        print(f"{issue.severity}: {issue}", file=sys.stderr)
    if not built.table.rows:
        print(f"paperscope: no run has {args.metric!r} and no paper reports it", file=sys.stderr)
        return 1
    out, bib = save_table(built, args.format, args.out, args.digits, args.caption)
    line = f"{len(built.table.rows)} rows × {len(built.table.columns)} columns → {out}"
    if bib is not None:
        line += f", {len(built.papers)} cited papers → {bib}"
    print(line)
    return 0
