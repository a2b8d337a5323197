"""``paperscope status ID… read|unread|reading``: set the reading status of papers."""

from __future__ import annotations

import argparse
from typing import Any

# (the store's STATUSES, spelt out so that --help needs no library import)
CHOICES = ("unread", "reading", "read")


def add_parser(sub: Any) -> None:
    p = sub.add_parser("status", help="set the reading status of papers")
    p.add_argument("ids", type=int, nargs="+", metavar="ID", help="paper ids")
    p.add_argument("status", choices=CHOICES, help="|".join(CHOICES))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from paperscope.cli._common import known_paper_ids, open_store
    from paperscope.core.text import count

    with open_store(args) as store:
        ids = known_paper_ids(store, args.ids)
        if ids is None:
            return 2
        store.set_status(ids, args.status)
    print(f"{count(len(ids), 'paper')} marked {args.status}")
    return 0
