"""The remembered scan of opened run folders: which read jobs a set of paths holds,
kept beside the packed run cache so a sweep of 10,000 runs reopens without sniffing
every file again (the scan, not the arrays, was most of a warm open: ~5 s there).

A memo records the modification time of every folder under the paths and the size +
modification time of every file there; it is used only when all of them are unchanged.
A file added, removed or renamed changes its folder's mtime; a file written changes
its own size or mtime (and so what a reader's sniff could say of it). Otherwise the
paths are scanned again through the reader registry and the memo rewritten (a
temporary file renamed over the old one). Each job's files (:func:`registry.owned_files`)
are remembered too, so fingerprints come from the stats taken here.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from paperscope.core.records import ReadIssue
from paperscope.readers import registry

MEMO_VERSION = 1
Stat = tuple[int, int]  # size, mtime_ns


@dataclass
class Scan:
    """Jobs and issues as :func:`registry.scan` gives them, and the stats of the files
    under the paths (``fingerprint`` answers from them, not the disk)."""

    jobs: list[registry.Job]
    issues: list[ReadIssue]
    stats: dict[str, Stat]
    owned: dict[str, list[str]]

    def fingerprint(self, job: registry.Job) -> tuple[tuple[str, int, int], ...] | None:
        """The job's fingerprint from the stats taken by the scan (``None``: not known)."""
        key = str(job.path)
        files = [key] if job.reader.unit == "file" else self.owned.get(key)
        if files is None:
            return None
        out = []
        for f in files:
            st = self.stats.get(f)
            if st is None:
                return None
            out.append((f, st[0], st[1]))
        return tuple(out)


def scan(roots: Sequence[Path], memo_file: Path | None) -> Scan:
    """The jobs under ``roots``: from the memo when nothing there changed, else from
    the registry (and the memo written again)."""
    if memo_file is not None:
        remembered = _recall(memo_file, roots)
        if remembered is not None:
            return remembered
    dirs, stats = _survey(roots)  # before the scan: a file written meanwhile reads as changed
    jobs, issues = registry.scan(roots, kind="runs")
    owned = {
        str(j.path): [str(p) for p in registry.owned_files(j.reader, j.path)]
        for j in jobs
        if j.reader.unit == "dir"
    }
    found = Scan(jobs, issues, stats, owned)
    if memo_file is not None:
        _remember(memo_file, roots, dirs, found)
    return found


def _survey(roots: Sequence[Path]) -> tuple[dict[str, int], dict[str, Stat]]:
    """mtime of every folder and (size, mtime) of every file under ``roots``."""
    dirs: dict[str, int] = {}
    files: dict[str, Stat] = {}
    for root in roots:
        top = str(root)
        try:
            st = os.stat(top)
        except OSError:
            dirs[top] = -1  # absent: present later means another scan
            continue
        if not os.path.isdir(top):
            files[top] = (st.st_size, st.st_mtime_ns)
            continue
        for at, subdirs, names in os.walk(top):
            subdirs.sort()
            with contextlib.suppress(OSError):
                dirs[at] = os.stat(at).st_mtime_ns
            for name in names:
                p = os.path.join(at, name)
                with contextlib.suppress(OSError):
                    s = os.stat(p)
                    files[p] = (s.st_size, s.st_mtime_ns)
    return dirs, files


def _readers() -> list[list[Any]]:
    """What decides a scan besides the files: the registered run readers (a newer
    PaperScope with another reader, or another priority, scans again)."""
    return sorted([r.name, r.unit, r.priority, list(r.patterns)] for r in registry.readers("runs"))


def _remember(memo_file: Path, roots: Sequence[Path], dirs: dict[str, int], found: Scan) -> None:
    memo = {
        "version": MEMO_VERSION,
        "readers": _readers(),
        "roots": [str(r) for r in roots],
        "dirs": dirs,
        "files": found.stats,
        "jobs": [[j.reader.name, str(j.path)] for j in found.jobs],
        "issues": [[i.file, i.location, i.message, i.severity] for i in found.issues],
        "owned": found.owned,
    }
    tmp = memo_file.with_name(f"{memo_file.name}.{os.getpid()}.tmp")
    try:
        memo_file.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(memo), encoding="utf-8")
        os.replace(tmp, memo_file)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _recall(memo_file: Path, roots: Sequence[Path]) -> Scan | None:
    try:
        memo: dict[str, Any] = json.loads(memo_file.read_text(encoding="utf-8"))
        if memo.get("version") != MEMO_VERSION or memo["roots"] != [str(r) for r in roots]:
            return None
        if memo["readers"] != _readers():
            return None
        for d, mtime in memo["dirs"].items():
            try:
                if os.stat(d).st_mtime_ns != mtime:
                    return None
            except OSError:
                if mtime != -1:
                    return None
            else:
                if mtime == -1:
                    return None
        stats: dict[str, Stat] = {}
        for f, (size, mtime) in memo["files"].items():
            s = os.stat(f)
            if (s.st_size, s.st_mtime_ns) != (size, mtime):
                return None
            stats[f] = (size, mtime)
        readers = {r.name: r for r in registry.readers("runs")}
        jobs = [registry.Job(readers[name], Path(p)) for name, p in memo["jobs"]]
        issues = [ReadIssue(*i) for i in memo["issues"]]
        return Scan(jobs, issues, stats, memo["owned"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
