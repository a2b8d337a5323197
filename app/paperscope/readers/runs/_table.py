"""Reading CSV tables of numbers fast, and incrementally (only appended lines).

pandas' C parser does the work when it is installed (10M rows in about 2 s); small
files use its round-trip float parser so every value is exactly what Python's
``float()`` gives, large ones (> ``EXACT_LIMIT`` bytes) its default parser, which may
differ in the last bit. Without pandas, or when a file has malformed lines, the
standard ``csv`` module reads it and names each bad line.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np

from paperscope.core.records import ReadError, ReadIssue, Series
from paperscope.readers.runs._common import Duplicates, make_series

EXACT_LIMIT = 64 << 20


def _to_float(cell: str) -> float:
    cell = cell.strip()
    if not cell:
        return math.nan
    try:
        return float(cell)
    except ValueError:
        low = cell.lower()
        if low in ("true", "false"):
            return 1.0 if low == "true" else 0.0
        return math.nan


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
        self._parts: dict[str, list[np.ndarray]] = {}
        self.issues: list[ReadIssue] = []

    def update(self) -> bool:
        try:
            with self.path.open("rb") as fh:
                fh.seek(self.offset)
                data = fh.read()
        except OSError as exc:
            raise ReadError(str(self.path), "", f"cannot read: {exc}") from None
        end = data.rfind(b"\n") + 1
        if end == 0:
            return False
        block = data[:end]
        if self.columns is None:
            block = self._read_header(block)
            if self.columns is None:
                return False
        if block.strip():
            self._parse(block)
        self.offset += end
        return True

    def _read_header(self, block: bytes) -> bytes:
        pos = 0
        if self.offset == 0 and block.startswith(b"\xef\xbb\xbf"):
            pos = 3
        while len(self.preamble) < self.skip_lines:
            nl = block.find(b"\n", pos)
            if nl < 0:
                return b""
            self.preamble.append(self._decode(block[pos:nl], len(self.preamble) + 1))
            pos = nl + 1
        # the header: the next non-empty line
        while True:
            nl = block.find(b"\n", pos)
            if nl < 0:
                return b""
            line = self._decode(block[pos:nl], self.lines + len(self.preamble) + 1).strip()
            pos = nl + 1
            self.lines += 1
            if line:
                break
        header = next(csv.reader([line], delimiter=self.delimiter))
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
        if pd is not None:
            try:
                frame = pd.read_csv(
                    io.BytesIO(block),
                    header=None,
                    names=cols,
                    sep=self.delimiter,
                    engine="c",
                    float_precision="round_trip" if len(block) <= EXACT_LIMIT else None,
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
                        arr = s.to_numpy(dtype=np.float64, copy=False)
                    else:
                        arr = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64)
                    self._parts[c].append(arr)
                self.rows += n
                self.lines += block.count(b"\n")
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
        lineno = first_line - 1
        for lineno, row in enumerate(
            csv.reader(io.StringIO(text), delimiter=self.delimiter), first_line
        ):
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
        self.lines += block.count(b"\n")

    def column(self, name: str) -> np.ndarray:
        parts = self._parts.get(name, [])
        if not parts:
            return np.empty(0, dtype=np.float64)
        if len(parts) > 1:
            parts[:] = [np.concatenate(parts)]
        return parts[0]

    def numeric(self) -> list[str]:
        """The columns holding at least one number, in file order."""
        return [c for c in self.columns or [] if np.any(~np.isnan(self.column(c)))]


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
    """An x column as int64 steps (NaN rows get -1; callers drop them)."""
    out = np.full(x.shape[0], -1, dtype=np.int64)
    ok = np.isfinite(x)
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
    NaN cells are dropped per series, so sparse columns are never joined across gaps."""
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
        if w.size and np.nanmin(w) > 1e8:  # seconds since the epoch (ms are scaled)
            walls = np.where(w > 1e11, w / 1000.0, w)
    out: dict[str, Series] = {}
    for c in columns if columns is not None else table.numeric():
        if c == x_col:
            continue
        v = table.column(c)
        keep = has_x & ~np.isnan(v)
        if not keep.any():
            continue
        tag = (rename or {}).get(c, c)
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
