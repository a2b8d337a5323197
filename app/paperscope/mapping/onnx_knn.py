"""The exact kNN graph as a small ONNX graph (MatMul + TopK), run by onnxruntime.

The graph takes a block of query rows ``queries`` (``b × d``) and the transposed
vectors ``vectors_t`` (``d × n``) and returns the ``k`` best dot products of each query
row and their column positions (``TopK``: largest first, equal scores by lower
position first). :class:`OnnxKnn` feeds it the normalised vectors block by block: on a
CUDA machine the vectors are copied to the GPU once and stay there while the blocks
stream through; on the CPU provider the same graph runs on MLAS (that is what the tests
check against numpy).

Device choice as :mod:`paperscope.embedding.encoder` makes it: ``"auto"`` uses the
CUDA execution provider when onnxruntime lists it and it loads (``preload_dlls()``
first), else the CPU; ``"cuda"`` insists (``RuntimeError`` when it cannot); ``"cpu"``
never touches CUDA. onnxruntime and onnx are imported lazily.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import numpy.typing as npt

from paperscope.core.tasks import CancelToken, Progress, no_progress
from paperscope.mapping.neighbours import F32, KnnGraph, self_first

OPSET = 17
IR_VERSION = 8  # readable by every onnxruntime >= 1.10
DEVICES = ("auto", "cuda", "cpu")


def knn_model(dim: int, k: int) -> bytes:
    """The serialised ONNX model: ``(queries, vectors_t) -> (scores, indices)``, the top
    ``k`` of ``queries @ vectors_t`` along each row (float32 scores, int64 positions)."""
    from onnx import TensorProto, checker, helper

    if dim < 1 or k < 1:
        raise ValueError(f"need dim >= 1 and k >= 1, got {dim}, {k}")
    q = helper.make_tensor_value_info("queries", TensorProto.FLOAT, ["b", dim])
    v = helper.make_tensor_value_info("vectors_t", TensorProto.FLOAT, [dim, "n"])
    scores = helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["b", k])
    indices = helper.make_tensor_value_info("indices", TensorProto.INT64, ["b", k])
    kk = helper.make_tensor("k", TensorProto.INT64, [1], [k])
    nodes = [
        helper.make_node("MatMul", ["queries", "vectors_t"], ["dots"]),
        helper.make_node(
            "TopK", ["dots", "k"], ["scores", "indices"], axis=-1, largest=1, sorted=1
        ),
    ]
    graph = helper.make_graph(nodes, "paperscope_knn", [q, v], [scores, indices], [kk])
    model = helper.make_model(
        graph, producer_name="paperscope", opset_imports=[helper.make_opsetid("", OPSET)]
    )
    model.ir_version = IR_VERSION
    checker.check_model(model)
    out: bytes = model.SerializeToString()
    return out


def cuda_listed() -> bool:
    """Whether this onnxruntime build has the CUDA execution provider."""
    import onnxruntime as ort

    return "CUDAExecutionProvider" in ort.get_available_providers()


@functools.cache
def cuda_usable() -> bool:
    """Whether the CUDA provider is listed, loads, and runs the graph once (cached)."""
    try:
        if not cuda_listed():
            return False
        probe = np.eye(2, dtype=np.float32)
        OnnxKnn("cuda").top_k(probe, probe, 1)
    except Exception:
        return False
    return True


class OnnxKnn:
    """kNN graphs by the ONNX graph of :func:`knn_model` on ``device`` (see the module
    docstring); ``self.device`` is ``"cuda"`` or ``"cpu"`` once a graph has run."""

    def __init__(self, device: str = "auto", block: int = 4096) -> None:
        if device not in DEVICES:
            raise ValueError(f"unknown device {device!r} (choose from {', '.join(DEVICES)})")
        self.requested_device = device
        self.block = int(block)
        self.device: str | None = None

    def _session(self, dim: int, k: int) -> Any:
        import onnxruntime as ort

        so = ort.SessionOptions()
        so.log_severity_level = 3
        want_cuda = self.requested_device == "cuda" or (
            self.requested_device == "auto" and cuda_listed()
        )
        model = knn_model(dim, k)
        if want_cuda:
            import contextlib
            import io
            import warnings

            # a failing provider logs errors on stderr: the caller hears of it instead
            ort.set_default_logger_severity(4)
            try:
                preload = getattr(ort, "preload_dlls", None)
                if preload is not None:
                    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
                        warnings.simplefilter("ignore")
                        preload()
                sess = ort.InferenceSession(
                    model, so,
                    providers=[("CUDAExecutionProvider", {"device_id": 0}), "CPUExecutionProvider"],
                )  # fmt: skip
                if "CUDAExecutionProvider" not in sess.get_providers():
                    raise RuntimeError("the CUDA execution provider failed to load")
                self.device = "cuda"
                return sess
            except Exception:
                if self.requested_device == "cuda":
                    raise
            finally:
                ort.set_default_logger_severity(2)
        self.device = "cpu"
        return ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])

    def top_k(
        self,
        queries: F32,
        vectors: F32,
        k: int,
        progress: Progress = no_progress,
        cancel: CancelToken | None = None,
    ) -> tuple[npt.NDArray[np.int64], F32]:
        """``(positions, scores)`` of the ``k`` largest dot products of each query row
        with the rows of ``vectors``, best first (equal scores: lower position first)."""
        import onnxruntime as ort

        cancel = cancel or CancelToken()
        q = np.ascontiguousarray(queries, dtype=np.float32)
        v = np.ascontiguousarray(vectors, dtype=np.float32)
        if q.ndim != 2 or v.ndim != 2 or q.shape[1] != v.shape[1]:
            raise ValueError(f"queries {q.shape} and vectors {v.shape} do not match")
        n, m = v.shape[0], q.shape[0]
        k = int(min(k, n))
        if k <= 0 or m == 0:
            return np.zeros((m, max(k, 0)), np.int64), np.zeros((m, max(k, 0)), np.float32)
        sess = self._session(v.shape[1], k)
        where = "cuda" if self.device == "cuda" else "cpu"
        vt = ort.OrtValue.ortvalue_from_numpy(np.ascontiguousarray(v.T), where, 0)
        idx = np.empty((m, k), dtype=np.int64)
        val = np.empty((m, k), dtype=np.float32)
        binding = sess.io_binding()
        binding.bind_ortvalue_input("vectors_t", vt)
        for s in range(0, m, self.block):
            e = min(s + self.block, m)
            binding.bind_cpu_input("queries", q[s:e])
            binding.bind_output("scores", "cpu")
            binding.bind_output("indices", "cpu")
            sess.run_with_iobinding(binding)
            got_val, got_idx = binding.copy_outputs_to_cpu()
            val[s:e], idx[s:e] = got_val, got_idx
            cancel.check()
            progress(e / m, f"Nearest neighbours ({where.upper()}): {e:,} of {m:,} papers")
        return idx, val

    def knn_graph(
        self,
        matrix: F32,
        k: int,
        progress: Progress = no_progress,
        cancel: CancelToken | None = None,
    ) -> KnnGraph:
        """The exact kNN graph of unit rows, same conventions as
        :func:`paperscope.mapping.neighbours.knn_graph` (the row itself first, score 1)."""
        m = np.ascontiguousarray(matrix, dtype=np.float32)
        idx, val = self.top_k(m, m, k, progress, cancel)
        return self_first(idx, val)
