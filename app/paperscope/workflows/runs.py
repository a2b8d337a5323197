"""Loading experiment runs, with a parsed-run cache, and watching folders for new data.

``load_runs(paths)`` scans files and folders (recursively) through the reader registry
and reads every run found. Parsed runs are cached under ``paths.cache_dir()/runs``:
the runs of one ``load_runs`` call's paths in one memory-mapped pack
(:mod:`~paperscope.workflows.run_pack`: the series are numpy views into it, so
10,000 runs × 20 metrics open in well under a second and their bytes stay out of the
heap), and runs read since the pack was written in one ``.npz`` per job
(``allow_pickle=False``; arrays per series plus one JSON header). Every entry is keyed
by the reader, the path and the size + mtime of every file the run was read from; the
pack is written again once 1/8 of its series are new or stale.

Why not the library's DuckDB: runs are read before (and without) any library being
open, the arrays go back into numpy unchanged, writing is at memory speed, and a stale
entry is simply replaced; nothing in the library refers to them.

``RunWatcher`` keeps the live state of each :class:`registry.LiveReader` (TensorBoard
file offsets, CSV tails) and ``poll()`` reads only what was appended since the last
poll, plus any new run; the GUI calls it from a timer every ~2 s (a background thread
may call it too).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
from collections.abc import Iterable, Sequence
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
from paperscope.workflows import run_pack, run_scan

CACHE_VERSION = 2  # 2: hidden (deleted) runs; NaN cells of CSV logs kept
Fingerprint = tuple[tuple[str, int, int], ...]


# --- fingerprints and the cache ---------------------------------------------------------


def fingerprint(job: registry.Job) -> Fingerprint:
    """``(path, size, mtime_ns)`` of every file the job reads: the file itself, or for a
    folder the files its reader owns (:func:`registry.owned_files`)."""
    if job.reader.unit == "file":
        try:
            st = job.path.stat()
        except OSError:
            return ()
        return ((str(job.path), st.st_size, st.st_mtime_ns),)
    out: list[tuple[str, int, int]] = []
    for p in registry.owned_files(job.reader, job.path):
        try:
            st = p.stat()
        except OSError:
            continue
        out.append((str(p), st.st_size, st.st_mtime_ns))
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
    for run, hidden in [(r, False) for r in result.runs] + [(r, True) for r in result.hidden]:
        tags = []
        for tag, s in run.series.items():
            arrays[f"s{k}_steps"] = s.steps
            arrays[f"s{k}_walls"] = s.wall_times
            arrays[f"s{k}_values"] = s.values
            tags.append([tag, k])
            k += 1
        runs_meta.append(run_pack.run_meta(run, tags, hidden))
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
                shown = result.hidden if meta.get("hidden") else result.runs
                shown.append(run_pack.run_from_meta(meta, series))
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
        for f in [*(folder / "packs").glob("*.pack"), *(folder / "packs").glob("*.scan.json")]:
            with contextlib.suppress(OSError):
                f.unlink()
                n += 1
    return n


# --- loading ---------------------------------------------------------------------------


def _read_job(
    job: registry.Job, progress: Progress, cancel: CancelToken, duplicates: Duplicates = "last"
) -> tuple[ReadResult, Any]:
    """Read one job; also return the live state a watcher can continue from (``None``
    unless its reader is a :class:`registry.LiveReader`)."""
    if isinstance(job.reader, registry.LiveReader):
        return job.reader.open_live(job.path, progress, cancel, duplicates)
    return job.reader.read(job.path, progress, cancel), None


def _safe_read(
    job: registry.Job, progress: Progress, cancel: CancelToken, duplicates: Duplicates = "last"
) -> tuple[ReadResult, Any]:
    try:
        result, state = _read_job(job, progress, cancel, duplicates)
        registry.note_no_points(job, result)
        return result, state
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
    include_deleted: bool = False,
) -> tuple[list[Run], list[ReadIssue]]:
    """Every run in ``paths`` (files, or folders scanned recursively), and the problems
    met. Unchanged runs come from the cache. ``duplicates`` says which point to keep
    when a restarted TensorBoard run logged a step twice (the last, by default).
    Runs their source marks deleted (MLflow) are left out unless ``include_deleted``.
    Names are made unique (see :func:`unique_names`)."""
    runs, issues, _ = _load(
        paths, progress, cancel or CancelToken(), use_cache, duplicates, include_deleted
    )
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
    include_deleted: bool = False,
) -> tuple[list[Run], list[ReadIssue], dict[tuple[str, str], _Entry]]:
    progress(None, "Looking for runs")
    roots = [Path(p) for p in paths]
    pack_file = _pack_file(roots, duplicates)
    found = run_scan.scan(roots, _memo_file(pack_file) if use_cache else None)
    jobs, issues = found.jobs, list(found.issues)
    pack = run_pack.open_pack(pack_file, duplicates, CACHE_VERSION) if use_cache else None
    loaded: list[_Loaded] = []
    n = max(len(jobs), 1)
    for i, job in enumerate(jobs):
        cancel.check()
        if i % 64 == 0:
            progress(i / n, f"Reading {job.path.name}")
        fp = found.fingerprint(job) or fingerprint(job)
        key = _pack_key(job)
        result = pack.result(key, fp) if pack is not None else None
        source = "pack"
        if result is None and use_cache:
            result, source = load_cached(job, fp, duplicates), "npz"
        state = None
        if result is None:
            sub = sub_progress(progress, i / n, (i + 1) / n)
            result, state = _safe_read(job, sub, cancel, duplicates)
            source = "read"
        loaded.append(_Loaded(job, fp, key, result, source, state))
    if use_cache:
        _store(pack_file, pack, loaded, duplicates, roots)
    runs: list[Run] = []
    entries: dict[tuple[str, str], _Entry] = {}
    for item in loaded:
        shown = _shown(item.result, include_deleted)
        runs.extend(shown)
        issues.extend(item.result.issues)
        entries[(item.job.reader.name, str(item.job.path))] = _Entry(
            item.job, item.fp, shown, item.state
        )
    runs = unique_names(runs, {r.id: _anchor(e.job) for e in entries.values() for r in e.runs})
    renamed = {r.id: r for r in runs}
    for e in entries.values():
        e.runs = [renamed.get(r.id, r) for r in e.runs]
    progress(1.0, count(len(runs), "run"))
    return runs, issues, entries


@dataclass
class _Loaded:
    job: registry.Job
    fp: Fingerprint
    key: str
    result: ReadResult
    source: str  # "pack", "npz" (a job's own cache file) or "read"
    state: Any = None


PACK_REWRITE = 8
"""A pack is written again when the runs it does not hold (or holds for files gone or
changed) reach 1/PACK_REWRITE of the series; below that they live in ``.npz`` files."""


def _pack_file(paths: Sequence[Path], duplicates: Duplicates) -> Path:
    roots = []
    for p in paths:
        with contextlib.suppress(OSError, RuntimeError):
            p = p.resolve()
        roots.append(str(p))
    key = "\0".join(sorted(roots)) + f"\0{duplicates}"
    name = hashlib.sha1(key.encode()).hexdigest()[:24] + ".pack"
    return _paths.cache_dir() / "runs" / "packs" / name


def _memo_file(pack_file: Path) -> Path:
    """Where the scan of a pack's paths is remembered (:mod:`run_scan`)."""
    return pack_file.with_suffix(".scan.json")


def _pack_key(job: registry.Job) -> str:
    return f"{job.reader.name}\0{job.path}"


def _store(
    pack_file: Path,
    pack: run_pack.Pack | None,
    loaded: list[_Loaded],
    duplicates: Duplicates,
    roots: Sequence[Path],
) -> None:
    """Keep what was read: in the pack when enough changed (then the runs are swapped
    for views into the new pack, so their arrays leave the heap), else in ``.npz``."""
    keep = [x for x in loaded if x.result.runs or x.result.hidden]
    if not keep:
        return

    def series(x: _Loaded) -> int:
        return sum(len(r.series) for r in [*x.result.runs, *x.result.hidden])

    total = sum(series(x) for x in keep)
    loose = sum(series(x) for x in keep if x.source != "pack")
    served = total - loose
    dead = (pack.series_count - served) if pack is not None else 0
    if pack is not None and (loose + dead) * PACK_REWRITE < max(total, 1):
        for x in keep:
            if x.source == "read":
                save_cached(x.job, x.fp, x.result, duplicates)
        return
    if loose == 0 and dead == 0:
        return
    jobs = [(x.key, x.fp, x.result) for x in keep]
    if not run_pack.write_pack(pack_file, jobs, duplicates, [str(p) for p in roots], CACHE_VERSION):
        for x in keep:
            if x.source == "read":
                save_cached(x.job, x.fp, x.result, duplicates)
        return
    for x in keep:
        if x.source == "npz":
            with contextlib.suppress(OSError):
                _cache_file(x.job, duplicates).unlink()
    fresh = run_pack.open_pack(pack_file, duplicates, CACHE_VERSION)
    if fresh is None:
        return
    for x in keep:
        again = fresh.result(x.key, x.fp)
        if again is not None:
            x.result = again


def _shown(result: ReadResult, include_deleted: bool) -> list[Run]:
    return [*result.runs, *result.hidden] if include_deleted else list(result.runs)


def _anchor(job: registry.Job) -> Path:
    """The folder a run's name stands for: the run folder, or a log file's folder."""
    return job.path if job.reader.unit == "dir" else job.path.parent


def unique_names(
    runs: Sequence[Run], anchors: dict[str, Path], taken: Iterable[str] = ()
) -> list[Run]:
    """Runs whose names collide (with each other or with ``taken``) get the shortest
    parent path that tells them apart: two ``Gym-lunar-lander/logs`` become
    ``a/Gym-lunar-lander/logs`` and ``b/Gym-lunar-lander/logs``; runs that no path
    tells apart (several runs of one file) get `` (2)``, `` (3)``…"""
    taken = set(taken)
    by_name: dict[str, list[int]] = {}
    for i, r in enumerate(runs):
        by_name.setdefault(r.name, []).append(i)
    out = list(runs)
    for name, idx in by_name.items():
        if len(idx) == 1 and name not in taken:
            continue
        prefixes = [_prefix_parts(name, anchors.get(runs[i].id)) for i in idx]
        depth = max((len(p) for p in prefixes), default=0)
        chosen = None
        for k in range(1, depth + 1):
            labels = ["/".join(p[-k:]) for p in prefixes]
            full = [f"{lab}/{name}" if lab else name for lab in labels]
            if len(set(full)) == len(full) and not set(full) & taken:
                chosen = full
                break
        if chosen is None:
            chosen = [name] + [f"{name} ({n})" for n in range(2, len(idx) + 1)]
            if name in taken:
                chosen = [f"{name} ({n})" for n in range(2, len(idx) + 2)]
        for i, new in zip(idx, chosen, strict=True):
            if new != runs[i].name:
                out[i] = replace(runs[i], name=new)
    return out


def _prefix_parts(name: str, anchor: Path | None) -> list[str]:
    """The anchor's ancestors' names above the part of the path the name already shows."""
    if anchor is None:
        return []
    with contextlib.suppress(OSError, RuntimeError):  # a symlink loop
        anchor = anchor.resolve()
    parts = [p for p in anchor.parts if p != anchor.anchor]
    shown = name.split("/")
    m = 0  # how many trailing folder names the name already ends with
    for k in range(min(len(parts), len(shown)), 0, -1):
        if parts[-k:] == shown[-k:]:
            m = k
            break
    if m == 0 and parts and shown and parts[-1] in shown:
        m = 1
    return parts[: len(parts) - m] if m else parts


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

    Runs of a :class:`registry.LiveReader` (TensorBoard folders, CSV logs) are continued
    from where the last read stopped; other formats (small JSON/YAML files) are re-read
    when their size or mtime change.
    A run restored from the cache is re-read once in full on its first change.
    """

    def __init__(
        self,
        paths: Sequence[Path | str],
        *,
        use_cache: bool = True,
        duplicates: Duplicates = "last",
        include_deleted: bool = False,
    ) -> None:
        self.paths = [Path(p) for p in paths]
        self.use_cache = use_cache
        self.duplicates: Duplicates = duplicates
        self.include_deleted = include_deleted
        self._entries: dict[tuple[str, str], _Entry] = {}

    def start(
        self, progress: Progress = no_progress, cancel: CancelToken | None = None
    ) -> tuple[list[Run], list[ReadIssue]]:
        runs, issues, self._entries = _load(
            self.paths, progress, cancel or CancelToken(), self.use_cache, self.duplicates,
            self.include_deleted,
        )  # fmt: skip
        return runs, issues

    def runs(self) -> list[Run]:
        return [r for e in self._entries.values() for r in e.runs]

    def poll(self, cancel: CancelToken | None = None) -> WatchUpdate:
        cancel = cancel or CancelToken()
        update = WatchUpdate()
        memo = _memo_file(_pack_file(self.paths, self.duplicates)) if self.use_cache else None
        found = run_scan.scan(self.paths, memo)
        seen: set[tuple[str, str]] = set()
        for job in found.jobs:
            cancel.check()
            key = (job.reader.name, str(job.path))
            seen.add(key)
            entry = self._entries.get(key)
            fp = found.fingerprint(job) or fingerprint(job)
            if entry is not None and entry.fp == fp:
                continue
            taken = {r.name for k, e in self._entries.items() if k != key for r in e.runs}
            if entry is None:
                result, state = _safe_read(job, no_progress, cancel, self.duplicates)
                shown = _shown(result, self.include_deleted)
                anchors = {r.id: _anchor(job) for r in shown}
                shown = unique_names(shown, anchors, taken)
                self._entries[key] = _Entry(job, fp, shown, state)
                update.added.extend(shown)
                update.issues.extend(result.issues)
                if (result.runs or result.hidden) and self.use_cache:
                    save_cached(job, fp, result, self.duplicates)
                continue
            result = self._continue(entry, cancel)
            old = {r.id: r for r in entry.runs}
            shown = _shown(result, self.include_deleted)
            # a run keeps the name it was shown with; a new one gets a unique one
            kept = [replace(r, name=old[r.id].name) for r in shown if r.id in old]
            new = unique_names(
                [r for r in shown if r.id not in old],
                {r.id: _anchor(job) for r in shown},
                taken | {r.name for r in kept},
            )
            update.changed.extend(kept)
            update.added.extend(new)
            update.removed.extend(i for i in old if i not in {r.id for r in shown})
            update.issues.extend(result.issues)
            entry.fp = fp
            entry.runs = kept + new
            if (result.runs or result.hidden) and self.use_cache:
                save_cached(job, fp, result, self.duplicates)
        for key in [k for k in self._entries if k not in seen]:
            update.removed.extend(r.id for r in self._entries.pop(key).runs)
        return update

    def _continue(self, entry: _Entry, cancel: CancelToken) -> ReadResult:
        """Read what was appended to one job's files."""
        reader = entry.job.reader
        if entry.state is not None and isinstance(reader, registry.LiveReader):
            try:
                return reader.read_more(entry.state, entry.job.path, cancel)
            except ReadError as exc:
                return ReadResult(
                    issues=[ReadIssue(exc.file, exc.location, exc.message, "skipped")]
                )
        result, entry.state = _safe_read(entry.job, no_progress, cancel, self.duplicates)
        return result


NON_FINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}
"""How ``--json`` writes the floats JSON has no literal for: the strings JavaScript's
``Number()`` and Python's ``float()`` read back; ``null`` stays "no value"."""


def json_number(x: float) -> float | str:
    """A float for JSON: itself, or ``"NaN"``, ``"Infinity"``, ``"-Infinity"``."""
    if math.isfinite(x):
        return x
    return "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")


def _json_safe(value: Any) -> Any:
    """NaN and infinities become the strings of :data:`NON_FINITE`."""
    if isinstance(value, float):
        return json_number(value)
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value


def rename_run(run: Run, name: str) -> Run:
    return replace(run, name=name)


def summary(run: Run) -> dict[str, Any]:
    """The CLI's JSON object for a run (see ``paperscope runs --json``): ``last_value``
    is ``null`` only for an empty series; NaN and ±inf are ``"NaN"``, ``"Infinity"``,
    ``"-Infinity"`` (:func:`json_number`), and ``count`` counts them too."""

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
                "last_value": json_number(float(s.values[-1])) if len(s) else None,
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
