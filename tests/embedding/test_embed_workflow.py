"""The vector cache in the library, the embed workflow and ``paperscope embed``."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from real_texts import PAPERS

from paperscope.core.records import Paper
from paperscope.core.tasks import Cancelled, CancelToken
from paperscope.embedding.encoder import Encoder
from paperscope.embedding.model import default_model_path, load_model_info
from paperscope.library.store import Store
from paperscope.workflows import embed as embed_wf
from paperscope.workflows.embed import embed_library, paper_text
from paperscope.workflows.papers import import_paths

PAGE = PAPERS / "hf-daily-page" / "daily-papers-page.txt"  # 79 papers, all with abstracts


def _arxiv_papers(n: int) -> list[Paper]:
    out = []
    with open(PAPERS / "arxiv-metadata-oai-snapshot.head200.jsonl", encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            out.append(Paper(title=" ".join(rec["title"].split()), abstract=rec["abstract"].strip(),
                             arxiv_id=rec["id"]))  # fmt: skip
            if len(out) == n:
                break
    return out


# -- the store ------------------------------------------------------------------------
def test_store_vectors_roundtrip(store: Store) -> None:
    store.add_papers(_arxiv_papers(5))
    ids, cols = store.paper_texts()
    assert list(ids) == [1, 2, 3, 4, 5]
    assert (
        cols[0][0]
        == "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    rng = np.random.default_rng(0)
    a = rng.standard_normal((5, 384)).astype(np.float32)
    store.put_vectors("model-a", ids, ["h"] * 5, a)
    store.put_vectors("model-b", ids[:2], ["h", "h"], a[:2] * 2)
    got_ids, got = store.vectors("model-a")
    assert list(got_ids) == [1, 2, 3, 4, 5]
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, a)  # bit for bit
    b_ids, b = store.vectors("model-b")
    assert list(b_ids) == [1, 2]
    np.testing.assert_array_equal(b, a[:2] * 2)
    # a new vector for a paper replaces the old one of that model only
    store.put_vectors("model-a", [3], ["h2"], a[:1])
    assert store.vector_hashes("model-a")[3] == "h2"
    np.testing.assert_array_equal(store.vectors("model-a")[1][2], a[0])
    assert store.vector_models() == {"model-a": 5, "model-b": 2}
    assert store.delete_vectors("model-b") == 2
    assert store.vector_models() == {"model-a": 5}
    assert store.vectors("model-b")[1].shape == (0, 0)
    with pytest.raises(ValueError, match="do not match"):
        store.put_vectors("model-a", [1, 2], ["h"], a[:2])
    with pytest.raises(ValueError, match="cannot embed the field"):
        store.paper_texts(("title", "id; DROP TABLE papers"))


# -- the workflow ---------------------------------------------------------------------
def test_embed_only_new_or_changed(store: Store, shared_export: Path) -> None:
    import_paths(store, [PAGE])
    store.add_papers(_arxiv_papers(10))
    assert store.paper_count() == 89
    messages: list[str] = []
    s1 = embed_library(store, lambda f, m="": messages.append(m), device="cpu")
    assert (s1.embedded, s1.unchanged, s1.total) == (89, 0, 89)
    assert s1.device == "CPU" and s1.variant == "fp32"
    assert any(re.search(r"Embedding \d+/89 \(\d+\.\d texts/s\)", m) for m in messages)
    ids, vectors = store.vectors(s1.model_id)
    assert list(ids) == list(range(1, 90))
    # the stored vectors are the encoder's vectors of title + abstract
    papers = store.papers(ids)
    direct = Encoder(device="cpu").encode([paper_text([p.title, p.abstract]) for p in papers[:5]])
    np.testing.assert_allclose(vectors[:5], direct, atol=1e-6)

    s2 = embed_library(store, device="cpu")
    assert (s2.embedded, s2.unchanged) == (0, 89)
    assert s2.line().startswith("embedded 0 papers with all-MiniLM-L6-v2 on CPU in ")

    # a longer abstract merged into the paper with the shortest text changes that text
    # (within 256 tokens): only it is embedded again, with the 4 new papers
    k = min(range(89), key=lambda i: len(papers[i].abstract))
    assert len(papers[k].abstract) < 700
    hash_before = store.vector_hashes(s1.model_id)[int(ids[k])]
    longer = papers[k].abstract + " We also release a large benchmark of chess puzzles."
    store.add_papers([replace(papers[k], abstract=longer)])
    store.add_papers(_arxiv_papers(14)[10:])
    s3 = embed_library(store, device="cpu")
    assert (s3.embedded, s3.unchanged, s3.total) == (5, 88, 93)
    ids3, vectors3 = store.vectors(s3.model_id)
    assert len(ids3) == 93
    others = [i for i in range(89) if i != k]
    np.testing.assert_array_equal(vectors3[others], vectors[others])  # untouched papers kept
    assert store.vector_hashes(s1.model_id)[int(ids[k])] != hash_before
    assert float(vectors3[k] @ vectors[k]) < 0.999


def test_cancel_keeps_finished_vectors(
    store: Store, shared_export: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_paths(store, [PAGE])
    monkeypatch.setattr(embed_wf, "WRITE_EVERY", 16)
    cancel = CancelToken()
    done: list[float] = []

    def progress(fraction: float | None, message: str = "") -> None:
        if message.startswith("Embedding"):
            done.append(fraction or 0.0)
            if len(done) == 5:  # five batches of 8 finished
                cancel.cancel()

    with pytest.raises(Cancelled):
        embed_library(store, progress, cancel, device="cpu", batch_size=8)
    model_id = load_model_info().model_id
    kept = store.vector_models()[model_id]
    assert kept == 40  # every finished batch was written, nothing more
    rest = embed_library(store, device="cpu")
    assert (rest.embedded, rest.unchanged) == (39, 40)


def test_model_change_never_mixes_vectors(
    store: Store, shared_export: Path, tmp_path: Path
) -> None:
    """A second, really different model (max_seq_length 128): its own id, its own export,
    its own vectors; deleting it leaves the default model's vectors alone."""
    import_paths(store, [PAGE])
    store.add_papers(_arxiv_papers(20))
    a = embed_library(store, device="cpu")
    other = tmp_path / "minilm-128"
    shutil.copytree(default_model_path(), other, ignore=shutil.ignore_patterns("*.safetensors"))
    (other / "model.safetensors").symlink_to(default_model_path() / "model.safetensors")
    (other / "sentence_bert_config.json").write_text('{"max_seq_length": 128}')
    b = embed_library(store, device="cpu", model_path=other)
    assert b.model_id != a.model_id and b.model_name == "minilm-128"
    assert (a.embedded, b.embedded) == (99, 99)
    ids_a, va = store.vectors(a.model_id)
    ids_b, vb = store.vectors(b.model_id)
    assert list(ids_a) == list(ids_b)
    # texts longer than 128 tokens embed differently; the short ones agree
    cos = np.sum(va * vb, axis=1)
    assert cos.min() < 0.99 and cos.max() > 0.9999
    assert embed_wf.delete_model_vectors(store, other) == 99
    assert store.vector_models() == {a.model_id: 99}
    assert embed_library(store, device="cpu").embedded == 0


# -- the command line -----------------------------------------------------------------
def test_cli_embed(tmp_path: Path, shared_export: Path, capsys: Any) -> None:
    from paperscope.cli import main

    lib = tmp_path / "lib.duckdb"
    assert main(["--library", str(lib), "import", str(PAGE)]) == 0
    capsys.readouterr()
    assert main(["--library", str(lib), "embed", "--device", "cpu", "--batch-size", "16"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert re.fullmatch(
        r"embedded 79 papers with all-MiniLM-L6-v2 on CPU in \d+\.\d s \(\d+\.\d texts/s\)",
        out[-1],
    )
    assert main(["--library", str(lib), "embed"]) == 0
    assert capsys.readouterr().out.startswith("embedded 0 papers with all-MiniLM-L6-v2 on ")

    assert main(["--library", str(lib), "embed", "--model", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path} is not a sentence-transformers model folder: no modules.json" in err
