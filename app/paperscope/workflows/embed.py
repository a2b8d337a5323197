"""Embedding the library: every paper's text as a unit vector, cached per model.

Only papers without a vector for the model, or whose text changed since, are embedded.
Vectors are written every few hundred texts, so cancelling keeps everything finished.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from paperscope.core.tasks import CancelToken, Progress, no_progress, sub_progress
from paperscope.core.text import count
from paperscope.embedding.encoder import Encoder
from paperscope.embedding.model import ModelInfo, cached_export, load_model_info
from paperscope.library.store import Store

DEFAULT_FIELDS = ("title", "abstract")
WRITE_EVERY = 512  # texts per write (and the most a cancel can lose)


@dataclass(slots=True)
class EmbedSummary:
    embedded: int
    unchanged: int
    total: int
    model_id: str
    model_name: str
    device: str
    variant: str
    seconds: float
    encode_seconds: float
    cancelled: bool = False

    @property
    def texts_per_second(self) -> float:
        return self.embedded / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        return (
            f"embedded {count(self.embedded, 'paper')} with {self.model_name} on {self.device} "
            f"in {self.seconds:.1f} s ({self.texts_per_second:.1f} texts/s)"
        )


def paper_text(parts: Sequence[str]) -> str:
    """The text embedded for a paper: its fields, stripped, one per line (empty ones
    left out)."""
    return "\n".join(p.strip() for p in parts if p and p.strip())


def text_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


def embed_library(
    store: Store,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    device: str = "auto",
    batch_size: int | None = None,
    model_path: Path | str | None = None,
    fields: Sequence[str] = DEFAULT_FIELDS,
    encoder: Encoder | None = None,
) -> EmbedSummary:
    """Embed every paper of ``store`` that has no current vector for the model.

    ``model_path`` is a sentence-transformers folder (``None``: the bundled
    all-MiniLM-L6-v2). ``encoder`` reuses an open :class:`Encoder` (the GUI keeps one).
    On cancel, the vectors written so far stay and :class:`Cancelled` propagates.
    """
    cancel = cancel or CancelToken()
    started = time.perf_counter()
    info: ModelInfo = encoder.info if encoder is not None else load_model_info(model_path)
    progress(None, "Reading paper texts")
    ids, columns = store.paper_texts(fields)
    texts = [paper_text(parts) for parts in zip(*columns, strict=True)] if len(ids) else []
    hashes = [text_hash(t) for t in texts]
    stored = store.vector_hashes(info.model_id)
    todo = [
        i for i, (pid, h) in enumerate(zip(ids, hashes, strict=True)) if stored.get(int(pid)) != h
    ]
    if encoder is None:
        encoder = Encoder(info, device=device, batch_size=batch_size)
    summary = EmbedSummary(
        embedded=0, unchanged=len(ids) - len(todo), total=len(ids), model_id=info.model_id,
        model_name=info.name, device=encoder.device_label(), variant=encoder.variant,
        seconds=0.0, encode_seconds=0.0,
    )  # fmt: skip
    if not todo:
        summary.seconds = time.perf_counter() - started
        progress(1.0, f"All {len(ids)} papers already embedded with {info.name}")
        return summary
    todo_texts = [texts[i] for i in todo]
    needs_export = cached_export(info) is None
    split = 0.3 if needs_export else 0.02
    encoder.prepare(sub_progress(progress, 0.0, split), cancel, check_texts=todo_texts)
    summary.device, summary.variant = encoder.device_label(), encoder.variant
    encode_started = time.perf_counter()
    pending_idx: list[np.ndarray] = []
    pending_vec: list[np.ndarray] = []

    def flush() -> None:
        if not pending_idx:
            return
        local = np.concatenate(pending_idx)
        rows = [todo[int(i)] for i in local]
        store.put_vectors(
            info.model_id, ids[rows], [hashes[r] for r in rows], np.concatenate(pending_vec)
        )
        summary.embedded += len(rows)
        pending_idx.clear()
        pending_vec.clear()

    def report(fraction: float | None, message: str = "") -> None:
        progress(None if fraction is None else split + (1 - split) * fraction, message)

    try:
        waiting = 0
        for local_idx, vectors in encoder.iter_encode(todo_texts, report, cancel):
            pending_idx.append(local_idx)
            pending_vec.append(vectors)
            waiting += len(local_idx)
            if waiting >= WRITE_EVERY:
                flush()
                waiting = 0
    except BaseException:
        flush()
        summary.cancelled = True
        raise
    flush()
    summary.encode_seconds = time.perf_counter() - encode_started
    summary.seconds = time.perf_counter() - started
    progress(1.0, summary.line())
    return summary


def library_vectors(
    store: Store, model_path: Path | str | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``(paper ids, unit vectors)`` stored for the model (nothing is embedded here)."""
    return store.vectors(load_model_info(model_path).model_id)


def delete_model_vectors(store: Store, model_path: Path | str | None = None) -> int:
    """Delete every vector of the model from the library; returns how many."""
    return store.delete_vectors(load_model_info(model_path).model_id)


_encoders: dict[tuple[str, str], Encoder] = {}
_encoders_lock = threading.Lock()


def query_encoder(model_path: Path | str | None = None, device: str = "auto") -> Encoder:
    """One long-lived encoder per model and device, for queries typed while searching
    (opening an onnxruntime session costs far more than embedding one query)."""
    info = load_model_info(model_path)
    key = (info.model_id, device)
    with _encoders_lock:
        enc = _encoders.get(key)
        if enc is None:
            enc = _encoders[key] = Encoder(info, device=device)
    return enc


def embed_query(
    text: str,
    model_path: Path | str | None = None,
    device: str = "auto",
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> tuple[str, np.ndarray]:
    """``(model_id, unit vector)`` of a free-text query, for semantic search."""
    enc = query_encoder(model_path, device)
    vec = enc.encode([text], progress, cancel)
    return enc.model_id, np.asarray(vec[0], dtype=np.float32)
