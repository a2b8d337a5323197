"""Parity with sentence-transformers on real abstracts, bad inputs, devices."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from paperscope.core.tasks import Cancelled, CancelToken
from paperscope.embedding._export import knn_overlap
from paperscope.embedding.encoder import EmbeddingWarning, Encoder, OnnxRunner, nvidia_gpu_names
from paperscope.embedding.model import cached_export, load_model_info


def test_export_is_cached_with_fusions(shared_export: Path) -> None:
    info = load_model_info()
    export = cached_export(info)
    assert export is not None
    assert export.folder.parent.resolve() == shared_export.resolve()
    meta = export.meta
    assert meta["model_id"] == info.model_id
    # onnxruntime's transformer fusions found every layer of MiniLM-L6 (GPU graph)
    assert meta["fp16_fused_operators"] == {
        "EmbedLayerNormalization": 1, "Attention": 6, "BiasGelu": 6, "SkipLayerNormalization": 12,
    }  # fmt: skip
    assert meta["fp32_vs_torch_min_cosine"] >= 0.99999
    for variant in ("fp32", "fp16", "int8"):
        assert export.path(variant).stat().st_size > 10_000_000
    # fp16 weights: about half of fp32
    assert export.path("fp16").stat().st_size < 0.6 * export.path("fp32").stat().st_size


def test_fp32_parity_with_sentence_transformers(
    encoder_cpu: Encoder, parity_texts: list[str], st_reference: np.ndarray
) -> None:
    got = encoder_cpu.encode(parity_texts)
    assert encoder_cpu.variant == "fp32" and encoder_cpu.device == "cpu"
    assert got.shape == (len(parity_texts), 384) and got.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    cos = np.sum(got * st_reference, axis=1)
    assert cos.min() >= 0.9999
    overlap, identical = knn_overlap(st_reference, got)
    assert identical >= 0.97
    assert overlap >= 0.99


def test_fp16_graph_parity_on_cpu(
    shared_export: Path, parity_texts: list[str], st_reference: np.ndarray
) -> None:
    """The GPU's fp16 graph, run here by the CPU provider (float16 weights, float32 I/O;
    onnxruntime adds casts where the CPU has no float16 kernel). The GPU run itself is
    checked by tests/benchmarks/gpu_embed.py."""
    info = load_model_info()
    export = cached_export(info)
    assert export is not None
    runner = OnnxRunner(export.path("fp16"), info)
    got = runner.encode(parity_texts[:64])
    cos = np.sum(got * st_reference[:64], axis=1)
    assert cos.min() >= 0.999


def test_int8_not_offered_without_enough_texts(shared_export: Path) -> None:
    enc = Encoder(device="cpu", variant="int8")
    export = cached_export(enc.info)
    assert export is not None
    if export.int8_checked:
        pytest.skip("this session's export was already checked")
    with pytest.warns(EmbeddingWarning, match="int8 is not offered"):
        enc.prepare(check_texts=["too few texts to judge quality"])
    assert enc.variant == "fp32"


def test_int8_is_offered_only_after_its_quality_check(
    shared_export: Path, parity_texts: list[str], st_reference: np.ndarray
) -> None:
    texts, ref = parity_texts[:120], st_reference[:120]  # the check needs >= 100 texts
    enc = Encoder(device="cpu", variant="int8")
    enc.prepare(check_texts=texts)
    assert enc.export is not None
    check = enc.export.meta["int8"]
    assert check["texts"] == len(texts)
    assert check["offered"] is (check["min_cosine"] >= 0.999 and check["knn10_overlap"] >= 0.98)
    if not check["offered"]:
        assert enc.variant == "fp32"
        return
    assert enc.variant == "int8"
    got = enc.encode(texts)
    cos = np.sum(got * ref, axis=1)
    overlap, _ = knn_overlap(ref, got)
    assert cos.min() >= 0.999
    assert overlap >= 0.98


def test_bad_texts(encoder_cpu: Encoder, st_model: Any, parity_texts: list[str]) -> None:
    long_abstract = " ".join(parity_texts[:60])[:50_000]
    assert len(long_abstract) == 50_000
    texts = [
        "",
        "   ",
        "A title only",
        "Title\n" + long_abstract,
        "深度学习在自然语言处理中的应用：基于注意力机制的神经网络模型",
        "Обучение с подкреплением для больших языковых моделей",
        "التعلم العميق لمعالجة اللغات الطبيعية",
        "ニューラルネットワークによる画像認識 🤖🔬",
        "x" * 3000,
    ]
    got = encoder_cpu.encode(texts)
    ref = np.asarray(st_model.encode(texts, normalize_embeddings=True))
    assert np.isfinite(got).all()
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert np.sum(got * ref, axis=1).min() >= 0.9999
    # the 50,000-character text is cut at 256 tokens, like sentence-transformers does
    runner = encoder_cpu.runner
    assert runner is not None
    assert len(runner.tokenizer.encode(texts[3]).ids) == 256
    # empty and blank texts are the same ([CLS][SEP]) vector
    np.testing.assert_allclose(got[0], got[1], atol=1e-6)


def test_order_and_batch_size_do_not_change_vectors(
    shared_export: Path, parity_texts: list[str]
) -> None:
    texts = parity_texts[:40]
    a = Encoder(device="cpu", batch_size=7).encode(texts)
    b = Encoder(device="cpu", batch_size=64).encode(texts[::-1])[::-1]
    np.testing.assert_allclose(a, b, atol=2e-5)


def test_tokenising_in_processes_gives_the_same_vectors(
    shared_export: Path, parity_texts: list[str]
) -> None:
    """Big GPU jobs tokenise in spawned worker processes; forced here on the CPU, the
    vectors must be those tokenised in-process, in the callers' order."""
    texts = [*parity_texts[:120], "", "Caf\u00e9 \u00e9t\u00e9"]
    threads = Encoder(device="cpu", batch_size=16).encode(texts)
    in_processes = Encoder(device="cpu", batch_size=16, tokenizer_processes=2)
    assert in_processes.tokenizer_processes(len(texts)) == 2
    # (smaller chunks pad some batches differently: float noise only)
    np.testing.assert_allclose(in_processes.encode(texts), threads, atol=1e-6)
    # the default: processes only for big jobs on the GPU
    assert Encoder(device="cpu").tokenizer_processes(10**6) == 0


def test_progress_reports_rate_and_cancel_stops(
    encoder_cpu: Encoder, parity_texts: list[str]
) -> None:
    seen: list[tuple[float | None, str]] = []
    encoder_cpu.requested_batch_size = 8
    encoder_cpu.encode(parity_texts[:24], lambda f, m="": seen.append((f, m)))
    fractions = [f for f, m in seen if m.startswith("Embedding")]
    assert fractions == [8 / 24, 16 / 24, 1.0]
    assert "texts/s)" in seen[-1][1]
    cancel = CancelToken()
    done = []
    with pytest.raises(Cancelled):
        for idx, _vectors in encoder_cpu.iter_encode(parity_texts[:40], cancel=cancel):
            done.append(len(idx))
            cancel.cancel()
    assert done == [8]


@pytest.mark.skipif(bool(nvidia_gpu_names()), reason="a GPU is present: CUDA would not fail")
def test_cuda_failing_falls_back_to_cpu(shared_export: Path, parity_texts: list[str]) -> None:
    """This machine has onnxruntime-gpu but no NVIDIA driver: the CUDA provider fails to
    load for real, and the encoder carries on with the CPU."""
    enc = Encoder(device="cuda")
    assert enc.device_label() == "CPU"
    with pytest.warns(EmbeddingWarning, match="CUDA could not be used") as caught:
        enc.prepare()
    assert "running on the CPU" in str(caught[0].message)
    assert enc.device == "cpu" and enc.variant == "fp32"
    assert enc.device_label() == "CPU"
    assert enc.fallback_reason is not None
    assert enc.encode(parity_texts[:4]).shape == (4, 384)
    # "auto" does not even try CUDA without a GPU, so no warning
    auto = Encoder(device="auto")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        auto.prepare()
    assert auto.device == "cpu"


def test_unknown_device_and_variant() -> None:
    with pytest.raises(ValueError, match="device must be one of auto, cpu, cuda"):
        Encoder(device="tpu")
    with pytest.raises(ValueError, match="unknown model variant"):
        Encoder(variant="int4")


def test_long_texts_are_cut_exactly(encoder_cpu: Encoder, parity_texts: list[str]) -> None:
    """Texts far beyond 256 tokens are cut at a space before tokenising; the ids must be
    exactly those of the whole text, also when the cut part holds fewer than 256 tokens
    (then the whole text is tokenised) or has no space to cut at."""
    encoder_cpu.prepare()
    runner = encoder_cpu.runner
    assert runner is not None
    texts = [
        " ".join(parity_texts[:40]),  # 50k characters of abstracts
        " " * 3500 + parity_texts[0],  # the first 3,072 characters are blanks
        "注意力机制" * 2000,  # 10,000 characters without a space
        ("word " * 900) + "tail",
        parity_texts[1],
    ]
    plain = [e.ids for e in runner.tokenizer.encode_batch(texts)]
    assert runner._token_ids(list(texts)) == plain
    assert [len(x) for x in plain[:4]] == [256, 256, 256, 256]


def test_ascii_fast_path_gives_the_tokenizers_ids(
    encoder_cpu: Encoder, parity_texts: list[str]
) -> None:
    """ASCII texts skip the normaliser (str.translate + lower instead): the ids must be
    the full tokenizer's on every real text and on the characters the normaliser drops,
    maps or lowercases; non-ASCII texts in the same chunk take the full path."""
    encoder_cpu.prepare()
    runner = encoder_cpu.runner
    assert runner is not None and runner.ascii is not None  # MiniLM: a BertNormalizer
    hostile = [
        "Tabs\tnew\nlines\r\nand\x0bvertical\x0cfeeds\x00nul\x1funit\x7fdel END",
        "UPPER Case MiXeD, punctuation!? (brackets) [x] {y} $5.00 -- e.g. a/b",
        "",
        "   ",
        "\x00\x01\x02",
        "Caf\u00e9 na\u00efve \u00c5ngstr\u00f6m \u2014 non-ASCII keeps the full path",
        "x" * 3000,  # no space to cut at
        ("Word " * 700).strip(),  # cut, then still 256 tokens
    ]
    texts = list(parity_texts) + hostile
    assert sum(t.isascii() for t in texts) > len(texts) // 2
    plain = [e.ids for e in runner.tokenizer.encode_batch(texts)]
    assert runner._token_ids(list(texts)) == plain
    # and through the padded batches the model gets
    idx = np.arange(len(texts))
    for rows, feed in runner.tokenize_chunk(texts, idx, 64):
        for row, i in enumerate(rows):
            n = int(feed["attention_mask"][row].sum())
            assert feed["input_ids"][row, :n].tolist() == plain[i]
            assert not feed["input_ids"][row, n:].any()


def test_gpu_defaults_follow_the_gpus_memory() -> None:
    """Big GPUs get the configuration measured fastest on an H200 (batch 2048, two in
    flight); smaller ones (or an unknown size) the smaller footprint."""
    from paperscope.embedding.encoder import (
        BIG_GPU_BYTES,
        CUDA_BATCH,
        CUDA_BATCH_BIG,
        cuda_defaults,
    )

    assert cuda_defaults(141 * 2**30) == (CUDA_BATCH_BIG, 2)
    assert cuda_defaults(BIG_GPU_BYTES - 1) == (CUDA_BATCH, 1)
    assert cuda_defaults(0) == (CUDA_BATCH, 1)
    enc = Encoder(device="cpu")
    enc.device, enc.gpu_memory = "cuda", 80 * 2**30  # what _open_cuda sets on an H100
    assert (enc.batch_size, enc.workers) == (CUDA_BATCH_BIG, 2)
    assert Encoder(device="cpu", batch_size=64).batch_size == 64
