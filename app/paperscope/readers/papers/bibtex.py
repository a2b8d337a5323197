"""BibTeX (``.bib``) through bibtexparser 2.

bibtexparser splits the file into blocks (and reports broken blocks and duplicate
keys with their line); the values are resolved here: ``@string`` macros (case-
insensitive, later definitions win), month macros (``sep``), ``#`` concatenation,
enclosing braces/quotes. Field names are case-insensitive (``Title`` = ``title``).
Names ``Last, First`` / ``Last, Jr, First`` / ``First Last`` become ``First Last``;
TeX accents are decoded by the fast decoder in :mod:`._tex`.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from paperscope.core.ids import normalise_arxiv_id, normalise_doi
from paperscope.core.records import Paper, ReadError, ReadIssue, ReadResult
from paperscope.core.tasks import CancelToken, Progress
from paperscope.readers import registry
from paperscope.readers.papers._common import (
    MONTHS,
    bibtex_names,
    clean_text,
    head,
    iso_date,
    month_of,
    read_text_lenient,
    require_papers,
    split_top_level,
    year_of,
)
from paperscope.readers.papers._tex import decode

_EXTRA_FIELDS = (
    "volume", "number", "pages", "publisher", "note", "pmid", "isbn", "issn", "month", "address",
    "edition", "series", "file", "date-added", "date-modified",
)  # fmt: skip
_MONTH_NAMES = {
    name: full
    for name, full in zip(
        MONTHS,
        ("January", "February", "March", "April", "May", "June", "July", "August",
         "September", "October", "November", "December"),
        strict=True,
    )
}  # fmt: skip
_ARXIV_IN_TEXT = re.compile(
    r"arxiv[:\s/]*(?:abs/)?(\d{4}\.\d{4,5}(?:v\d+)?|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})", re.I
)


def _split_concat(raw: str) -> list[str]:
    """Split a raw value on ``#`` outside braces and quotes."""
    if "#" not in raw:
        return [raw]
    parts: list[str] = []
    depth = 0
    quoted = False
    start = 0
    for i, ch in enumerate(raw):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(depth - 1, 0)
        elif ch == '"' and depth == 0 and (i == 0 or raw[i - 1] != "\\"):
            quoted = not quoted
        elif ch == "#" and depth == 0 and not quoted:
            parts.append(raw[start:i])
            start = i + 1
    parts.append(raw[start:])
    return parts


def resolve(raw: str, strings: dict[str, str]) -> str:
    """A raw field value with macros, month names and ``#`` resolved; TeX left in."""
    out: list[str] = []
    for part in _split_concat(raw):
        p = part.strip()
        if (len(p) >= 2 and p[0] == "{" and p[-1] == "}") or (
            len(p) >= 2 and p[0] == '"' and p[-1] == '"'
        ):
            out.append(p[1:-1])
        elif p.isdigit():
            out.append(p)
        elif p.lower() in strings:
            out.append(strings[p.lower()])
        elif p.lower() in _MONTH_NAMES:
            out.append(_MONTH_NAMES[p.lower()])
        else:
            out.append(p)
    return "".join(out)


def entry_to_paper(
    entry_type: str, key: str, fields: dict[str, str], source: str, where: str
) -> Paper:
    """A resolved entry (lower-case field names, TeX still in the values) as a Paper."""
    title = decode(clean_text(fields.get("title", "")))
    if not title:
        title = decode(clean_text(fields.get("booktitle", "")))
    if not title:
        raise ValueError("no title")
    authors = bibtex_names(clean_text(fields.get("author", "")))
    if not authors and fields.get("editor"):
        authors = bibtex_names(clean_text(fields["editor"]))
    year = year_of(fields.get("year", "")) or year_of(fields.get("date", ""))
    date = None
    if fields.get("date") and re.fullmatch(r"\d{4}-\d{2}-\d{2}", fields["date"].strip()):
        d = fields["date"].strip()
        date = iso_date(int(d[:4]), int(d[5:7]), int(d[8:10]))
    elif year and fields.get("month") and fields.get("day", "").strip().isdigit():
        month = month_of(fields["month"])
        date = iso_date(year, month, int(fields["day"].strip())) if month else None
    venue = fields.get("journal") or fields.get("booktitle") or fields.get("journaltitle")
    venue = venue or fields.get("school") or fields.get("institution") or fields.get("howpublished")
    venue = venue or fields.get("publisher")
    arxiv_id = None
    if (
        fields.get("archiveprefix", "").lower() == "arxiv"
        or fields.get("eprinttype", "").lower() == "arxiv"
    ):
        arxiv_id = normalise_arxiv_id(fields.get("eprint"))
    if arxiv_id is None:
        for name in ("arxiv", "eprint", "journal", "url", "note", "howpublished", "volume"):
            value = fields.get(name, "")
            if name in ("arxiv", "eprint"):
                arxiv_id = normalise_arxiv_id(value)
            elif m := _ARXIV_IN_TEXT.search(value):
                arxiv_id = normalise_arxiv_id(m.group(1))
            if arxiv_id:
                break
    doi = normalise_doi(fields.get("doi"))
    if doi is None and "doi.org" in fields.get("url", ""):
        doi = normalise_doi(fields["url"])
    keywords: tuple[str, ...] = ()
    if fields.get("keywords"):
        keywords = tuple(
            k for k in (decode(clean_text(x)) for x in re.split(r"[;,]", fields["keywords"])) if k
        )
    extra: dict[str, Any] = {}
    for name in _EXTRA_FIELDS:
        if fields.get(name):
            extra[name.replace("-", "_")] = clean_text(fields[name])
    url = clean_text(fields.get("url", "")) or None
    if url and " " in url:
        url = url.split()[0]
    return Paper(
        title=title,
        authors=tuple(authors),
        abstract=decode(clean_text(fields.get("abstract", ""))),
        year=year,
        date=date,
        arxiv_id=arxiv_id,
        doi=doi,
        url=url,
        venue=decode(clean_text(venue)) if venue else None,
        kind=entry_type.lower(),
        citation_key=key or None,
        keywords=keywords,
        extra=extra,
        source=source,
        location=where,
    )


class BibTeXReader:
    name = "bibtex"
    kind: registry.Kind = "papers"
    unit: registry.Unit = "file"
    patterns: tuple[str, ...] = ("*.bib", "*.bibtex")
    priority = 20

    def sniff(self, path: Path) -> bool:
        return "@" in head(path, 65536)

    def read(self, path: Path, progress: Progress, cancel: CancelToken) -> ReadResult:
        from bibtexparser import model
        from bibtexparser.entrypoint import parse_string

        text, note = read_text_lenient(path)
        result = ReadResult()
        if note:
            result.issues.append(ReadIssue(str(path), "", note))
        progress(0.05, "Parsing")
        logger = logging.getLogger("bibtexparser")
        old_level = logger.level
        logger.setLevel(logging.CRITICAL)  # its failures are reported below, by line
        try:
            library = parse_string(text, parse_stack=[])
        except RecursionError:
            raise ReadError(str(path), "line 1", "BibTeX nested too deeply") from None
        except Exception as exc:  # bibtexparser's own errors have no common base class
            raise ReadError(str(path), "line 1", f"not BibTeX: {exc}") from None
        finally:
            logger.setLevel(old_level)
        cancel.check()
        strings: dict[str, str] = {}
        for s in library.strings:
            strings[str(s.key).lower()] = resolve(str(s.value), strings)
        first_line: dict[str, int] = {}
        for block in library.failed_blocks:
            line = (block.start_line or 0) + 1
            if isinstance(block, model.DuplicateBlockKeyBlock):
                key = block.key
                result.issues.append(
                    ReadIssue(
                        str(path), f"line {line}",
                        f"duplicate citation key {key!r}: this entry is skipped", "skipped",
                    )
                )  # fmt: skip
            else:
                error = getattr(block, "error", None)
                reason = getattr(error, "abort_reason", None) or str(error or "")
                detail = (reason.splitlines() or ["syntax error"])[0]
                kind = type(block).__name__.removesuffix("Block")
                result.issues.append(
                    ReadIssue(
                        str(path), f"line {line}", f"broken entry ({kind}): {detail}", "skipped"
                    )
                )
        progress(0.3, "Reading entries")
        entries = library.entries
        for i, entry in enumerate(entries):
            if i % 1000 == 0:
                cancel.check()
                progress(0.3 + 0.7 * i / max(len(entries), 1), "Reading entries")
            line = (entry.start_line or 0) + 1
            where = f"line {line}"
            fields: dict[str, str] = {}
            for f in entry.fields:
                name = str(f.key).strip().lower()
                if name not in fields:
                    fields[name] = resolve(str(f.value), strings)
            key = str(entry.key)
            if key in first_line:
                continue
            first_line[key] = line
            try:
                result.papers.append(
                    entry_to_paper(str(entry.entry_type), key, fields, path.name, where)
                )
            except ValueError as exc:
                result.issues.append(
                    ReadIssue(str(path), where, f"entry {key!r} skipped: {exc}", "skipped")
                )
        require_papers(result, path, "BibTeX entries", "no BibTeX entries found")
        result.issues.sort(
            key=lambda i: int(i.location[5:]) if i.location.startswith("line ") else 0
        )
        progress(1.0, f"{len(result.papers)} papers")
        return result


registry.register(BibTeXReader())

# keep the helper importable for the exporter's tests
__all__ = ["BibTeXReader", "entry_to_paper", "resolve", "split_top_level"]
