"""``paperscope map``: compute and store the semantic map (and render it to PNG)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from paperscope.core.text import count


def add_parser(sub: Any) -> None:
    p = sub.add_parser("map", help="compute and store the semantic map of the embedded papers")
    p.add_argument(
        "--method", choices=("pca", "umap"), default="umap", help="layout (default umap)"
    )
    p.add_argument("--out", type=Path, metavar="PNG", help="also render the map to this image")
    p.add_argument("--seed", type=int, default=None, help="reproducible (single-threaded) UMAP")
    p.add_argument("--model", default=None, metavar="ID", help="embedding model id")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from paperscope.cli._common import TerminalProgress, check_output_file, open_store
    from paperscope.workflows.map import MapError, build_map, open_map, render_png

    problem = None if args.out is None else check_output_file(args.out)
    if problem is not None:
        print(f"paperscope: {problem}", file=sys.stderr)
        return 2
    with open_store(args) as store:
        try:
            result = build_map(
                store, TerminalProgress("map "), method=args.method, model_id=args.model,
                seed=args.seed,
            )  # fmt: skip
        except MapError as exc:
            print(f"paperscope: {exc}", file=sys.stderr)
            return 2
        steps = ", ".join(f"{k} {v:.1f} s" for k, v in result.timings.items())
        print(
            f"{result.method} map of {count(result.n_papers, 'paper')}, "
            f"{count(len(result.clusters), 'cluster')} "
            f"(layout {result.layout_id}; {steps})"
        )
        for c in result.clusters[:20]:
            print(f"  {c.size:6d}  {c.label}")
        if args.out is not None:
            stored = open_map(store, result.model_id)
            assert stored is not None
            render_png(store, stored, args.out)
            print(f"wrote {args.out}")
    return 0
