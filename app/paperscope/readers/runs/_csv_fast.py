"""numba kernels that parse numeric CSV text into float64 columns, exactly.

Imported lazily (by ``_table``); it imports numba at the top for the decorators.

Every number is rounded exactly as Python's ``float()`` rounds it: Clinger's fast
path when the decimal significand fits in 53 bits and the power of ten is small,
else the Eisel-Lemire algorithm (as in fast_float / Rust's core / Go's strconv) with a
128-bit table of powers of five. Numbers with more than 19 significant digits, and
subnormals, are handed back as "slow cells" for Python's own ``float()``. Lines with
quotes or the wrong number of fields are handed back too (the general CSV path then
reads the whole region and names the bad lines). An empty cell or text that is not a
number is "no value": the NaN with ``_table.MISSING_BITS`` (so a sparse column is
never joined across its gaps), while a literal ``nan``/``inf`` is the value NaN/±inf
and is kept (a diverged loss is data); ``True``/``False`` are 1/0. A line ends at
``\n``, ``\r\n``, ``\r\r\n`` (Windows files written through a text-mode stream
twice) or a lone ``\r``.
"""

# mypy: ignore-errors
# (numba kernels: numpy scalar types everywhere; checked by the tests instead)
from __future__ import annotations

import numba  # noqa: TID253 - this module is only imported lazily
import numpy as np

from paperscope.readers.runs._table import MISSING_BITS

DONE, FULL, SLOW_FULL, FALLBACK = 0, 1, 2, 3

SMALLEST_POW10 = -342
LARGEST_POW10 = 308


def _powers_of_five() -> np.ndarray:
    """The 128-bit truncated, normalised powers of five for 10^-342 … 10^308
    (fast_float's table, computed here with Python integers)."""
    out = np.zeros((LARGEST_POW10 - SMALLEST_POW10 + 1, 2), dtype=np.uint64)
    for q in range(SMALLEST_POW10, LARGEST_POW10 + 1):
        if q < 0:
            power5 = 5**-q
            z = power5.bit_length()
            if q >= -27:
                c = (1 << (z + 127)) // power5 + 1
            else:
                c = (1 << (2 * z + 128)) // power5 + 1
                while c >= 1 << 128:
                    c //= 2
        else:
            c = 5**q
            while c < 1 << 127:
                c *= 2
            while c >= 1 << 128:
                c //= 2
        out[q - SMALLEST_POW10, 0] = c >> 64
        out[q - SMALLEST_POW10, 1] = c & ((1 << 64) - 1)
    return out


POW5 = _powers_of_five()
POW10 = np.array([10.0**i for i in range(23)], dtype=np.float64)
_M32 = np.uint64(0xFFFFFFFF)
_U32 = np.uint64(32)
_ONE = np.uint64(1)
_ZERO = np.uint64(0)


@numba.njit(cache=True, nogil=True)
def _mul128(a, b):
    a_lo = a & _M32
    a_hi = a >> _U32
    b_lo = b & _M32
    b_hi = b >> _U32
    p0 = a_lo * b_lo
    p1 = a_lo * b_hi
    p2 = a_hi * b_lo
    p3 = a_hi * b_hi
    mid = (p0 >> _U32) + (p1 & _M32) + (p2 & _M32)
    lo = (p0 & _M32) | (mid << _U32)
    hi = p3 + (p1 >> _U32) + (p2 >> _U32) + (mid >> _U32)
    return hi, lo


@numba.njit(cache=True, nogil=True)
def _clz(w):
    n = 0
    if w >> np.uint64(32) == _ZERO:
        n += 32
        w = w << np.uint64(32)
    if w >> np.uint64(48) == _ZERO:
        n += 16
        w = w << np.uint64(16)
    if w >> np.uint64(56) == _ZERO:
        n += 8
        w = w << np.uint64(8)
    if w >> np.uint64(60) == _ZERO:
        n += 4
        w = w << np.uint64(4)
    if w >> np.uint64(62) == _ZERO:
        n += 2
        w = w << np.uint64(2)
    if w >> np.uint64(63) == _ZERO:
        n += 1
    return n


@numba.njit(cache=True, nogil=True)
def eisel_lemire(q, w, scratch):
    """The bits of w * 10^q correctly rounded, or -1 when the slow path is needed.
    ``w`` is a non-zero uint64, ``q`` an int64 in [-342, 308]."""
    lz = _clz(w)
    w = w << np.uint64(lz)
    idx = q - SMALLEST_POW10
    hi, lo = _mul128(w, POW5[idx, 0])
    if hi & np.uint64(0x1FF) == np.uint64(0x1FF):
        hi2, _ = _mul128(w, POW5[idx, 1])
        lo = lo + hi2
        if hi2 > lo:
            hi = hi + _ONE
        if lo == np.uint64(0xFFFFFFFFFFFFFFFF) and (q < -27 or q > 55):
            return -1
    upperbit = np.int64(hi >> np.uint64(63))
    shift = upperbit + 64 - 52 - 3
    mantissa = hi >> np.uint64(shift)
    power2 = (((152170 + 65536) * q) >> 16) + 63 + upperbit - lz + 1023
    if power2 <= 0:
        return -1  # subnormal: Python decides
    if (
        lo <= _ONE
        and -4 <= q <= 23
        and mantissa & np.uint64(3) == _ONE
        and (mantissa << np.uint64(shift)) == hi
    ):
        mantissa = mantissa & ~_ONE
    mantissa = mantissa + (mantissa & _ONE)
    mantissa = mantissa >> _ONE
    if mantissa >= (np.uint64(2) << np.uint64(52)):
        mantissa = _ONE << np.uint64(52)
        power2 += 1
    mantissa = mantissa & ~(_ONE << np.uint64(52))
    if power2 >= 0x7FF:
        power2 = 0x7FF
        mantissa = _ZERO
    scratch[0] = mantissa | (np.uint64(power2) << np.uint64(52))
    return 0


@numba.njit(cache=True, nogil=True)
def _lower(b):
    return b | 0x20 if 65 <= b <= 90 else b


@numba.njit(cache=True, nogil=True)
def _word(buf, s, e, word):
    if e - s != len(word):
        return False
    for k in range(e - s):  # noqa: SIM110 - a plain loop compiles best in numba
        if _lower(buf[s + k]) != word[k]:
            return False
    return True


_MISSING_F = float(np.array([MISSING_BITS], dtype=np.uint64).view(np.float64)[0])
_NAN_W = np.frombuffer(b"nan", dtype=np.uint8).copy()
_INF_W = np.frombuffer(b"inf", dtype=np.uint8).copy()
_INFINITY_W = np.frombuffer(b"infinity", dtype=np.uint8).copy()
_TRUE_W = np.frombuffer(b"true", dtype=np.uint8).copy()
_FALSE_W = np.frombuffer(b"false", dtype=np.uint8).copy()


@numba.njit(cache=True, nogil=True)
def parse_field(buf, s, e, scratch_u, scratch_f):
    """(value, status) for ``buf[s:e]``: status 0 parsed (the MISSING NaN for empty
    cells and non-numbers), 1 needs Python's float()."""
    while s < e and (buf[s] == 32 or buf[s] == 9):
        s += 1
    while e > s and (buf[e - 1] == 32 or buf[e - 1] == 9):
        e -= 1
    if s == e:
        return _MISSING_F, 0
    p = s
    neg = False
    if buf[p] == 45 or buf[p] == 43:  # - +
        neg = buf[p] == 45
        p += 1
    w = _ZERO
    digits = 0  # significant digits (after leading zeros)
    any_digit = False
    q = 0
    while p < e and 48 <= buf[p] <= 57:
        d = buf[p] - 48
        any_digit = True
        if digits > 0 or d != 0:
            digits += 1
            if digits <= 19:
                w = w * np.uint64(10) + np.uint64(d)
            else:
                q += 1
        p += 1
    if p < e and buf[p] == 46:  # .
        p += 1
        while p < e and 48 <= buf[p] <= 57:
            d = buf[p] - 48
            any_digit = True
            if digits > 0 or d != 0:
                digits += 1
                if digits <= 19:
                    w = w * np.uint64(10) + np.uint64(d)
                    q -= 1
            else:
                q -= 1
            p += 1
    if not any_digit:
        # words: nan, inf, infinity, true, false (with a sign for nan/inf)
        if _word(buf, p, e, _NAN_W):
            return np.nan, 0
        if _word(buf, p, e, _INF_W) or _word(buf, p, e, _INFINITY_W):
            return (-np.inf if neg else np.inf), 0
        if p == s and _word(buf, s, e, _TRUE_W):
            return 1.0, 0
        if p == s and _word(buf, s, e, _FALSE_W):
            return 0.0, 0
        return _MISSING_F, 0
    if p < e and (buf[p] == 101 or buf[p] == 69):  # e E
        p += 1
        eneg = False
        if p < e and (buf[p] == 45 or buf[p] == 43):
            eneg = buf[p] == 45
            p += 1
        if p >= e or not (48 <= buf[p] <= 57):
            return _MISSING_F, 0
        ex = 0
        while p < e and 48 <= buf[p] <= 57:
            if ex < 100000:
                ex = ex * 10 + (buf[p] - 48)
            p += 1
        q += -ex if eneg else ex
    if p != e:
        return _MISSING_F, 0  # trailing text: not a number
    if digits > 19:
        return np.nan, 1
    if w == _ZERO:
        return (-0.0 if neg else 0.0), 0
    if q < SMALLEST_POW10:
        return np.nan, 1
    if q > LARGEST_POW10:
        return (-np.inf if neg else np.inf), 0
    if w <= np.uint64(9007199254740992) and -22 <= q <= 22:
        v = np.float64(w)
        v = v * POW10[q] if q >= 0 else v / POW10[-q]
        return (-v if neg else v), 0
    if eisel_lemire(q, w, scratch_u) < 0:
        return np.nan, 1
    v = scratch_f[0]
    return (-v if neg else v), 0


@numba.njit(cache=True, nogil=True)
def count_byte(buf, n, b):
    c = 0
    for i in range(n):
        if buf[i] == b:
            c += 1
    return c


@numba.njit(cache=True, nogil=True)
def count_eol(buf, n):
    """At least the number of line ends in ``buf[:n]`` (``\n``, and each ``\r`` not
    followed by ``\r`` or ``\n``)."""
    c = 0
    for i in range(n):
        b = buf[i]
        lone_cr = b == 13 and (i + 1 >= n or (buf[i + 1] != 10 and buf[i + 1] != 13))
        if b == 10 or lone_cr:
            c += 1
    return c


@numba.njit(cache=True, nogil=True)
def last_eol(buf, n):
    """The index of the last ``\n`` or ``\r`` in ``buf[:n]``, or -1."""
    for i in range(n - 1, -1, -1):
        if buf[i] == 10 or buf[i] == 13:
            return i
    return -1


@numba.njit(cache=True, nogil=True)
def last_byte(buf, n, b):
    """The index of the last ``b`` in ``buf[:n]``, or -1."""
    for i in range(n - 1, -1, -1):
        if buf[i] == b:
            return i
    return -1


@numba.njit(cache=True, nogil=True)
def parse_csv(buf, pos, end, delim, out, counts, slow_row, slow_col, slow_s, slow_e, scratch_u):
    """Parse lines from ``pos`` into ``out[col, row]``. ``counts``: [0] rows written,
    [1] slow cells pending, [2] lines consumed. Returns (pos, status)."""
    scratch_f = scratch_u.view(np.float64)
    ncols = out.shape[0]
    cap = out.shape[1]
    nslow = slow_row.shape[0]
    while pos < end:
        nl = pos
        while nl < end and buf[nl] != 10 and buf[nl] != 13:
            nl += 1
        stop = nl
        # one line end: \n, \r\n, \r\r\n (or more \r), a lone \r
        nxt = nl
        while nxt < end and buf[nxt] == 13:
            nxt += 1
        if nxt < end and buf[nxt] == 10:
            nxt += 1
        if nxt == nl:
            nxt = min(nl + 1, end)
        blank = True
        for k in range(pos, stop):
            if buf[k] != 32 and buf[k] != 9:
                blank = False
                break
        if blank:
            pos = nxt
            counts[2] += 1
            continue
        row = counts[0]
        if row >= cap:
            return pos, FULL
        slow0 = counts[1]
        col = 0
        p = pos
        while True:
            fe = p
            while fe < stop and buf[fe] != delim:
                if buf[fe] == 34:  # a quote: the general path
                    counts[1] = slow0
                    return pos, FALLBACK
                fe += 1
            if col >= ncols:
                counts[1] = slow0
                return pos, FALLBACK
            v, st = parse_field(buf, p, fe, scratch_u, scratch_f)
            if st == 1:
                k = counts[1]
                if k >= nslow:
                    counts[1] = slow0
                    return pos, SLOW_FULL
                slow_row[k] = row
                slow_col[k] = col
                slow_s[k] = p
                slow_e[k] = fe
                counts[1] = k + 1
            out[col, row] = v
            col += 1
            if fe >= stop:
                break
            p = fe + 1
        if col != ncols:
            counts[1] = slow0
            return pos, FALLBACK
        counts[0] = row + 1
        counts[2] += 1
        pos = nxt
    return pos, DONE
