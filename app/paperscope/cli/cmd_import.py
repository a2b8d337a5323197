"""``paperscope import FILE…``: add papers from any supported file to the library."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "import", help="import papers (HF daily page/API, arXiv, BibTeX, RIS, CSL-JSON)"
    )
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from paperscope.cli._common import TerminalProgress, open_store
    from paperscope.workflows.papers import import_paths

    with open_store(args) as store:
        summary = import_paths(store, args.paths, TerminalProgress("import "))
    for issue in summary.issues:
        print(f"{issue.severity}: {issue}", file=sys.stderr)
    print(summary.line())
    nothing_read = summary.added == 0 and summary.merged == 0 and summary.skipped > 0
    return 1 if nothing_read else 0
