"""Small helpers shared by the paper readers."""

from __future__ import annotations

import re
from pathlib import Path

from paperscope.core.records import ReadError

MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}

_ws = re.compile(r"\s+")


def clean_text(text: str | None) -> str:
    """Collapse hard line wraps and runs of whitespace into single spaces."""
    return _ws.sub(" ", text or "").strip()


def read_text(path: Path, limit: int | None = None) -> str:
    """Read a text file as UTF-8 (BOM tolerated); undecodable bytes raise ``ReadError``
    naming the byte offset."""
    data = path.read_bytes() if limit is None else path.open("rb").read(limit)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if limit is not None and exc.start >= len(data) - 4:
            return data[: exc.start].decode("utf-8-sig")
        line = data.count(b"\n", 0, exc.start) + 1
        raise ReadError(str(path), f"line {line}", f"not UTF-8 text (byte {exc.start})") from None


def head(path: Path, size: int = 4096) -> str:
    """The first bytes of a file as text, for sniffing; undecodable bytes replaced."""
    with path.open("rb") as fh:
        return fh.read(size).decode("utf-8", errors="replace")
