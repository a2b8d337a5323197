"""How good are the recommendations? Precision@20 on held-out liked papers of a real
library, against a random ranking and against "similar to the last liked paper"
(issue #16 item 1). Run by hand; not collected by pytest.

    python tests/benchmarks/eval_recommend.py                    # 2,500 cdl.bib papers + HF page
    python tests/benchmarks/eval_recommend.py --papers 6315 --library /tmp/eval.duckdb

The library: the first ``--papers`` entries of ``../shared/data/papers/cdl.bib`` (a
memory and neuroscience lab's bibliography, MIT) and the 79 papers of the Hugging Face
daily page, imported by PaperScope's readers and embedded with the real bundled model
(all-MiniLM-L6-v2 on the CPU) by ``embed_library``. The vectors are kept in the library
file (``--library``), so a second run embeds nothing.

Tags, derived from the records' own keywords: cdl.bib has no ``keywords`` field and
few abstracts (the embedded text is mostly the title), so its journal is the keyword —
not part of the embedded text, so nothing leaks: ``neuroscience`` (The Journal of
Neuroscience, NeuroImage, Neuron, Nature Neuroscience, Hippocampus, Cerebral Cortex, J.
Cognitive Neuroscience, J. Neurophysiology, Neuropsychologia, Brain) and ``memory``
(the experimental-psychology journals of memory and cognition). For each tag and each
of ``--repeats`` seeded splits, a tenth of the tagged papers is held out (left untagged
and unread); the recommender is trained on the others (``recommend(tag=…)``, the
default settings) and ranks every unread untagged paper. Precision@20: the share of
the top 20 that are held-out papers. Baselines on the same candidates: a seeded random
order (and its expectation, held-out / candidates), cosine to the last liked paper (the
last of the seeded tagging order), and cosine to the mean liked vector.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "app"))
PAPERS = Path(os.environ.get("PAPERSCOPE_SHARED", ROOT.parent / "shared")) / "data" / "papers"

from paperscope.library.store import Store  # noqa: E402
from paperscope.mapping import recommend as ranking  # noqa: E402
from paperscope.workflows.embed import embed_library  # noqa: E402
from paperscope.workflows.map import VectorIndex  # noqa: E402
from paperscope.workflows.papers import import_paths  # noqa: E402
from paperscope.workflows.recommend import recommend  # noqa: E402

TAGS = {
    "neuroscience": r"journal of neuroscience|neuroimage|^neuron$|nature neuroscience|"
    r"hippocampus|cerebral cortex|journal of cognitive neuroscience|"
    r"journal of neurophysiology|neuropsychologia|^brain$",
    "memory": r"learning, memory, and cognition|experimental psychology: general|"
    r"psychological review|memory and cognition|verbal learning and verbal behavior|"
    r"psychonomic bulletin|journal of memory and language|psychology and aging",
}


def first_entries(src: Path, n: int, out: Path) -> None:
    """The first ``n`` entries of a BibTeX file (with the file's @string macros)."""
    text = src.read_text(encoding="utf-8")
    starts = [m.start() for m in re.finditer(r"^@", text, flags=re.M)]
    entries = [i for i in starts if not text[i:i + 8].lower().startswith(("@string", "@comment",
                                                                          "@preambl"))]  # fmt: skip
    cut = entries[n] if n < len(entries) else len(text)
    out.write_text(text[:cut], encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--papers", type=int, default=2500, help="cdl.bib entries (default 2500)")
    ap.add_argument(
        "--library",
        type=Path,
        default=Path(tempfile.gettempdir()) / "paperscope-eval-recommend.duckdb",
    )
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--k", type=int, default=20)
    args = ap.parse_args()
    store = Store(args.library)
    if store.paper_count() == 0:
        part = args.library.with_suffix(".bib")
        first_entries(PAPERS / "cdl.bib", args.papers, part)
        summary = import_paths(store, [part, PAPERS / "hf-daily-page" / "daily-papers-page.txt"])
        print(f"imported: {summary.line()}")
    t0 = time.perf_counter()
    emb = embed_library(store, device="cpu")
    print(f"embedding: {emb.line()} ({emb.unchanged} kept from the library file)"
          f" [{time.perf_counter() - t0:.0f} s]")  # fmt: skip
    index = VectorIndex.load(store, emb.model_id)
    ids = index.ids
    venues = store.column_values(ids.tolist(), "venue")
    for t in store.tags():
        store.delete_tag(t.id)
    store.set_rating(ids, None)
    store.set_status(ids, "unread")
    print(f"library: {store.paper_count():,} papers, {len(ids):,} embedded ({emb.model_id})")
    k = args.k
    for tag, pattern in TAGS.items():
        rx = re.compile(pattern, re.I)
        tagged = ids[[bool(v) and bool(rx.search(str(v).replace("{", "").replace("}", "").strip()))
                      for v in venues]]  # fmt: skip
        results: dict[str, list[float]] = {"recommender": [], "random": [], "chance": [],
                                           "last liked": [], "mean liked": []}  # fmt: skip
        for rep in range(args.repeats):
            rng = np.random.default_rng(rep)
            order = rng.permutation(tagged)  # the order the papers were tagged in
            n_held = max(1, len(order) // 10)
            held, train = order[:n_held], order[n_held:]
            tid = store.create_tag(tag)
            store.add_tag(train, tid)
            rec = recommend(store, tag=tag, vectors=index, seed=rep)
            store.delete_tag(tid)
            cand = rec.ids  # every unread untagged embedded paper
            rows = np.searchsorted(ids, cand)
            results["recommender"].append(ranking.precision_at(rec.ids, held, k))
            results["random"].append(ranking.precision_at(rng.permutation(cand), held, k))
            results["chance"].append(len(held) / len(cand))
            last = int(np.searchsorted(ids, train[-1]))
            by_last = ranking.last_liked_scores(index.matrix, last)
            results["last liked"].append(
                ranking.precision_at(ids[ranking.top_rows(by_last, rows)], held, k)
            )
            by_mean = ranking.centroid_scores(index.matrix, np.searchsorted(ids, train))
            results["mean liked"].append(
                ranking.precision_at(ids[ranking.top_rows(by_mean, rows)], held, k)
            )
        print(
            f"\ntag {tag!r}: {len(tagged)} papers; each split holds out {n_held}, "
            f"ranks {len(cand):,} candidates; precision@{k} over {args.repeats} splits:"
        )
        for name, values in results.items():
            print(
                f"  {name:<12} mean {statistics.mean(values):.3f}  "
                f"(splits: {', '.join(f'{v:.2f}' for v in values)})"
            )
        rec_p = statistics.mean(results["recommender"])
        for base in ("chance", "last liked", "mean liked"):
            b = statistics.mean(results[base])
            print(f"  ratio recommender / {base}: {rec_p / b:.2f}x" if b else
                  f"  {base}: 0")  # fmt: skip
    store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
