"""``paperscope link RUN_PATH… --paper ID|ARXIV_ID|DOI``: link runs to the paper they
reproduce (or use as a baseline, or that is your method); ``--locate LINK_ID --in DIR``
finds a moved run again by its content fingerprint."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser("link", help="link run folders/files to a paper (or --list, --locate)")
    p.add_argument("runs", nargs="*", type=Path, metavar="RUN_PATH", help="run folders or files")
    p.add_argument(
        "--paper", metavar="ID|ARXIV_ID|DOI", help="the paper (library id, arXiv id or DOI)"
    )
    p.add_argument("--role", default="reproduces", choices=("reproduces", "baseline", "my-method"))
    p.add_argument("--note", default="", help="a free note on the link")
    p.add_argument("--run-name", default="", metavar="NAME", help="the run inside a multi-run file")
    p.add_argument(
        "--list", action="store_true", help="list the links (of --paper, or all) with their state"
    )
    p.add_argument("--locate", type=int, metavar="LINK_ID", help="find a moved run of this link")
    p.add_argument("--in", dest="search", type=Path, metavar="DIR", help="where --locate looks")
    p.set_defaults(func=run)  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from paperscope.cli._common import TerminalProgress, open_store
    from paperscope.workflows import results as wf

    if args.locate is not None:
        if args.search is None:
            print("paperscope: --locate needs --in DIR (where to look)", file=sys.stderr)
            return 2
        with open_store(args) as store:
            try:
                found = wf.locate_run(store, args.locate, args.search, TerminalProgress("locate "))
            except ValueError as exc:
                print(f"paperscope: {exc}", file=sys.stderr)
                return 2
        if found is None:
            print(f"paperscope: no run with link {args.locate}'s content under {args.search}",
                  file=sys.stderr)  # fmt: skip
            return 1
        print(f"link {args.locate} now points at {found}")
        return 0
    if args.list:
        with open_store(args) as store:
            try:
                pid = None if args.paper is None else wf.resolve_paper(store, args.paper)
            except ValueError as exc:
                print(f"paperscope: {exc}", file=sys.stderr)
                return 2
            for s in wf.link_states(store, pid):
                k = s.link
                name = f" [{k.run_name}]" if k.run_name else ""
                note = f"  ({k.note})" if k.note else ""
                head = f"{k.id:>5}  paper {k.paper_id:<6} {k.role:<10} {s.state:<8}"
                print(f"{head} {k.source}{name}{note}")
        return 0
    if not args.runs or args.paper is None:
        print("paperscope: link needs RUN_PATH… and --paper", file=sys.stderr)
        return 2
    missing = [p for p in args.runs if not p.exists()]
    if missing:
        print(f"paperscope: {missing[0]}: no such run file or folder", file=sys.stderr)
        return 2
    with open_store(args) as store:
        try:
            ids = wf.link_runs(store, args.runs, args.paper, args.role, args.note, args.run_name)
        except ValueError as exc:
            print(f"paperscope: {exc}", file=sys.stderr)
            return 2
        pid = wf.resolve_paper(store, args.paper)
    print(
        f"{len(ids)} run(s) linked to paper {pid} as {args.role} (links {', '.join(map(str, ids))})"
    )
    return 0
