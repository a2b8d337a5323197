"""Small helpers shared by the paper readers."""

from __future__ import annotations

import re
from pathlib import Path

from paperscope.core.fields import iso_date, month_of, year_of
from paperscope.core.records import ReadError, ReadResult

__all__ = ["iso_date", "month_of", "year_of"]

MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}

_ws = re.compile(r"\s+")


def require_papers(result: ReadResult, path: Path, what: str, none_found: str) -> None:
    """A file that gave no paper is refused as a whole: ``ReadError`` at the first
    problem that names a place ("no <what> read (its message)"), else ``none_found``
    at the end of the file."""
    if result.papers:
        return
    first = next((i for i in result.issues if i.location), None)
    raise ReadError(
        str(path),
        first.location if first else "end of file",
        f"no {what} read ({first.message})" if first else none_found,
    )


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


def read_text_lenient(path: Path) -> tuple[str, str | None]:
    """Read a text file as UTF-8, falling back to Windows-1252 (old BibTeX/RIS exports).

    Returns the text and a note when the fallback was used."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        note = f"not UTF-8 from line {line} (byte {exc.start}); read as Windows-1252"
        return data.decode("cp1252", errors="replace"), note


def split_top_level(text: str, sep: re.Pattern[str]) -> list[str]:
    """Split ``text`` on ``sep`` where it is not inside braces."""
    if "{" not in text:
        return sep.split(text)
    parts: list[str] = []
    depth = 0
    start = 0
    pos = 0
    n = len(text)
    while pos < n:
        ch = text[pos]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(depth - 1, 0)
        elif depth == 0:
            m = sep.match(text, pos)
            if m and m.end() > pos:
                parts.append(text[start:pos])
                start = pos = m.end()
                continue
        pos += 1
    parts.append(text[start:])
    return parts


_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_COMMA = re.compile(r"\s*,\s*")


def display_name(family: str, given: str = "", suffix: str = "") -> str:
    """``Given Family Suffix`` (the order every table shows)."""
    return " ".join(p for p in (given.strip(), family.strip(), suffix.strip()) if p)


def bibtex_names(raw: str) -> list[str]:
    """BibTeX ``author`` text (``Last, First and First Last and {Org Name}``, TeX
    still in it) to display names ``First Last``; ``and others`` is dropped."""
    from paperscope.readers.papers._tex import decode

    names: list[str] = []
    for part in split_top_level(raw.strip(), _AND):
        part = part.strip()
        if not part or part.lower() in ("others", "et al.", "et al"):
            continue
        pieces = [p.strip() for p in split_top_level(part, _COMMA)]
        if len(pieces) == 1:
            name = pieces[0]
        elif len(pieces) == 2:
            name = display_name(pieces[0], pieces[1])
        else:
            name = display_name(pieces[0], pieces[2], pieces[1])
        name = decode(name)
        if name:
            names.append(name)
    return names


_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def iso_prefix(value: object) -> str | None:
    """The ``YYYY-MM-DD`` a timestamp string starts with, if it is a real date."""
    if not isinstance(value, str):
        return None
    m = _ISO.match(value.strip())
    if not m:
        return None
    return iso_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
