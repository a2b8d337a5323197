"""``paperscope similar PAPER_ID``: the papers most like one paper, with cosine scores."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser("similar", help="papers most similar to one paper (needs `map` or `embed`)")
    p.add_argument("paper_id", type=int, metavar="PAPER_ID")
    p.add_argument("--limit", type=int, default=10, metavar="N", help="how many (default 10)")
    p.add_argument("--json", action="store_true", help="JSON lines: id, title, score")
    p.add_argument("--model", default=None, metavar="ID", help="embedding model id")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from paperscope.cli._common import open_store
    from paperscope.workflows.map import MapError, similar_papers

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
