"""``paperscope similar PAPER_ID``: the papers most like one paper, with cosine scores.

``paperscope similar --all``: rank every embedded paper against all the others and store
the answers (the exact similar-papers table, :mod:`paperscope.workflows.similar_table`),
so that asking for one paper's similar papers later is one read. It goes on from where
an interrupted run stopped (Ctrl-C keeps every finished chunk) and merges in papers
embedded since; ``--max-rows N`` ranks at most N more papers in this run. With
``--json`` the summary is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser("similar", help="papers most similar to one paper (needs `map` or `embed`)")
    p.add_argument("paper_id", type=int, nargs="?", metavar="PAPER_ID")
    p.add_argument(
        "--all", action="store_true",
        help="compute and store the similar papers of every embedded paper (exact; resumable)",
    )  # fmt: skip
    p.add_argument("--max-rows", type=int, default=None, metavar="N",
                   help="with --all: rank at most N more papers in this run")  # fmt: skip
    p.add_argument("--limit", type=int, default=10, metavar="N", help="how many (default 10)")
    p.add_argument("--json", action="store_true", help="JSON lines: id, title, score")
    p.add_argument("--model", default=None, metavar="ID", help="embedding model id")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from paperscope.cli._common import open_store
    from paperscope.workflows.map import MapError, similar_papers

    if args.all:
        return _run_all(args)
    if args.paper_id is None:
        print("paperscope: give a PAPER_ID, or --all", file=sys.stderr)
        return 2
    if args.limit < 1:
        print("paperscope: --limit must be at least 1", file=sys.stderr)
        return 2
    with open_store(args) as store:
        if not store.table_rows([args.paper_id], ["title"]):
            print(f"paperscope: no paper {args.paper_id} in the library", file=sys.stderr)
            return 2
        try:
            hits = similar_papers(store, args.paper_id, args.limit, model_id=args.model)
        except MapError as exc:
            print(f"paperscope: {exc}", file=sys.stderr)
            return 2
    for h in hits:
        if args.json:
            print(json.dumps({"id": h.id, "title": h.title, "score": round(h.score, 6)}))
        else:
            print(f"{h.score:.3f}  {h.id:>8}  {h.title}")
    return 0


def _run_all(args: argparse.Namespace) -> int:
    from paperscope.cli._common import TerminalProgress, open_store
    from paperscope.core.text import count
    from paperscope.workflows.similar_table import SimilarTableError, build_exact_similar

    if args.paper_id is not None:
        print("paperscope: --all takes no PAPER_ID", file=sys.stderr)
        return 2
    if args.max_rows is not None and args.max_rows < 0:
        print("paperscope: --max-rows must be at least 0", file=sys.stderr)
        return 2
    with open_store(args) as store:
        try:
            r = build_exact_similar(
                store, TerminalProgress("similar "), model_id=args.model, max_rows=args.max_rows
            )
        except SimilarTableError as exc:
            print(f"paperscope: {exc}", file=sys.stderr)
            return 2
    if args.json:
        print(json.dumps({
            "model": r.model_id, "papers": r.papers, "rows_before": r.rows_before,
            "computed": r.computed, "merged": r.merged, "complete": r.complete,
            "seconds": round(r.seconds, 3),
        }))  # fmt: skip
    else:
        done = "complete" if r.complete else "not complete yet: run it again to go on"
        print(
            f"similar papers of {count(r.papers, 'paper')}: {r.computed:,} ranked, "
            f"{r.merged:,} updated with new papers, in {r.seconds:.1f} s ({done})"
        )
    return 0
