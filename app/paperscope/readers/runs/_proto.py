"""A careful pure-Python decoder for the parts of TensorBoard's protobufs we need.

No protobuf library and no TensorFlow: the wire format is decoded by hand. Used for
the events the fast scanner leaves aside (hparams summaries, unusual tensor dtypes,
malformed records) and as the whole reader when numba is unavailable. Every decoding
problem raises :class:`Malformed` with a message; callers turn it into a ``ReadIssue``.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field
from typing import Any

_F32 = struct.Struct("<f")
_F64 = struct.Struct("<d")
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")


class Malformed(Exception):
    """The bytes are not the protobuf message they should be."""


# --- CRC32C (Castagnoli), masked as TFRecord does ---------------------------------

_POLY = 0x82F63B78


def _make_table() -> list[int]:
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ _POLY if c & 1 else c >> 1
        table.append(c)
    return table


CRC_TABLE: list[int] = _make_table()


def crc32c(data: bytes | bytearray | memoryview) -> int:
    crc = 0xFFFFFFFF
    table = CRC_TABLE
    for b in bytes(data):
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data: bytes | bytearray | memoryview) -> int:
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


# --- wire format -------------------------------------------------------------------


def read_varint(buf: bytes, pos: int, end: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        if pos >= end:
            raise Malformed("varint runs past the end of its message")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result & 0xFFFFFFFFFFFFFFFF, pos
        shift += 7
        if shift >= 70:
            raise Malformed("varint longer than 10 bytes")


def to_int64(u: int) -> int:
    return u - (1 << 64) if u >= 1 << 63 else u


def fields(buf: bytes, start: int, end: int) -> list[tuple[int, int, Any]]:
    """Every field of one message as ``(number, wire_type, value)``: an int for varints,
    raw ``bytes`` for fixed32/fixed64, ``(start, end)`` for length-delimited ones."""
    out: list[tuple[int, int, Any]] = []
    pos = start
    while pos < end:
        key, pos = read_varint(buf, pos, end)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise Malformed("field number 0")
        if wire == 0:
            value, pos = read_varint(buf, pos, end)
            out.append((number, wire, value))
        elif wire == 1:
            if pos + 8 > end:
                raise Malformed("fixed64 field runs past the end of its message")
            out.append((number, wire, buf[pos : pos + 8]))
            pos += 8
        elif wire == 5:
            if pos + 4 > end:
                raise Malformed("fixed32 field runs past the end of its message")
            out.append((number, wire, buf[pos : pos + 4]))
            pos += 4
        elif wire == 2:
            length, pos = read_varint(buf, pos, end)
            if pos + length > end:
                raise Malformed(f"field {number} ({length} bytes) runs past the end of its message")
            out.append((number, wire, (pos, pos + length)))
            pos += length
        else:
            raise Malformed(f"unsupported wire type {wire} (field {number})")
    return out


def _text(buf: bytes, span: tuple[int, int]) -> str:
    return buf[span[0] : span[1]].decode("utf-8", errors="replace")


def _packed(buf: bytes, wire: int, value: Any, width: int, fmt: str) -> list[Any]:
    if wire == 2:
        s, e = value
        if (e - s) % width:
            raise Malformed("packed field length is not a multiple of the element size")
        return list(struct.unpack(f"<{(e - s) // width}{fmt}", buf[s:e]))
    if wire == (5 if width == 4 else 1):
        return [struct.unpack("<" + fmt, value)[0]]
    raise Malformed("repeated number field with the wrong wire type")


def _packed_varints(buf: bytes, wire: int, value: Any) -> list[int]:
    if wire == 0:
        return [to_int64(value)]
    if wire != 2:
        raise Malformed("repeated varint field with the wrong wire type")
    s, e = value
    out = []
    while s < e:
        v, s = read_varint(buf, s, e)
        out.append(to_int64(v))
    return out


# --- TensorBoard messages ------------------------------------------------------------

DT_FLOAT, DT_DOUBLE, DT_INT32, DT_UINT8, DT_INT16, DT_INT8, DT_STRING = 1, 2, 3, 4, 5, 6, 7
DT_INT64, DT_BOOL, DT_HALF, DT_UINT32, DT_UINT64 = 9, 10, 19, 22, 23
_CONTENT_FORMATS = {
    DT_FLOAT: "f", DT_DOUBLE: "d", DT_INT32: "i", DT_UINT8: "B", DT_INT16: "h", DT_INT8: "b",
    DT_INT64: "q", DT_BOOL: "?", DT_HALF: "e", DT_UINT32: "I", DT_UINT64: "Q",
}  # fmt: skip


@dataclass(slots=True)
class ValueInfo:
    tag: str
    simple_value: float | None = None
    tensor_scalar: float | None = None  # a one-element numeric tensor's value
    has_tensor: bool = False
    plugin_name: str | None = None  # only when the value carries metadata
    plugin_content: bytes = b""


@dataclass(slots=True)
class EventInfo:
    wall_time: float = math.nan
    step: int = 0
    values: list[ValueInfo] = field(default_factory=list)


def decode_event(buf: bytes) -> EventInfo:
    event = EventInfo(wall_time=0.0)
    for number, wire, value in fields(buf, 0, len(buf)):
        if number == 1 and wire == 1:
            event.wall_time = _F64.unpack(value)[0]
        elif number == 2 and wire == 0:
            event.step = to_int64(value)
        elif number == 5 and wire == 2:
            for n2, w2, v2 in fields(buf, *value):
                if n2 == 1 and w2 == 2:
                    event.values.append(_decode_value(buf, *v2))
    return event


def _decode_value(buf: bytes, start: int, end: int) -> ValueInfo:
    tag = ""
    node_name = ""
    info = ValueInfo("")
    for number, wire, value in fields(buf, start, end):
        if number == 1 and wire == 2:
            tag = _text(buf, value)
        elif number == 7 and wire == 2:
            node_name = _text(buf, value)
        elif number == 2 and wire == 5:
            info.simple_value = _F32.unpack(value)[0]
        elif number == 8 and wire == 2:
            info.has_tensor = True
            info.tensor_scalar = _tensor_scalar(buf, *value)
        elif number == 9 and wire == 2:
            info.plugin_name, info.plugin_content = _plugin_data(buf, *value)
    # old-style tensor summaries carry their name in node_name (TensorBoard does the same)
    info.tag = tag or (node_name if info.has_tensor else "")
    return info


def _plugin_data(buf: bytes, start: int, end: int) -> tuple[str, bytes]:
    name, content = "", b""
    for number, wire, value in fields(buf, start, end):
        if number == 1 and wire == 2:
            for n2, w2, v2 in fields(buf, *value):
                if n2 == 1 and w2 == 2:
                    name = _text(buf, v2)
                elif n2 == 2 and w2 == 2:
                    content = bytes(buf[v2[0] : v2[1]])
    return name, content


def _tensor_scalar(buf: bytes, start: int, end: int) -> float | None:
    """The value of a one-element numeric TensorProto, else ``None``."""
    dtype = 0
    content: bytes | None = None
    vals: list[Any] = []
    for number, wire, value in fields(buf, start, end):
        if number == 1 and wire == 0:
            dtype = value
        elif number == 4 and wire == 2:
            content = bytes(buf[value[0] : value[1]])
        elif number == 5:
            vals.extend(_packed(buf, wire, value, 4, "f"))
        elif number == 6:
            vals.extend(_packed(buf, wire, value, 8, "d"))
        elif number in (7, 10):  # int_val, int64_val
            vals.extend(_packed_varints(buf, wire, value))
        elif number == 11:  # bool_val
            vals.extend(bool(v) for v in _packed_varints(buf, wire, value))
        elif number == 13:  # half_val: float16 bits in int32s
            vals.extend(
                struct.unpack("<e", struct.pack("<H", v & 0xFFFF))[0]
                for v in _packed_varints(buf, wire, value)
            )
        elif number in (16, 17):  # uint32_val, uint64_val
            vals.extend(v & 0xFFFFFFFFFFFFFFFF for v in _packed_varints(buf, wire, value))
    fmt = _CONTENT_FORMATS.get(dtype)
    if fmt is None:
        return None
    if content:
        width = struct.calcsize(fmt)
        if len(content) != width:
            return None
        return float(struct.unpack("<" + fmt, content)[0])
    if len(vals) == 1:
        return float(vals[0])
    return None


# --- hparams plugin ----------------------------------------------------------------


def _pb_value(buf: bytes, start: int, end: int) -> Any:
    """A google.protobuf.Value as Python data."""
    out: Any = None
    for number, wire, value in fields(buf, start, end):
        if number == 1:
            out = None
        elif number == 2 and wire == 1:
            out = _F64.unpack(value)[0]
            if out.is_integer() and abs(out) < 2**53:
                out = int(out)
        elif number == 3 and wire == 2:
            out = _text(buf, value)
        elif number == 4 and wire == 0:
            out = bool(value)
        elif number == 5 and wire == 2:
            out = _pb_struct(buf, *value)
        elif number == 6 and wire == 2:
            out = _pb_list(buf, *value)
    return out


def _pb_list(buf: bytes, start: int, end: int) -> list[Any]:
    return [_pb_value(buf, *v) for n, w, v in fields(buf, start, end) if n == 1 and w == 2]


def _pb_struct(buf: bytes, start: int, end: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for n, w, v in fields(buf, start, end):
        if n == 1 and w == 2:
            key, val = _map_entry(buf, *v)
            out[key] = val
    return out


def _map_entry(buf: bytes, start: int, end: int) -> tuple[str, Any]:
    key, val = "", None
    for n, w, v in fields(buf, start, end):
        if n == 1 and w == 2:
            key = _text(buf, v)
        elif n == 2 and w == 2:
            val = _pb_value(buf, *v)
    return key, val


def decode_hparams(content: bytes) -> dict[str, Any]:
    """An ``HParamsPluginData`` message as config entries: a session's hyperparameters
    (``{"lr": 0.001}``), an experiment's domains under ``hparam_domains`` and its
    metrics under ``hparam_metrics``, a session end under ``hparams_status``."""
    out: dict[str, Any] = {}
    for number, wire, value in fields(content, 0, len(content)):
        if wire != 2:
            continue
        if number == 3:  # SessionStartInfo
            for n, w, v in fields(content, *value):
                if n == 1 and w == 2:
                    key, val = _map_entry(content, *v)
                    out[key] = val
                elif n == 4 and w == 2:
                    out["hparams_group"] = _text(content, v)
        elif number == 2:  # Experiment
            domains: dict[str, Any] = {}
            metrics: list[str] = []
            for n, w, v in fields(content, *value):
                if n == 4 and w == 2:
                    name, domain = _hparam_info(content, *v)
                    domains[name] = domain
                elif n == 5 and w == 2:
                    metrics.append(_metric_info(content, *v))
            out["hparam_domains"] = domains
            out["hparam_metrics"] = metrics
        elif number == 4:  # SessionEndInfo
            for n, w, v in fields(content, *value):
                if n == 1 and w == 0:
                    out["hparams_status"] = ["unknown", "success", "failure", "running"][v & 3]
    return out


def _hparam_info(buf: bytes, start: int, end: int) -> tuple[str, Any]:
    name = ""
    domain: Any = None
    for n, w, v in fields(buf, start, end):
        if n == 1 and w == 2:
            name = _text(buf, v)
        elif n == 5 and w == 2:
            domain = _pb_list(buf, *v)
        elif n == 6 and w == 2:
            lo = hi = None
            for n2, w2, v2 in fields(buf, *v):
                if n2 == 1 and w2 == 1:
                    lo = _F64.unpack(v2)[0]
                elif n2 == 2 and w2 == 1:
                    hi = _F64.unpack(v2)[0]
            domain = {"min": lo, "max": hi}
    return name, domain


def _metric_info(buf: bytes, start: int, end: int) -> str:
    group = tag = ""
    for n, w, v in fields(buf, start, end):
        if n == 1 and w == 2:
            for n2, w2, v2 in fields(buf, *v):
                if n2 == 1 and w2 == 2:
                    group = _text(buf, v2)
                elif n2 == 2 and w2 == 2:
                    tag = _text(buf, v2)
    return f"{group}/{tag}" if group else tag


def unpack_u64(b: bytes) -> int:
    return int(_U64.unpack(b)[0])


def unpack_u32(b: bytes) -> int:
    return int(_U32.unpack(b)[0])
