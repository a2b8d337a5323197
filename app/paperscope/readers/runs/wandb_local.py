"""Weights & Biases local run files: ``wandb/offline-run-*/run-<id>.wandb`` (offline runs)
and ``wandb/run-*/run-<id>.wandb`` (the local copy of a synced run), without ``wandb``.

wandb 0.31 ships no Python reader for these files (its datastore lives in the Go core), so
the framing is read here. The format, checked against files written by wandb 0.31.0:

* a 7-byte header: ``:W&B``, the magic ``0xBEE1`` (little-endian), a version byte (0);
* then LevelDB-log blocks of 32 KiB (the header counts as part of the first block). Each
  record is ``uint32 checksum, uint16 length, uint8 type`` + ``length`` bytes; the type is
  FULL (1), or FIRST (2), MIDDLE (3), LAST (4) for a record split across blocks. The
  checksum is **zlib's CRC-32 (IEEE), not masked**, over the type byte and the data (W&B's
  variant of the LevelDB log; LevelDB itself uses masked CRC-32C). A block tail shorter
  than a record header is zero padding;
* every whole record is one protobuf ``wandb_internal.Record``.

The schema is ``wandb/proto/wandb_internal.proto`` of https://github.com/wandb/wandb
(Apache-2.0), as generated in ``wandb.proto.wandb_internal_pb2`` of wandb 0.31.0 (commit
15f8cbc581d1c5cfc6e31f68b48bdd13cec2dd2c, the ``producer`` its files name). Only field
numbers are taken from it, and only for the messages read here; they are decoded by the
project's own protobuf reader (``_proto.fields``):

* ``Record``: history = 2, summary = 3, config = 5, run = 17, exit = 18; the other types
  of its ``record_type`` oneof (output, files, stats, telemetry, environment, …) carry no
  metrics or hyperparameters and are passed over. A field number the schema does not
  have (a newer W&B) is named in a ``skipped`` issue with how many such records there were.
* ``HistoryRecord``: item = 1 (``HistoryItem``), step = 2 (``HistoryStep``: num = 1).
* ``HistoryItem`` / ``SummaryItem`` / ``ConfigItem``: key = 1, nested_key = 2 (repeated:
  the path of a nested dict, joined with ``.`` as W&B shows it), value_json = 16; history
  items may instead carry a typed value: none = 3, boolean = 4, integer = 5 (sint64),
  number = 6 (double), text = 7, json = 8.
* ``SummaryRecord`` / ``ConfigRecord``: update = 1, remove = 2.
* ``RunRecord``: run_id = 1, entity = 2, project = 3, config = 4, summary = 5,
  run_group = 6, job_type = 7, display_name = 8, notes = 9, tags = 10, sweep_id = 12,
  host = 13, starting_step = 14, start_time = 17 (Timestamp: seconds = 1, nanos = 2),
  resumed = 18, forked = 22, resume = 24.
* ``RunExitRecord``: exit_code = 1, runtime = 2.

What a run becomes: one :class:`Run` per file; each numeric history key a series by
``_step`` (else ``HistoryStep.num``), wall times from ``_timestamp``, ``_runtime`` kept as
its own series; NaN/Infinity (``value_json`` ``NaN``) kept as points. Text, lists and media
(a nested object with ``_type``: histograms, images) are not series: one warning per key.
The config is the run's config (updates and removals applied in order), plus
``wandb_run``: id, project, entity, group, tags, job type, notes, host, sweep id, resumed,
starting step, exit code, and the final W&B ``summary``.

A resumed offline run (``wandb.init(id=…, resume=…)`` with ``WANDB_MODE=offline``) is a
new ``offline-run-*`` folder with the same run id and ``resume`` set; wandb 0.31 cannot
resume offline runs (wandb/wandb#2423, #4624): such a file is read as a run of its own,
flagged ``wandb_run.resumed``, and its steps are whatever the script logged.

Robustness: an incomplete last record (a run still writing, or a truncated copy) is read
up to and named in a warning; a record whose checksum fails drops the rest of its block
(as LevelDB does) with a ``skipped`` issue; a record that is not a valid ``Record`` is
skipped with its offset. System metrics (``stats`` records, sampled by wall time, not by
step) are not read.
"""

from __future__ import annotations

import json
import math
import struct
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeGuard

from paperscope.core.records import ReadError, ReadIssue, ReadResult
from paperscope.core.tasks import CancelToken, Progress
from paperscope.readers import registry
from paperscope.readers.runs import _proto
from paperscope.readers.runs._common import head_bytes, make_run, make_series

IDENT = b":W&B"
MAGIC = 0xBEE1
HEADER = IDENT + struct.pack("<H", MAGIC)  # then one version byte
HEADER_LEN = 7
BLOCK = 32768
REC_HEADER = 7
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4
_REC = struct.Struct("<IHB")
_F64 = struct.Struct("<d")
# zlib.crc32(type byte + data) == zlib.crc32(data, _SEED[type])
_SEED = [zlib.crc32(bytes([t])) for t in range(256)]

R_HISTORY, R_SUMMARY, R_CONFIG, R_RUN, R_EXIT = 2, 3, 5, 17, 18
# every other field of wandb_internal.Record in wandb 0.31.0: the rest of the record_type
# oneof, and num = 1, control = 16, uuid = 19, _info = 200
KNOWN_RECORD_FIELDS = frozenset(
    {1, 4, 6, 7, 8, 9, 10, 11, 12, 13, 16, 19, 20, 21, 22, 23, 24, 25, 26, 27, 100, 200}
    | {R_HISTORY, R_SUMMARY, R_CONFIG, R_RUN, R_EXIT}
)
_TYPED = {3, 4, 5, 6, 7, 8}  # HistoryItem's typed value oneof

_MISSING = object()


def is_wandb_file(path: Path) -> bool:
    try:
        return head_bytes(path, HEADER_LEN)[:6] == HEADER
    except OSError:
        return False


# --- framing -----------------------------------------------------------------------------


@dataclass
class Framing:
    """The whole records of one file, in order, as ``(file offset, bytes)``."""

    records: list[tuple[int, bytes]] = field(default_factory=list)
    issues: list[ReadIssue] = field(default_factory=list)
    version: int = 0


def read_framing(path: Path, data: bytes) -> Framing:
    """Split ``data`` (a whole ``.wandb`` file) into its records."""
    out = Framing()
    name = str(path)
    if len(data) < HEADER_LEN or data[:6] != HEADER:
        raise ReadError(name, "offset 0", "not a W&B run file (no ':W&B' header)")
    out.version = data[6]
    if out.version != 0:
        out.issues.append(
            ReadIssue(name, "offset 6", f"header version {out.version} (read as version 0)")
        )
    size = len(data)
    pos = HEADER_LEN
    pending: bytearray | None = None
    pending_at = 0
    while pos < size:
        left = BLOCK - pos % BLOCK
        if left < REC_HEADER:  # the block's zero-padded tail
            pos += left
            continue
        if pos + REC_HEADER > size:
            out.issues.append(_incomplete(name, pending_at if pending is not None else pos, size))
            return out
        checksum, length, rtype = _REC.unpack_from(data, pos)
        if rtype == 0 and length == 0 and checksum == 0:  # zeroes to the end of the block
            pos += left
            continue
        if REC_HEADER + length > left or rtype not in (FULL, FIRST, MIDDLE, LAST):
            out.issues.append(
                ReadIssue(
                    name, f"offset {pos}",
                    f"bad record header (type {rtype}, {length} bytes): "
                    "skipped the rest of its block", "skipped",
                )
            )  # fmt: skip
            pending = None
            pos += left
            continue
        end = pos + REC_HEADER + length
        if end > size:
            out.issues.append(_incomplete(name, pending_at if pending is not None else pos, size))
            return out
        body = data[pos + REC_HEADER : end]
        if zlib.crc32(body, _SEED[rtype]) != checksum:
            out.issues.append(
                ReadIssue(
                    name, f"offset {pos}",
                    "record checksum mismatch: skipped the rest of its block", "skipped",
                )
            )  # fmt: skip
            pending = None
            pos += left
            continue
        if rtype == FULL:
            if pending is not None:
                out.issues.append(_unfinished(name, pending_at))
                pending = None
            out.records.append((pos, body))
        elif rtype == FIRST:
            if pending is not None:
                out.issues.append(_unfinished(name, pending_at))
            pending, pending_at = bytearray(body), pos
        elif pending is None:
            out.issues.append(
                ReadIssue(
                    name, f"offset {pos}",
                    "the middle or end of a record whose start is missing: skipped", "skipped",
                )
            )  # fmt: skip
        else:
            pending += body
            if rtype == LAST:
                out.records.append((pending_at, bytes(pending)))
                pending = None
        pos = end
    if pending is not None:
        out.issues.append(_incomplete(name, pending_at, size))
    return out


def _incomplete(name: str, at: int, size: int) -> ReadIssue:
    return ReadIssue(
        name, f"offset {at}",
        f"the last record is incomplete ({size - at} bytes): the run may still be writing; "
        "read up to it",
    )  # fmt: skip


def _unfinished(name: str, at: int) -> ReadIssue:
    return ReadIssue(name, f"offset {at}", "a split record that never ends: skipped", "skipped")


# --- records -----------------------------------------------------------------------------


def _text(buf: bytes, span: tuple[int, int]) -> str:
    return buf[span[0] : span[1]].decode("utf-8", errors="replace")


def _zigzag(u: int) -> int:
    return (u >> 1) ^ -(u & 1)


def _item_raw(buf: bytes, start: int, end: int) -> tuple[tuple[str, ...], int, Any]:
    """A History/Summary/ConfigItem undecoded: ``(path, kind, raw)`` with kind ``_JSON``
    (``raw`` is JSON text), ``_VALUE`` (``raw`` is the value) or ``_NONE`` (no value).

    A hand-inlined ``_proto.fields`` loop (items are tiny and there are millions of them),
    raising :class:`_proto.Malformed` exactly where ``fields`` would."""
    key = ""
    nested: list[str] = []
    kind, typed_kind = _NONE, _NONE
    raw: Any = None
    typed: Any = None
    pos = start
    read_varint = _proto.read_varint
    while pos < end:
        tag = buf[pos]
        if tag < 0x80:
            pos += 1
        else:
            tag, pos = read_varint(buf, pos, end)
        number, wire = tag >> 3, tag & 7
        if number == 0:
            raise _proto.Malformed("field number 0")
        if wire == 2:
            if pos >= end:
                raise _proto.Malformed("varint runs past the end of its message")
            length = buf[pos]
            if length < 0x80:
                pos += 1
            else:
                length, pos = read_varint(buf, pos, end)
            stop = pos + length
            if stop > end:
                raise _proto.Malformed(
                    f"field {number} ({length} bytes) runs past the end of its message"
                )
            if number in (1, 2, 7, 8, 16):
                text = buf[pos:stop].decode("utf-8", errors="replace")
                if number == 1:
                    key = text
                elif number == 2:
                    nested.append(text)
                elif number == 16:
                    kind, raw = _JSON, text
                elif number == 7:
                    typed_kind, typed = _VALUE, text
                else:
                    typed_kind, typed = _JSON, text
            pos = stop
        elif wire == 0:
            value, pos = read_varint(buf, pos, end)
            if number == 3:
                typed_kind, typed = _VALUE, None
            elif number == 4:
                typed_kind, typed = _VALUE, bool(value)
            elif number == 5:
                typed_kind, typed = _VALUE, _zigzag(value)
        elif wire == 1:
            if pos + 8 > end:
                raise _proto.Malformed("fixed64 field runs past the end of its message")
            if number == 6:
                typed_kind, typed = _VALUE, _F64.unpack_from(buf, pos)[0]
            pos += 8
        elif wire == 5:
            if pos + 4 > end:
                raise _proto.Malformed("fixed32 field runs past the end of its message")
            pos += 4
        else:
            raise _proto.Malformed(f"unsupported wire type {wire} (field {number})")
    path = tuple(nested) if nested else (key,)
    if typed_kind != _NONE:
        return path, typed_kind, typed
    return path, kind, raw


_NONE, _JSON, _VALUE = 0, 1, 2


def _decode(kind: int, raw: Any) -> Any:
    if kind == _JSON:
        return json.loads(raw) if raw else None
    return raw


def _decode_number(kind: int, raw: Any) -> Any:
    """As :func:`_decode`, with a fast path for a plain JSON number (history values)."""
    if kind == _JSON and raw:
        try:
            return float(raw)
        except ValueError:
            return json.loads(raw)
    return raw if kind == _VALUE else None


def _set(target: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        nxt = target.get(part)
        if not isinstance(nxt, dict):
            nxt = target[part] = {}
        target = nxt
    target[path[-1]] = value


def _remove(target: dict[str, Any], path: tuple[str, ...]) -> None:
    for part in path[:-1]:
        nxt = target.get(part)
        if not isinstance(nxt, dict):
            return
        target = nxt
    target.pop(path[-1], None)


def _apply(buf: bytes, span: tuple[int, int], target: dict[str, Any]) -> None:
    """A SummaryRecord or ConfigRecord applied to ``target``."""
    for number, wire, v in _proto.fields(buf, *span):
        if wire != 2 or number not in (1, 2):
            continue
        path, kind, raw = _item_raw(buf, *v)
        if number == 1 and kind != _NONE:
            _set(target, path, _decode(kind, raw))
        elif number == 2:
            _remove(target, path)


def _summary_ops(buf: bytes, span: tuple[int, int], ops: dict[tuple[str, ...], Any]) -> None:
    """A SummaryRecord's updates and removals, undecoded, into ``ops`` (path → the last
    operation on it, numbered in file order): W&B rewrites the summary with every history
    row, and only the last value of each key survives."""
    for number, wire, v in _proto.fields(buf, *span):
        if wire != 2 or number not in (1, 2):
            continue
        path, kind, raw = _item_raw(buf, *v)
        if number == 1 and kind == _NONE:
            continue
        ops.pop(path, None)  # keep the dict in the order of the last operations
        ops[path] = (number, kind, raw)


def _apply_ops(ops: dict[tuple[str, ...], Any], target: dict[str, Any]) -> list[str]:
    """Replay the surviving operations in their order: the same summary as applying every
    record in turn. Returns the keys whose value is not JSON (left out)."""
    bad: list[str] = []
    for path, (number, kind, raw) in ops.items():
        if number == 1:
            try:
                value = _decode(kind, raw)
            except (ValueError, RecursionError):
                bad.append(".".join(path))
                continue
            _set(target, path, value)
        else:
            _remove(target, path)
    return bad


@dataclass
class _Reading:
    path: Path
    columns: dict[str, tuple[list[int], list[float], list[float]]] = field(default_factory=dict)
    not_numeric: dict[str, str] = field(default_factory=dict)  # key -> what it held
    config: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    summary_ops: dict[tuple[str, ...], Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    start_time: float | None = None
    unknown: dict[int, tuple[int, int]] = field(default_factory=dict)  # field -> (count, at)
    rows: int = 0

    def history(self, buf: bytes, start: int, end: int) -> None:
        items: list[tuple[str, Any]] = []
        step_num: int | None = None
        for number, wire, v in _proto.fields(buf, start, end):
            if number == 1 and wire == 2:
                path, kind, raw = _item_raw(buf, *v)
                items.append((".".join(path), _decode_number(kind, raw)))
            elif number == 2 and wire == 2:
                step_num = 0
                for n2, w2, v2 in _proto.fields(buf, *v):
                    if n2 == 1 and w2 == 0:
                        step_num = _proto.to_int64(v2)
        values: dict[str, Any] = dict(items)
        step_value = values.get("_step")
        if _number(step_value) and math.isfinite(float(step_value)):
            step = int(step_value)
        elif step_num is not None:
            step = step_num
        else:
            step = self.rows
        if not -(2**63) <= step < 2**63:
            raise ValueError(f"step {str(step)[:20]}… is beyond the 64-bit range")
        wall_value = values.get("_timestamp")
        wall = float(wall_value) if _number(wall_value) else math.nan
        # media and histograms are nested objects with a "_type": none of their keys is a metric
        media = {k[: -len("._type")] for k in values if k.endswith("._type")}
        for key, value in items:
            if key in ("_step", "_timestamp"):
                continue
            if media and any(key.startswith(m + ".") for m in media):
                base = next(m for m in media if key.startswith(m + "."))
                self.not_numeric.setdefault(base, str(values.get(base + "._type")))
                continue
            if not _number(value):
                self.not_numeric.setdefault(key, _kind(value))
                continue
            col = self.columns.setdefault(key, ([], [], []))
            col[0].append(step)
            col[1].append(float(value))
            col[2].append(wall)
        self.rows += 1

    def run(self, buf: bytes, start: int, end: int) -> None:
        texts = {1: "id", 2: "entity", 3: "project", 6: "group", 7: "job_type", 8: "name",
                 9: "notes", 12: "sweep_id", 13: "host"}  # fmt: skip
        flags = {18: "resumed", 22: "forked", 24: "resumed"}  # resume = 24: offline resumes
        tags: list[str] = []
        for number, wire, v in _proto.fields(buf, start, end):
            if wire == 2 and number in texts:
                self.meta[texts[number]] = _text(buf, v)
            elif number == 10 and wire == 2:
                tags.append(_text(buf, v))
            elif number == 4 and wire == 2:
                _apply(buf, v, self.config)
            elif number == 5 and wire == 2:
                _summary_ops(buf, v, self.summary_ops)
            elif number == 14 and wire == 0:
                self.meta["starting_step"] = _proto.to_int64(v)
            elif number in flags and wire == 0:
                self.meta[flags[number]] = bool(v) or bool(self.meta.get(flags[number]))
            elif number == 17 and wire == 2:
                seconds, nanos = 0, 0
                for n2, w2, v2 in _proto.fields(buf, *v):
                    if n2 == 1 and w2 == 0:
                        seconds = _proto.to_int64(v2)
                    elif n2 == 2 and w2 == 0:
                        nanos = _proto.to_int64(v2)
                self.start_time = seconds + nanos / 1e9
        if tags:
            self.meta["tags"] = tags

    def exit(self, buf: bytes, start: int, end: int) -> None:
        self.meta["exit_code"] = 0
        for number, wire, v in _proto.fields(buf, start, end):
            if number == 1 and wire == 0:
                self.meta["exit_code"] = _proto.to_int64(v) & 0xFFFFFFFF
                if self.meta["exit_code"] >= 1 << 31:
                    self.meta["exit_code"] -= 1 << 32
            elif number == 2 and wire == 0:
                self.meta["runtime"] = _proto.to_int64(v)

    def record(self, buf: bytes, offset: int) -> None:
        for number, wire, v in _proto.fields(buf, 0, len(buf)):
            if wire != 2:
                continue
            if number == R_HISTORY:
                self.history(buf, *v)
            elif number == R_SUMMARY:
                _summary_ops(buf, v, self.summary_ops)
            elif number == R_CONFIG:
                _apply(buf, v, self.config)
            elif number == R_RUN:
                self.run(buf, *v)
            elif number == R_EXIT:
                self.exit(buf, *v)
            elif number not in KNOWN_RECORD_FIELDS:
                count, at = self.unknown.get(number, (0, offset))
                self.unknown[number] = (count + 1, at)


def _number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not (isinstance(value, int) and abs(value) > 2**1023)


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "no value" if value is None else type(value).__name__


def read_file(path: Path, cancel: CancelToken | None = None) -> ReadResult:
    """Read one ``.wandb`` file."""
    cancel = cancel or CancelToken()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(str(path), "", f"cannot read: {exc}") from None
    framing = read_framing(path, data)
    issues = list(framing.issues)
    reading = _Reading(path)
    for i, (offset, body) in enumerate(framing.records):
        if i % 2000 == 0:
            cancel.check()
        try:
            reading.record(body, offset)
        except (_proto.Malformed, ValueError, RecursionError, struct.error) as exc:
            issues.append(
                ReadIssue(str(path), f"record {i + 1}, offset {offset}",
                          f"not a valid W&B record: {exc}", "skipped")
            )  # fmt: skip
            continue
    for number, (count, at) in sorted(reading.unknown.items()):
        issues.append(
            ReadIssue(
                str(path), f"offset {at}",
                f"{count} record{'s' if count != 1 else ''} of an unknown type (Record field "
                f"{number}, from a newer W&B?): skipped", "skipped",
            )
        )  # fmt: skip
    for key, what in reading.not_numeric.items():
        issues.append(
            ReadIssue(str(path), f"history key {key!r}", f"holds {what}, not numbers: not plotted")
        )
    if not framing.records:
        first = next((i for i in issues if i.severity == "skipped"), None)
        raise ReadError(
            str(path), first.location if first else f"offset {HEADER_LEN}",
            "no complete W&B record" + (f" ({first.message})" if first else ""),
        )  # fmt: skip
    for key in _apply_ops(reading.summary_ops, reading.summary):
        issues.append(
            ReadIssue(str(path), f"summary key {key[:200]!r}", "not JSON: left out", "skipped")
        )
    series = {
        key: make_series(key, steps, values, walls)
        for key, (steps, values, walls) in reading.columns.items()
    }
    meta = dict(reading.meta)
    name = meta.pop("name", "") or meta.get("id", "") or path.stem.removeprefix("run-")
    meta["summary"] = reading.summary
    config = dict(reading.config)
    config["wandb_run"] = meta
    run = make_run(path, name, "wandb", series, start_time=reading.start_time)
    # W&B's config is the whole config: nothing is guessed from the run's name
    return ReadResult(runs=[replace(run, config=config)], issues=issues)


class WandbRunReader:
    name = "wandb"
    kind: registry.Kind = "runs"
    unit: registry.Unit = "file"
    patterns: tuple[str, ...] = ("*.wandb",)
    priority = 50

    def sniff(self, path: Path) -> bool:
        return is_wandb_file(path)

    def read(self, path: Path, progress: Progress, cancel: CancelToken) -> ReadResult:
        progress(None, path.name)
        return read_file(path, cancel)


registry.register(WandbRunReader())
