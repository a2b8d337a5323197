"""``paperscope import FILE…``: add papers from any supported file to the library, and
the results papers report (Papers with Code JSON, Hugging Face model cards), attached
to the library papers they name."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "import",
        help="import papers (HF daily page/API, arXiv, BibTeX, RIS, CSL-JSON) and reported "
        "results (Papers with Code JSON, HF model cards)",
    )
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders")
    p.add_argument(
        "--paper", metavar="ID|ARXIV_ID|DOI",
        help="attach every reported result read to this paper",
    )  # fmt: skip
    p.add_argument(
        "--add-papers", action="store_true",
        help="add the papers that results name but the library lacks",
    )  # fmt: skip
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from paperscope.cli._common import TerminalProgress, open_store
    from paperscope.workflows.papers import import_paths
    from paperscope.workflows.results import attach_unmatched, import_results, results_files

    res_jobs, _ = results_files(args.paths)
    res_files = {j.path for j in res_jobs}
    paper_paths = [p for p in args.paths if p not in res_files]
    with open_store(args) as store:
        summary = (
            import_paths(store, paper_paths, TerminalProgress("import ")) if paper_paths else None
        )
        results = None
        if res_jobs:
            try:
                results = import_results(
                    store, args.paths, paper=args.paper, add_papers=args.add_papers,
                    scan_issues=False, progress=TerminalProgress("results "),
                )  # fmt: skip
            except ValueError as exc:
                print(f"paperscope: {exc}", file=sys.stderr)
                return 2
        if summary is not None and summary.added:
            attach_unmatched(store)
    issues = []
    if summary is not None:
        # a folder holding only result files is no "folder without papers"
        issues += [
            i for i in summary.issues
            if not (res_jobs and i.message == "no readable file in this folder")
        ]  # fmt: skip
    if results is not None:
        issues += results.issues
    for issue in issues:
        print(f"{issue.severity}: {issue}", file=sys.stderr)
    if summary is not None and (summary.added or summary.merged or not results):
        print(summary.line())
    if results is not None:
        print(results.line())
        if results.new_papers and not args.add_papers:
            print("  (--add-papers adds the papers named with a title)")
    read_papers = summary is not None and (summary.added or summary.merged)
    read_results = results is not None and results.added
    if read_papers or read_results:
        return 0
    skipped = (summary.skipped if summary else 0) + (results.skipped if results else 0)
    return 1 if skipped else 0
