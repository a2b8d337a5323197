"""``paperscope tag ID… --add T [--remove T]``: tag and untag papers (tags are made
when first used)."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser("tag", help="add or remove tags of papers")
    p.add_argument("ids", type=int, nargs="+", metavar="ID", help="paper ids")
    p.add_argument(
        "--add", action="append", default=[], metavar="T", help="tag to add (repeatable)"
    )
    p.add_argument("--remove", action="append", default=[], metavar="T",
                   help="tag to remove (repeatable)")  # fmt: skip
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from paperscope.cli._common import known_paper_ids, open_store

    if not args.add and not args.remove:
        print("paperscope: tag: give --add T or --remove T", file=sys.stderr)
        return 2
    with open_store(args) as store:
        ids = known_paper_ids(store, args.ids)
        if ids is None:
            return 2
        for name in args.remove:
            if store.tag_id(name) is None:
                print(f"paperscope: no tag {name!r} in the library", file=sys.stderr)
                return 2
        for name in args.add:
            if not name.strip():
                print("paperscope: a tag needs a name", file=sys.stderr)
                return 2
            store.add_tag(ids, name.strip())
            print(f"tagged {_n(ids)}: {name.strip()}")
        for name in args.remove:
            store.remove_tag(ids, name)
            print(f"untagged {_n(ids)}: {name}")
    return 0


def _n(ids: list[int]) -> str:
    from paperscope.core.text import count

    return count(len(ids), "paper")
