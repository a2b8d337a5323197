"""``paperscope runs PATH… [--json]``: list the runs found in files and folders.

With ``--json`` each run is one JSON object per line: ``name``, ``source`` (files),
``format``, ``config`` (object) and ``series`` (tag → ``count``, ``first_step``,
``last_step``, ``last_value``). Problems go to stderr. Exit code 1 when no run was found.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "runs", help="read experiment logs (TensorBoard, CSV, MLflow, Sacred, …) and list the runs"
    )
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders")
    p.add_argument("--json", action="store_true", help="one JSON object per run on stdout")
    p.add_argument("--no-cache", action="store_true", help="read everything again")
    p.add_argument(
        "--duplicates", choices=("last", "first", "all"), default="last",
        help="which point to keep when a restarted run logged a step twice (default: last)",
    )  # fmt: skip
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from paperscope.cli._common import TerminalProgress
    from paperscope.workflows.runs import load_runs, summary

    runs, issues = load_runs(
        args.paths,
        TerminalProgress("runs "),
        use_cache=not args.no_cache,
        duplicates=args.duplicates,
    )
    for issue in issues:
        print(f"{issue.severity}: {issue}", file=sys.stderr)
    for r in runs:
        s = summary(r)
        if args.json:
            print(json.dumps(s, ensure_ascii=False, allow_nan=False, default=str))
        else:
            points = sum(v["count"] for v in s["series"].values())
            print(f"{r.name}\t{r.format}\t{len(r.series)} series\t{points} points\t{r.source[0]}")
    return 0 if runs else 1
