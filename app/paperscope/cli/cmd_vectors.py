"""``paperscope vectors import|export``: bring your own embeddings, take the library's.

``paperscope vectors import FILE [--ids IDS] [--model ID] [--map]`` stores the vectors
of a Parquet file or a ``.npy`` matrix (with an ids file, ``NAME.ids.txt`` by default:
one arXiv id, DOI or paper id a line) under their own model id (``imported:NAME``
unless ``--model``); ``--map`` then builds their map (as ``paperscope map --model``).
``paperscope vectors export OUT [--model ID]`` writes one model's vectors and its map
(x, y, cluster) to ``OUT.parquet`` or ``OUT.npy`` (+ ``.ids.txt``, ``.layout.npy``,
``.clusters.npy``). The file forms: :mod:`paperscope.workflows.vectors`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser("vectors", help="import embeddings (Parquet, .npy + ids) or export them")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    imp = verbs.add_parser("import", help="store vectors from a .parquet or .npy file")
    imp.add_argument("file", type=Path, metavar="FILE", help="a .parquet or .npy file")
    imp.add_argument("--ids", type=Path, metavar="IDS", help="the ids file of a .npy matrix")
    imp.add_argument("--model", metavar="ID", help="the model id to store them as")
    imp.add_argument("--map", action="store_true", help="then build the map of these vectors")
    imp.set_defaults(func=run_import)
    exp = verbs.add_parser("export", help="write a model's vectors and map to .parquet or .npy")
    exp.add_argument("out", type=Path, metavar="OUT", help="the .parquet or .npy file to write")
    exp.add_argument("--model", metavar="ID", help="the model (default: the newest map's)")
    exp.set_defaults(func=run_export)


def run_import(args: argparse.Namespace) -> int:
    from paperscope.cli._common import TerminalProgress, open_store
    from paperscope.workflows.map import MapError, build_map
    from paperscope.workflows.vectors import VectorImportError, import_vectors

    with open_store(args) as store:
        try:
            result = import_vectors(store, args.file, args.ids, args.model,
                                    TerminalProgress("vectors "))  # fmt: skip
        except VectorImportError as exc:
            print(f"paperscope: {exc}", file=sys.stderr)
            return 2
        for issue in result.issues[:20]:
            print(f"paperscope: {issue}", file=sys.stderr)
        if len(result.issues) > 20:
            print(f"paperscope: … and {len(result.issues) - 20} more", file=sys.stderr)
        print(result.line())
        if args.map and result.imported:
            try:
                built = build_map(store, TerminalProgress("map "), model_id=result.model_id)
            except MapError as exc:
                print(f"paperscope: {exc}", file=sys.stderr)
                return 2
            finest = sum(1 for c in built.clusters if c.level == 0)
            print(f"map of {built.n_papers:,} papers, {finest} clusters (layout {built.layout_id})")
    return 0 if result.imported else 1


def run_export(args: argparse.Namespace) -> int:
    from paperscope.cli._common import TerminalProgress, check_output_file, open_store
    from paperscope.workflows.vectors import VectorImportError, export_vectors

    problem = check_output_file(args.out)
    if problem is not None:
        print(f"paperscope: {problem}", file=sys.stderr)
        return 2
    with open_store(args) as store:
        try:
            written = export_vectors(store, args.out, args.model, TerminalProgress("vectors "))
        except VectorImportError as exc:
            print(f"paperscope: {exc}", file=sys.stderr)
            return 2
    for path in written:
        print(f"wrote {path}")
    return 0
