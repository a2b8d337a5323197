"""``paperscope recommend [--tag T] [--limit N] [--json]``: the unread papers most like
the ones you rated 4-5, tagged or read (or those of one tag), each with its why."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "recommend",
        help="unread papers ranked by your ratings, tags and reading (needs `embed`)",
        description="Rank the unread papers with a linear classifier trained on the stored "
        "embeddings: liked = rated 4-5, tagged or read (with --tag: carrying that tag); "
        "not liked = rated 1-2 and a seeded sample of the rest.",
    )
    p.add_argument("--tag", default=None, metavar="T", help="more like the papers of tag T")
    p.add_argument("--limit", type=int, default=20, metavar="N", help="how many (default 20)")
    p.add_argument(
        "--json", action="store_true",
        help="JSON lines: id, title, score, for_you, why (nearest liked papers)",
    )  # fmt: skip
    p.add_argument("--model", default=None, metavar="ID", help="embedding model id")
    p.add_argument("--seed", type=int, default=0, help="seed of the negatives' sample")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from paperscope.cli._common import open_store
    from paperscope.workflows.recommend import RecommendError, explain, recommend, why_text

    if args.limit < 1:
        print("paperscope: --limit must be at least 1", file=sys.stderr)
        return 2
    with open_store(args) as store:
        try:
            rec = recommend(store, tag=args.tag, model_id=args.model, seed=args.seed)
        except RecommendError as exc:
            print(f"paperscope: {exc}", file=sys.stderr)
            return 2
        top = rec.top(args.limit)
        ids = [i for i, _s in top]
        whys = explain(store, rec, ids)
        titles = store.table_rows(ids, ["title"])
    print(rec.line(), file=sys.stderr)
    for pid, score in top:
        title = str(titles.get(pid, ("",))[0] or "")
        why = whys.get(pid, [])
        if args.json:
            print(json.dumps({
                "id": pid, "title": title, "score": round(score, 6), "for_you": score > 0,
                "why": [{"id": w.id, "title": w.title, "similarity": round(w.similarity, 6)}
                        for w in why],
            }))  # fmt: skip
        else:
            print(f"{score:+.3f}  {pid:>8}  {title}  — {why_text(why)}")
    return 0
