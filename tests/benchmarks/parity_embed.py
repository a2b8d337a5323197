"""Parity of every variant with sentence-transformers on 2,000 real texts (the full check;
CI runs 200 in tests/embedding/test_encoder.py).

Texts: the 838 distinct real abstracts (HF daily page and API, context-review CSL-JSON,
arXiv JSONL, memlab.bib), title + abstract, topped up to 2,000 with real cdl.bib titles.
Reference: ``SentenceTransformer(...).encode(normalize_embeddings=True)`` fp32 on the CPU.
Bars (issue 8): fp32 min cosine >= 0.9999, fp16 >= 0.999, nearest-10 lists identical for
>= 97% of texts; int8 (offered only if) min cosine >= 0.999 and kNN@10 overlap >= 0.98.
The fp16 graph runs here on the CPU provider (the GPU run is in gpu_embed.py).

    python tests/benchmarks/parity_embed.py [--texts 2000] [--variants fp32 fp16 int8]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "app"))
sys.path.insert(0, str(HERE.parent / "embedding"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import numpy as np  # noqa: E402
import real_texts  # noqa: E402

BARS = {"fp32": (0.9999, 0.97), "fp16": (0.999, 0.97), "int8": (0.999, None)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--texts", type=int, default=2000)
    ap.add_argument("--variants", nargs="+", default=["fp32", "fp16", "int8"])
    args = ap.parse_args()
    os.environ.setdefault("PAPERSCOPE_HOME", str(Path(tempfile.gettempdir()) / "paperscope-bench"))
    from sentence_transformers import SentenceTransformer

    from paperscope.embedding._export import knn_overlap
    from paperscope.embedding.encoder import Encoder, OnnxRunner
    from paperscope.embedding.model import default_model_path

    texts = real_texts.parity_texts(args.texts)
    n_abs = len(set(real_texts.abstract_texts()))
    print(f"{len(texts)} texts: {min(n_abs, len(texts))} real abstracts + "
          f"{max(0, len(texts) - n_abs)} real titles")  # fmt: skip
    t = time.perf_counter()
    st = SentenceTransformer(str(default_model_path()), device="cpu")
    ref = np.asarray(st.encode(texts, batch_size=32, normalize_embeddings=True))
    print(f"sentence-transformers fp32: {time.perf_counter() - t:.0f} s")
    failed = False
    print(f"{'variant':8} {'min cos':>9} {'kNN@10 overlap':>15} {'identical':>10}  verdict")
    for variant in args.variants:
        t = time.perf_counter()
        if variant == "fp16":
            enc = Encoder(device="cpu")
            enc.prepare()
            assert enc.export is not None
            got = OnnxRunner(enc.export.path("fp16"), enc.info, threads=2).encode(texts)
        else:
            enc = Encoder(device="cpu", variant=variant)
            enc.prepare(check_texts=texts)
            if enc.variant != variant:
                print(
                    f"{variant:8} not offered: {enc.export.meta.get(variant) if enc.export else ''}"
                )
                continue
            got = enc.encode(texts)
        cos = np.sum(got * ref, axis=1)
        overlap, identical = knn_overlap(ref, got)
        min_cos, min_identical = BARS[variant]
        ok = cos.min() >= min_cos and (
            identical >= min_identical if min_identical is not None else overlap >= 0.98
        )
        failed |= not ok
        verdict = "pass" if ok else "FAIL"
        seconds = time.perf_counter() - t
        print(
            f"{variant:8} {cos.min():9.6f} {overlap:15.4f} {identical:10.3f}  "
            f"{verdict} ({seconds:.0f} s)",
            flush=True,
        )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
