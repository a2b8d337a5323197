"""How distinct the map's cluster labels are, before and after (issue 16, item 2).

    python tests/benchmarks/eval_map_labels.py                 # the demo page and cdl.bib
    python tests/benchmarks/eval_map_labels.py --only demo --show

For each library (the bundled Hugging Face daily page the demo opens, and
``../shared/data/papers/cdl.bib``, 6k titles) it imports, embeds (all-MiniLM-L6-v2) and
builds a seeded UMAP map once, keeping the library in ``--cache`` (embedding 6k papers
and UMAP on two cores take minutes; a second run reuses them). Then, on that one stored
layout, it names the clusters twice: with the clustering module of ``--baseline``
(a git revision; by default the commit before the label hierarchy) and with the
current one, and prints :func:`paperscope.mapping.clusters.label_distinctiveness`
(the share of label terms that occur in no other label of the same level) per level.
Quality, not speed: nothing here is timed.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "app"))
sys.path.insert(0, str(REPO))

from tests.conftest import PAPERS  # noqa: E402

from paperscope.library.store import Store  # noqa: E402
from paperscope.mapping import clusters  # noqa: E402

BASELINE = "08d5b6f"  # the last commit with flat clusters and the static stop list only


def baseline_module(rev: str) -> ModuleType:
    """``paperscope/mapping/clusters.py`` as it was at ``rev``."""
    src = subprocess.run(
        ["git", "-C", str(REPO), "show", f"{rev}:app/paperscope/mapping/clusters.py"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    path = Path(tempfile.mkdtemp()) / "clusters_baseline.py"
    path.write_text(src, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("clusters_baseline", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["clusters_baseline"] = module
    spec.loader.exec_module(module)
    return module


def library(name: str, cache: Path) -> Path:
    """The cached library of ``name``, imported, embedded and mapped (seed 0)."""
    from paperscope.workflows.embed import embed_library
    from paperscope.workflows.map import build_map
    from paperscope.workflows.open import demo_page
    from paperscope.workflows.papers import import_paths

    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"{name}.duckdb"
    source = demo_page() if name == "demo" else PAPERS / "cdl.bib"
    with Store(path) as store:
        if not store.paper_ids().size:
            import_paths(store, [source])
        embed_library(store)
        if store.latest_layout(method="umap") is None:
            build_map(store, seed=0)
    return path


def levels(found: Any) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for c in found.clusters:
        out.setdefault(getattr(c, "level", 0), []).append(c.label)
    return out


def evaluate(name: str, path: Path, base: ModuleType, show: bool) -> None:
    with Store(path, read_only=True) as store:
        stored = store.latest_layout(method="umap")
        assert stored is not None
        texts = store.titles_and_abstracts(stored.paper_ids)
    print(f"\n== {name}: {len(texts):,} papers, {path}")
    variants: list[tuple[str, Any, dict[str, bool]]] = [
        ("before", base, {}),
        ("stop list only", clusters, {"exclusive_terms": False}),
        ("after", clusters, {}),
    ]
    for what, module, options in variants:
        found = module.cluster_map(stored.coords, texts, seed=0, **options)
        per_level = levels(found)
        scores = {lv: clusters.label_distinctiveness(ls) for lv, ls in per_level.items()
                  if len(ls) >= 2}  # fmt: skip
        summary = ", ".join(
            f"level {lv}: {len(per_level[lv])} labels, {s:.3f}" for lv, s in scores.items()
        )
        print(f"{what:<14} distinct label terms  {summary}")
        stop = getattr(found, "stop_words", ())
        if stop:
            print(f"        learned stop words ({len(stop)}): {', '.join(stop[:40])}")
        if show:
            for lv, ls in per_level.items():
                for label in ls:
                    print(f"          {lv}  {label}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", choices=("demo", "cdl"), help="one library only")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "paperscope-labels")
    ap.add_argument("--baseline", default=BASELINE, help="git revision to compare with")
    ap.add_argument("--show", action="store_true", help="print every label")
    args = ap.parse_args()
    np.seterr(all="ignore")
    base = baseline_module(args.baseline)
    for name in ("demo", "cdl"):
        if args.only in (None, name):
            evaluate(name, library(name, args.cache), base, args.show)


if __name__ == "__main__":
    main()
