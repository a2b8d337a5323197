"""``paperscope rate ID… N``: rate papers 1-5 stars (0 clears the rating)."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser("rate", help="rate papers: 1 to 5 stars, 0 to clear")
    p.add_argument("ids", type=int, nargs="+", metavar="ID", help="paper ids")
    p.add_argument("rating", type=int, metavar="N", help="1-5, or 0 to clear")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from paperscope.cli._common import known_paper_ids, open_store
    from paperscope.core.text import count

    if not 0 <= args.rating <= 5:
        print(f"paperscope: a rating is 1 to 5, or 0 to clear (got {args.rating})", file=sys.stderr)
        return 2
    with open_store(args) as store:
        ids = known_paper_ids(store, args.ids)
        if ids is None:
            return 2
        store.set_rating(ids, args.rating or None)
    what = "★" * args.rating + "☆" * (5 - args.rating) if args.rating else "no rating"
    print(f"rated {count(len(ids), 'paper')}: {what}")
    return 0
