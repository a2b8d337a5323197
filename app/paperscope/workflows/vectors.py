"""Bring your own vectors: import embeddings made elsewhere, export the library's.

Two file forms, the same for import and export:

- **Parquet** (``.parquet``): one row per paper, a ``vector`` column (a list of numbers;
  ``embedding`` is read too) and an ``id`` column naming the paper (read in this order:
  ``id``, ``paper_id``, ``arxiv_id``, ``doi``). Read and written by DuckDB.
- **NumPy** (``.npy``): an n × d matrix, with an ids file beside it (``NAME.ids.txt``
  unless named), one id a line, row-aligned.

An id is an arXiv id (``2410.17243``, ``arxiv:2410.17243``, ``hep-th/9901001``), a DOI
(``10.1109/cvpr.2016.90``, ``doi:…``, a ``doi.org`` link) or a library paper id
(``paper:12`` or a bare integer). Imported vectors are stored under their own model id
(``imported:NAME`` unless given), so they never mix with the embedding model's, and a
map of them is built like any other (``paperscope map --model imported:NAME``). A row
whose id names no paper of the library, or whose vector is not finite, is skipped with
an issue naming the file and the line or row; the rest are imported.

Export writes the vectors of one model with the papers' ids (``id`` is the arXiv id,
else the DOI, else ``paper:N``; Parquet also keeps ``paper_id``, ``arxiv_id``, ``doi``,
``title``) and the model's stored map: ``x``, ``y`` and ``cluster`` (Parquet columns;
``NAME.layout.npy``, n × 2, and ``NAME.clusters.npy`` beside a ``.npy``), NaN and -1
for papers not on the map.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from paperscope.core.ids import normalise_arxiv_id, normalise_doi
from paperscope.core.records import ReadIssue
from paperscope.core.tasks import CancelToken, Progress, no_progress
from paperscope.library.store import Store
from paperscope.library.store import vector_files as files

FORMATS = (".parquet", ".npy")
ID_COLUMNS = ("id", "paper_id", "arxiv_id", "doi")
VECTOR_COLUMNS = ("vector", "embedding")


class VectorImportError(Exception):
    """Nothing can be imported from the file; the message names it."""


@dataclass(slots=True)
class VectorImport:
    model_id: str
    imported: int
    rows: int
    dimension: int
    issues: list[ReadIssue] = field(default_factory=list)

    def line(self) -> str:
        skipped = f", {len(self.issues)} skipped" if self.issues else ""
        return (
            f"imported {self.imported:,} of {self.rows:,} vectors ({self.dimension} dimensions) "
            f"as model {self.model_id}{skipped}"
        )


def parse_id(text: str) -> tuple[str, str] | None:
    """``(kind, value)`` of a paper id (``paper``, ``arxiv`` or ``doi``; see the module
    docstring), or ``None`` when it is none of them."""
    s = str(text).strip()
    if not s:
        return None
    low = s.lower()
    if low.startswith("paper:") and s[6:].strip().isdigit():
        return "paper", str(int(s[6:].strip()))
    if s.isdigit():
        return "paper", str(int(s))
    if low.startswith("doi:") or "10." in s:
        doi = normalise_doi(s)
        if doi:
            return "doi", doi
    arxiv = normalise_arxiv_id(s)
    if arxiv:
        return "arxiv", arxiv
    return None


def ids_file_for(path: Path) -> Path:
    """The ids file beside a ``.npy`` matrix: ``NAME.ids.txt``."""
    return path.with_name(path.stem + ".ids.txt")


def read_vector_file(
    path: Path, ids_path: Path | None = None
) -> tuple[list[str], npt.NDArray[np.float64], list[str]]:
    """``(ids, matrix, where)``: each row's id text, the vectors, and each row's place
    for messages (``line N`` of the ids file, ``row N`` of a Parquet file)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".npy":
        ids_path = Path(ids_path) if ids_path else ids_file_for(path)
        try:
            matrix = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise VectorImportError(f"{path}: not a readable .npy matrix ({exc})") from None
        if matrix.ndim != 2 or not np.issubdtype(matrix.dtype, np.number):
            raise VectorImportError(f"{path}: a {matrix.shape} {matrix.dtype} array, not n × d")
        try:
            lines = ids_path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise VectorImportError(f"{ids_path}: cannot read the ids file ({exc})") from None
        while lines and not lines[-1].strip():
            lines.pop()
        if len(lines) != matrix.shape[0]:
            raise VectorImportError(
                f"{ids_path}: {len(lines)} ids for the {matrix.shape[0]} rows of {path.name}"
            )
        return lines, matrix.astype(np.float64), [f"line {i + 1}" for i in range(len(lines))]
    if suffix != ".parquet":
        raise VectorImportError(f"{path}: not a vector file (choose .parquet or .npy)")
    try:
        table = files.read_parquet(path)
    except files.VectorFileError as exc:
        raise VectorImportError(str(exc)) from None
    id_col = next((c for c in ID_COLUMNS if c in table), None)
    vec_col = next((c for c in VECTOR_COLUMNS if c in table), None)
    if id_col is None or vec_col is None:
        raise VectorImportError(
            f"{path}: needs an id column ({', '.join(ID_COLUMNS)}) and a vector column "
            f"({', '.join(VECTOR_COLUMNS)}); it has {', '.join(table) or 'none'}"
        )
    ids = ["" if v is None else str(v) for v in table[id_col]]
    if id_col == "paper_id":
        ids = [f"paper:{v}" if v else "" for v in ids]
    rows = table[vec_col]
    dims = {len(v) for v in rows if v is not None}
    if len(dims) > 1:
        raise VectorImportError(f"{path}: vectors of {len(dims)} lengths ({sorted(dims)[:5]})")
    dim = dims.pop() if dims else 0
    matrix = np.array([v if v is not None else [np.nan] * dim for v in rows], dtype=np.float64)
    return ids, matrix.reshape(len(ids), dim), [f"row {i + 1}" for i in range(len(ids))]


def default_model_id(path: Path) -> str:
    stem = re.sub(r"\.ids$|\.vectors$", "", Path(path).stem)
    return f"imported:{stem}"


def import_vectors(
    store: Store,
    path: Path,
    ids_path: Path | None = None,
    model_id: str | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> VectorImport:
    """Store the vectors of a Parquet or ``.npy`` file under ``model_id`` (default
    ``imported:<file name>``), replacing that model's vectors of the same papers. Rows
    that name no paper, name one twice, or hold NaN/inf are skipped with an issue."""
    cancel = cancel or CancelToken()
    path = Path(path)
    progress(0.0, f"Reading {path.name}")
    ids, matrix, where = read_vector_file(path, ids_path)
    model = model_id or default_model_id(path)
    if matrix.shape[1] == 0:
        raise VectorImportError(f"{path}: the vectors are empty")
    cancel.check()
    parsed = [parse_id(i) for i in ids]
    known = [p for p in parsed if p is not None]
    found = files.find_papers(store, [k for k, _ in known], [v for _, v in known])
    pid = np.full(len(ids), -1, dtype=np.int64)
    pid[[i for i, p in enumerate(parsed) if p is not None]] = found
    issues: list[ReadIssue] = []
    name = str(ids_path or ids_file_for(path)) if path.suffix.lower() == ".npy" else str(path)
    keep = np.zeros(len(ids), dtype=bool)
    seen: set[int] = set()
    finite = np.asarray(np.isfinite(matrix).all(axis=1), dtype=bool)
    for i, text in enumerate(ids):
        if parsed[i] is None:
            issues.append(ReadIssue(name, where[i], f"{text!r} is no arXiv id, DOI or paper id",
                                    "skipped"))  # fmt: skip
        elif pid[i] < 0:
            issues.append(ReadIssue(name, where[i], f"no paper in the library has {text!r}",
                                    "skipped"))  # fmt: skip
        elif int(pid[i]) in seen:
            issues.append(ReadIssue(name, where[i], f"{text!r} names a paper a second time",
                                    "skipped"))  # fmt: skip
        elif not finite[i]:
            issues.append(ReadIssue(str(path), where[i], "the vector holds NaN or inf",
                                    "skipped"))  # fmt: skip
        else:
            keep[i] = True
            seen.add(int(pid[i]))
    cancel.check()
    digest = hashlib.blake2b(path.read_bytes(), digest_size=12).hexdigest()
    n = int(keep.sum())
    progress(0.5, f"Storing {n:,} vectors as {model}")
    store.put_vectors(model, pid[keep], [f"imported:{digest}"] * n,
                      matrix[keep].astype(np.float32))  # fmt: skip
    progress(1.0, f"Imported {n:,} vectors")
    return VectorImport(model, n, len(ids), int(matrix.shape[1]), issues)


def export_vectors(
    store: Store,
    path: Path,
    model_id: str | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> list[Path]:
    """Write one model's vectors (default: the model of the newest map, else the one
    with most vectors) with the papers' ids and its stored map (see the module
    docstring); the files written."""
    from paperscope.workflows.map import MapError, load_vectors

    cancel = cancel or CancelToken()
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise VectorImportError(f"{path}: choose a .parquet or .npy file to export to")
    if model_id is None:
        newest = store.layouts()
        model_id = newest[0].model_id if newest else None
    try:
        model, (ids, matrix) = load_vectors(store, model_id)
    except MapError as exc:
        raise VectorImportError(str(exc)) from None
    progress(0.2, f"Exporting {len(ids):,} vectors of {model}")
    xy = np.full((len(ids), 2), np.nan, dtype=np.float32)
    cluster = np.full(len(ids), -1, dtype=np.int32)
    stored = store.latest_layout(model)
    if stored is not None and len(stored):
        order = np.argsort(stored.paper_ids)
        pos = np.searchsorted(stored.paper_ids[order], ids)
        pos = np.minimum(pos, len(order) - 1)
        hit = stored.paper_ids[order][pos] == ids
        xy[hit] = stored.coords[order][pos[hit]]
        cluster[hit] = stored.clusters_of[order][pos[hit]]
    keys = files.paper_keys(store, ids)
    meta = [keys.get(int(i), ("", "", "")) for i in ids]
    portable = [a or d or f"paper:{int(i)}" for i, (a, d, _t) in zip(ids, meta, strict=True)]
    cancel.check()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".npy":
        np.save(path, matrix.astype(np.float32), allow_pickle=False)
        ids_file = ids_file_for(path)
        ids_file.write_text("".join(f"{p}\n" for p in portable), encoding="utf-8")
        layout = path.with_name(path.stem + ".layout.npy")
        clusters = path.with_name(path.stem + ".clusters.npy")
        np.save(layout, xy, allow_pickle=False)
        np.save(clusters, cluster, allow_pickle=False)
        written = [path, ids_file, layout, clusters]
    else:
        columns: dict[str, npt.NDArray[Any]] = {
            "id": np.array(portable, dtype=object),
            "paper_id": np.asarray(ids, dtype=np.int64),
            "arxiv_id": np.array([m[0] for m in meta], dtype=object),
            "doi": np.array([m[1] for m in meta], dtype=object),
            "title": np.array([m[2] for m in meta], dtype=object),
            "x": xy[:, 0].astype(np.float64),
            "y": xy[:, 1].astype(np.float64),
            "cluster": cluster,
        }
        try:
            files.write_parquet(path, columns, matrix.astype(np.float32))
        except files.VectorFileError as exc:
            raise VectorImportError(str(exc)) from None
        written = [path]
    progress(1.0, f"Exported {len(ids):,} vectors of {model}")
    return written
