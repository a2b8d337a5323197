"""TensorBoard event files (``events.out.tfevents.*``), without TensorFlow.

A run is a folder holding event files; several files (restarts) are merged in name
order and repeated steps are resolved by a rule (keep the last, by default). Records
are TFRecord-framed: ``uint64 length, masked CRC32C(length), Event, masked CRC32C
(Event)``. Scalars come as ``simple_value`` or as one-element DT_FLOAT/DT_DOUBLE
tensors whose tag's metadata (often only on the first event) names the ``scalars``
plugin; the value may be in ``float_val``/``double_val`` or raw ``tensor_content``.
A missing step is 0 (proto3 leaves it out). ``hparams`` plugin summaries become the
run's config.

Robustness: an incomplete last record is a run still writing — read up to it, no
error, and resume there next time (:class:`TensorBoardRun` keeps its place per file).
A record whose data checksum fails is skipped with a warning; a length whose checksum
fails makes the reader search forward for the next valid record header.

Speed: a numba kernel (``_tfrecord_fast``) decodes the common shapes into arrays; the
few records it cannot handle come back to the pure-Python decoder (``_proto``) in
file order. Without numba (or with ``PAPERSCOPE_NO_NUMBA=1``) everything goes the
pure-Python way, slower but identical.
"""

from __future__ import annotations

import fnmatch
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

import numpy as np

from paperscope.core.records import ReadError, ReadIssue, ReadResult, Run, Series
from paperscope.core.tasks import Cancelled, CancelToken, Progress, no_progress
from paperscope.readers import registry
from paperscope.readers.runs import _proto
from paperscope.readers.runs._common import (
    Duplicates,
    make_run,
    make_series,
    run_name,
    sidecar_config,
)

EVENT_PATTERN = "*tfevents*"
Engine = Literal["auto", "numba", "python"]

DONE, OUT_FULL, TAGS_FULL, FALLBACK, BAD_HEADER, BAD_DATA = 0, 1, 2, 3, 4, 5
PLUGIN_UNSET, PLUGIN_SCALARS, PLUGIN_OTHER, PLUGIN_NONE = 0, 1, 2, 3
_MAX_RECORD = 1 << 31  # a larger "length" is corruption, not data
_CHUNK = 4 << 20
_OUT_CAP = 1 << 18

_FNV_OFFSET = 14695981039346656037
_FNV_PRIME = 1099511628211
_M64 = (1 << 64) - 1

_kernels_module: ModuleType | None = None
_kernels_failed = False


def _kernels(engine: Engine) -> ModuleType | None:
    """The numba kernels, compiled (or loaded from numba's cache) on first use."""
    global _kernels_module, _kernels_failed
    if engine == "python" or (engine == "auto" and os.environ.get("PAPERSCOPE_NO_NUMBA")):
        return None
    if _kernels_module is None and not _kernels_failed:
        try:
            from paperscope.readers.runs import _tfrecord_fast

            _kernels_module = _tfrecord_fast
        except ImportError:
            _kernels_failed = True
    if _kernels_module is None and engine == "numba":
        raise RuntimeError("numba is not available")
    return _kernels_module


def is_event_file(path: Path) -> bool:
    return fnmatch.fnmatch(path.name, EVENT_PATTERN) and not path.name.endswith(
        (".profile-empty", ".pb")
    )


def _plugin_code(name: str | None) -> int:
    if name is None:
        return PLUGIN_UNSET
    if name == "scalars":
        return PLUGIN_SCALARS
    return PLUGIN_OTHER if name else PLUGIN_NONE


class _TagTable:
    """Tags interned to small ids, shared by the kernel (arrays) and Python (mirror)."""

    def __init__(self, n_tags: int = 256, pool: int = 16384) -> None:
        self.pool = np.zeros(pool, dtype=np.uint8)
        # pool offset, length, hash, plugin, the tag seen after this one last time
        self.info = np.zeros((n_tags, 5), dtype=np.int64)
        self.slots = np.full(4 * n_tags, -1, dtype=np.int64)
        self.counts = np.zeros(4, dtype=np.int64)  # values, tags, pool used, records
        self.names: list[str] = []

    @property
    def n(self) -> int:
        return int(self.counts[1])

    def sync_names(self) -> None:
        for tid in range(len(self.names), self.n):
            off, ln = int(self.info[tid, 0]), int(self.info[tid, 1])
            self.names.append(bytes(self.pool[off : off + ln]).decode("utf-8", "replace"))

    def grow(self) -> None:
        n = self.info.shape[0] * 2
        info = np.zeros((n, 5), dtype=np.int64)
        info[: self.n] = self.info[: self.n]
        self.info = info
        pool = np.zeros(max(self.pool.shape[0] * 2, 1024), dtype=np.uint8)
        pool[: self.pool.shape[0]] = self.pool
        self.pool = pool
        self.slots = np.full(4 * n, -1, dtype=np.int64)
        mask = self.slots.shape[0] - 1
        for tid in range(self.n):
            i = int(self.info[tid, 2]) & mask
            while self.slots[i] >= 0:
                i = (i + 1) & mask
            self.slots[i] = tid

    @staticmethod
    def _hash(data: bytes) -> int:
        h = _FNV_OFFSET
        for b in data:
            h = ((h ^ b) * _FNV_PRIME) & _M64
        return h - (1 << 64) if h >= 1 << 63 else h

    def intern(self, data: bytes) -> int:
        h = self._hash(data)
        while True:
            mask = self.slots.shape[0] - 1
            i = h & mask
            while True:
                tid = int(self.slots[i])
                if tid < 0:
                    break
                off, ln = int(self.info[tid, 0]), int(self.info[tid, 1])
                if int(self.info[tid, 2]) == h and bytes(self.pool[off : off + ln]) == data:
                    return tid
                i = (i + 1) & mask
            n, used = self.n, int(self.counts[2])
            if n >= self.info.shape[0] or 2 * (n + 1) > self.slots.shape[0]:
                self.grow()
                continue
            if used + len(data) > self.pool.shape[0]:
                pool = np.zeros(max(2 * self.pool.shape[0], used + len(data)), dtype=np.uint8)
                pool[:used] = self.pool[:used]
                self.pool = pool
            self.pool[used : used + len(data)] = np.frombuffer(data, dtype=np.uint8)
            self.info[n] = (used, len(data), h, PLUGIN_UNSET, -1)
            self.slots[i] = n
            self.counts[1] = n + 1
            self.counts[2] = used + len(data)
            self.sync_names()
            return n


@dataclass
class _Out:
    """The kernel's output buffers."""

    cap: int = _OUT_CAP
    step: np.ndarray = field(init=False)
    wall: np.ndarray = field(init=False)
    val: np.ndarray = field(init=False)
    tag: np.ndarray = field(init=False)
    kind: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.step = np.empty(self.cap, dtype=np.int64)
        self.wall = np.empty(self.cap, dtype=np.float64)
        self.val = np.empty(self.cap, dtype=np.float64)
        self.tag = np.empty(self.cap, dtype=np.int32)
        self.kind = np.empty(self.cap, dtype=np.int8)


Piece = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # steps, walls, values, kinds


@dataclass
class EventFileCursor:
    """Where reading one event file stands: the next unread record's offset."""

    path: Path
    offset: int = 0
    size: int = 0
    records: int = 0
    first_wall: float = math.nan
    bad: bool = False  # nothing readable was found (not an event file)
    pieces: dict[int, list[Piece]] = field(default_factory=dict)


class TensorBoardRun:
    """One run folder's event files, read incrementally.

    ``update()`` reads whatever was appended since the last call (new files included
    when ``folder`` is given); ``to_run()`` builds the :class:`Run`. The GUI's watcher
    keeps these objects and calls ``update()`` on a timer.
    """

    def __init__(
        self,
        folder: Path,
        files: list[Path] | None = None,
        *,
        duplicates: Duplicates = "last",
        verify: bool = True,
        engine: Engine = "auto",
    ) -> None:
        self.folder = folder
        self.fixed_files = files
        self.duplicates: Duplicates = duplicates
        self.verify = verify
        self.engine: Engine = engine
        self.tags = _TagTable()
        self.cursors: dict[Path, EventFileCursor] = {}
        self.config: dict[str, Any] = {}
        self.issues: list[ReadIssue] = []
        self._out: _Out | None = None

    def files(self) -> list[Path]:
        if self.fixed_files is not None:
            return sorted(self.fixed_files, key=lambda p: p.name)
        try:
            entries = sorted(os.scandir(self.folder), key=lambda e: e.name)
        except OSError as exc:
            raise ReadError(str(self.folder), "", f"cannot list the folder: {exc}") from None
        return [Path(e.path) for e in entries if e.is_file() and is_event_file(Path(e.path))]

    def update(self, progress: Progress = no_progress, cancel: CancelToken | None = None) -> bool:
        """Read new bytes; ``True`` when anything new was read."""
        cancel = cancel or CancelToken()
        changed = False
        files = self.files()
        for path in files:
            if path not in self.cursors:
                self.cursors[path] = EventFileCursor(path)
        todo = []
        for path in files:
            cur = self.cursors[path]
            try:
                size = path.stat().st_size
            except OSError as exc:
                self.issues.append(ReadIssue(str(path), "", f"cannot read: {exc}", "skipped"))
                continue
            if size < cur.offset:  # the file was replaced: start over
                self.cursors[path] = cur = EventFileCursor(path)
            if size > cur.offset:
                todo.append((cur, size))
        total = sum(size - cur.offset for cur, size in todo) or 1
        done = 0
        for cur, size in todo:
            cancel.check()
            before = cur.offset

            sub = _scaled(progress, done, size - before, total)
            try:
                self._read_file(cur, sub, cancel)
            except Cancelled:
                # forget this file's partial read, so the next update starts it afresh
                self.cursors[cur.path] = EventFileCursor(cur.path)
                self.tags.counts[0] = 0
                raise
            changed |= cur.offset != before
            done += size - before
        return changed

    # -- reading one file ---------------------------------------------------------

    def _read_file(self, cur: EventFileCursor, progress: Progress, cancel: CancelToken) -> None:
        k = _kernels(self.engine)
        path = cur.path
        try:
            fh = path.open("rb")
        except OSError as exc:
            self.issues.append(ReadIssue(str(path), "", f"cannot open: {exc}", "skipped"))
            return
        with fh:
            size = os.fstat(fh.fileno()).st_size
            fh.seek(cur.offset)
            base = cur.offset  # file offset of buf[0]
            buf = np.empty(min(_CHUNK, max(size - base, 64)), dtype=np.uint8)
            have = 0
            eof = False
            if self._out is None:
                self._out = _Out()
            out = self._out
            fwall = np.array([cur.first_wall])
            s_u32 = np.zeros(1, dtype=np.uint32)
            s_i64 = np.zeros(1, dtype=np.int64)
            pos = 0
            records_before = int(self.tags.counts[3])
            resync_from: int | None = None  # file offset of a bad record header
            while True:
                # refill the buffer after keeping the unread tail
                if pos:
                    buf[: have - pos] = buf[pos:have]
                    base += pos
                    have -= pos
                    pos = 0
                if not eof and have < buf.shape[0]:
                    n = fh.readinto(memoryview(buf)[have:])  # type: ignore[arg-type]
                    if not n:
                        eof = True
                    else:
                        have += n
                progress((base + have - cur.offset) / max(size - cur.offset, 1), path.name)
                while True:
                    cancel.check()
                    if resync_from is not None:
                        nxt = (
                            k.resync(buf, pos - 1, have, _MAX_RECORD)
                            if k is not None
                            else _py_resync(buf, pos - 1, have)
                        )
                        if nxt < 0 and not eof:
                            pos = max(pos, have - 11)  # search on with more bytes
                            break
                        self.issues.append(
                            ReadIssue(
                                str(path), f"offset {resync_from}",
                                "record length checksum mismatch: skipped "
                                f"{(base + (nxt if nxt >= 0 else have)) - resync_from} bytes"
                                + (" to the next valid record" if nxt >= 0 else " to the end"),
                                "skipped",
                            )
                        )  # fmt: skip
                        resync_from = None
                        if nxt < 0:
                            pos = have
                            break
                        pos = nxt
                    if k is not None:
                        pos, status = k.scan(
                            buf, pos, have, self.verify, out.step, out.wall, out.val, out.tag,
                            out.kind, self.tags.pool, self.tags.info, self.tags.slots,
                            self.tags.counts, fwall, s_u32, s_i64,
                        )  # fmt: skip
                    else:
                        pos, status = _py_scan(buf, pos, have, self.verify)
                    if status == DONE:
                        break
                    if status == OUT_FULL:
                        self._flush(cur)
                    elif status == TAGS_FULL:
                        self.tags.grow()
                    elif status == FALLBACK:
                        pos = self._python_record(cur, buf, pos, base, fwall)
                    elif status == BAD_DATA:
                        length = int(buf[pos : pos + 8].view("<u8")[0])
                        self.issues.append(
                            ReadIssue(
                                str(path), f"offset {base + pos}",
                                f"record checksum mismatch ({length} bytes): record skipped",
                                "skipped",
                            )
                        )  # fmt: skip
                        pos += 16 + length
                    elif status == BAD_HEADER:
                        resync_from = base + pos
                        pos += 1
                if eof and resync_from is None:
                    break
                # the record at pos is incomplete: make room when it is larger than the buffer
                if have - pos >= 12 and resync_from is None:
                    length = int(buf[pos : pos + 8].view("<u8")[0])
                    need = length + 16
                    if need > buf.shape[0]:
                        if base + pos + need > os.fstat(fh.fileno()).st_size:
                            break  # an incomplete record at the end: a run still writing
                        bigger = np.empty(need, dtype=np.uint8)
                        bigger[: have - pos] = buf[pos:have]
                        buf = bigger
                        base += pos
                        have -= pos
                        pos = 0
            cur.offset = base + pos
            cur.size = size
            cur.first_wall = float(fwall[0])
            cur.records += int(self.tags.counts[3]) - records_before
        self._flush(cur)
        cur.bad = cur.records == 0 and size > 0 and any(i.file == str(path) for i in self.issues)

    def _python_record(
        self, cur: EventFileCursor, buf: np.ndarray, pos: int, base: int, fwall: np.ndarray
    ) -> int:
        length = int(buf[pos : pos + 8].view("<u8")[0])
        data = bytes(buf[pos + 12 : pos + 12 + length])
        nxt = pos + 16 + length
        try:
            event = _proto.decode_event(data)
        except _proto.Malformed as exc:
            self.issues.append(
                ReadIssue(str(cur.path), f"offset {base + pos}", f"bad event: {exc}", "skipped")
            )
            return nxt
        if math.isnan(float(fwall[0])):
            fwall[0] = event.wall_time
        self.tags.counts[3] += 1
        for v in event.values:
            have_val = v.simple_value is not None or v.tensor_scalar is not None
            if not have_val and v.plugin_name is None:
                continue
            tid = self.tags.intern(v.tag.encode("utf-8"))
            if v.plugin_name is not None and self.tags.info[tid, 3] == PLUGIN_UNSET:
                self.tags.info[tid, 3] = _plugin_code(v.plugin_name)
            if v.plugin_name == "hparams" and v.plugin_content:
                try:
                    self.config.update(_proto.decode_hparams(v.plugin_content))
                except _proto.Malformed as exc:
                    self.issues.append(
                        ReadIssue(str(cur.path), f"offset {base + pos}", f"bad hparams: {exc}")
                    )
            if not have_val:
                continue
            out = self._out
            assert out is not None
            if int(self.tags.counts[0]) >= out.cap:
                self._flush(cur)
            k = int(self.tags.counts[0])
            out.step[k] = event.step
            out.wall[k] = event.wall_time
            if v.simple_value is not None:
                out.val[k], out.kind[k] = v.simple_value, 0
            else:
                out.val[k], out.kind[k] = float(v.tensor_scalar or 0.0), 1
            out.tag[k] = tid
            self.tags.counts[0] = k + 1
        return nxt

    def _flush(self, cur: EventFileCursor) -> None:
        """Move the buffered values into per-tag pieces of ``cur``."""
        out = self._out
        n = int(self.tags.counts[0])
        if out is None or n == 0:
            return
        self.tags.sync_names()
        ntags = self.tags.n
        tags = out.tag[:n]
        k = _kernels(self.engine)
        if k is not None:
            s_step = np.empty(n, dtype=np.int64)
            s_wall = np.empty(n, dtype=np.float64)
            s_val = np.empty(n, dtype=np.float64)
            s_kind = np.empty(n, dtype=np.int8)
            starts = k.split_by_tag(
                n, ntags, out.step, out.wall, out.val, out.tag, out.kind,
                s_step, s_wall, s_val, s_kind,
            )  # fmt: skip
        else:
            order = np.argsort(tags, kind="stable")
            s_step, s_wall, s_val, s_kind = (
                out.step[:n][order], out.wall[:n][order], out.val[:n][order], out.kind[:n][order],
            )  # fmt: skip
            starts = np.searchsorted(tags[order], np.arange(ntags + 1))
        # one copy per tag (not views of the shared buffer), so that consolidating a
        # tag later frees its pieces at once: peak memory stays near the arrays' size
        used = [t for t in range(ntags) if starts[t + 1] > starts[t]]
        for tid in used:
            a, b = int(starts[tid]), int(starts[tid + 1])
            if len(used) == 1:
                piece = (s_step, s_wall, s_val, s_kind)
            else:
                piece = (
                    s_step[a:b].copy(),
                    s_wall[a:b].copy(),
                    s_val[a:b].copy(),
                    s_kind[a:b].copy(),
                )
            cur.pieces.setdefault(tid, []).append(piece)
        self.tags.counts[0] = 0

    # -- building the run -----------------------------------------------------------

    def series(self) -> dict[str, Series]:
        self.tags.sync_names()
        order = sorted(self.cursors.values(), key=lambda c: c.path.name)
        out: dict[str, Series] = {}
        for tid in range(self.tags.n):
            parts: list[Piece] = []
            for cur in order:
                pieces = cur.pieces.get(tid)
                if not pieces:
                    continue
                if len(pieces) > 1:  # consolidate, so the next call is cheap
                    pieces[:] = [tuple(np.concatenate(x) for x in zip(*pieces, strict=True))]  # type: ignore[list-item]
                parts.append(pieces[0])
            if not parts:
                continue
            if len(parts) == 1:
                steps, walls, vals, kinds = parts[0]
            else:
                steps, walls, vals, kinds = (np.concatenate(x) for x in zip(*parts, strict=True))
            plugin = int(self.tags.info[tid, 3])
            if plugin != PLUGIN_SCALARS:  # tensors of other plugins are not scalars
                keep = kinds == 0
                if not keep.any():
                    continue
                if not keep.all():
                    steps, walls, vals = steps[keep], walls[keep], vals[keep]
            out[self.tags.names[tid]] = make_series(
                self.tags.names[tid], steps, vals, walls, self.duplicates
            )
        return out

    def start_time(self) -> float | None:
        walls = [c.first_wall for c in self.cursors.values() if not math.isnan(c.first_wall)]
        return min(walls) if walls else None

    def to_run(self, name: str | None = None) -> Run:
        files = sorted(self.cursors, key=lambda p: p.name)
        config, _ = sidecar_config(self.folder)
        config.update(self.config)  # hparams summaries win over a file beside the log
        return make_run(
            self.folder,
            name or tb_run_name(self.folder),
            "tensorboard",
            self.series(),
            source=files,
            config=config,
            start_time=self.start_time(),
            key="" if self.fixed_files is None else "|".join(p.name for p in files),
        )


def _has_event_files(folder: Path) -> bool:
    try:
        with os.scandir(folder) as entries:
            return any(e.is_file() and is_event_file(Path(e.name)) for e in entries)
    except OSError:
        return False


def tb_run_name(folder: Path) -> str:
    """:func:`run_name`, except for a folder inside another run's folder: the sub-runs
    ``SummaryWriter.add_scalars("loss", {"a": …})`` writes (``<run>/loss_a``) are
    named ``<run>/loss_a``, not ``loss_a``."""
    parent = folder.parent
    if parent != folder and _has_event_files(parent):
        return f"{run_name(parent)}/{folder.name}"
    return run_name(folder)


def _scaled(progress: Progress, done: int, n: int, total: int) -> Progress:
    def report(fraction: float | None, message: str = "") -> None:
        progress(None if fraction is None else (done + fraction * n) / total, message)

    return report


# --- pure-Python framing (used without numba) ------------------------------------------


def _py_scan(buf: np.ndarray, pos: int, end: int, verify: bool) -> tuple[int, int]:
    if pos + 12 > end:
        return pos, DONE
    header = bytes(buf[pos : pos + 12])
    length = _proto.unpack_u64(header[:8])
    if verify and _proto.masked_crc32c(header[:8]) != _proto.unpack_u32(header[8:]):
        return pos, BAD_HEADER
    if length > _MAX_RECORD:
        return pos, BAD_HEADER
    if pos + 16 + length > end:
        return pos, DONE
    if verify:
        data = bytes(buf[pos + 12 : pos + 12 + length])
        stored = _proto.unpack_u32(bytes(buf[pos + 12 + length : pos + 16 + length]))
        if _proto.masked_crc32c(data) != stored:
            return pos, BAD_DATA
    return pos, FALLBACK


def _py_resync(buf: np.ndarray, pos: int, end: int) -> int:
    data = bytes(buf[pos:end])
    for p in range(1, len(data) - 11):
        length = _proto.unpack_u64(data[p : p + 8])
        if length <= _MAX_RECORD and _proto.masked_crc32c(data[p : p + 8]) == _proto.unpack_u32(
            data[p + 8 : p + 12]
        ):
            return pos + p
    return -1


# --- the readers ---------------------------------------------------------------------


def read_run(
    folder: Path,
    files: list[Path] | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    *,
    duplicates: Duplicates = "last",
    verify: bool = True,
    engine: Engine = "auto",
) -> tuple[TensorBoardRun, ReadResult]:
    """Read a run folder (or the given event files) and return the live state with the
    result, so a watcher can continue from it."""
    state = TensorBoardRun(folder, files, duplicates=duplicates, verify=verify, engine=engine)
    state.update(progress, cancel)
    return state, result_of(state)


def result_of(state: TensorBoardRun) -> ReadResult:
    """The :class:`ReadResult` for a run state; :class:`ReadError` when none of its
    files held a single readable record."""
    cursors = list(state.cursors.values())
    if cursors and all(c.bad for c in cursors):
        first = next((i for i in state.issues if i.file == str(cursors[0].path)), None)
        raise ReadError(
            str(cursors[0].path),
            first.location if first else "offset 0",
            "not a TensorBoard event file: no valid record"
            + (f" ({first.message})" if first else ""),
        )
    return ReadResult(runs=[state.to_run()], issues=list(state.issues))


def read_appended(state: TensorBoardRun, cancel: CancelToken) -> ReadResult:
    """What was appended to a run's event files since ``state`` last read them (and any
    new event file): the whole result, with only the issues met now."""
    n_issues = len(state.issues)
    state.update(no_progress, cancel)
    result = result_of(state)
    result.issues = result.issues[n_issues:]
    return result


class TensorBoardDirReader:
    name = "tensorboard"
    kind: registry.Kind = "runs"
    unit: registry.Unit = "dir"
    patterns: tuple[str, ...] = ("*",)
    priority = 50

    def sniff(self, path: Path) -> bool:
        return _has_event_files(path)

    def claims(self, path: Path) -> bool:
        """The event files are this reader's; other files and subfolders are not."""
        return is_event_file(path) and path.is_file()

    def read(self, path: Path, progress: Progress, cancel: CancelToken) -> ReadResult:
        return read_run(path, None, progress, cancel)[1]

    def open_live(
        self, path: Path, progress: Progress, cancel: CancelToken, duplicates: Duplicates
    ) -> tuple[ReadResult, TensorBoardRun]:
        state, result = read_run(path, None, progress, cancel, duplicates=duplicates)
        return result, state

    def read_more(self, state: TensorBoardRun, path: Path, cancel: CancelToken) -> ReadResult:
        return read_appended(state, cancel)


class TensorBoardFileReader:
    """A single event file named on its own (inside a scanned folder the folder reader
    takes all of them together)."""

    name = "tensorboard-file"
    kind: registry.Kind = "runs"
    unit: registry.Unit = "file"
    patterns: tuple[str, ...] = (EVENT_PATTERN,)
    priority = 50

    def sniff(self, path: Path) -> bool:
        return is_event_file(path)

    def read(self, path: Path, progress: Progress, cancel: CancelToken) -> ReadResult:
        return read_run(path.parent, [path], progress, cancel)[1]

    def open_live(
        self, path: Path, progress: Progress, cancel: CancelToken, duplicates: Duplicates
    ) -> tuple[ReadResult, TensorBoardRun]:
        state, result = read_run(path.parent, [path], progress, cancel, duplicates=duplicates)
        return result, state

    def read_more(self, state: TensorBoardRun, path: Path, cancel: CancelToken) -> ReadResult:
        return read_appended(state, cancel)


registry.register(TensorBoardDirReader())
registry.register(TensorBoardFileReader())
