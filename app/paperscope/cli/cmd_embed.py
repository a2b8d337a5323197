"""``paperscope embed``: embed every new or changed paper of the library."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "embed", help="embed new or changed papers (vectors for the semantic map and search)"
    )
    p.add_argument(
        "--device", choices=("auto", "cpu", "cuda"), default="auto",
        help="where the model runs (default: the GPU when one is usable)",
    )  # fmt: skip
    p.add_argument("--batch-size", type=int, metavar="N", help="texts per batch")
    p.add_argument(
        "--model", type=Path, metavar="PATH",
        help="a sentence-transformers model folder (default: the bundled all-MiniLM-L6-v2)",
    )  # fmt: skip
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from paperscope.cli._common import TerminalProgress, open_store
    from paperscope.embedding.encoder import EmbeddingWarning
    from paperscope.embedding.model import ModelError
    from paperscope.workflows.embed import embed_library

    if args.batch_size is not None and args.batch_size < 1:
        print("paperscope: --batch-size must be at least 1", file=sys.stderr)
        return 2
    with open_store(args) as store, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", EmbeddingWarning)
        try:
            summary = embed_library(
                store, TerminalProgress("embed "), device=args.device,
                batch_size=args.batch_size, model_path=args.model,
            )  # fmt: skip
        except ModelError as exc:
            print(f"paperscope: {exc}", file=sys.stderr)
            return 2
        finally:
            for w in caught:
                if issubclass(w.category, EmbeddingWarning):
                    print(f"warning: {w.message}", file=sys.stderr)
    print(summary.line())
    return 0
