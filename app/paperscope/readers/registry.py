"""The one registry of readers, for papers and for runs.

A reader declares what it reads (``kind``: ``"papers"``, ``"runs"`` or
``"results"``, the numbers papers report), which file
names it may read (``patterns``, fnmatch globs on the file name) and whether it reads
single files (``unit = "file"``) or whole run folders (``unit = "dir"``, e.g. an MLflow
run or a Sacred run folder). ``sniff`` looks at the content and may decline; when
several readers accept a path the highest ``priority`` wins. Built-in readers
register themselves exactly as an outside one would: ``registry.register(reader)``.

Scanning a dropped folder walks it recursively: a folder claimed by a ``dir`` reader is
read as one run and not descended into, unless the reader is a :class:`FolderReader`
(``claims(path) -> bool``): then only the entries it claims are its own and the others
are scanned as usual; every other file is offered to the ``file`` readers. What a
folder reader owns is decided in one place, :func:`owns`; :func:`owned_files` lists the
files its run is read from (what the parsed-run cache's fingerprint covers).

Two optional protocols, checked with ``isinstance``, so that a format is one module:

* :class:`FolderReader` — a ``dir`` reader owning only some entries of its folder;
* :class:`LiveReader` — a reader whose runs can be read on while they are written
  (``open_live`` reads like ``read`` and returns the state to continue from,
  ``read_more`` reads what was appended since): a watched folder polls it instead of
  reading the files again.
"""

from __future__ import annotations

import fnmatch
import importlib
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from paperscope.core.records import ReadError, ReadIssue, ReadResult
from paperscope.core.tasks import CancelToken, Progress, no_progress

Kind = Literal["papers", "runs", "results"]
Unit = Literal["file", "dir"]
Duplicates = Literal["last", "first", "all"]  # which point a repeated step keeps


@runtime_checkable
class Reader(Protocol):
    name: str
    kind: Kind
    unit: Unit
    patterns: tuple[str, ...]
    priority: int

    def sniff(self, path: Path) -> bool:
        """Cheap content check; ``False`` declines the path."""

    def read(self, path: Path, progress: Progress, cancel: CancelToken) -> ReadResult:
        """Read ``path``; raise :class:`ReadError` when nothing could be read."""


@runtime_checkable
class FolderReader(Protocol):
    """Optional, for a ``dir`` reader that owns only some entries of its folder (event
    files beside a ``progress.csv``, an MLflow run's ``metrics`` but not its artifacts);
    a ``dir`` reader without it owns the whole folder."""

    def claims(self, path: Path) -> bool:
        """Whether the entry ``path`` (a file or a sub-folder of the run folder, or of
        a sub-folder it owns) is this reader's."""


@runtime_checkable
class LiveReader(Protocol):
    """Optional, for a reader whose runs grow while training writes them."""

    def open_live(
        self, path: Path, progress: Progress, cancel: CancelToken, duplicates: Duplicates
    ) -> tuple[ReadResult, Any]:
        """Read ``path`` as ``read`` does (``duplicates``: which point a repeated step
        keeps) and also return the state :meth:`read_more` continues from."""

    def read_more(self, state: Any, path: Path, cancel: CancelToken) -> ReadResult:
        """Read what was appended to ``path`` since ``state`` last read it: the whole
        result so far, with only the issues met now."""


# The built-in readers: each module calls ``register`` at import. Listed, not discovered,
# so a frozen app (PyInstaller) finds them too; tests/readers/test_registry_list.py checks
# that every public module of readers/papers and readers/runs is here.
BUILTIN_MODULES: tuple[str, ...] = tuple(
    f"paperscope.readers.papers.{m}"
    for m in ("arxiv_atom", "arxiv_kaggle", "bibtex", "csl_json", "hf_api", "hf_page", "ris")
) + tuple(
    f"paperscope.readers.runs.{m}"
    for m in (
        "csv_generic", "dopamine", "jsonl", "lightning_csv", "mlflow_db", "mlflow_store",
        "rliable_scores", "sacred", "sb3_evaluations", "sb3_monitor", "sb3_progress",
        "tensorboard", "wandb_export", "wandb_local",
    )
) + tuple(f"paperscope.readers.results.{m}" for m in ("hf_card", "pwc"))  # fmt: skip

_readers: list[Reader] = []
_builtins_loaded = False


def register(reader: Reader) -> Reader:
    if any(r.name == reader.name for r in _readers):
        raise ValueError(f"a reader named {reader.name!r} is already registered")
    _readers.append(reader)
    return reader


def _load_builtins() -> None:
    global _builtins_loaded
    if _builtins_loaded:
        return
    _builtins_loaded = True
    for module in BUILTIN_MODULES:
        importlib.import_module(module)


def readers(kind: Kind | None = None) -> list[Reader]:
    _load_builtins()
    return [r for r in _readers if kind is None or r.kind == kind]


def get(name: str) -> Reader:
    for r in readers():
        if r.name == name:
            return r
    raise KeyError(name)


def _matches(reader: Reader, path: Path) -> bool:
    name = path.name
    return any(
        fnmatch.fnmatch(name, p) or fnmatch.fnmatch(name.lower(), p) for p in reader.patterns
    )


def _accepts(reader: Reader, path: Path) -> bool:
    try:
        return reader.sniff(path)
    except OSError:
        return False


def reader_for(path: Path, kind: Kind | None = None) -> Reader | None:
    """The best reader for one file or folder, or ``None``."""
    unit: Unit = "dir" if path.is_dir() else "file"
    candidates = [
        r for r in readers(kind) if r.unit == unit and _matches(r, path) and _accepts(r, path)
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda r: r.priority)


@dataclass(frozen=True, slots=True)
class Job:
    reader: Reader
    path: Path


def scan(paths: Iterable[Path], kind: Kind | None = None) -> tuple[list[Job], list[ReadIssue]]:
    """Find what each path holds: files directly, folders recursively.

    Returns the read jobs in a stable order and a note for each explicitly named path
    that no reader accepts.
    """
    jobs: list[Job] = []
    issues: list[ReadIssue] = []
    for path in paths:
        path = Path(path)
        if not path.exists():
            issues.append(ReadIssue(str(path), "", "no such file or folder", "skipped"))
            continue
        if path.is_dir():
            found = list(_walk(path, kind))
            if not found:
                issues.append(
                    ReadIssue(str(path), "", "no readable file in this folder", "skipped")
                )
            jobs.extend(found)
            continue
        reader = reader_for(path, kind)
        if reader is None:
            issues.append(ReadIssue(str(path), "", "no reader knows this file", "skipped"))
        else:
            jobs.append(Job(reader, path))
    return jobs, issues


def owns(reader: Reader, path: Path) -> bool:
    """Whether the ``dir`` reader of a run folder owns the entry ``path`` of it (or of
    a sub-folder it owns): every entry, unless it is a :class:`FolderReader`."""
    return not isinstance(reader, FolderReader) or reader.claims(path)


OWNED_DEPTH = 4  # how many levels of owned sub-folders a run's files are looked for in


def owned_files(reader: Reader, folder: Path) -> list[Path]:
    """The files the run of a ``dir`` reader's ``folder`` is read from, in name order:
    every file of the folder itself (a reader may read a file beside those it claims:
    SB3's ``config.yml``) and of the sub-folders it owns (:func:`owns`), down to
    :data:`OWNED_DEPTH` levels. The parsed-run cache's fingerprint is their sizes and
    modification times."""
    out: list[Path] = []

    def walk(at: Path, depth: int) -> None:
        try:
            entries = sorted(os.scandir(at), key=lambda e: e.name)
        except OSError:
            return
        for e in entries:
            p = Path(e.path)
            try:
                if e.is_file():
                    out.append(p)
                elif e.is_dir(follow_symlinks=False) and depth < OWNED_DEPTH and owns(reader, p):
                    walk(p, depth + 1)
            except OSError:
                continue

    walk(folder, 0)
    return out


def _walk(root: Path, kind: Kind | None) -> Iterator[Job]:
    dir_reader = reader_for(root, kind)
    if dir_reader is not None:
        yield Job(dir_reader, root)
        # a FolderReader owns only the entries it claims; the rest is still scanned
        # (event files beside a progress.csv, an MLflow run's artifacts); any other
        # dir reader owns the whole folder
        if not isinstance(dir_reader, FolderReader):
            return
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        path = Path(entry.path)
        if dir_reader is not None and owns(dir_reader, path):
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(path, kind)
        elif entry.is_file():
            reader = reader_for(path, kind)
            if reader is not None:
                yield Job(reader, path)


def note_no_points(job: Job, result: ReadResult) -> None:
    """A runs file that held bytes but gave no data point gets a warning saying so
    (a format misread quietly is the worst outcome)."""
    if job.reader.kind != "runs" or job.reader.unit != "file":
        return
    if any(len(s) for run in [*result.runs, *result.hidden] for s in run.series.values()):
        return
    if any(i.file == str(job.path) for i in result.issues):
        return  # already explained
    try:
        size = job.path.stat().st_size
    except OSError:
        return
    if size:
        result.issues.append(
            ReadIssue(str(job.path), "", f"no data point read from this file ({size:,} bytes)")
        )


def read_jobs(
    jobs: Sequence[Job], progress: Progress = no_progress, cancel: CancelToken | None = None
) -> ReadResult:
    """Run read jobs in order. A file that fails becomes a ``skipped`` issue naming it;
    the rest is still read."""
    cancel = cancel or CancelToken()
    result = ReadResult()
    n = max(len(jobs), 1)
    for i, job in enumerate(jobs):
        cancel.check()
        progress(i / n, f"Reading {job.path.name}")

        def sub(fraction: float | None, message: str = "", _i: int = i) -> None:
            progress(None if fraction is None else (_i + fraction) / n, message)

        try:
            got = job.reader.read(job.path, sub, cancel)
            note_no_points(job, got)
            result.extend(got)
        except ReadError as exc:
            result.issues.append(ReadIssue(exc.file, exc.location, exc.message, "skipped"))
        except (OSError, UnicodeDecodeError, MemoryError) as exc:
            result.issues.append(ReadIssue(str(job.path), "", f"could not read: {exc}", "skipped"))
    progress(1.0, "")
    return result


def read_paths(
    paths: Iterable[Path],
    kind: Kind | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> ReadResult:
    """Scan ``paths`` and read everything found."""
    jobs, issues = scan(paths, kind)
    result = read_jobs(jobs, progress, cancel)
    result.issues[:0] = issues
    return result
