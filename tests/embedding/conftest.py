"""Fixtures for the embedding tests.

The ONNX export takes about a minute on two cores, so it is made once per test session
in a session folder and every test's (isolated) cache sees it through a symlink.
sentence-transformers (slow to import) is loaded once, as the parity reference.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import real_texts

PARITY_N = 200  # texts compared with sentence-transformers in CI (the script does 2,000)


@pytest.fixture(scope="session")
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A session cache holding the default model's export (made here, once)."""
    home = tmp_path_factory.mktemp("embed-home")
    old = os.environ.get("PAPERSCOPE_HOME")
    os.environ["PAPERSCOPE_HOME"] = str(home)
    try:
        from paperscope.embedding.model import ensure_export, load_model_info

        ensure_export(load_model_info(), check_texts=real_texts.abstract_texts()[:16])
    finally:
        if old is None:
            os.environ.pop("PAPERSCOPE_HOME", None)
        else:
            os.environ["PAPERSCOPE_HOME"] = old
    return home / "cache" / "onnx"


@pytest.fixture
def shared_export(_isolated_home: None, onnx_cache: Path) -> Path:
    """This test's cache dir sees the session's exports (new exports land there too)."""
    cache = Path(os.environ["PAPERSCOPE_HOME"]) / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    link = cache / "onnx"
    if not link.exists():
        link.symlink_to(onnx_cache, target_is_directory=True)
    return onnx_cache


@pytest.fixture(scope="session")
def parity_texts() -> list[str]:
    """Real texts from every source (hf page, hf api, CSL-JSON, arXiv, BibTeX), spread
    over the corpus so each source is in."""
    texts = list(dict.fromkeys(real_texts.abstract_texts()))
    step = len(texts) / PARITY_N
    return [texts[int(i * step)] for i in range(PARITY_N)]


@pytest.fixture(scope="session")
def st_model() -> Any:
    os.environ["HF_HUB_OFFLINE"] = "1"
    from sentence_transformers import SentenceTransformer

    from paperscope.embedding.model import default_model_path

    return SentenceTransformer(str(default_model_path()), device="cpu")


@pytest.fixture(scope="session")
def st_reference(st_model: Any, parity_texts: list[str]) -> np.ndarray:
    return np.asarray(st_model.encode(parity_texts, batch_size=32, normalize_embeddings=True))


@pytest.fixture
def encoder_cpu(shared_export: Path) -> Iterator[Any]:
    from paperscope.embedding.encoder import Encoder

    yield Encoder(device="cpu")
