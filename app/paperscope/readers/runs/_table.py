"""Reading CSV tables of numbers fast, exactly, and incrementally (appended lines only).

The numba kernel in ``_csv_fast`` parses straight from the file into preallocated
float64 columns (peak memory: the columns plus one 16 MB chunk), rounding every
number exactly as Python's ``float()`` does (Clinger + Eisel-Lemire; > 19 digits and
subnormals go to ``float()`` itself). Without numba, pandas' C parser with its
round-trip float converter does the same work, more slowly, when it happens to be
installed (it is optional); otherwise, and when a region has quoted fields or
malformed lines, the standard ``csv`` module reads it and names each bad line.

"No value" and NaN are told apart: an empty cell (a sparse column: Lightning logs
train and validation metrics on different rows) or text that is not a number is
:data:`MISSING`, a NaN with its own bit pattern (:func:`missing` finds it), and is
dropped per series; a literal ``nan``/``inf``/``-inf`` is the value NaN/±inf and is
kept (a loss that diverged is data). Lines may end in ``\n``, ``\r\n``, ``\r\r\n`` or a
lone ``\r``, mixed within one file.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from paperscope.core.records import ReadError, ReadIssue, ReadResult, Series
from paperscope.readers.runs._common import Duplicates, make_series

MISSING_BITS = 0x7FF8_0000_4D49_5353
"""The bits of the NaN that marks a cell without a value (quiet NaN, payload "MISS")."""
MISSING: float = float(np.array([MISSING_BITS], dtype=np.uint64).view(np.float64)[0])
_EOL = re.compile(rb"\r+\n?|\n")


def missing(values: np.ndarray) -> np.ndarray:
    """Where a column read by :class:`CsvTable` has no value (not where it is NaN)."""
    v = np.ascontiguousarray(values, dtype=np.float64)
    out: np.ndarray = v.view(np.uint64) == np.uint64(MISSING_BITS)
    return out


def _mark_missing(arr: np.ndarray) -> np.ndarray:
    """pandas' NaN (empty cells and text; a block holding "nan" never comes here) →
    :data:`MISSING`."""
    nan = np.isnan(arr)
    if not nan.any():
        return arr
    arr = np.array(arr, dtype=np.float64)
    arr.view(np.uint64)[nan] = np.uint64(MISSING_BITS)
    return arr


def _has_nan_text(block: bytes) -> bool:
    """A literal ``nan`` somewhere: pandas would read it as it reads an empty cell."""
    return b"nan" in block.lower()


def _last_eol(data: bytes) -> int:
    return max(data.rfind(b"\n"), data.rfind(b"\r"))


STREAM_LIMIT = 64 << 20
_CHUNK = 4 << 20
_SLOW = 65536


def _csv_kernels() -> Any:
    """The numba CSV kernels, or ``None`` (no numba, or ``PAPERSCOPE_NO_NUMBA``)."""
    if os.environ.get("PAPERSCOPE_NO_NUMBA"):
        return None
    try:
        from paperscope.readers.runs import _csv_fast
    except ImportError:
        return None
    return _csv_fast


def _to_float(cell: str) -> float:
    """A cell's value: a number (``nan``/``inf`` included), or :data:`MISSING`."""
    cell = cell.strip()
    if not cell:
        return MISSING
    try:
        return float(cell.replace("_", "x"))  # float() accepts "1_0": a CSV does not
    except ValueError:
        low = cell.lower()
        if low in ("true", "false"):
            return 1.0 if low == "true" else 0.0
        return MISSING


def _lone_cr(block: bytes) -> bool:
    """A carriage return that does not end a line: pandas' C tokenizer (2.3) can then
    allocate without bound (``b"1,2,3\\n4\\r 5,6,7\\n"`` took 24 GB), so such regions take
    the ``csv`` module's path."""
    return block.count(b"\r") != block.count(b"\r\n")


class CsvTable:
    """A CSV file's header and numeric columns, read up to the last complete line.

    ``update()`` reads what was appended since the last call. ``skip_lines`` lines
    (e.g. SB3 monitor's ``#{json}``) come before the header. Columns that hold no
    number at all are kept out of ``numeric()``.
    """

    def __init__(self, path: Path, skip_lines: int = 0, delimiter: str = ",") -> None:
        self.path = path
        self.skip_lines = skip_lines
        self.delimiter = delimiter
        self.columns: list[str] | None = None
        self.preamble: list[str] = []
        self.offset = 0
        self.rows = 0
        self.lines = 0  # lines consumed (for messages)
        self.data_start = 0  # where the first line after the header starts
        self._parts: dict[str, list[np.ndarray]] = {}
        self.issues: list[ReadIssue] = []

    def update(self) -> bool:
        """Read the complete lines appended since the last call; ``True`` when any."""
        try:
            with self.path.open("rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                if size < self.offset:  # replaced or truncated: start over
                    self.__init__(self.path, self.skip_lines, self.delimiter)  # type: ignore[misc]
                if self.columns is None:
                    head = fh.read(min(size, 1 << 20))
                    cut = _last_eol(head) + 1
                    if cut == 0:
                        return False
                    rest = self._read_header(head[:cut])
                    if self.columns is None:
                        return False
                    self.offset = cut - len(rest)
                    self.data_start = self.offset
                end = _last_newline(fh, self.offset, size)
                if end <= self.offset:
                    return False
                fh.seek(self.offset)
                if self._parse_fast(fh, end):
                    pass
                elif end - self.offset <= STREAM_LIMIT or not self._parse_large(fh, end):
                    fh.seek(self.offset)
                    block = fh.read(end - self.offset)
                    if block.strip():
                        self._parse(block)
        except OSError as exc:
            raise ReadError(str(self.path), "", f"cannot read: {exc}") from None
        self.offset = end
        return True

    def _parse_fast(self, fh: io.BufferedReader, end: int) -> bool:
        """The numba path: straight from the file into preallocated columns, exact
        floats. ``False`` (nothing kept) when numba is missing or a line needs the
        general path (quotes, a wrong number of fields)."""
        k = _csv_kernels()
        if k is None or self.columns is None or len(self.delimiter) != 1:
            return False
        start = fh.tell()
        buf = np.empty(max(min(_CHUNK, end - start), 1), dtype=np.uint8)
        newlines = 0
        while fh.tell() < end:
            n = fh.readinto(memoryview(buf)[: min(buf.shape[0], end - fh.tell())])  # type: ignore[arg-type]
            if not n:
                break
            newlines += int(k.count_eol(buf, n))
        fh.seek(start)
        out = np.empty((len(self.columns), max(newlines, 1)), dtype=np.float64)
        counts = np.zeros(3, dtype=np.int64)
        slow_row = np.empty(_SLOW, dtype=np.int64)
        slow_col = np.empty(_SLOW, dtype=np.int64)
        slow_s = np.empty(_SLOW, dtype=np.int64)
        slow_e = np.empty(_SLOW, dtype=np.int64)
        scratch = np.zeros(1, dtype=np.uint64)
        delim = ord(self.delimiter)
        remaining = end - start
        have = 0  # bytes in buf, from its start
        while remaining > 0 or have:
            if remaining > 0 and have < buf.shape[0]:
                want = min(buf.shape[0] - have, remaining)
                n = fh.readinto(memoryview(buf)[have : have + want])  # type: ignore[arg-type]
                if not n:
                    remaining = 0
                else:
                    have += n
                    remaining -= n
            cut = int(k.last_eol(buf, have)) + 1 if remaining > 0 else have
            if cut == 0:  # one line longer than the buffer
                bigger = np.empty(2 * buf.shape[0], dtype=np.uint8)
                bigger[:have] = buf[:have]
                buf = bigger
                continue
            pos = 0
            while True:
                pos, status = k.parse_csv(
                    buf, pos, cut, delim, out, counts, slow_row, slow_col, slow_s, slow_e, scratch
                )
                for i in range(int(counts[1])):  # > 19 digits, subnormals: Python decides
                    cell = bytes(buf[slow_s[i] : slow_e[i]])
                    out[slow_col[i], slow_row[i]] = _to_float(cell.decode("utf-8", "replace"))
                counts[1] = 0
                if status == k.DONE:
                    break
                if status != k.SLOW_FULL:
                    fh.seek(start)
                    return False
            buf[: have - cut] = buf[cut:have]
            have -= cut
        rows = int(counts[0])
        for i, c in enumerate(self.columns):
            self._parts[c].append(out[i, :rows])
        self.rows += rows
        self.lines += int(counts[2])
        return True

    def _parse_large(self, fh: io.BufferedReader, end: int) -> bool:
        """Parse a large region straight from the file into preallocated columns (peak
        memory: the columns plus one chunk). ``False`` when pandas is missing or the
        region holds anything but numbers, so the general path can take over."""
        try:
            import pandas as pd
        except ImportError:
            return False
        assert self.columns is not None
        start = fh.tell()
        newlines = 0
        while fh.tell() < end:
            piece = fh.read(min(16 << 20, end - fh.tell()))
            if not piece:
                break
            newlines += piece.count(b"\n")
            # (a CRLF split between pieces also lands here: harmless)
            if _lone_cr(piece) or _has_nan_text(piece):
                fh.seek(start)
                return False
        fh.seek(start)
        cols = {c: np.empty(newlines, dtype=np.float64) for c in self.columns}
        n = 0
        try:
            region = io.BufferedReader(_Region(fh, end - start), buffer_size=1 << 20)
            for frame in pd.read_csv(
                region, header=None, names=self.columns, sep=self.delimiter, engine="c",
                dtype=np.float64, chunksize=1 << 20, skip_blank_lines=True,
                float_precision="round_trip",
                on_bad_lines="error", encoding="utf-8",
            ):  # fmt: skip
                k = len(frame)
                if n + k > newlines:
                    return False
                for c in self.columns:
                    cols[c][n : n + k] = _mark_missing(frame[c].to_numpy())
                n += k
        except (ValueError, UnicodeDecodeError, pd.errors.ParserError):
            fh.seek(start)
            return False
        for c in self.columns:
            self._parts[c].append(cols[c][:n])
        self.rows += n
        self.lines += newlines
        return True

    def _read_header(self, block: bytes) -> bytes:
        pos = 0
        if self.offset == 0 and block.startswith(b"\xef\xbb\xbf"):
            pos = 3
        while len(self.preamble) < self.skip_lines:
            m = _EOL.search(block, pos)
            if m is None:
                return b""
            self.preamble.append(self._decode(block[pos : m.start()], len(self.preamble) + 1))
            pos = m.end()
        # the header: the next non-empty line
        while True:
            m = _EOL.search(block, pos)
            if m is None:
                return b""
            raw = block[pos : m.start()]
            line = self._decode(raw, self.lines + len(self.preamble) + 1).strip()
            pos = m.end()
            self.lines += 1
            if line:
                break
        try:
            header = next(csv.reader([line.replace("\r", "")], delimiter=self.delimiter))
        except (csv.Error, StopIteration) as exc:
            raise ReadError(str(self.path), f"line {self.lines}", f"bad header: {exc}") from None
        if not header:
            raise ReadError(str(self.path), "line 1", "no header line")
        self.columns = _unique(header)
        self._parts = {c: [] for c in self.columns}
        self.lines += len(self.preamble)
        return block[pos:]

    def _decode(self, raw: bytes, line: int) -> str:
        try:
            return raw.decode("utf-8").rstrip("\r")
        except UnicodeDecodeError:
            raise ReadError(str(self.path), f"line {line}", "not UTF-8 text") from None

    def _parse(self, block: bytes) -> None:
        assert self.columns is not None
        cols = self.columns
        first_line = self.lines + 1
        try:
            import pandas as pd
        except ImportError:
            pd = None
        if pd is not None and not _lone_cr(block) and not _has_nan_text(block):
            try:
                frame = pd.read_csv(
                    io.BytesIO(block),
                    header=None,
                    names=cols,
                    sep=self.delimiter,
                    engine="c",
                    float_precision="round_trip",
                    skip_blank_lines=True,
                    on_bad_lines="error",
                    dtype=None,
                    low_memory=False,
                    encoding="utf-8",
                )
            except (ValueError, UnicodeDecodeError, pd.errors.ParserError):
                frame = None
            if frame is not None:
                n = len(frame)
                for c in cols:
                    s = frame[c]
                    if s.dtype.kind in "iub":
                        arr = s.to_numpy(dtype=np.float64)
                    elif s.dtype.kind == "f":
                        arr = _mark_missing(s.to_numpy(dtype=np.float64, copy=False))
                    else:  # text among the numbers: each cell as the csv path reads it
                        # (pandas 2.3's to_numeric segfaults on "0.05e5555555555555")
                        arr = np.fromiter(
                            (
                                _to_float(v)
                                if isinstance(v, str)
                                else (MISSING if v != v else float(v))
                                for v in s
                            ),
                            dtype=np.float64,
                            count=n,
                        )
                    self._parts[c].append(arr)
                self.rows += n
                self.lines += _count_lines(block)
                return
        self._parse_slow(block, first_line)

    def _parse_slow(self, block: bytes, first_line: int) -> None:
        assert self.columns is not None
        cols = self.columns
        try:
            text = block.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = first_line + block.count(b"\n", 0, exc.start)
            raise ReadError(str(self.path), f"line {line}", "not UTF-8 text") from None
        values: list[list[float]] = [[] for _ in cols]
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter)
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                self.issues.append(
                    ReadIssue(
                        str(self.path), f"line {first_line + reader.line_num - 1}",
                        f"not CSV: {exc}; the rest of the file skipped", "skipped",
                    )
                )  # fmt: skip
                break
            lineno = first_line + reader.line_num - 1
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) != len(cols):
                self.issues.append(
                    ReadIssue(
                        str(self.path), f"line {lineno}",
                        f"{len(row)} fields where the header has {len(cols)}: line skipped",
                        "skipped",
                    )
                )  # fmt: skip
                continue
            for k, cell in enumerate(row):
                values[k].append(_to_float(cell))
        for c, v in zip(cols, values, strict=True):
            self._parts[c].append(np.asarray(v, dtype=np.float64))
        self.rows += len(values[0]) if values else 0
        self.lines += _count_lines(block)

    def has_data_lines(self) -> bool:
        """Whether anything but blank lines follows the header (to tell an empty log
        from one whose lines gave no row)."""
        if self.columns is None:
            return False
        try:
            with self.path.open("rb") as fh:
                fh.seek(self.data_start)
                while chunk := fh.read(1 << 16):
                    if chunk.strip():
                        return True
        except OSError:
            return False
        return False

    def column(self, name: str) -> np.ndarray:
        parts = self._parts.get(name, [])
        if not parts:
            return np.empty(0, dtype=np.float64)
        if len(parts) > 1:
            parts[:] = [np.concatenate(parts)]
        return parts[0]

    def numeric(self) -> list[str]:
        """The columns holding at least one value (NaN included), in file order."""
        return [c for c in self.columns or [] if not missing(self.column(c)).all()]


class _Region(io.RawIOBase):
    """At most ``remaining`` bytes of an open file, from where it stands."""

    def __init__(self, fh: io.BufferedReader, remaining: int) -> None:
        self.fh = fh
        self.remaining = remaining

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        n = min(len(b), self.remaining)
        if n <= 0:
            return 0
        got = self.fh.readinto(memoryview(b)[:n])
        self.remaining -= got
        return got


def _last_newline(fh: io.BufferedReader, start: int, size: int) -> int:
    """The offset just after the last newline at or after ``start`` (``start`` if none)."""
    pos = size
    while pos > start:
        lo = max(start, pos - 65536)
        fh.seek(lo)
        chunk = fh.read(pos - lo)
        i = _last_eol(chunk)
        if i >= 0:
            return lo + i + 1
        pos = lo
    return start


def _count_lines(block: bytes) -> int:
    return block.count(b"\n") or block.count(b"\r")


def _unique(header: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for h in header:
        h = h.strip()
        if h in seen:
            seen[h] += 1
            h = f"{h}.{seen[h]}"
        else:
            seen[h] = 0
        out.append(h)
    return out


def steps_from(x: np.ndarray) -> np.ndarray:
    """An x column as int64 steps (NaN rows and steps beyond int64 get -1; callers drop
    them)."""
    ok = np.isfinite(x) & (np.abs(x) < 9.2e18)
    if ok.all():
        steps: np.ndarray = x.astype(np.int64)  # whole numbers (the usual case): no temp
        if not (steps == x).all():
            steps = np.rint(x).astype(np.int64)
        return steps
    out = np.full(x.shape[0], -1, dtype=np.int64)
    out[ok] = np.rint(x[ok]).astype(np.int64)
    return out


def table_series(
    table: CsvTable,
    x_col: str | None,
    columns: list[str] | None = None,
    wall_col: str | None = None,
    duplicates: Duplicates = "last",
    rename: dict[str, str] | None = None,
) -> dict[str, Series]:
    """One series per numeric column against ``x_col`` (the row number when ``None``);
    cells without a value are dropped per series, so sparse columns are never joined
    across gaps; NaN and ±inf values are kept."""
    if x_col is not None:
        xs = table.column(x_col)
        steps = steps_from(xs)
        has_x = np.isfinite(xs)
    else:
        steps = np.arange(table.rows, dtype=np.int64)
        has_x = np.ones(table.rows, dtype=bool)
    walls = None
    if wall_col is not None:
        w = table.column(wall_col)
        fin = w[np.isfinite(w)]
        if fin.size and fin.min() > 1e8:  # seconds since the epoch (ms are scaled)
            walls = np.where(w > 1e11, w / 1000.0, w) if fin.max() > 1e11 else w
    out: dict[str, Series] = {}
    for c in columns if columns is not None else table.numeric():
        if c == x_col:
            continue
        v = table.column(c)
        keep = has_x & ~missing(v)
        tag = (rename or {}).get(c, c)
        if keep.all():  # a dense column: share the step and wall arrays, copy nothing
            out[tag] = make_series(tag, steps, v, walls, duplicates)
            continue
        if not keep.any():
            continue
        out[tag] = make_series(
            tag, steps[keep], v[keep], None if walls is None else walls[keep], duplicates
        )
    return out


def find_column(columns: list[str], *names: str) -> str | None:
    """The first of ``names`` present (case-insensitive)."""
    lower = {c.lower(): c for c in columns}
    for n in names:
        if n.lower() in lower:
            return lower[n.lower()]
    return None


def header_line(path: Path, skip: int = 0) -> list[str]:
    """The header of a CSV file (after ``skip`` lines), for sniffing."""
    with path.open("rb") as fh:
        raw = fh.read(65536)
    lines = raw.decode("utf-8-sig", errors="replace").splitlines()
    lines = [ln for ln in lines[skip:] if ln.strip()]
    if not lines:
        return []
    return [h.strip() for h in next(csv.reader([lines[0]]))]


# --- live reading, shared by the CSV-family readers (registry.LiveReader) -----------------

Build = Callable[[CsvTable, Path], ReadResult]


def open_live(path: Path, build: Build) -> tuple[ReadResult, CsvTable]:
    """A CSV-family log read in full (tab-separated for ``.tsv``), with the table that
    reads on from where this read stopped."""
    table = CsvTable(path, delimiter="\t" if path.suffix.lower() == ".tsv" else ",")
    table.update()
    return build(table, path), table


def read_more(table: CsvTable, path: Path, build: Build) -> ReadResult:
    """The lines appended since the table's last read: the whole result, new issues only."""
    n_issues = len(table.issues)
    table.update()
    result = build(table, path)
    result.issues = result.issues[n_issues:]
    return result
