"""The packed parsed-run cache: every run of one opened folder (or set of paths) in one
memory-mapped file, its series numpy views into the mapping.

Why: 10,000 runs × 20 metrics opened from one ``.npz`` per run cost a zip directory,
a file open and three array reads per series (far over 3 s); here opening costs one
``mmap``, one JSON header and a slice per array, and the arrays' bytes stay in the page
cache (file-backed, not the heap) until a view is read.

Layout (all little-endian): ``MAGIC`` (8 bytes), the header's length (uint64) and
CRC-32 (uint32, + 4 bytes pad); the header (UTF-8 JSON: version, the jobs by
``reader\\0path`` with their fingerprint, runs, tags and issues); padding to 8 bytes;
the array table (int64 rows ``byte offset, length, dtype index``); the data: each array
at an 8-byte aligned offset. Equal step and wall-time arrays (a CSV's shared steps, its
all-NaN wall times, the same logging schedule in every run) are stored once; values are
not compared (they seldom repeat, and hashing them would slow the write).

Correctness: an entry is used only when its job's fingerprint (size + mtime of every
file read) is unchanged; a pack is written to a temporary file, flushed and
``fsync``\\ ed, then renamed over the old one, so a crash leaves the old pack or the new
one, never a torn one; a pack whose magic, version, header checksum or size does not
match is ignored (the runs are read again). Values are stored bit for bit (NaN kept).
The mapping is copy-on-write: a view can be written to without touching the file.
"""

from __future__ import annotations

import contextlib
import json
import mmap
import os
import struct
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from paperscope.core.records import ReadIssue, ReadResult, Run, Series
from paperscope.readers.runs._common import plain

PACK_VERSION = 1
MAGIC = b"PSRPACK1"
_PREFIX = struct.Struct("<8sQI4x")
Fingerprint = tuple[tuple[str, int, int], ...]


def _pad8(n: int) -> int:
    return (n + 7) & ~7


def _json_default(value: Any) -> Any:
    return str(value)


@dataclass
class Pack:
    """An opened pack: ``result(key, fingerprint)`` gives a job's cached runs (views
    into the mapping) when its files are unchanged."""

    path: Path
    jobs: dict[str, dict[str, Any]]
    series_count: int
    _mm: mmap.mmap
    _data: int  # the data's byte offset in the file
    _off: list[int]
    _len: list[int]
    _dtype: list[int]
    _dtypes: list[str]
    _f8: np.ndarray
    _i8: np.ndarray
    _views: dict[int, np.ndarray] = field(default_factory=dict)

    def _array(self, i: int) -> np.ndarray:
        view = self._views.get(i)
        if view is None:
            off, n, dt = self._off[i], self._len[i], self._dtypes[self._dtype[i]]
            if dt == "<f8":
                view = self._f8[off // 8 : off // 8 + n]
            elif dt == "<i8":
                view = self._i8[off // 8 : off // 8 + n]
            else:
                view = np.frombuffer(self._mm, dtype=dt, count=n, offset=self._data + off)
            self._views[i] = view
        return view

    def result(self, key: str, fp: Fingerprint) -> ReadResult | None:
        entry = self.jobs.get(key)
        if entry is None or [tuple(f) for f in entry["fingerprint"]] != list(fp):
            return None
        result = ReadResult()
        arr = self._array
        for meta in entry["runs"]:
            series = {tag: Series(tag, arr(s), arr(w), arr(v)) for tag, s, w, v in meta["tags"]}
            (result.hidden if meta["hidden"] else result.runs).append(run_from_meta(meta, series))
        result.issues = [ReadIssue(*i) for i in entry["issues"]]
        return result


def run_meta(run: Run, tags: list[Any], hidden: bool) -> dict[str, Any]:
    """A run's record in a cache header (the pack's and a ``.npz``'s): everything but its
    arrays, which ``tags`` locates."""
    return {
        "id": run.id, "name": run.name, "format": run.format, "source": list(run.source),
        "config": plain(run.config), "start_time": run.start_time, "tags": tags,
        "hidden": hidden,
    }  # fmt: skip


def run_from_meta(meta: dict[str, Any], series: dict[str, Series]) -> Run:
    """The run of a :func:`run_meta` record with its ``series``."""
    return Run(
        id=meta["id"], name=meta["name"], format=meta["format"],
        source=tuple(meta["source"]), series=series, config=meta["config"],
        start_time=meta["start_time"],
    )  # fmt: skip


def open_pack(path: Path, duplicates: str, cache_version: int = 0) -> Pack | None:
    """The pack at ``path``, or ``None`` when there is none or it is not a valid pack of
    this version (and the readers' ``cache_version``) for this duplicates rule (then
    the runs are read again)."""
    try:
        with path.open("rb") as fh:
            pre = fh.read(_PREFIX.size)
            if len(pre) < _PREFIX.size:
                return None
            magic, hlen, crc = _PREFIX.unpack(pre)
            if magic != MAGIC:
                return None
            raw = fh.read(hlen)
            if len(raw) != hlen or zlib.crc32(raw) != crc:
                return None
            header = json.loads(raw.decode("utf-8"))
            if (
                header.get("version") != PACK_VERSION
                or header.get("cache_version") != cache_version
                or header.get("duplicates") != duplicates
            ):
                return None
            table_at = _pad8(_PREFIX.size + hlen)
            count = int(header["arrays"])
            data_at = int(header["data_offset"])
            size = os.fstat(fh.fileno()).st_size
            if size != data_at + int(header["data_bytes"]) or data_at % 8:
                return None
            mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_COPY)
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError):
        return None
    table = np.frombuffer(mm, dtype="<i8", count=3 * count, offset=table_at).reshape(count, 3)
    n_data = int(header["data_bytes"]) // 8
    return Pack(
        path=path,
        jobs=header["jobs"],
        series_count=int(header["series"]),
        _mm=mm,
        _data=data_at,
        _off=table[:, 0].tolist(),
        _len=table[:, 1].tolist(),
        _dtype=table[:, 2].tolist(),
        _dtypes=list(header["dtypes"]),
        _f8=np.frombuffer(mm, dtype="<f8", count=n_data, offset=data_at),
        _i8=np.frombuffer(mm, dtype="<i8", count=n_data, offset=data_at),
    )


class _Layout:
    """Places arrays in the data region, each equal array once."""

    def __init__(self) -> None:
        self.arrays: list[np.ndarray] = []
        self.rows: list[tuple[int, int, int]] = []
        self.dtypes: list[str] = []
        self.size = 0
        self._by_buffer: dict[tuple[int, int, str], int] = {}
        self._by_content: dict[tuple[str, int, int], list[int]] = {}

    def place(self, a: np.ndarray, by_content: bool = True) -> int:
        """The array's row; an array equal to one placed before (compared by content
        when ``by_content``, else only the same buffer) is that one's row."""
        a = np.ascontiguousarray(a)
        if a.dtype.byteorder == ">" or (a.dtype.byteorder == "=" and not _little()):
            a = a.astype(a.dtype.newbyteorder("<"))
        dt = a.dtype.str
        ident = (a.__array_interface__["data"][0], a.nbytes, dt)
        hit = self._by_buffer.get(ident)
        if hit is not None:
            return hit
        raw = a.view(np.uint8).reshape(-1)
        ckey = (dt, a.size, zlib.crc32(raw.data) if by_content else 0)
        for j in self._by_content.get(ckey, []) if by_content else ():
            if np.array_equal(self.arrays[j].view(np.uint8).reshape(-1), raw):
                self._by_buffer[ident] = j
                return j
        if dt not in self.dtypes:
            self.dtypes.append(dt)
        i = len(self.arrays)
        self.arrays.append(a)
        self.rows.append((self.size, a.size, self.dtypes.index(dt)))
        self.size += _pad8(a.nbytes)
        self._by_buffer[ident] = i
        if by_content:
            self._by_content.setdefault(ckey, []).append(i)
        return i


def _little() -> bool:
    import sys

    return sys.byteorder == "little"


def write_pack(
    path: Path,
    jobs: Sequence[tuple[str, Fingerprint, ReadResult]],
    duplicates: str,
    roots: Sequence[str] = (),
    cache_version: int = 0,
) -> bool:
    """Write ``jobs`` (key, fingerprint, result) as the pack at ``path`` (atomically:
    a temporary file renamed over it); ``False`` when it could not be written."""
    layout = _Layout()
    header_jobs: dict[str, Any] = {}
    n_series = 0
    for key, fp, result in jobs:
        runs_meta = []
        for run, hidden in [(r, False) for r in result.runs] + [(r, True) for r in result.hidden]:
            tags = []
            for tag, s in run.series.items():
                tags.append(
                    [tag, layout.place(s.steps), layout.place(s.wall_times),
                     layout.place(s.values, by_content=False)]
                )  # fmt: skip
                n_series += 1
            runs_meta.append(run_meta(run, tags, hidden))
        header_jobs[key] = {
            "fingerprint": [list(f) for f in fp],
            "runs": runs_meta,
            "issues": [[i.file, i.location, i.message, i.severity] for i in result.issues],
        }
    count = len(layout.arrays)
    header: dict[str, Any] = {
        "version": PACK_VERSION, "cache_version": cache_version, "duplicates": duplicates,
        "roots": list(roots),
        "series": n_series, "arrays": count, "dtypes": layout.dtypes,
        "data_bytes": layout.size, "jobs": header_jobs,
    }  # fmt: skip
    # the data offset depends on the header's length, which holds it: iterate to a fixpoint
    data_at = 0
    for _ in range(4):
        header["data_offset"] = data_at
        raw = json.dumps(header, default=_json_default).encode("utf-8")
        want = _pad8(_pad8(_PREFIX.size + len(raw)) + 24 * count)
        if want == data_at:
            break
        data_at = want
    else:  # pragma: no cover - the offset's digits settle within two rounds
        return False
    table = np.asarray(layout.rows, dtype="<i8").reshape(count, 3)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _sweep_stale_temporaries(path.parent)
        with tmp.open("wb") as fh:
            fh.write(_PREFIX.pack(MAGIC, len(raw), zlib.crc32(raw)))
            fh.write(raw)
            fh.write(b"\0" * (_pad8(_PREFIX.size + len(raw)) - _PREFIX.size - len(raw)))
            fh.write(table.tobytes())
            fh.write(b"\0" * (data_at - fh.tell()))
            for a in layout.arrays:
                fh.write(a.view(np.uint8).reshape(-1).data)
                fh.write(b"\0" * (_pad8(a.nbytes) - a.nbytes))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        return False
    return True


def _sweep_stale_temporaries(folder: Path, age_s: float = 86400.0) -> None:
    """Remove temporary packs a crashed writer left (older than a day)."""
    now = time.time()
    for f in folder.glob("*.tmp"):
        with contextlib.suppress(OSError):
            if now - f.stat().st_mtime > age_s:
                f.unlink()
