"""GPU speed of the PaperScope encoder (onnxruntime-gpu, fp16 graph) against
sentence-transformers fp16, end to end (tokenisation included), on an H100/H200.

Prepared for the lent GPU machine (python3 3.12, torch CUDA, sentence-transformers; no
duckdb, so only ``paperscope.embedding`` is used). How to get onnxruntime-gpu, the model
and the paper files there: ``tests/benchmarks/gpu_stage.sh``; the run itself:
``bash tests/benchmarks/gpu_run.sh`` (or ``python3 tests/benchmarks/gpu_embed.py
--model DIR --out DIR``). Every step appends to ``OUT/gpu_embed.json`` and rewrites
``OUT/gpu_embed.md`` as soon as it is measured, so a killed run still leaves results.

Steps (texts: the real abstracts, title + abstract, cycled up to --texts with a copy
number in the title):
1. environment (GPU, torch, onnxruntime and its providers);
2. the ONNX export (cached in PAPERSCOPE_HOME);
3. parity on 2,000 real texts: ours (CUDA fp16) vs sentence-transformers fp32 on the GPU;
4. sentence-transformers fp16, batch 1024 (the issue's anchor: 2,978 texts/s on an H200);
5. PaperScope encoder, CUDA fp16, end to end, for each --batch size and each number of
   batches in flight (--workers); the goal: >= 20,000 texts/s (issue #8);
6. PaperScope model only (pre-tokenised batches, no tokenisation) for each --batch size,
   and tokenisation + padding alone.

    --smoke: a CPU check of this script here (200 texts, sentence-transformers fp32).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "app"))
sys.path.insert(0, str(HERE.parent / "embedding"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import numpy as np  # noqa: E402

RESULTS: list[dict[str, Any]] = []


def save(out: Path, row: dict[str, Any]) -> None:
    RESULTS.append(row)
    print(json.dumps(row), flush=True)
    (out / "gpu_embed.json").write_text(json.dumps(RESULTS, indent=1))
    lines = [
        "| pipeline | texts | batch | seconds | texts/s | vs sentence-transformers fp16 |",
        "|---|---|---|---|---|---|",
    ]
    anchor = next((r["texts_per_s"] for r in RESULTS if r.get("name") == "st-fp16"), None)
    notes = []
    for r in RESULTS:
        if "texts_per_s" in r:
            ratio = f"{r['texts_per_s'] / anchor:.2f}x" if anchor else ""
            lines.append(
                f"| {r['label']} | {r['texts']:,} | {r.get('batch', '')} | "
                f"{r['seconds']:.2f} | {r['texts_per_s']:,.0f} | {ratio} |"
            )
        else:
            rest = ", ".join(f"{k}={v}" for k, v in r.items() if k not in ("label", "name"))
            notes.append(f"- {r['label']}: {rest}")
    (out / "gpu_embed.md").write_text("\n".join([*lines, "", *notes]) + "\n")


def make_texts(n: int) -> list[str]:
    import real_texts

    base = list(dict.fromkeys(real_texts.abstract_texts()))
    out = []
    for i in range(n):
        title, _, abstract = base[i % len(base)].partition("\n")
        copy = i // len(base)
        out.append(f"{title} ({copy})\n{abstract}" if copy else base[i % len(base)])
    return out


def sync() -> None:
    import torch

    if torch.cuda.is_available():
        torch.cuda.synchronize()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--model", type=Path, default=None, help="sentence-transformers folder")
    ap.add_argument("--texts", type=int, default=100_000)
    ap.add_argument("--batch", type=int, nargs="+", default=[1024, 2048])
    ap.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[1, 2],
        help="batches in flight on the GPU at once (Encoder(gpu_workers=...))",
    )
    ap.add_argument("--out", type=Path, default=Path(os.environ.get("OUT", "gpu-out")))
    ap.add_argument("--smoke", action="store_true", help="CPU check of the script (small)")
    ap.add_argument("--skip-st", action="store_true", help="skip the sentence-transformers runs")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PAPERSCOPE_HOME", "/tmp/ps-home")
    device = "cpu" if args.smoke else "cuda"
    if args.smoke:
        args.texts, args.batch, args.workers = min(args.texts, 200), [32], [1]

    import torch

    from paperscope.embedding.encoder import Encoder, nvidia_gpu_names
    from paperscope.embedding.model import load_model_info, onnxruntime_version

    info = load_model_info(args.model)
    gpu = nvidia_gpu_names()
    import onnxruntime as ort

    save(
        args.out,
        {
            "name": "env",
            "label": "environment",
            "gpu": gpu[0] if gpu else "none",
            "torch": torch.__version__,
            "cuda": torch.cuda.is_available(),
            "onnxruntime": onnxruntime_version(),
            "providers": ort.get_available_providers(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "model": info.model_id,
        },
    )

    t = time.perf_counter()
    enc = Encoder(info, device=device)
    enc.prepare(lambda f, m="": print(f"  {m}", flush=True), check_texts=make_texts(16))
    save(
        args.out,
        {
            "name": "prepare",
            "label": "export + session",
            "seconds": round(time.perf_counter() - t, 1),
            "device": enc.device_label(),
            "variant": enc.variant,
            "fallback": enc.fallback_reason or "none",
        },
    )
    texts = make_texts(args.texts)
    tok = enc.runner.tokenizer  # type: ignore[union-attr]
    ntok = [len(e.ids) for e in tok.encode_batch(texts[:5000])]
    save(
        args.out,
        {
            "name": "texts",
            "label": "texts",
            "n": len(texts),
            "mean_tokens": round(float(np.mean(ntok)), 1),
            "share_at_256": round(float(np.mean(np.array(ntok) >= 256)), 3),
        },
    )

    # 3. parity on 2,000 real texts
    import real_texts
    from sentence_transformers import SentenceTransformer

    from paperscope.embedding._export import knn_overlap

    st_device = "cuda" if device == "cuda" else "cpu"
    st = SentenceTransformer(str(info.path), device=st_device)
    parity = real_texts.parity_texts(2000 if not args.smoke else 200)
    ref = st.encode(parity, batch_size=256, normalize_embeddings=True)
    got = enc.encode(parity)
    cos = np.sum(got * ref, axis=1)
    overlap, identical = knn_overlap(ref, got)
    save(
        args.out,
        {
            "name": "parity",
            "label": f"parity {enc.variant} vs sentence-transformers fp32",
            "texts": len(parity),
            "min_cosine": round(float(cos.min()), 6),
            "knn10_overlap": round(overlap, 4),
            "knn10_identical": round(identical, 4),
        },
    )

    # 4. sentence-transformers fp16 (the anchor)
    if not args.skip_st:
        if device == "cuda":
            st = st.half()
        st.encode(texts[:2048], batch_size=1024, normalize_embeddings=True)
        sync()
        t = time.perf_counter()
        st.encode(texts, batch_size=1024, normalize_embeddings=True)
        sync()
        dt = time.perf_counter() - t
        label = (
            "sentence-transformers fp16 (torch)"
            if device == "cuda"
            else "sentence-transformers fp32 (CPU smoke)"
        )
        save(
            args.out,
            {
                "name": "st-fp16",
                "label": label,
                "texts": len(texts),
                "batch": 1024,
                "seconds": dt,
                "texts_per_s": len(texts) / dt,
            },
        )
        del st
        if device == "cuda":
            torch.cuda.empty_cache()

    # 5. ours, end to end
    best = (0.0, args.batch[0], args.workers[0])
    # (batch, batches in flight, tokenising processes: None = the encoder's choice)
    configs: list[tuple[int, int, int | None]] = [
        (bs, w, None) for bs in args.batch for w in args.workers
    ]
    configs.append((args.batch[0], 1, 0))  # tokenising in threads, for comparison
    for bs, workers, procs in configs:
        e = Encoder(
            info, device=device, batch_size=bs, gpu_workers=workers,
            tokenizer_processes=procs,
        )  # fmt: skip
        e.prepare()
        e.encode(texts[: bs * 4])
        n_procs = e.tokenizer_processes(len(texts))
        how = f"tokenising in {n_procs} processes" if n_procs else "tokenising in threads"
        t = time.perf_counter()
        e.encode(texts)
        dt = time.perf_counter() - t
        rate = len(texts) / dt
        best = max(best, (rate, bs, workers))
        save(
            args.out,
            {
                "name": f"ours-{bs}-w{workers}-p{n_procs}",
                "label": f"PaperScope {e.device_label()} {e.variant}, end to end, "
                f"{workers} in flight, {how}",
                "texts": len(texts),
                "batch": bs,
                "seconds": dt,
                "texts_per_s": rate,
            },
        )

    # 6. ours, model only (tokenised beforehand), one batch at a time
    for bs in args.batch:
        e = Encoder(info, device=device, batch_size=bs)
        e.prepare()
        runner = e.runner
        assert runner is not None
        batches = [feed for _idx, feed in runner.batches(texts, bs)]
        runner.run(batches[0])
        t = time.perf_counter()
        for feed in batches:
            runner.run(feed)
        dt = time.perf_counter() - t
        save(
            args.out,
            {
                "name": f"ours-model-only-{bs}",
                "label": f"PaperScope {e.variant}, model only (pre-tokenised)",
                "texts": len(texts),
                "batch": bs,
                "seconds": dt,
                "texts_per_s": len(texts) / dt,
            },
        )
    bs = best[1]
    t = time.perf_counter()
    for _ in runner.batches(texts, bs):
        pass
    dt = time.perf_counter() - t
    save(
        args.out,
        {
            "name": "tokenise-only",
            "label": "tokenisation + padding only (one thread feeding)",
            "texts": len(texts),
            "batch": bs,
            "seconds": dt,
            "texts_per_s": len(texts) / dt,
        },
    )
    procs = e.tokenizer_processes(len(texts)) or 2
    import threading

    from paperscope.embedding.encoder import _tokenize_in_processes

    chunks = runner.chunks(texts, bs, 2)
    t = time.perf_counter()
    for _ in _tokenize_in_processes(texts, chunks, bs, procs, info, threading.Event()):
        pass
    dt = time.perf_counter() - t
    save(
        args.out,
        {
            "name": "tokenise-processes",
            "label": f"tokenisation + padding only, {procs} processes (spawn included)",
            "texts": len(texts),
            "batch": bs,
            "seconds": dt,
            "texts_per_s": len(texts) / dt,
        },
    )
    anchor = next((r["texts_per_s"] for r in RESULTS if r.get("name") == "st-fp16"), None)
    save(
        args.out,
        {
            "name": "summary",
            "label": "best end to end",
            "best_texts_per_s": round(best[0]),
            "batch": best[1],
            "in_flight": best[2],
            "vs_st_fp16": round(best[0] / anchor, 2) if anchor else None,
            "goal_20000": "MET" if best[0] >= 20_000 else "NOT MET",
        },
    )
    print((args.out / "gpu_embed.md").read_text())


if __name__ == "__main__":
    main()
