"""CPU speed of the PaperScope encoder against sentence-transformers fp32 ``encode``.

Part 1 (model only, tokenisation included): the same real abstracts, encoded in
interleaved rounds by sentence-transformers (fp32, torch, ``normalize_embeddings=True``)
and by the PaperScope encoder (its default CPU variant, plus any --variants); prints
texts/s per round, the best and median, and the ratio to sentence-transformers.

Part 2 (end to end, ``--papers N``): a library of N papers built from the real abstracts
(each abstract repeated with a copy number in its title, so N may exceed the 843 real
ones) is embedded by ``embed_library`` (reading texts, encoding, writing vectors), and
the same N texts are read, encoded by sentence-transformers and written with
``put_vectors``; prints both times and the ratio.

    python tests/benchmarks/bench_embed.py                     # quick: 96 texts, 3 rounds
    python tests/benchmarks/bench_embed.py --texts 838 --rounds 3 --papers 20000   # full

Run on a quiet machine: other processes on the 2 cores make every number noisy (the
interleaving keeps the ratio fair; the best round is the least disturbed).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "app"))
sys.path.insert(0, str(HERE.parent / "embedding"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import numpy as np  # noqa: E402
import real_texts  # noqa: E402


def _st_model() -> Any:
    import torch
    from sentence_transformers import SentenceTransformer

    from paperscope.embedding.model import default_model_path

    torch.set_num_threads(os.cpu_count() or 1)
    return SentenceTransformer(str(default_model_path()), device="cpu")


def model_only(args: argparse.Namespace) -> None:
    from paperscope.embedding.encoder import Encoder

    base = list(dict.fromkeys(real_texts.abstract_texts()))
    texts = [base[i % len(base)] for i in range(args.texts)]
    st = _st_model()
    encoders = {"paperscope": Encoder(device="cpu", threads=args.threads)}
    for v in args.variants:
        encoders[f"paperscope-{v}"] = Encoder(device="cpu", variant=v, threads=args.threads)
    for enc in encoders.values():
        enc.prepare(check_texts=base[:256])
        enc.encode(texts[:8])
    st.encode(texts[:8], normalize_embeddings=True)
    import tokenizers

    tok = encoders["paperscope"].runner.tokenizer  # type: ignore[union-attr]
    ntok = [len(e.ids) for e in tok.encode_batch(texts)]
    print(
        f"{len(texts)} real abstracts, mean {np.mean(ntok):.0f} tokens (max 256), "
        f"{os.cpu_count()} CPUs, tokenizers {tokenizers.__version__}"
    )
    for name, enc in encoders.items():
        print(f"  {name}: variant {enc.variant}, batch {enc.batch_size}")
    rates: dict[str, list[float]] = {"sentence-transformers fp32": []}
    rates.update({n: [] for n in encoders})
    # texts per CPU-second (this process, all threads): the work each pipeline needs,
    # steadier than wall time when other processes share the cores
    cpu_rates: dict[str, list[float]] = {n: [] for n in rates}
    ref = None
    for r in range(args.rounds):
        t, c = time.perf_counter(), time.process_time()
        ref = st.encode(texts, batch_size=32, normalize_embeddings=True)
        rates["sentence-transformers fp32"].append(len(texts) / (time.perf_counter() - t))
        cpu_rates["sentence-transformers fp32"].append(len(texts) / (time.process_time() - c))
        for name, enc in encoders.items():
            t, c = time.perf_counter(), time.process_time()
            got = enc.encode(texts)
            rates[name].append(len(texts) / (time.perf_counter() - t))
            cpu_rates[name].append(len(texts) / (time.process_time() - c))
            if r == 0 and ref is not None:
                cos = np.sum(got * ref, axis=1)
                print(f"  {name}: min cosine vs sentence-transformers {cos.min():.6f}")
        print(
            f"round {r + 1}: "
            + ", ".join(f"{n} {v[-1]:.1f}" for n, v in rates.items())
            + " texts/s",
            flush=True,
        )
    st_best = max(rates["sentence-transformers fp32"])
    st_med = statistics.median(rates["sentence-transformers fp32"])
    st_cpu = statistics.median(cpu_rates["sentence-transformers fp32"])
    print(
        f"\n{'texts/s (wall)':28} {'best':>7} {'median':>7} {'ratio best':>11} "
        f"{'ratio median':>13} {'texts/CPU-s':>12} {'ratio':>7}"
    )
    for name, v in rates.items():
        best, med = max(v), statistics.median(v)
        cpu = statistics.median(cpu_rates[name])
        print(
            f"{name:28} {best:7.1f} {med:7.1f} {best / st_best:10.2f}x {med / st_med:12.2f}x "
            f"{cpu:12.1f} {cpu / st_cpu:6.2f}x"
        )


def end_to_end(args: argparse.Namespace) -> None:
    from paperscope.core.records import Paper
    from paperscope.library.store import Store
    from paperscope.workflows.embed import embed_library, paper_text, text_hash

    base = list(dict.fromkeys(real_texts.abstract_texts()))
    papers = []
    for i in range(args.papers):
        title, _, abstract = base[i % len(base)].partition("\n")
        copy = i // len(base)
        papers.append(Paper(title=f"{title} (copy {copy})" if copy else title, abstract=abstract))
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.duckdb")
        store.add_papers(papers)
        print(f"\nend to end: a library of {store.paper_count()} papers")
        t = time.perf_counter()
        summary = embed_library(store, device="cpu")
        ours = time.perf_counter() - t
        print(f"  PaperScope: {summary.line()}  [{summary.variant}]")
        st = _st_model()
        t = time.perf_counter()
        ids, cols = store.paper_texts(("title", "abstract"))
        texts = [paper_text(p) for p in zip(*cols, strict=True)]
        vecs = st.encode(texts, batch_size=32, normalize_embeddings=True)
        store.put_vectors("st-baseline", ids, [text_hash(x) for x in texts], vecs)
        theirs = time.perf_counter() - t
        n = len(texts)
        print(
            f"  sentence-transformers fp32: {n} papers in {theirs:.1f} s ({n / theirs:.1f} texts/s)"
        )
        print(f"  ratio (end to end): {theirs / ours:.2f}x")
        store.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--texts", type=int, default=96, help="abstracts per round (default 96)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--variants", nargs="*", default=[], help="also time these (fp32, int8)")
    ap.add_argument("--threads", type=int, default=None, help="onnxruntime intra-op threads")
    ap.add_argument("--papers", type=int, default=0, help="end-to-end library size (0: skip)")
    args = ap.parse_args()
    os.environ.setdefault("PAPERSCOPE_HOME", str(Path(tempfile.gettempdir()) / "paperscope-bench"))
    if args.texts:
        model_only(args)
    if args.papers:
        end_to_end(args)


if __name__ == "__main__":
    main()
