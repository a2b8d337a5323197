"""``paperscope search QUERY [--limit N] --json``: search the library from a script.

Prints one JSON object per line, best match first, with ``id``, ``title``, ``authors``
(a list), ``year``, ``score`` and a few more fields. Without ``--json`` a readable
table is printed instead. The query language is the search box's (see
:mod:`paperscope.library.search`).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "search",
        help="search the library (the search box's syntax: author:x year:>=2023 tag:y -word)",
    )
    p.add_argument(
        "query", metavar="QUERY", help="e.g. 'author:smith title:\"flow matching\" year:>=2023'"
    )
    p.add_argument(
        "--limit", type=int, default=20, metavar="N", help="at most N results (default 20; 0: all)"
    )
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from paperscope.cli._common import open_store
    from paperscope.library.search import parse

    plan = parse(args.query, typing=False)
    for problem in plan.problems:
        print(f"paperscope: {problem}", file=sys.stderr)
    with open_store(args) as store:
        store.ensure_text_index()
        ids, scores = store.run_plan(plan)
        if args.limit and args.limit > 0:
            ids, scores = ids[: args.limit], scores[: args.limit]
        papers = store.papers(ids)
    for pid, score, paper in zip(ids, scores, papers, strict=True):
        if args.json:
            record = {
                "id": int(pid),
                "title": paper.title,
                "authors": list(paper.authors),
                "year": paper.year,
                "score": round(float(score), 4),
                "venue": paper.venue,
                "arxiv_id": paper.arxiv_id,
                "doi": paper.doi,
                "citation_key": paper.citation_key,
            }
            print(json.dumps(record, ensure_ascii=False))
        else:
            authors = ", ".join(paper.authors[:3]) + (" et al." if len(paper.authors) > 3 else "")
            year = paper.year if paper.year is not None else "—"
            print(f"{int(pid):>8}  {score:6.2f}  {year}  {paper.title}  ({authors or '—'})")
    return 0
