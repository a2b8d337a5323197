"""The one-time ONNX export, run in a spawned process (see :func:`model.ensure_export`).

This is the only module of the embedding engine that imports torch/transformers/onnx,
and only inside :func:`main`, which runs in the child process. Progress travels back
over a queue as ``("progress", fraction, message)``; the child ends with ``("done",)``
or ``("error", message)``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import traceback
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from paperscope.embedding.model import (
    EXPORT_FORMAT,
    INT8_BLOCK_SIZE,
    INT8_MIN_COSINE,
    INT8_MIN_KNN_OVERLAP,
    INT8_MIN_TEXTS,
    ModelInfo,
    write_meta,
)


def main(job: dict[str, Any], messages: Any) -> None:
    """Entry point of the child process."""

    def report(fraction: float, message: str) -> None:
        messages.put(("progress", fraction, message))

    try:
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        warnings.simplefilter("ignore")
        info = ModelInfo.from_json(job["info"])
        folder = Path(job["folder"])
        if job["only_check"]:
            meta = _read_meta(folder)
            meta["int8"] = check_int8(folder, info, job["check_texts"], report)
            write_meta(folder, meta)
        else:
            export(info, folder, job["check_texts"], job["torch_texts"], job["ort_version"], report)
        messages.put(("done",))
    except BaseException as exc:  # the parent turns this into a ModelError
        messages.put(("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}"))


def _read_meta(folder: Path) -> dict[str, Any]:
    import json

    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    assert isinstance(meta, dict)
    return meta


def export(
    info: ModelInfo,
    folder: Path,
    check_texts: list[str],
    torch_texts: list[str],
    ort_version: str,
    report: Any,
) -> None:
    """Export ``info`` into ``folder`` (written beside it, then renamed into place)."""
    started = time.monotonic()
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=folder.name + ".", dir=folder.parent))
    try:
        report(0.02, "loading the model with torch")
        raw = work / "fp32.onnx"  # the CPU graph: onnxruntime fuses it when it loads it
        torch_check = export_raw(info, raw, torch_texts)
        report(0.35, "fusing attention and layer norms for the int8 graph")
        fused = optimize(info, raw, use_gpu=False)
        fused.save_model_to_file(str(work / "fused.onnx"))
        report(0.5, "quantising dense layers to 8-bit blocks")
        quantize_int8(work / "fused.onnx", work / "int8.onnx", INT8_BLOCK_SIZE)
        (work / "fused.onnx").unlink()
        report(0.6, "fusing for the GPU and converting to float16")
        gpu = optimize(info, raw, use_gpu=True)
        stats = gpu.get_fused_operator_statistics()
        gpu.convert_float_to_float16(keep_io_types=True)
        gpu.save_model_to_file(str(work / "fp16.onnx"))
        meta: dict[str, Any] = {
            "format": EXPORT_FORMAT,
            "model_id": info.model_id,
            "model": info.to_json(),
            "onnxruntime": ort_version,
            "fp16_fused_operators": {k: int(v) for k, v in stats.items() if v},
            "export_seconds": 0.0,
        }
        report(0.75, "checking the export on real texts")
        meta["fp32_vs_torch_min_cosine"] = _compare_fp32(work, info, torch_check)
        meta["int8"] = check_int8(work, info, check_texts, report)
        meta["export_seconds"] = round(time.monotonic() - started, 1)
        write_meta(work, meta)
        if folder.exists():
            shutil.rmtree(folder)
        work.rename(folder)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    report(1.0, "done")


def export_raw(info: ModelInfo, out: Path, texts: list[str]) -> tuple[list[str], np.ndarray] | None:
    """torch -> ONNX: transformer, pooling and L2 normalisation in one graph.

    Returns the texts and torch's vectors for them (to check the export against).
    """
    import torch
    import transformers

    transformers.logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    hf = transformers.AutoModel.from_pretrained(
        str(info.transformer_dir), dtype=torch.float32, attn_implementation="eager"
    ).eval()
    import inspect

    takes_types = (
        "token_type_ids" in inspect.signature(hf.forward).parameters
        and int(getattr(hf.config, "type_vocab_size", 0) or 0) > 0
    )
    cls_pooling = info.pooling == "cls"

    class Wrapper(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, *rest: Any) -> Any:
            kw = {"input_ids": input_ids, "attention_mask": attention_mask}
            if rest:
                kw["token_type_ids"] = rest[0]
            hidden = self.inner(**kw).last_hidden_state
            if cls_pooling:
                pooled = hidden[:, 0]
            else:
                mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    wrapper = Wrapper(hf).eval()
    names = ["input_ids", "attention_mask"] + (["token_type_ids"] if takes_types else [])
    sample = torch.ones((2, 16), dtype=torch.long)
    args = tuple(sample if n != "token_type_ids" else torch.zeros_like(sample) for n in names)
    axes = {n: {0: "batch", 1: "sequence"} for n in names}
    axes["embedding"] = {0: "batch"}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            wrapper, args, str(out), dynamo=False, input_names=names,
            output_names=["embedding"], dynamic_axes=axes, opset_version=17,
        )  # fmt: skip
    if not texts:
        return None
    from paperscope.embedding.encoder import load_tokenizer

    tok = load_tokenizer(info)
    tok.enable_padding()
    enc = tok.encode_batch([t.strip() for t in texts])
    feed = {
        "input_ids": torch.tensor([e.ids for e in enc]),
        "attention_mask": torch.tensor([e.attention_mask for e in enc]),
        "token_type_ids": torch.tensor([e.type_ids for e in enc]),
    }
    with torch.no_grad():
        vectors = wrapper(*(feed[n] for n in names)).numpy()
    return texts, vectors


def optimize(info: ModelInfo, raw: Path, use_gpu: bool) -> Any:
    """onnxruntime's transformer optimiser (python fusions only; onnxruntime adds its
    own graph optimisations when it loads the model, tuned to the machine)."""
    from onnxruntime.transformers.optimizer import optimize_model

    kind = "bert" if info.model_type not in ("gpt2", "bart", "t5") else info.model_type
    return optimize_model(
        str(raw), model_type=kind, num_heads=info.num_heads, hidden_size=info.hidden_size,
        opt_level=0, use_gpu=use_gpu,
    )  # fmt: skip


def quantize_int8(src: Path, dst: Path, block_size: int) -> int:
    """Every MatMul with a constant 2-D weight becomes ``MatMulNBits`` (8 bits, symmetric
    blocks of ``block_size`` along K, ``accuracy_level=4``: int8 compute with
    block-quantised activations). Returns how many MatMuls were quantised."""
    import onnx
    from onnx import helper, numpy_helper
    from onnxruntime.capi._pybind_state import quantize_matmul_8bits

    model = onnx.load(str(src))
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    nodes = []
    count = 0
    for node in graph.node:
        weight = inits.get(node.input[1]) if node.op_type == "MatMul" else None
        if weight is not None and len(weight.dims) == 2:
            w = numpy_helper.to_array(weight).astype(np.float32)
            k, n = w.shape
            blocks = -(-k // block_size)
            if blocks * block_size != k:
                w = np.pad(w, ((0, blocks * block_size - k), (0, 0)))
            packed = np.zeros((n, blocks, block_size), np.uint8)
            scales = np.zeros((n, blocks), np.float32)
            zero_points = np.zeros((n, blocks), np.uint8)
            quantize_matmul_8bits(
                packed, np.ascontiguousarray(w), scales, zero_points, block_size, n, k, True
            )
            qname, sname = weight.name + "_q8", weight.name + "_q8_scales"
            graph.initializer.extend(
                [numpy_helper.from_array(packed, qname), numpy_helper.from_array(scales, sname)]
            )
            nodes.append(
                helper.make_node(
                    "MatMulNBits", [node.input[0], qname, sname], list(node.output),
                    name=(node.name or weight.name) + "_q8", domain="com.microsoft",
                    K=k, N=n, bits=8, block_size=block_size, accuracy_level=4,
                )
            )  # fmt: skip
            count += 1
        else:
            nodes.append(node)
    del graph.node[:]
    graph.node.extend(nodes)
    used = {i for node in graph.node for i in node.input}
    keep = [i for i in graph.initializer if i.name in used]
    del graph.initializer[:]
    graph.initializer.extend(keep)
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    onnx.save(model, str(dst))
    return count


def _compare_fp32(
    folder: Path, info: ModelInfo, torch_check: tuple[list[str], np.ndarray] | None
) -> float | None:
    if torch_check is None:
        return None
    from paperscope.embedding.encoder import OnnxRunner

    texts, ref = torch_check
    runner = OnnxRunner(folder / "fp32.onnx", info, providers=["CPUExecutionProvider"])
    got = runner.encode(texts, batch_size=16)
    return float(np.min(np.sum(got * ref, axis=1)))


def knn_overlap(a: np.ndarray, b: np.ndarray, k: int = 10) -> tuple[float, float]:
    """Mean overlap of the k-nearest-neighbour lists (cosine, self excluded) of two
    embeddings of the same texts, and the fraction of texts whose lists are identical."""
    k = min(k, a.shape[0] - 1)
    if k <= 0:
        return 1.0, 1.0
    sa, sb = a @ a.T, b @ b.T
    np.fill_diagonal(sa, -np.inf)
    np.fill_diagonal(sb, -np.inf)
    na = np.argpartition(-sa, k, axis=1)[:, :k]
    nb = np.argpartition(-sb, k, axis=1)[:, :k]
    overlaps = [len(set(x) & set(y)) / k for x, y in zip(na, nb, strict=True)]
    return float(np.mean(overlaps)), float(np.mean([o == 1.0 for o in overlaps]))


def check_int8(folder: Path, info: ModelInfo, texts: list[str], report: Any) -> dict[str, Any]:
    """Measure int8 against fp32 on real texts; offer it only when quality holds."""
    texts = [t for t in texts if t.strip()]
    if len(texts) < INT8_MIN_TEXTS or not (folder / "int8.onnx").is_file():
        return {"offered": False, "texts": len(texts), "reason": "not checked: too few texts"}
    from paperscope.embedding.encoder import OnnxRunner

    cpu = ["CPUExecutionProvider"]
    report(0.8, f"int8 vs fp32 on {len(texts)} texts")
    ref = OnnxRunner(folder / "fp32.onnx", info, providers=cpu).encode(texts)
    report(0.9, f"int8 vs fp32 on {len(texts)} texts")
    got = OnnxRunner(folder / "int8.onnx", info, providers=cpu).encode(texts)
    min_cos = float(np.min(np.sum(ref * got, axis=1)))
    overlap, _identical = knn_overlap(ref, got)
    offered = min_cos >= INT8_MIN_COSINE and overlap >= INT8_MIN_KNN_OVERLAP
    return {
        "offered": offered,
        "texts": len(texts),
        "min_cosine": round(min_cos, 6),
        "knn10_overlap": round(overlap, 4),
        "reason": "quality holds" if offered else "quality below the bar",
    }
