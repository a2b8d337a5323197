"""``paperscope map``: compute and store the semantic map (and render it to PNG).

The map is reproducible: ``--seed`` (default 0) drives every random step, so the same
library and settings give the same layout, clusters and labels. With ``--json`` each
cluster of every level is one JSON object per line on stdout: ``id``, ``size``,
``label``, ``level`` (0: the finest clusters, each level above merges the one below),
``parent`` (the id of the cluster of the level above holding it; -1: none) and
``terms``; the summary (with each level's label distinctiveness: the share of label
terms no other label of the level has) goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from paperscope.core.text import count


def _seed(text: str) -> int | None:
    if text.lower() == "none":
        return None
    return int(text)


def add_parser(sub: Any) -> None:
    p = sub.add_parser("map", help="compute and store the semantic map of the embedded papers")
    p.add_argument(
        "--method", choices=("pca", "umap"), default="umap", help="layout (default umap)"
    )
    p.add_argument("--out", type=Path, metavar="PNG", help="also render the map to this image")
    p.add_argument(
        "--seed", type=_seed, default=0, metavar="N",
        help="seed of every random step (default 0: the same map each time); "
        "'none': UMAP on all cores, a slightly different map each time",
    )  # fmt: skip
    p.add_argument("--model", default=None, metavar="ID", help="embedding model id")
    p.add_argument(
        "--knn", choices=("auto", "exact", "approx"), default="auto",
        help="the layout's nearest neighbours: exact (blocked BLAS), approx (NN-descent, "
        "seeded) or auto (default: exact on a CUDA GPU or up to 50,000 papers, else approx)",
    )  # fmt: skip
    p.add_argument("--json", action="store_true", help="one JSON object per cluster on stdout")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from paperscope.cli._common import TerminalProgress, check_output_file, open_store
    from paperscope.mapping.clusters import distinctiveness_by_level
    from paperscope.workflows.map import (
        MapError,
        build_map,
        describe_run,
        open_map,
        render_png,
    )

    problem = None if args.out is None else check_output_file(args.out)
    if problem is not None:
        print(f"paperscope: {problem}", file=sys.stderr)
        return 2
    report = sys.stderr if args.json else sys.stdout
    with open_store(args) as store:
        try:
            result = build_map(
                store, TerminalProgress("map "), method=args.method, model_id=args.model,
                seed=args.seed, knn=args.knn,
            )  # fmt: skip
        except MapError as exc:
            print(f"paperscope: {exc}", file=sys.stderr)
            return 2
        steps = ", ".join(f"{k} {v:.1f} s" for k, v in result.timings.items())
        finest = [c for c in result.clusters if c.level == 0]
        print(
            f"{result.method} map of {count(result.n_papers, 'paper')}, "
            f"{count(len(finest), 'cluster')} "
            f"(layout {result.layout_id}; {steps})",
            file=report,
        )
        ran = describe_run(result.params)
        if ran:
            print(f"  ran: {ran}", file=report)
        for level, share in distinctiveness_by_level(result.clusters).items():
            n = sum(1 for c in result.clusters if c.level == level)
            print(f"  level {level}: {n} labels, {share:.0%} of their terms distinct", file=report)
        for c in result.clusters:
            if args.json:
                record = {"id": c.id, "size": c.size, "label": c.label, "level": c.level,
                          "parent": c.parent, "terms": list(c.terms)}  # fmt: skip
                print(json.dumps(record, ensure_ascii=False))
        if not args.json:
            for c in finest[:20]:
                print(f"  {c.size:6d}  {c.label}")
        if args.out is not None:
            stored = open_map(store, result.model_id)
            assert stored is not None
            render_png(store, stored, args.out)
            print(f"wrote {args.out}", file=report)
    return 0
