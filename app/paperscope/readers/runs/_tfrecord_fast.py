"""numba kernels that scan TFRecord-framed TensorBoard event files into arrays.

This module imports numba at the top and is itself only ever imported lazily (by
``tensorboard._kernels()``), which keeps the rule "heavy modules load inside functions".

``scan`` walks records, checks both masked CRC32Cs, decodes the common Event shapes
(``simple_value`` scalars and one-element DT_FLOAT/DT_DOUBLE tensors in
``tensor_content``/``float_val``/``double_val``) into preallocated arrays and interns
tags in a small open-addressing table it shares with the Python side. Anything else
(hparams summaries, unusual dtypes, malformed protobuf) is handed back to Python
record by record, as are CRC failures, so the file order is kept exactly.
"""

# mypy: ignore-errors
# (numba kernels: numpy scalar types everywhere; checked by the tests instead)
from __future__ import annotations

import numba  # noqa: TID253 - this module is only imported lazily
import numpy as np

# statuses returned with the position
DONE = 0  # stopped at ``pos``: the record there is incomplete (or pos == end)
OUT_FULL = 1  # output arrays full; record at ``pos`` not consumed
TAGS_FULL = 2  # tag table or pool full; record at ``pos`` not consumed
FALLBACK = 3  # record at ``pos`` needs the Python decoder
BAD_HEADER = 4  # length checksum wrong at ``pos``
BAD_DATA = 5  # data checksum wrong for the record at ``pos``

PLUGIN_UNSET, PLUGIN_SCALARS, PLUGIN_OTHER, PLUGIN_NONE = 0, 1, 2, 3

FNV_OFFSET = np.int64(-3750763034362895579)  # 14695981039346656037 as int64
FNV_PRIME = np.int64(1099511628211)

_POLY = 0x82F63B78


def _crc_tables() -> np.ndarray:
    t = np.zeros((8, 256), dtype=np.int64)
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ _POLY if c & 1 else c >> 1
        t[0, n] = c
    for k in range(1, 8):
        for n in range(256):
            prev = int(t[k - 1, n])
            t[k, n] = (prev >> 8) ^ int(t[0, prev & 0xFF])
    return t


CRC_T = _crc_tables()
_SCALARS = np.frombuffer(b"scalars", dtype=np.uint8).copy()
_HPARAMS = np.frombuffer(b"hparams", dtype=np.uint8).copy()
_M32 = np.int64(0xFFFFFFFF)


@numba.njit(cache=True, nogil=True)
def crc32c(buf: np.ndarray, start: int, n: int) -> int:
    t = CRC_T
    crc = _M32
    i = start
    end = start + n
    while i + 8 <= end:
        lo = (
            np.int64(buf[i])
            | (np.int64(buf[i + 1]) << 8)
            | (np.int64(buf[i + 2]) << 16)
            | (np.int64(buf[i + 3]) << 24)
        )
        crc ^= lo
        crc = (
            t[7, crc & 0xFF]
            ^ t[6, (crc >> 8) & 0xFF]
            ^ t[5, (crc >> 16) & 0xFF]
            ^ t[4, (crc >> 24) & 0xFF]
            ^ t[3, buf[i + 4]]
            ^ t[2, buf[i + 5]]
            ^ t[1, buf[i + 6]]
            ^ t[0, buf[i + 7]]
        )
        i += 8
    while i < end:
        crc = t[0, (crc ^ np.int64(buf[i])) & 0xFF] ^ (crc >> 8)
        i += 1
    return crc ^ _M32


@numba.njit(cache=True, nogil=True)
def masked_crc32c(buf: np.ndarray, start: int, n: int) -> int:
    crc = crc32c(buf, start, n)
    return ((((crc >> 15) | (crc << 17)) & _M32) + np.int64(0xA282EAD8)) & _M32


@numba.njit(cache=True, nogil=True)
def _u32(buf: np.ndarray, p: int) -> int:
    return (
        np.int64(buf[p])
        | (np.int64(buf[p + 1]) << 8)
        | (np.int64(buf[p + 2]) << 16)
        | (np.int64(buf[p + 3]) << 24)
    )


@numba.njit(cache=True, nogil=True)
def _u64(buf: np.ndarray, p: int) -> int:
    return _u32(buf, p) | (_u32(buf, p + 4) << 32)


@numba.njit(cache=True, nogil=True)
def _varint(buf: np.ndarray, p: int, end: int) -> tuple[int, int]:
    result = np.int64(0)
    shift = 0
    while p < end and shift < 64:
        b = np.int64(buf[p])
        p += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, p
        shift += 7
    return np.int64(0), -1


@numba.njit(cache=True, nogil=True)
def _skip(buf: np.ndarray, p: int, end: int, wire: int) -> int:
    if wire == 0:
        _, p = _varint(buf, p, end)
        return p
    if wire == 1:
        return p + 8 if p + 8 <= end else -1
    if wire == 5:
        return p + 4 if p + 4 <= end else -1
    if wire == 2:
        n, p = _varint(buf, p, end)
        if p < 0 or n < 0 or p + n > end:
            return -1
        return p + n
    return -1


@numba.njit(cache=True, nogil=True)
def _equal(buf: np.ndarray, s: int, e: int, word: np.ndarray) -> bool:
    if e - s != word.shape[0]:
        return False
    for k in range(e - s):  # noqa: SIM110 - a plain loop compiles best in numba
        if buf[s + k] != word[k]:
            return False
    return True


@numba.njit(cache=True, nogil=True)
def _intern(
    buf: np.ndarray,
    s: int,
    e: int,
    tag_pool: np.ndarray,
    tag_info: np.ndarray,
    hslots: np.ndarray,
    counts: np.ndarray,
) -> int:
    """The tag id for ``buf[s:e]``, adding it when new; -1 when the table is full."""
    h = FNV_OFFSET
    for k in range(s, e):
        h = (h ^ np.int64(buf[k])) * FNV_PRIME
    mask = hslots.shape[0] - 1
    i = h & mask
    n = e - s
    while True:
        tid = hslots[i]
        if tid < 0:
            break
        if tag_info[tid, 2] == h and tag_info[tid, 1] == n:
            off = tag_info[tid, 0]
            same = True
            for k in range(n):
                if tag_pool[off + k] != buf[s + k]:
                    same = False
                    break
            if same:
                return tid
        i = (i + 1) & mask
    ntags = counts[1]
    used = counts[2]
    if ntags >= tag_info.shape[0] or 2 * (ntags + 1) > hslots.shape[0]:
        return -1
    if used + n > tag_pool.shape[0]:
        return -1
    for k in range(n):
        tag_pool[used + k] = buf[s + k]
    tag_info[ntags, 0] = used
    tag_info[ntags, 1] = n
    tag_info[ntags, 2] = h
    tag_info[ntags, 3] = 0
    tag_info[ntags, 4] = -1
    hslots[i] = ntags
    counts[1] = ntags + 1
    counts[2] = used + n
    return ntags


@numba.njit(cache=True, nogil=True)
def scan(
    buf: np.ndarray,
    pos: int,
    end: int,
    verify: bool,
    out_step: np.ndarray,
    out_wall: np.ndarray,
    out_val: np.ndarray,
    out_tag: np.ndarray,
    out_kind: np.ndarray,
    tag_pool: np.ndarray,
    tag_info: np.ndarray,
    hslots: np.ndarray,
    counts: np.ndarray,
    fwall: np.ndarray,
    scratch_u32: np.ndarray,
    scratch_i64: np.ndarray,
) -> tuple[int, int]:
    """Scan records from ``pos`` until ``end`` or until Python is needed.

    ``counts``: [0] values written, [1] tags, [2] tag pool bytes used, [3] records.
    ``fwall[0]``: wall time of the first event seen (NaN until then).
    """
    f32 = scratch_u32.view(np.float32)
    f64 = scratch_i64.view(np.float64)
    cap = out_step.shape[0]
    last_tid = -1  # tags usually come in the same order: guess the next one first
    while True:
        if pos + 12 > end:
            return pos, DONE
        length = _u64(buf, pos)
        if verify and masked_crc32c(buf, pos, 8) != _u32(buf, pos + 8):
            return pos, BAD_HEADER
        if length < 0 or length > (1 << 31):
            return pos, BAD_HEADER
        ds = pos + 12
        de = ds + length
        if de + 4 > end:
            return pos, DONE
        if verify and masked_crc32c(buf, ds, length) != _u32(buf, de):
            return pos, BAD_DATA
        # --- Event ---
        wall = 0.0
        step = np.int64(0)
        sum_s = -1
        sum_e = -1
        p = ds
        while p < de:
            key, p = _varint(buf, p, de)
            if p < 0:
                return pos, FALLBACK
            fn = key >> 3
            wt = key & 7
            if fn == 1 and wt == 1:
                if p + 8 > de:
                    return pos, FALLBACK
                scratch_i64[0] = _u64(buf, p)
                wall = f64[0]
                p += 8
            elif fn == 2 and wt == 0:
                step, p = _varint(buf, p, de)
                if p < 0:
                    return pos, FALLBACK
            elif fn == 5 and wt == 2:
                n, p = _varint(buf, p, de)
                if p < 0 or n < 0 or p + n > de:
                    return pos, FALLBACK
                sum_s = p
                sum_e = p + n
                p += n
            else:
                p = _skip(buf, p, de, wt)
                if p < 0:
                    return pos, FALLBACK
        n0 = counts[0]
        q = sum_s
        while sum_s >= 0 and q < sum_e:
            key, q = _varint(buf, q, sum_e)
            if q < 0:
                counts[0] = n0
                return pos, FALLBACK
            if key != 10:  # field 1, length-delimited: a Summary.Value
                q = _skip(buf, q, sum_e, key & 7)
                if q < 0:
                    counts[0] = n0
                    return pos, FALLBACK
                continue
            n, q = _varint(buf, q, sum_e)
            if q < 0 or n < 0 or q + n > sum_e:
                counts[0] = n0
                return pos, FALLBACK
            vs = q
            ve = q + n
            q = ve
            # --- Summary.Value ---
            tag_s = vs
            tag_e = vs
            has_tag = False
            has_node = False
            has_simple = False
            sv = 0.0
            ten_s = -1
            ten_e = -1
            meta_s = -1
            meta_e = -1
            r = vs
            while r < ve:
                key, r = _varint(buf, r, ve)
                if r < 0:
                    counts[0] = n0
                    return pos, FALLBACK
                fn = key >> 3
                wt = key & 7
                if wt == 2 and (fn == 1 or fn == 7 or fn == 8 or fn == 9):
                    m, r = _varint(buf, r, ve)
                    if r < 0 or m < 0 or r + m > ve:
                        counts[0] = n0
                        return pos, FALLBACK
                    if fn == 1:
                        tag_s = r
                        tag_e = r + m
                        has_tag = True
                    elif fn == 7:
                        has_node = True
                    elif fn == 8:
                        ten_s = r
                        ten_e = r + m
                    else:
                        meta_s = r
                        meta_e = r + m
                    r += m
                elif fn == 2 and wt == 5:
                    if r + 4 > ve:
                        counts[0] = n0
                        return pos, FALLBACK
                    scratch_u32[0] = _u32(buf, r)
                    sv = np.float64(f32[0])
                    has_simple = True
                    r += 4
                else:
                    r = _skip(buf, r, ve, wt)
                    if r < 0:
                        counts[0] = n0
                        return pos, FALLBACK
            if not has_tag and has_node and ten_s >= 0:
                counts[0] = n0
                return pos, FALLBACK  # old-style tensor summary named by node_name
            plugin = PLUGIN_UNSET
            if meta_s >= 0:
                plugin = PLUGIN_NONE
                m_ = meta_s
                while m_ < meta_e:
                    key, m_ = _varint(buf, m_, meta_e)
                    if m_ < 0:
                        counts[0] = n0
                        return pos, FALLBACK
                    if key == 10:  # plugin_data
                        n, m_ = _varint(buf, m_, meta_e)
                        if m_ < 0 or n < 0 or m_ + n > meta_e:
                            counts[0] = n0
                            return pos, FALLBACK
                        pd = m_
                        pde = m_ + n
                        m_ = pde
                        while pd < pde:
                            key, pd = _varint(buf, pd, pde)
                            if pd < 0:
                                counts[0] = n0
                                return pos, FALLBACK
                            if key == 10:  # plugin_name
                                n, pd = _varint(buf, pd, pde)
                                if pd < 0 or n < 0 or pd + n > pde:
                                    counts[0] = n0
                                    return pos, FALLBACK
                                if _equal(buf, pd, pd + n, _SCALARS):
                                    plugin = PLUGIN_SCALARS
                                elif _equal(buf, pd, pd + n, _HPARAMS):
                                    counts[0] = n0
                                    return pos, FALLBACK
                                elif n > 0:
                                    plugin = PLUGIN_OTHER
                                pd += n
                            else:
                                pd = _skip(buf, pd, pde, key & 7)
                                if pd < 0:
                                    counts[0] = n0
                                    return pos, FALLBACK
                    else:
                        m_ = _skip(buf, m_, meta_e, key & 7)
                        if m_ < 0:
                            counts[0] = n0
                            return pos, FALLBACK
            # tensor: decode a one-element float/double
            have_val = False
            val = 0.0
            kind = 0
            if has_simple:
                have_val = True
                val = sv
            elif ten_s >= 0:
                dtype = 0
                c_s = -1
                c_n = 0
                nvals = 0
                fval = 0.0
                t = ten_s
                while t < ten_e:
                    key, t = _varint(buf, t, ten_e)
                    if t < 0:
                        counts[0] = n0
                        return pos, FALLBACK
                    fn = key >> 3
                    wt = key & 7
                    if fn == 1 and wt == 0:
                        dtype, t = _varint(buf, t, ten_e)
                        if t < 0:
                            counts[0] = n0
                            return pos, FALLBACK
                    elif fn == 4 and wt == 2:
                        n, t = _varint(buf, t, ten_e)
                        if t < 0 or n < 0 or t + n > ten_e:
                            counts[0] = n0
                            return pos, FALLBACK
                        c_s = t
                        c_n = n
                        t += n
                    elif fn == 5 and (wt == 2 or wt == 5):
                        n = 4
                        if wt == 2:
                            n, t = _varint(buf, t, ten_e)
                            if t < 0 or n < 0 or t + n > ten_e or n % 4 != 0:
                                counts[0] = n0
                                return pos, FALLBACK
                        elif t + 4 > ten_e:
                            counts[0] = n0
                            return pos, FALLBACK
                        if n >= 4:
                            scratch_u32[0] = _u32(buf, t)
                            fval = np.float64(f32[0])
                        nvals += n // 4
                        t += n
                    elif fn == 6 and (wt == 2 or wt == 1):
                        n = 8
                        if wt == 2:
                            n, t = _varint(buf, t, ten_e)
                            if t < 0 or n < 0 or t + n > ten_e or n % 8 != 0:
                                counts[0] = n0
                                return pos, FALLBACK
                        elif t + 8 > ten_e:
                            counts[0] = n0
                            return pos, FALLBACK
                        if n >= 8:
                            scratch_i64[0] = _u64(buf, t)
                            fval = f64[0]
                        nvals += n // 8
                        t += n
                    else:
                        t = _skip(buf, t, ten_e, wt)
                        if t < 0:
                            counts[0] = n0
                            return pos, FALLBACK
                if dtype == 1:
                    if c_n == 4:
                        scratch_u32[0] = _u32(buf, c_s)
                        val = np.float64(f32[0])
                        have_val = True
                    elif c_n == 0 and nvals == 1:
                        val = fval
                        have_val = True
                elif dtype == 2:
                    if c_n == 8:
                        scratch_i64[0] = _u64(buf, c_s)
                        val = f64[0]
                        have_val = True
                    elif c_n == 0 and nvals == 1:
                        val = fval
                        have_val = True
                elif dtype != 7 and dtype != 0:
                    counts[0] = n0
                    return pos, FALLBACK  # int/half/bool tensors: Python knows them
                kind = 1
            if not have_val and meta_s < 0:
                continue
            tid = -1
            if last_tid >= 0:
                guess = tag_info[last_tid, 4]
                if guess >= 0 and tag_info[guess, 1] == tag_e - tag_s:
                    off = tag_info[guess, 0]
                    tid = guess
                    for k in range(tag_e - tag_s):
                        if tag_pool[off + k] != buf[tag_s + k]:
                            tid = -1
                            break
            if tid < 0:
                tid = _intern(buf, tag_s, tag_e, tag_pool, tag_info, hslots, counts)
                if tid < 0:
                    counts[0] = n0
                    return pos, TAGS_FULL
                if last_tid >= 0:
                    tag_info[last_tid, 4] = tid
            last_tid = tid
            if plugin != PLUGIN_UNSET and tag_info[tid, 3] == PLUGIN_UNSET:
                tag_info[tid, 3] = plugin
            if have_val:
                k = counts[0]
                if k >= cap:
                    counts[0] = n0
                    return pos, OUT_FULL
                out_step[k] = step
                out_wall[k] = wall
                out_val[k] = val
                out_tag[k] = tid
                out_kind[k] = kind
                counts[0] = k + 1
        if np.isnan(fwall[0]):
            fwall[0] = wall
        counts[3] += 1
        pos = de + 4


@numba.njit(cache=True, nogil=True)
def resync(buf: np.ndarray, pos: int, end: int, max_len: int) -> int:
    """The next offset after ``pos`` where a record header's checksum holds, or -1."""
    p = pos + 1
    while p + 12 <= end:
        length = _u64(buf, p)
        if 0 <= length <= max_len and masked_crc32c(buf, p, 8) == _u32(buf, p + 8):
            return p
        p += 1
    return -1


@numba.njit(cache=True, nogil=True)
def split_by_tag(
    n: int,
    ntags: int,
    out_step: np.ndarray,
    out_wall: np.ndarray,
    out_val: np.ndarray,
    out_tag: np.ndarray,
    out_kind: np.ndarray,
    s_step: np.ndarray,
    s_wall: np.ndarray,
    s_val: np.ndarray,
    s_kind: np.ndarray,
) -> np.ndarray:
    """Counting sort of the first ``n`` values by tag id (stable); returns the start
    offset of each tag's slice (length ``ntags + 1``)."""
    starts = np.zeros(ntags + 1, dtype=np.int64)
    for i in range(n):
        starts[out_tag[i] + 1] += 1
    for t in range(ntags):
        starts[t + 1] += starts[t]
    fill = starts[:-1].copy()
    for i in range(n):
        t = out_tag[i]
        j = fill[t]
        s_step[j] = out_step[i]
        s_wall[j] = out_wall[i]
        s_val[j] = out_val[i]
        s_kind[j] = out_kind[i]
        fill[t] = j + 1
    return starts
