"""``paperscope merge --published [--dry-run] [--json]``, ``--undo [ID]``, ``--history``.

``--published`` merges each preprint with its venue version (a DOI or arXiv id that
agrees, or the title with the first author and a year up to two later): one paper that
keeps the arXiv id, is published as the venue and is cited as it (``export
--preprint``: as the preprint). ``--dry-run`` lists the pairs and changes nothing.
``--undo`` undoes the latest merge (or merge ID) exactly; ``--history`` lists merges.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "merge",
        help="merge preprints with their published versions; undo a merge; the history",
        description="Merge each preprint (arXiv id, bioRxiv…) with the record of its "
        "published version into one paper that keeps the arXiv id and is cited as the venue.",
    )
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument(
        "--published", action="store_true", help="merge preprints with their venue versions"
    )
    what.add_argument(
        "--undo", nargs="?", type=int, const=-1, default=None, metavar="ID",
        help="undo the latest merge (or merge ID) exactly",
    )  # fmt: skip
    what.add_argument("--history", action="store_true", help="list the merges, newest first")
    p.add_argument("--dry-run", action="store_true", help="list the pairs, change nothing")
    p.add_argument("--json", action="store_true", help="JSON lines instead of text")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from paperscope.cli._common import open_store

    if args.dry_run and not args.published:
        print("paperscope: merge: --dry-run goes with --published", file=sys.stderr)
        return 2
    with open_store(args) as store:
        if args.history:
            return _history(store, args.json)
        if args.undo is not None:
            return _undo(store, None if args.undo == -1 else args.undo, args.json)
        return _published(store, args.dry_run, args.json)


def _published(store: Any, dry_run: bool, as_json: bool) -> int:
    from paperscope.core.text import count
    from paperscope.library.published import find_pairs, merge_pairs, self_published

    pairs = find_pairs(store)
    merge_ids = [] if dry_run else merge_pairs(store, pairs)
    for i, pair in enumerate(pairs):
        mid = merge_ids[i] if i < len(merge_ids) else None
        if as_json:
            print(json.dumps({**pair.to_dict(), "merge_id": mid}))
        else:
            where = ", ".join(str(x) for x in (pair.venue, pair.venue_year) if x)
            print(f"#{pair.preprint_id} ← #{pair.venue_id}  {pair.preprint_title}  "
                  f"→ published as {where}  ({pair.reason})")  # fmt: skip
    own = self_published(store)
    verb = "would merge" if dry_run else "merged"
    n = len(pairs) if dry_run else len(merge_ids)
    print(
        f"{verb} {count(n, 'preprint')} with {'its' if n == 1 else 'their'} venue "
        f"version; {count(len(own), 'paper')} already cite their venue (a journal-ref, "
        "or the DOI of the published version, in their own record)",
        file=sys.stderr,
    )
    return 0


def _undo(store: Any, merge_id: int | None, as_json: bool) -> int:
    try:
        done = store.undo_merge(merge_id)
    except ValueError as exc:
        print(f"paperscope: {exc}", file=sys.stderr)
        return 2
    if done is None:
        print("paperscope: no merge to undo", file=sys.stderr)
        return 2
    print(json.dumps({"undone": done}) if as_json else f"undid merge {done}")
    return 0


def _history(store: Any, as_json: bool) -> int:
    for m in store.merges(include_undone=True):
        if as_json:
            print(json.dumps({
                "id": m.id, "kind": m.kind, "kept_id": m.kept_id, "other_ids": list(m.other_ids),
                "merged_at": m.merged_at, "undone": m.undone,
            }))  # fmt: skip
        else:
            others = ", ".join(f"#{o}" for o in m.other_ids)
            state = "  (undone)" if m.undone else ""
            print(f"{m.id:>5}  {m.merged_at[:19]}  {m.kind:<10}  #{m.kept_id} ← {others}{state}")
    return 0
