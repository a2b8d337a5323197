"""The model folder check, the model id, and start-up staying light."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from paperscope.embedding.model import (
    DEFAULT_NAME,
    ModelError,
    default_model_path,
    load_model_info,
    onnx_dir,
)

REPO = Path(__file__).resolve().parents[2]


def test_default_model_info() -> None:
    info = load_model_info()
    assert info.name == DEFAULT_NAME == "all-MiniLM-L6-v2"
    assert info.path == default_model_path()
    assert info.max_seq_length == 256
    assert info.dim == 384
    assert info.pooling == "mean"
    assert (info.num_heads, info.hidden_size) == (12, 384)
    assert len(info.digest) == 64
    assert info.model_id == f"all-MiniLM-L6-v2@{info.digest[:16]}"
    # the hash is of the files: the same folder gives the same id, also after the memo
    assert load_model_info().model_id == info.model_id
    assert onnx_dir(info).name.startswith(f"all-MiniLM-L6-v2_{info.digest[:16]}-ort")


def _copy_model(tmp_path: Path) -> Path:
    """A real second model folder: the default model's files, linked (weights) or copied."""
    src = default_model_path()
    dst = tmp_path / "minilm-copy"
    dst.mkdir(parents=True)
    for f in src.rglob("*"):
        rel = f.relative_to(src)
        if f.is_dir():
            (dst / rel).mkdir(parents=True, exist_ok=True)
        elif f.suffix in (".safetensors", ".bin"):
            (dst / rel).symlink_to(f)
        else:
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(f, dst / rel)
    return dst


def test_changed_file_changes_the_model_id(tmp_path: Path) -> None:
    folder = _copy_model(tmp_path)
    same = load_model_info(folder)
    assert same.name == "minilm-copy"
    assert same.digest == load_model_info().digest  # same bytes, same hash
    config = folder / "sentence_bert_config.json"
    config.write_text(json.dumps({"max_seq_length": 128, "do_lower_case": False}))
    changed = load_model_info(folder)
    assert changed.max_seq_length == 128
    assert changed.digest != same.digest


def test_not_a_model_folder(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"no modules\.json") as err:
        load_model_info(tmp_path)
    assert str(tmp_path) in str(err.value)
    with pytest.raises(ModelError, match="no such folder") as err:
        load_model_info(tmp_path / "missing")
    assert str(tmp_path / "missing") in str(err.value)
    (tmp_path / "modules.json").write_text("{not json")
    with pytest.raises(ModelError, match=r"modules.json cannot be read") as err:
        load_model_info(tmp_path)
    assert str(tmp_path) in str(err.value)


def test_model_folder_missing_parts(tmp_path: Path) -> None:
    folder = _copy_model(tmp_path)
    (folder / "tokenizer.json").unlink()
    with pytest.raises(ModelError, match=r"no tokenizer\.json") as err:
        load_model_info(folder)
    assert str(folder) in str(err.value)
    folder2 = _copy_model(tmp_path / "b")
    (folder2 / "model.safetensors").unlink()
    with pytest.raises(ModelError, match="no model weights"):
        load_model_info(folder2)
    modules = json.loads((folder2 / "modules.json").read_text())
    modules.insert(2, {"idx": 2, "name": "2", "path": "2_Dense",
                       "type": "sentence_transformers.models.Dense"})  # fmt: skip
    (folder2 / "modules.json").write_text(json.dumps(modules))
    with pytest.raises(ModelError, match="Dense are not supported"):
        load_model_info(folder2)


def test_importing_the_engine_stays_light(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "import paperscope.embedding, paperscope.embedding.model, paperscope.embedding.encoder\n"
        "import paperscope.workflows.embed, paperscope.cli.cmd_embed\n"
        "from paperscope.embedding.encoder import Encoder\n"
        "e = Encoder(device='cpu')\n"
        "print(e.model_id, e.device_label())\n"
        "heavy = ['onnxruntime', 'torch', 'tokenizers', 'transformers', 'sentence_transformers',"
        " 'onnx']\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
        env={"PYTHONPATH": str(REPO / "app"), "PATH": "/usr/bin:/bin",
             "PAPERSCOPE_HOME": str(tmp_path)},
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert lines[0].startswith("all-MiniLM-L6-v2@")
    assert lines[0].endswith(" CPU")
    assert lines[1] == "[]"


def test_cancelling_the_export_leaves_nothing(tmp_path: Path) -> None:
    """Cancel while the export process loads torch: the process ends, no export and no
    half-written folder stays in the cache."""
    from paperscope.core.tasks import Cancelled, CancelToken
    from paperscope.embedding.model import cached_export, ensure_export

    folder = _copy_model(tmp_path)
    (folder / "sentence_bert_config.json").write_text('{"max_seq_length": 64}')
    info = load_model_info(folder)
    cancel = CancelToken()
    seen: list[str] = []

    def progress(fraction: float | None, message: str = "") -> None:
        seen.append(message)
        if "loading the model" in message:
            cancel.cancel()

    with pytest.raises(Cancelled):
        ensure_export(info, progress, cancel)
    assert any("loading the model with torch" in m for m in seen)
    assert cached_export(info) is None
    leftovers = [p.name for p in onnx_dir(info).parent.iterdir() if p.is_dir()]
    assert leftovers == []
