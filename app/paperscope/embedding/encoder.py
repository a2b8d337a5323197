"""The run-time encoder: ``tokenizers`` + onnxruntime, nothing else.

onnxruntime and tokenizers are imported on the first embed, not when this module is.

- Device: ``"auto"`` uses the CUDA execution provider when an NVIDIA GPU is usable
  (``onnxruntime.preload_dlls()`` first), else the CPU; ``"cuda"`` asks for the GPU and
  falls back to the CPU with an :class:`EmbeddingWarning` when the provider fails;
  ``"cpu"`` never touches CUDA.
- Variant: the GPU runs the fused fp16 graph, the CPU the fp32 graph. ``variant="int8"``
  runs the 8-bit block-quantised graph once its quality check passed (else fp32, with
  an :class:`EmbeddingWarning`).
- Pipeline: texts sorted by length (little padding), tokenised in chunks on a worker
  thread (``encode_batch`` runs in parallel, without the GIL) while the current batches
  run in onnxruntime.
- CPU threads: one single-threaded onnxruntime run per core on different batches of 8
  (data parallel) rather than one run spread over the cores (intra-op parallel), and no
  spin-waiting. Measured on the shared 2-core box (96 real abstracts, interleaved,
  three rounds): batch 8 data-parallel 22.5-23.7 texts/s against 13.0-17.2 for the
  intra-op default, and the least CPU time per text (spinning threads burn the cores
  the other worker and the tokenizer need).
"""

from __future__ import annotations

import ctypes
import itertools
import json
import os
import queue
import re
import threading
import time
import warnings
from collections import deque
from collections.abc import Generator, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from paperscope.core.tasks import CancelToken, Progress, no_progress
from paperscope.embedding.model import (
    ModelError,
    ModelInfo,
    OnnxExport,
    ensure_export,
    load_model_info,
)

if TYPE_CHECKING:
    from tokenizers import Tokenizer

Matrix = npt.NDArray[np.float32]
DEVICES = ("auto", "cpu", "cuda")
CPU_BATCH = 8
# GPU defaults (batch, batches in flight at once: session.run is thread-safe), measured
# on an H200 with tests/benchmarks/gpu_embed.py: 2048 x 2 ran 21,100 texts/s end to end
# against 17,300 for 1024 x 1; GPUs under BIG_GPU_BYTES keep the smaller footprint
CUDA_BATCH = 1024
CUDA_WORKERS = 1
CUDA_BATCH_BIG = 2048
CUDA_WORKERS_BIG = 2
BIG_GPU_BYTES = 40 * 2**30
# texts longer than this many characters per token of max_seq_length are cut before
# tokenising (at a space; re-tokenised whole when the cut text came out short)
CUT_CHARS_PER_TOKEN = 6
# BertNormalizer on ASCII text, done by str.translate: control characters other than
# tab, newline and carriage return go, those three become spaces (clean_text)
_ASCII_CLEAN: dict[int, int | None] = {
    c: None for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F)
}
_ASCII_CLEAN.update({0x09: 0x20, 0x0A: 0x20, 0x0D: 0x20})
_ASCII_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# GPU jobs of at least this many texts tokenise in worker processes (when the machine
# has >= 8 cores): the part of tokenising that holds the GIL (Python ints for the ids,
# padding) capped one process at ~15,000 texts/s on the H200 machine's 16 cores
PROCESS_MIN_TEXTS = 20_000


class EmbeddingWarning(UserWarning):
    """Something degraded but the work went on (e.g. CUDA failed, the CPU took over)."""


def load_tokenizer(info: ModelInfo) -> Tokenizer:
    """The model's fast tokenizer, truncating at the model's max_seq_length, unpadded."""
    from tokenizers import Tokenizer

    try:
        tok = Tokenizer.from_file(str(info.transformer_dir / "tokenizer.json"))
    except Exception as exc:
        raise ModelError(f"{info.path}: tokenizer.json cannot be loaded ({exc})") from None
    tok.enable_truncation(max_length=info.max_seq_length)
    tok.no_padding()
    return tok


class AsciiFastPath:
    """Tokenises ASCII texts without the tokenizer's normaliser, for BERT-style models.

    ``BertNormalizer`` tracks an alignment for every character it touches, which costs
    about 40 % of the tokenizer's time on abstracts. On ASCII text it only drops control
    characters, turns tab/newline/CR into spaces and (uncased models) lowercases, so
    ``str.translate`` + ``str.lower`` give the same string and a copy of the tokenizer
    without a normaliser gives the same ids (checked on every real text in the tests).
    Other normalisers, and non-ASCII texts, keep the full tokenizer."""

    def __init__(self, plain: Tokenizer, lowercase: bool) -> None:
        self.tokenizer = plain
        self.lowercase = lowercase

    @classmethod
    def for_model(cls, info: ModelInfo) -> AsciiFastPath | None:
        try:
            spec = json.loads((info.transformer_dir / "tokenizer.json").read_text("utf-8"))
        except (OSError, ValueError):
            return None
        norm = spec.get("normalizer") if isinstance(spec, dict) else None
        if not isinstance(norm, dict) or norm.get("type") != "BertNormalizer":
            return None
        if not norm.get("clean_text", True):
            return None
        plain = load_tokenizer(info)
        plain.normalizer = None
        return cls(plain, bool(norm.get("lowercase", True)))

    def prepare(self, text: str) -> str:
        # tab, newline and CR need no mapping: the pre-tokeniser splits on them as on
        # spaces; control characters are rare, so the translation runs only for them
        if _ASCII_CONTROL.search(text) is not None:
            text = text.translate(_ASCII_CLEAN)
        return text.lower() if self.lowercase else text


def cpu_threads() -> int:
    """Threads for onnxruntime on the CPU: the cores this process may use."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        n = os.cpu_count() or 1
    return max(1, n)


# -- GPU discovery (NVML through ctypes: no extra package, nothing imported) -----------
class _NvmlMemory(ctypes.Structure):
    _fields_ = [
        ("total", ctypes.c_ulonglong),
        ("free", ctypes.c_ulonglong),
        ("used", ctypes.c_ulonglong),
    ]


def nvidia_gpus() -> list[tuple[str, int]]:
    """(name, total memory in bytes) of the NVIDIA GPUs the driver reports (empty
    without a driver; memory 0 when the driver does not say)."""
    for lib in ("libnvidia-ml.so.1", "libnvidia-ml.so", "nvml.dll"):
        try:
            nvml = ctypes.CDLL(lib)
            break
        except OSError:
            continue
    else:
        return []
    try:
        if nvml.nvmlInit_v2() != 0:
            return []
        count = ctypes.c_uint(0)
        if nvml.nvmlDeviceGetCount_v2(ctypes.byref(count)) != 0:
            return []
        gpus = []
        for i in range(count.value):
            handle = ctypes.c_void_p()
            if nvml.nvmlDeviceGetHandleByIndex_v2(i, ctypes.byref(handle)) != 0:
                continue
            buf = ctypes.create_string_buffer(96)
            if nvml.nvmlDeviceGetName(handle, buf, 96) != 0:
                continue
            memory = _NvmlMemory()
            total = (
                memory.total
                if nvml.nvmlDeviceGetMemoryInfo(handle, ctypes.byref(memory)) == 0
                else 0
            )
            gpus.append((buf.value.decode(errors="replace"), int(total)))
        nvml.nvmlShutdown()
        return gpus
    except (AttributeError, OSError):
        return []


def nvidia_gpu_names() -> list[str]:
    """Names of the NVIDIA GPUs the driver reports (empty without a driver)."""
    return [name for name, _total in nvidia_gpus()]


def cuda_defaults(gpu_memory: int) -> tuple[int, int]:
    """(batch size, batches in flight) for a GPU with ``gpu_memory`` bytes."""
    if gpu_memory >= BIG_GPU_BYTES:
        return CUDA_BATCH_BIG, CUDA_WORKERS_BIG
    return CUDA_BATCH, CUDA_WORKERS


class Batcher:
    """The model's tokenizer, and the padded batches it makes (no onnxruntime here: it
    also runs in the tokenising worker processes, see :class:`_TokenizerProcesses`)."""

    def __init__(self, info: ModelInfo) -> None:
        self.info = info
        self.tokenizer = load_tokenizer(info)
        self.ascii = AsciiFastPath.for_model(info)

    def chunks(
        self, texts: Sequence[str], batch_size: int, chunk_batches: int = 8
    ) -> list[np.ndarray]:
        """Index chunks of ``chunk_batches`` batches, texts sorted longest first by
        characters (so each chunk's batches need little padding)."""
        lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
        order = np.argsort(-lengths, kind="stable")
        step = batch_size * chunk_batches
        return [order[i : i + step] for i in range(0, len(order), step)]

    def _encode(self, texts: list[str]) -> list[list[int]]:
        """Token ids of ``texts``: ASCII ones through :class:`AsciiFastPath`."""
        full = self.tokenizer
        encode = getattr(full, "encode_batch_fast", full.encode_batch)
        fast = self.ascii
        if fast is None:
            return [e.ids for e in encode(texts)]
        ascii_idx = [i for i, t in enumerate(texts) if t.isascii()]
        if len(ascii_idx) == len(texts):
            plain = fast.tokenizer
            encode_plain = getattr(plain, "encode_batch_fast", plain.encode_batch)
            return [e.ids for e in encode_plain([fast.prepare(t) for t in texts])]
        ids: list[list[int]] = [[] for _ in texts]
        if ascii_idx:
            for i, e in zip(ascii_idx, self._encode([texts[i] for i in ascii_idx]), strict=True):
                ids[i] = e
        others = [i for i, t in enumerate(texts) if not t.isascii()]
        for i, enc in zip(others, encode([texts[i] for i in others]), strict=True):
            ids[i] = enc.ids
        return ids

    def _token_ids(self, texts: list[str]) -> list[list[int]]:
        """Token ids, truncated at max_seq_length, exactly as for the whole texts.

        A text far longer than the model reads is cut at a space first: the normaliser
        and pre-tokeniser work word by word, so the ids of the cut text are a prefix of
        the whole text's, and when the cut text still fills max_seq_length they are the
        same ids. (When it does not, the whole text is tokenised.)
        """
        limit = self.info.max_seq_length * CUT_CHARS_PER_TOKEN
        originals = list(texts)
        cut: list[int] = []
        for i, t in enumerate(originals):
            if len(t) > limit:
                space = t.rfind(" ", 0, limit)
                if space > limit // 2:
                    texts[i] = t[:space]
                    cut.append(i)
        ids = self._encode(texts)
        full = [i for i in cut if len(ids[i]) < self.info.max_seq_length]
        if full:
            for i, again in zip(full, self._encode([originals[i] for i in full]), strict=True):
                ids[i] = again
        return ids

    def tokenize_chunk(
        self, texts: Sequence[str], idx: np.ndarray, batch_size: int
    ) -> list[tuple[np.ndarray, dict[str, np.ndarray]]]:
        """Tokenise one chunk and cut it into padded batches, longest first."""
        ids = self._token_ids([texts[int(i)].strip() for i in idx])
        ntok = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
        by_tokens = np.argsort(-ntok, kind="stable")
        out = []
        for b in range(0, len(by_tokens), batch_size):
            sel = by_tokens[b : b + batch_size]
            lens = ntok[sel]
            width = int(lens.max())
            # row-major boolean assignment fills each row's first lens[row] cells
            # with that row's ids, in order: one vectorised copy, no loop per text
            flat = np.fromiter(
                itertools.chain.from_iterable(ids[j] for j in sel),
                dtype=np.int64,
                count=int(lens.sum()),
            )
            inside = np.arange(width)[None, :] < lens[:, None]
            mat = np.zeros((len(sel), width), dtype=np.int64)
            mat[inside] = flat
            mask = inside.astype(np.int64)
            feed = {"input_ids": mat, "attention_mask": mask, "token_type_ids": np.zeros_like(mat)}
            out.append((idx[sel], feed))
        return out

    def batches(
        self, texts: Sequence[str], batch_size: int, chunk_batches: int = 8
    ) -> Iterator[tuple[np.ndarray, dict[str, np.ndarray]]]:
        """(indices, feed) batches of all texts, longest first (one thread)."""
        for idx in self.chunks(texts, batch_size, chunk_batches):
            yield from self.tokenize_chunk(texts, idx, batch_size)


class OnnxRunner(Batcher):
    """One onnxruntime session on one exported graph, plus the model's tokenizer."""

    def __init__(
        self,
        onnx_path: Path,
        info: ModelInfo,
        providers: Sequence[Any] = ("CPUExecutionProvider",),
        threads: int | None = None,
    ) -> None:
        import onnxruntime as ort

        so = ort.SessionOptions()
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        so.intra_op_num_threads = threads or cpu_threads()
        so.inter_op_num_threads = 1
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.log_severity_level = 3
        super().__init__(info)
        self.path = onnx_path
        self.session = ort.InferenceSession(str(onnx_path), so, providers=list(providers))
        self.input_names = [i.name for i in self.session.get_inputs()]

    @property
    def providers(self) -> list[str]:
        return list(self.session.get_providers())

    def run(self, feed: dict[str, np.ndarray]) -> Matrix:
        out = self.session.run(None, {n: feed[n] for n in self.input_names})[0]
        return np.asarray(out, dtype=np.float32)

    def encode(self, texts: Sequence[str], batch_size: int = CPU_BATCH) -> Matrix:
        """All texts at once, in order (no pipelining; for checks)."""
        out = np.zeros((len(texts), self.info.dim), dtype=np.float32)
        for idx, feed in self.batches(texts, batch_size):
            out[idx] = self.run(feed)
        return out


class Encoder:
    """Embeds texts with a sentence-transformers model through its ONNX export.

    Construction is cheap (the model folder is checked and hashed; nothing heavy is
    imported). :meth:`prepare` makes the export when needed and opens the session;
    :meth:`encode` / :meth:`iter_encode` call it on first use.
    """

    def __init__(
        self,
        model: ModelInfo | Path | str | None = None,
        device: str = "auto",
        batch_size: int | None = None,
        variant: str | None = None,
        threads: int | None = None,
        gpu_workers: int | None = None,
        tokenizer_processes: int | None = None,
    ) -> None:
        if device not in DEVICES:
            raise ValueError(f"device must be one of {', '.join(DEVICES)}, not {device!r}")
        if variant not in (None, "fp32", "int8", "fp16"):
            raise ValueError(f"unknown model variant {variant!r}")
        self.info = model if isinstance(model, ModelInfo) else load_model_info(model)
        self.requested_device = device
        self.requested_batch_size = batch_size
        self.requested_variant = variant
        self.threads = threads
        self.gpu_workers = gpu_workers
        self.requested_tokenizer_processes = tokenizer_processes
        self.export: OnnxExport | None = None
        self.runner: OnnxRunner | None = None
        self.device = "cpu"
        self.variant = "fp32"
        self.gpu_name: str | None = None
        self.gpu_memory = 0
        self.fallback_reason: str | None = None
        self._switch_lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return self.info.model_id

    @property
    def model_name(self) -> str:
        return self.info.name

    @property
    def dim(self) -> int:
        return self.info.dim

    @property
    def batch_size(self) -> int:
        if self.requested_batch_size:
            return max(1, int(self.requested_batch_size))
        return cuda_defaults(self.gpu_memory)[0] if self.device == "cuda" else CPU_BATCH

    def device_label(self) -> str:
        """``"CUDA (NVIDIA H200)"`` or ``"CPU"`` (what :meth:`prepare` settled on; before
        that, what ``device`` would pick)."""
        if self.runner is None and self.requested_device != "cpu":
            names = nvidia_gpu_names() if _gpu_build_installed() else []
            if names:
                return f"CUDA ({names[0]})"
            return "CPU"
        if self.device == "cuda":
            return f"CUDA ({self.gpu_name})" if self.gpu_name else "CUDA"
        return "CPU"

    # -- session ---------------------------------------------------------------------
    def prepare(
        self,
        progress: Progress = no_progress,
        cancel: CancelToken | None = None,
        check_texts: Sequence[str] = (),
    ) -> None:
        """Export (once per model, in a background process) and open the session."""
        if self.runner is not None:
            return
        self.export = ensure_export(
            self.info, progress, cancel, check_texts, check_int8=self.requested_variant == "int8"
        )
        want_cuda = self.requested_device == "cuda"
        if self.requested_device == "auto":
            want_cuda = bool(nvidia_gpu_names()) and _cuda_provider_listed()
        if want_cuda and self.requested_variant in (None, "fp16", "fp32"):
            variant = self.requested_variant or "fp16"
            if not self.export.path(variant).is_file():
                variant = "fp32"  # a CPU bundle ships no fp16 graph
            try:
                self._open_cuda(variant)
                return
            except Exception as exc:
                self.fallback_reason = f"CUDA could not be used ({_short(exc)}); running on the CPU"
                warnings.warn(self.fallback_reason, EmbeddingWarning, stacklevel=2)
        self._open_cpu()

    def _open_cuda(self, variant: str) -> None:
        import contextlib
        import io

        import onnxruntime as ort

        if "CUDAExecutionProvider" not in ort.get_available_providers():
            raise RuntimeError("this onnxruntime build has no CUDAExecutionProvider")
        said = io.StringIO()  # preload_dlls prints what it cannot find
        # onnxruntime logs a failing provider as errors on stderr; the warning says it once
        ort.set_default_logger_severity(4)
        try:
            preload = getattr(ort, "preload_dlls", None)
            if preload is not None:
                with warnings.catch_warnings(), contextlib.redirect_stdout(said):
                    warnings.simplefilter("ignore")
                    preload()
            assert self.export is not None
            runner = OnnxRunner(
                self.export.path(variant), self.info,
                providers=[("CUDAExecutionProvider", {"device_id": 0}), "CPUExecutionProvider"],
            )  # fmt: skip
            if "CUDAExecutionProvider" not in runner.providers:
                missing = [ln for ln in said.getvalue().splitlines() if ln.startswith("Failed")]
                detail = f": {missing[0]}" if missing else ""
                raise RuntimeError(f"the CUDA execution provider failed to load{detail}")
            # one tiny run: a broken CUDA setup often fails only here
            runner.run(next(runner.batches(["warm up"], 1))[1])
        finally:
            ort.set_default_logger_severity(2)
        gpus = nvidia_gpus()
        self.runner, self.device, self.variant = runner, "cuda", variant
        self.gpu_name, self.gpu_memory = gpus[0] if gpus else (None, 0)

    def _open_cpu(self) -> None:
        assert self.export is not None
        variant = self.requested_variant or "fp32"
        if variant == "fp16":
            variant = "fp32"  # float16 kernels on the CPU are slow or missing
        if variant == "int8" and not self.export.int8_offered:
            why = self.export.meta.get("int8", {})
            warnings.warn(
                f"int8 is not offered for {self.info.name} ({why.get('reason', 'not checked')}); "
                "running fp32",
                EmbeddingWarning,
                stacklevel=3,
            )
            variant = "fp32"
        # single-threaded runs, one per worker (see the module notes)
        self.runner = OnnxRunner(self.export.path(variant), self.info, threads=1)
        self.device, self.variant = "cpu", variant

    @property
    def tokenizer_threads(self) -> int:
        """Threads feeding batches: each tokenises whole chunks (``encode_batch`` runs
        on every core without the GIL) and pads them; on the GPU two keep the Python
        part of one overlapping the other's tokenisation."""
        return 2 if self.device == "cuda" else 1

    def tokenizer_processes(self, total: int) -> int:
        """Worker processes tokenising ``total`` texts (0: threads of this process).

        Asked for explicitly, or on the GPU for jobs of :data:`PROCESS_MIN_TEXTS` texts
        and more on machines with 8 cores or more: half the cores, each process with
        two tokenizer threads."""
        if self.requested_tokenizer_processes is not None:
            return max(0, self.requested_tokenizer_processes)
        cores = cpu_threads()
        if self.device == "cuda" and total >= PROCESS_MIN_TEXTS and cores >= 8:
            return cores // 2
        return 0

    @property
    def workers(self) -> int:
        """Batches run at once: one per CPU core on the CPU; on the GPU ``gpu_workers``
        (default: :func:`cuda_defaults`), each on its own thread into the one session."""
        if self.device == "cuda":
            return max(1, self.gpu_workers or cuda_defaults(self.gpu_memory)[1])
        return max(1, self.threads or cpu_threads())

    # -- encoding --------------------------------------------------------------------
    def iter_encode(
        self,
        texts: Sequence[str],
        progress: Progress = no_progress,
        cancel: CancelToken | None = None,
    ) -> Iterator[tuple[np.ndarray, Matrix]]:
        """Yield ``(indices, vectors)`` batch by batch (longest texts first).

        Tokenisation of the next chunks runs on worker threads while onnxruntime works.
        ``progress`` gets the fraction done and the running texts/s.
        """
        cancel = cancel or CancelToken()
        self.prepare(progress, cancel, check_texts=texts)
        runner = self.runner
        assert runner is not None
        total = len(texts)
        if total == 0:
            return
        q: queue.Queue[Any] = queue.Queue(maxsize=64)
        stop = threading.Event()
        processes = self.tokenizer_processes(total)
        # small chunks when processes share the work (a balanced end)
        chunks = runner.chunks(texts, self.batch_size, 2 if processes else 8)
        n_producers = 1 if processes else min(self.tokenizer_threads, len(chunks))

        def put(item: Any) -> bool:
            while not stop.is_set():
                try:
                    q.put(item, timeout=0.1)
                    return True
                except queue.Full:
                    continue
            return False

        def produce(first: int) -> None:
            try:
                for k in range(first, len(chunks), n_producers):
                    for item in runner.tokenize_chunk(texts, chunks[k], self.batch_size):
                        if not put(item):
                            return
                put(None)
            except BaseException as exc:  # surfaced in the consumer
                put(exc)

        def produce_in_processes() -> None:
            delivered: set[int] = set()
            parts = _tokenize_in_processes(
                texts, chunks, self.batch_size, processes, self.info, stop
            )
            try:
                for k, items in parts:
                    for item in items:
                        if not put(item):
                            return
                    delivered.add(k)
            except Exception as exc:  # processes unavailable: this thread carries on
                if stop.is_set():
                    return
                warnings.warn(
                    f"tokenising in {processes} processes failed ({_short(exc)}); "
                    "tokenising in this process",
                    EmbeddingWarning,
                    stacklevel=2,
                )
                try:
                    for k in range(len(chunks)):
                        if k in delivered:
                            continue
                        for item in runner.tokenize_chunk(texts, chunks[k], self.batch_size):
                            if not put(item):
                                return
                except BaseException as inner:
                    put(inner)
                    return
            finally:
                parts.close()  # the pool shuts down here, on this thread
            put(None)

        producers = (
            [threading.Thread(target=produce_in_processes, name="paperscope-tokenize", daemon=True)]
            if processes
            else [
                threading.Thread(target=produce, args=(p,), name="paperscope-tokenize", daemon=True)
                for p in range(n_producers)
            ]
        )
        for worker in producers:
            worker.start()
        pool = ThreadPoolExecutor(self.workers, thread_name_prefix="paperscope-embed")
        running: deque[tuple[np.ndarray, Future[Matrix]]] = deque()
        done = 0
        started = time.perf_counter()
        ended = 0
        finished = False
        try:
            while running or not finished:
                cancel.check()
                while not finished and len(running) < self.workers:
                    item = q.get()
                    if item is None:
                        ended += 1
                        finished = ended == n_producers
                    elif isinstance(item, BaseException):
                        raise item
                    else:
                        running.append((item[0], pool.submit(self._run, *item)))
                if not running:
                    break
                idx, future = running.popleft()
                vectors = future.result()
                done += len(idx)
                rate = done / max(time.perf_counter() - started, 1e-9)
                progress(done / total, f"Embedding {done}/{total} ({rate:.1f} texts/s)")
                yield idx, vectors
        finally:
            stop.set()
            for _idx, future in running:
                future.cancel()
            pool.shutdown(wait=True)
            for worker in producers:
                worker.join(5)

    def _run(self, idx: np.ndarray, feed: dict[str, np.ndarray]) -> Matrix:
        """Run one batch; a GPU failure mid-way (out of memory, a driver error) moves
        this encoder to the CPU with a warning and runs the batch there."""
        runner = self.runner
        assert runner is not None
        if self.device != "cuda":
            return runner.run(feed)
        try:
            return runner.run(feed)
        except Exception as exc:
            with self._switch_lock:
                if self.device == "cuda":
                    self.fallback_reason = (
                        f"CUDA failed while embedding ({_short(exc)}); continuing on the CPU"
                    )
                    warnings.warn(self.fallback_reason, EmbeddingWarning, stacklevel=2)
                    self._open_cpu()
        cpu = self.runner
        assert cpu is not None
        parts = []
        for start in range(0, len(idx), CPU_BATCH):
            part = {k: v[start : start + CPU_BATCH] for k, v in feed.items()}
            parts.append(cpu.run(part))
        return np.concatenate(parts)

    def encode(
        self,
        texts: Sequence[str],
        progress: Progress = no_progress,
        cancel: CancelToken | None = None,
    ) -> Matrix:
        """Unit vectors (float32, one row per text, in order)."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for idx, vectors in self.iter_encode(texts, progress, cancel):
            out[idx] = vectors
        return out


# -- tokenising in worker processes ----------------------------------------------------
_WORKER_BATCHER: Batcher | None = None


def _init_tokenizer_process(info: dict[str, Any], rayon_threads: int) -> None:
    """Initialiser of a tokenising process (before tokenizers starts its thread pool)."""
    global _WORKER_BATCHER
    os.environ["RAYON_NUM_THREADS"] = str(rayon_threads)
    _WORKER_BATCHER = Batcher(ModelInfo.from_json(info))


def _tokenize_in_process(
    texts: list[str], batch_size: int
) -> list[tuple[np.ndarray, dict[str, np.ndarray]]]:
    assert _WORKER_BATCHER is not None
    return _WORKER_BATCHER.tokenize_chunk(texts, np.arange(len(texts)), batch_size)


def _tokenize_in_processes(
    texts: Sequence[str],
    chunks: list[np.ndarray],
    batch_size: int,
    processes: int,
    info: ModelInfo,
    stop: threading.Event,
) -> Generator[tuple[int, list[tuple[np.ndarray, dict[str, np.ndarray]]]], None, None]:
    """``(chunk number, its padded batches)`` in chunk order, tokenised by ``processes``
    spawned workers (two chunks each in flight). Stops early when ``stop`` is set."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    rayon = max(1, cpu_threads() // max(1, processes))
    pool = ProcessPoolExecutor(
        processes,
        mp_context=mp.get_context("spawn"),
        initializer=_init_tokenizer_process,
        initargs=(info.to_json(), rayon),
    )
    pending: deque[tuple[int, Future[Any]]] = deque()
    try:
        following = iter(range(len(chunks)))
        for k in itertools.islice(following, 2 * processes):
            part = [texts[int(i)] for i in chunks[k]]
            pending.append((k, pool.submit(_tokenize_in_process, part, batch_size)))
        while pending and not stop.is_set():
            k, future = pending.popleft()
            local = future.result()
            nxt = next(following, None)
            if nxt is not None:
                part = [texts[int(i)] for i in chunks[nxt]]
                pending.append((nxt, pool.submit(_tokenize_in_process, part, batch_size)))
            yield k, [(chunks[k][rows], feed) for rows, feed in local]
    finally:
        # queued chunks are dropped; running ones (one per process) finish first
        pool.shutdown(wait=True, cancel_futures=True)


def _gpu_build_installed() -> bool:
    """Whether onnxruntime-gpu is installed (asked without importing onnxruntime)."""
    from importlib import metadata

    try:
        metadata.version("onnxruntime-gpu")
    except metadata.PackageNotFoundError:
        return False
    return True


def _cuda_provider_listed() -> bool:
    import onnxruntime as ort

    return "CUDAExecutionProvider" in ort.get_available_providers()


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:300]
