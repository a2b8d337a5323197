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
        help="import papers (PDFs, HF daily page/API, arXiv, BibTeX, RIS, CSL-JSON) and "
        "reported results (Papers with Code JSON, HF model cards)",
    )
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders")
    p.add_argument(
        "--no-fulltext", action="store_true",
        help="do not read the attached PDFs' full text for search now (the window reads it "
        "in the background)",
    )  # fmt: skip
    p.add_argument(
        "--paper", metavar="ID|ARXIV_ID|DOI",
        help="attach every reported result read to this paper",
    )  # fmt: skip
    p.add_argument(
        "--add-papers", action="store_true",
        help="add the papers that results name but the library lacks",
    )  # fmt: skip
    tex = p.add_argument_group("LaTeX results tables (a .tex file or an arXiv e-print .tar.gz)")
    tex.add_argument("--tex-list", action="store_true", help="list the tables found, numbered")
    tex.add_argument("--tex-table", type=int, metavar="N", help="import table N (needs --paper)")
    tex.add_argument(
        "--columns",
        choices=("metrics", "datasets"),
        default="metrics",
        help="what the header row names (default metrics)",
    )
    tex.add_argument(
        "--methods",
        choices=("rows", "columns"),
        default="rows",
        help="where the methods are (default: first column, one per row)",
    )
    tex.add_argument("--metric", default="", help="the values' metric (with --columns datasets)")
    tex.add_argument("--dataset", default="", help="the values' dataset (with --columns metrics)")
    tex.add_argument("--task", default="")
    p.set_defaults(func=run)  # fmt: skip


def _tex(args: argparse.Namespace) -> int:
    from paperscope.cli._common import open_store
    from paperscope.workflows import results as wf

    if len(args.paths) != 1:
        print("paperscope: --tex-list/--tex-table take one LaTeX file", file=sys.stderr)
        return 2
    path = args.paths[0]
    if args.tex_list:
        for n, (name, t) in enumerate(wf.tex_tables(path), start=1):
            size = f"{len(t.rows)} rows × {t.columns} columns"
            head = " | ".join(c.text for c in t.rows[0]) if t.rows else ""
            print(f"{n:>3}  {name}:{t.line}  {size}  {head}")
            if t.problem:
                print(f"     not readable: {t.problem}\n" + "\n".join(
                    "     " + line for line in t.raw.splitlines()[:12]))  # fmt: skip
        return 0
    if args.paper is None:
        print("paperscope: --tex-table needs --paper (whose results these are)", file=sys.stderr)
        return 2
    with open_store(args) as store:
        try:
            summary = wf.import_tex_table(
                store, path, args.tex_table, paper=args.paper, columns=args.columns,
                metric=args.metric, dataset=args.dataset, task=args.task, methods=args.methods,
            )  # fmt: skip
        except ValueError as exc:
            print(f"paperscope: {exc}", file=sys.stderr)
            return 2
    for issue in summary.issues:
        print(f"{issue.severity}: {issue}", file=sys.stderr)
    print(summary.line())
    return 0 if summary.added else 1


def run(args: argparse.Namespace) -> int:
    from paperscope.cli._common import TerminalProgress, open_store

    if args.tex_list or args.tex_table is not None:
        return _tex(args)
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
        fulltext = None
        if not args.no_fulltext and store.pending_text_count():
            from paperscope.workflows.attachments import extract_fulltext

            fulltext = extract_fulltext(store, TerminalProgress("full text "))
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
    if fulltext:
        print(f"read the full text of {fulltext:,} PDFs for search")
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
