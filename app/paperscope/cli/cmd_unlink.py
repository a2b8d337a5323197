"""``paperscope unlink RUN_PATH… [--paper ID]``: remove links (the run files stay)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser("unlink", help="remove run–paper links (never deletes run files)")
    p.add_argument("runs", nargs="+", type=Path, metavar="RUN_PATH")
    p.add_argument("--paper", metavar="ID|ARXIV_ID|DOI", help="only the links to this paper")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from paperscope.cli._common import open_store
    from paperscope.workflows.results import unlink_runs

    with open_store(args) as store:
        try:
            n = unlink_runs(store, args.runs, args.paper)
        except ValueError as exc:
            print(f"paperscope: {exc}", file=sys.stderr)
            return 2
    print(f"{n} link(s) removed")
    return 0 if n else 1
