"""``paperscope export --format bibtex|csljson|ris|csv --out FILE [--preprint] [QUERY]``.

Writes the papers matching QUERY (the search box's syntax), or the whole library, to
FILE. Papers without a citation key get a stable one, kept in the library. A preprint
published as a venue version is cited as that version (``--preprint``: as the preprint).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from paperscope.core.text import count

FORMATS = ("bibtex", "csljson", "ris", "csv")


def add_parser(sub: Any) -> None:
    p = sub.add_parser("export", help="export papers to BibTeX, CSL-JSON, RIS or CSV")
    p.add_argument("--format", required=True, choices=FORMATS, help="the file format")
    p.add_argument("--out", required=True, type=Path, metavar="FILE", help="the file to write")
    p.add_argument(
        "--preprint", action="store_true",
        help="cite a preprint published as a venue version as the preprint (default: the venue)",
    )  # fmt: skip
    p.add_argument(
        "query", nargs="?", default="", metavar="QUERY", help="only papers matching this search"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from paperscope.cli._common import TerminalProgress, check_output_file, open_store
    from paperscope.library.search import parse
    from paperscope.workflows.papers import export_papers

    problem = check_output_file(args.out)
    if problem is not None:
        print(f"paperscope: {problem}", file=sys.stderr)
        return 2
    if args.query:
        problems = parse(args.query, typing=False).problems
        for p in problems:  # a bad filter would export more than was asked for
            print(f"paperscope: {p}", file=sys.stderr)
        if problems:
            return 2
    with open_store(args) as store:
        n = export_papers(
            store, args.format, args.out, args.query or None,
            progress=TerminalProgress("export "), preprint=args.preprint,
        )  # fmt: skip
    print(f"exported {count(n, 'paper')} to {args.out}", file=sys.stderr)
    return 0
