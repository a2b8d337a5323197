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
        "query",
        metavar="QUERY",
        help="e.g. 'author:smith title:\"flow matching\" year:>=2023'; "
        "'~free text' ranks by meaning (needs `paperscope embed` first)",
    )
    p.add_argument(
        "--limit", type=int, default=20, metavar="N", help="at most N results (default 20; 0: all)"
    )
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument(
        "--index-words", action="store_true",
        help="build the word index first (the window does it for libraries of 50,000+ "
        "papers): plain words are then answered without FTS5's per-row ranking, the same "
        "results faster, here and in the window, until paper text changes",
    )  # fmt: skip
    p.add_argument("--model", metavar="PATH", help="embedding model folder for ~semantic queries")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from paperscope.cli._common import open_store
    from paperscope.library.search import parse

    if args.query.startswith("~"):
        return _semantic(args)

    plan = parse(args.query, typing=False)
    if plan.problems:  # the search box skips a bad filter; a script gets an error
        for problem in plan.problems:
            print(f"paperscope: {problem}", file=sys.stderr)
        return 2
    with open_store(args) as store:
        store.ensure_text_index()
        if getattr(args, "index_words", False):  # (a window gets what an older CLI sent)
            _index_words(store)
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


def _index_words(store: Any) -> None:
    import time

    from paperscope.core.text import count

    t = time.perf_counter()
    if store.ensure_term_index(minimum=0):
        print(f"paperscope: word index built for {count(store.paper_count(), 'paper')} in "
              f"{time.perf_counter() - t:.1f} s", file=sys.stderr)  # fmt: skip
    else:
        print("paperscope: the word index is current", file=sys.stderr)


def _semantic(args: argparse.Namespace) -> int:
    """``~free text``: rank the embedded papers by cosine similarity to the query."""
    from paperscope.cli._common import open_store
    from paperscope.workflows.map import MapError, semantic_search

    text = args.query[1:].strip()
    if not text:
        print("paperscope: nothing to search for after '~'", file=sys.stderr)
        return 2
    limit = args.limit if args.limit and args.limit > 0 else 1_000_000
    with open_store(args) as store:
        try:
            hits = semantic_search(store, text, limit, model_path=args.model)
        except MapError as exc:
            print(f"paperscope: {exc}", file=sys.stderr)
            return 2
        papers = {
            int(i): p
            for i, p in zip([h.id for h in hits], store.papers([h.id for h in hits]), strict=True)
        }
    for hit in hits:
        paper = papers.get(hit.id)
        if args.json:
            record = {
                "id": hit.id, "title": hit.title, "score": round(hit.score, 4),
                "authors": list(paper.authors) if paper else [],
                "year": paper.year if paper else None,
            }  # fmt: skip
            print(json.dumps(record, ensure_ascii=False))
        else:
            print(f"{hit.id:>8}  {hit.score:6.3f}  {hit.title}")
    return 0
