"""Loading experiment runs, with a parsed-run cache, and watching folders for new data.

``load_runs(paths)`` scans files and folders (recursively) through the reader registry
and reads every run found. Parsed runs are cached as ``.npz`` files (``allow_pickle=
False``; arrays per series plus one JSON header) under ``paths.cache_dir()/runs``, keyed
by the reader, the path and the size + mtime of every file the run was read from, so
reopening a large log folder costs one ``np.load`` per run.

Why ``.npz`` and not the library's DuckDB: runs are read before (and without) any
library being open, the arrays go back into numpy unchanged, writing is at memory
speed, and a stale entry is simply replaced; nothing in the library refers to them.

``RunWatcher`` keeps the live reader state (TensorBoard file offsets, CSV tails) and
``poll()`` reads only what was appended since the last poll, plus any new run; the GUI
calls it from a timer every ~2 s (a background thread may call it too).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from paperscope.core import paths as _paths
from paperscope.core.records import ReadError, ReadIssue, ReadResult, Run, Series
from paperscope.core.tasks import CancelToken, Progress, no_progress, sub_progress
from paperscope.core.text import count
from paperscope.readers import registry
from paperscope.readers.runs._common import Duplicates, plain
from paperscope.readers.runs._common import flatten as flatten  # the runs panel's config columns

CACHE_VERSION = 1
Fingerprint = tuple[tuple[str, int, int], ...]


# --- fingerprints and the cache ---------------------------------------------------------


def fingerprint(job: registry.Job) -> Fingerprint:
    """``(path, size, mtime_ns)`` of every file the job reads: the file itself, or for a
    folder its files and (recursively) the sub-folders its reader owns."""
    out: list[tuple[str, int, int]] = []
    path = job.path
    if job.reader.unit == "file":
        try:
            st = path.stat()
        except OSError:
            return ()
        return ((str(path), st.st_size, st.st_mtime_ns),)
    claims: Callable[[Path], bool] | None = getattr(job.reader, "claims", None)

    def walk(folder: Path, depth: int) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            return
        for e in entries:
            p = Path(e.path)
            try:
                if e.is_file():
                    st = e.stat()
                    out.append((str(p), st.st_size, st.st_mtime_ns))
                elif (
                    e.is_dir(follow_symlinks=False) and depth < 4 and (claims is None or claims(p))
                ):
                    walk(p, depth + 1)
            except OSError:
                continue

    walk(path, 0)
    return tuple(out)


def _cache_file(job: registry.Job, duplicates: Duplicates = "last") -> Path:
    key = f"{job.reader.name}\0{job.path.resolve()}"
    if duplicates != "last":
        key += f"\0{duplicates}"
    return _paths.cache_dir() / "runs" / (hashlib.sha1(key.encode()).hexdigest()[:24] + ".npz")


def _json_default(value: Any) -> Any:
    return str(value)


def save_cached(
    job: registry.Job, fp: Fingerprint, result: ReadResult, duplicates: Duplicates = "last"
) -> None:
    """Write a job's runs to the cache (best effort: a failure only costs a re-read)."""
    target = _cache_file(job, duplicates)
    arrays: dict[str, np.ndarray] = {}
    runs_meta = []
    k = 0
    for run in result.runs:
        tags = []
        for tag, s in run.series.items():
            arrays[f"s{k}_steps"] = s.steps
            arrays[f"s{k}_walls"] = s.wall_times
            arrays[f"s{k}_values"] = s.values
            tags.append([tag, k])
            k += 1
        runs_meta.append(
            {
                "id": run.id, "name": run.name, "format": run.format,
                "source": list(run.source), "config": plain(run.config),
                "start_time": run.start_time, "tags": tags,
            }
        )  # fmt: skip
    header = {
        "version": CACHE_VERSION,
        "reader": job.reader.name,
        "path": str(job.path),
        "fingerprint": [list(f) for f in fp],
        "runs": runs_meta,
        "issues": [[i.file, i.location, i.message, i.severity] for i in result.issues],
    }
    arrays["header"] = np.frombuffer(
        json.dumps(header, default=_json_default).encode("utf-8"), dtype=np.uint8
    )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + f".{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            np.savez(fh, **arrays)  # type: ignore[arg-type]
        os.replace(tmp, target)
    except OSError:
        return


def load_cached(
    job: registry.Job, fp: Fingerprint, duplicates: Duplicates = "last"
) -> ReadResult | None:
    """The cached result for ``job`` when its files are unchanged, else ``None``."""
    target = _cache_file(job, duplicates)
    if not target.is_file():
        return None
    try:
        with np.load(target, allow_pickle=False) as npz:
            header = json.loads(bytes(npz["header"]).decode("utf-8"))
            if (
                header.get("version") != CACHE_VERSION
                or header.get("reader") != job.reader.name
                or [tuple(f) for f in header.get("fingerprint", [])] != list(fp)
            ):
                return None
            result = ReadResult()
            for meta in header["runs"]:
                series = {
                    tag: Series(
                        tag,
                        npz[f"s{k}_steps"],
                        npz[f"s{k}_walls"],
                        npz[f"s{k}_values"],
                    )
                    for tag, k in meta["tags"]
                }
                result.runs.append(
                    Run(
                        id=meta["id"], name=meta["name"], format=meta["format"],
                        source=tuple(meta["source"]), series=series,
                        config=meta["config"], start_time=meta["start_time"],
                    )
                )  # fmt: skip
            result.issues = [ReadIssue(*i) for i in header["issues"]]
            return result
    except (OSError, ValueError, KeyError, TypeError, json.JSONDecodeError):
        return None


def clear_cache() -> int:
    """Delete every cached run; returns how many files went."""
    folder = _paths.cache_dir() / "runs"
    n = 0
    if folder.is_dir():
        for f in folder.glob("*.npz"):
            try:
                f.unlink()
                n += 1
            except OSError:
                pass
    return n


# --- loading ---------------------------------------------------------------------------


def _read_job(
    job: registry.Job, progress: Progress, cancel: CancelToken, duplicates: Duplicates = "last"
) -> tuple[ReadResult, Any]:
    """Read one job; also return the live state a watcher can continue from."""
    name = job.reader.name
    if name in ("tensorboard", "tensorboard-file"):
        from paperscope.readers.runs import tensorboard

        files = None if name == "tensorboard" else [job.path]
        folder = job.path if files is None else job.path.parent
        state, result = tensorboard.read_run(folder, files, progress, cancel, duplicates=duplicates)
        return result, state
    if name in _CSV_BUILDERS:
        from paperscope.readers.runs._table import CsvTable

        delimiter = "\t" if job.path.suffix.lower() == ".tsv" else ","
        table = CsvTable(job.path, delimiter=delimiter)
        table.update()
        return _CSV_BUILDERS[name](table, job.path), table
    return job.reader.read(job.path, progress, cancel), None


def _csv_build(module: str) -> Callable[[Any, Path], ReadResult]:
    def build(table: Any, path: Path) -> ReadResult:
        import importlib

        mod = importlib.import_module(f"paperscope.readers.runs.{module}")
        result: ReadResult = mod.build(table, path)
        return result

    return build


_CSV_BUILDERS: dict[str, Callable[[Any, Path], ReadResult]] = {
    "csv": _csv_build("csv_generic"),
    "sb3-progress": _csv_build("sb3_progress"),
    "lightning-csv": _csv_build("lightning_csv"),
    "wandb-export": _csv_build("wandb_export"),
}


def _safe_read(
    job: registry.Job, progress: Progress, cancel: CancelToken, duplicates: Duplicates = "last"
) -> tuple[ReadResult, Any]:
    try:
        return _read_job(job, progress, cancel, duplicates)
    except ReadError as exc:
        return ReadResult(issues=[ReadIssue(exc.file, exc.location, exc.message, "skipped")]), None
    except (OSError, UnicodeDecodeError, MemoryError) as exc:
        return ReadResult(
            issues=[ReadIssue(str(job.path), "", f"could not read: {exc}", "skipped")]
        ), None


def load_runs(
    paths: Iterable[Path | str],
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    *,
    use_cache: bool = True,
    duplicates: Duplicates = "last",
) -> tuple[list[Run], list[ReadIssue]]:
    """Every run in ``paths`` (files, or folders scanned recursively), and the problems
    met. Unchanged runs come from the cache. ``duplicates`` says which point to keep
    when a restarted TensorBoard run logged a step twice (the last, by default)."""
    runs, issues, _ = _load(paths, progress, cancel or CancelToken(), use_cache, duplicates)
    return runs, issues


@dataclass
class _Entry:
    job: registry.Job
    fp: Fingerprint
    runs: list[Run]
    state: Any = None


def _load(
    paths: Iterable[Path | str],
    progress: Progress,
    cancel: CancelToken,
    use_cache: bool,
    duplicates: Duplicates = "last",
) -> tuple[list[Run], list[ReadIssue], dict[tuple[str, str], _Entry]]:
    progress(None, "Looking for runs")
    jobs, issues = registry.scan([Path(p) for p in paths], kind="runs")
    runs: list[Run] = []
    entries: dict[tuple[str, str], _Entry] = {}
    n = max(len(jobs), 1)
    for i, job in enumerate(jobs):
        cancel.check()
        progress(i / n, f"Reading {job.path.name}")
        fp = fingerprint(job)
        result = load_cached(job, fp, duplicates) if use_cache else None
        state = None
        if result is None:
            sub = sub_progress(progress, i / n, (i + 1) / n)
            result, state = _safe_read(job, sub, cancel, duplicates)
            if result.runs and use_cache:
                save_cached(job, fp, result, duplicates)
        runs.extend(result.runs)
        issues.extend(result.issues)
        entries[(job.reader.name, str(job.path))] = _Entry(job, fp, list(result.runs), state)
    progress(1.0, count(len(runs), "run"))
    return runs, issues, entries


# --- watching ----------------------------------------------------------------------------


@dataclass
class WatchUpdate:
    """What one ``poll()`` found: runs that are new, runs whose data changed (same id,
    new content: replace yours), ids of runs that disappeared, and new problems."""

    added: list[Run] = field(default_factory=list)
    changed: list[Run] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    issues: list[ReadIssue] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed or self.issues)


class RunWatcher:
    """Watches dropped files/folders: ``start()`` loads them (cache first), ``poll()``
    picks up appended records and new runs without re-reading what it has.

    TensorBoard folders and CSV logs are continued from where the last read stopped;
    other formats (small JSON/YAML files) are re-read when their size or mtime change.
    A run restored from the cache is re-read once in full on its first change.
    """

    def __init__(
        self,
        paths: Sequence[Path | str],
        *,
        use_cache: bool = True,
        duplicates: Duplicates = "last",
    ) -> None:
        self.paths = [Path(p) for p in paths]
        self.use_cache = use_cache
        self.duplicates: Duplicates = duplicates
        self._entries: dict[tuple[str, str], _Entry] = {}

    def start(
        self, progress: Progress = no_progress, cancel: CancelToken | None = None
    ) -> tuple[list[Run], list[ReadIssue]]:
        runs, issues, self._entries = _load(
            self.paths, progress, cancel or CancelToken(), self.use_cache, self.duplicates
        )
        return runs, issues

    def runs(self) -> list[Run]:
        return [r for e in self._entries.values() for r in e.runs]

    def poll(self, cancel: CancelToken | None = None) -> WatchUpdate:
        cancel = cancel or CancelToken()
        update = WatchUpdate()
        jobs, _ = registry.scan(self.paths, kind="runs")
        seen: set[tuple[str, str]] = set()
        for job in jobs:
            cancel.check()
            key = (job.reader.name, str(job.path))
            seen.add(key)
            entry = self._entries.get(key)
            fp = fingerprint(job)
            if entry is not None and entry.fp == fp:
                continue
            if entry is None:
                result, state = _safe_read(job, no_progress, cancel, self.duplicates)
                self._entries[key] = _Entry(job, fp, list(result.runs), state)
                update.added.extend(result.runs)
                update.issues.extend(result.issues)
                if result.runs and self.use_cache:
                    save_cached(job, fp, result, self.duplicates)
                continue
            result = self._continue(entry, cancel)
            old = {r.id: r for r in entry.runs}
            for r in result.runs:
                (update.changed if r.id in old else update.added).append(r)
            update.removed.extend(i for i in old if i not in {r.id for r in result.runs})
            update.issues.extend(result.issues)
            entry.fp = fp
            entry.runs = list(result.runs)
            if result.runs and self.use_cache:
                save_cached(job, fp, result, self.duplicates)
        for key in [k for k in self._entries if k not in seen]:
            update.removed.extend(r.id for r in self._entries.pop(key).runs)
        return update

    def _continue(self, entry: _Entry, cancel: CancelToken) -> ReadResult:
        """Read what was appended to one job's files."""
        state = entry.state
        name = entry.job.reader.name
        try:
            if state is not None and name in ("tensorboard", "tensorboard-file"):
                from paperscope.readers.runs import tensorboard

                n_issues = len(state.issues)
                state.update(no_progress, cancel)
                result = tensorboard.result_of(state)
                result.issues = result.issues[n_issues:]
                return result
            if state is not None and name in _CSV_BUILDERS:
                n_issues = len(state.issues)
                state.update()
                result = _CSV_BUILDERS[name](state, entry.job.path)
                result.issues = result.issues[n_issues:]
                return result
        except ReadError as exc:
            return ReadResult(issues=[ReadIssue(exc.file, exc.location, exc.message, "skipped")])
        result, entry.state = _safe_read(entry.job, no_progress, cancel, self.duplicates)
        return result


def _json_safe(value: Any) -> Any:
    """NaN and infinities become ``null`` (JSON has no literal for them)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value


def rename_run(run: Run, name: str) -> Run:
    return replace(run, name=name)


def summary(run: Run) -> dict[str, Any]:
    """The CLI's JSON object for a run (see ``paperscope runs --json``)."""

    def num(x: float) -> float | None:
        return x if math.isfinite(x) else None

    return {
        "name": run.name,
        "source": list(run.source),
        "format": run.format,
        "config": _json_safe(plain(run.config)),
        "series": {
            tag: {
                "count": len(s),
                "first_step": int(s.steps[0]) if len(s) else None,
                "last_step": int(s.steps[-1]) if len(s) else None,
                "last_value": num(float(s.values[-1])) if len(s) else None,
            }
            for tag, s in run.series.items()
        },
    }


def watch_runs(
    paths: Sequence[Path],
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> tuple[RunWatcher, list[Run], list[ReadIssue]]:
    """Every run in ``paths`` (:meth:`RunWatcher.start`: the parsed-run cache first),
    with the watcher, so the caller can poll the paths for new data."""
    watcher = RunWatcher(paths)
    runs, issues = watcher.start(progress, cancel)
    return watcher, runs, issues


def poll_watchers(
    watchers: Sequence[RunWatcher],
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> WatchUpdate:
    """One look at every watched path; what changed, merged into one update."""
    total = WatchUpdate()
    for watcher in watchers:
        update = watcher.poll(cancel)
        total.added += update.added
        total.changed += update.changed
        total.removed += update.removed
        total.issues += update.issues
    return total
