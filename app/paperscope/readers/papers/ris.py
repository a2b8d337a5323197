"""RIS (``.ris``), the tagged format of EndNote, Zotero, Mendeley and publishers.

Records run from ``TY  - `` to ``ER  - ``; each is handed to rispy on its own, so a
broken record is reported by its line and the others are still read.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from paperscope.core.ids import normalise_arxiv_id, normalise_doi
from paperscope.core.records import Paper, ReadIssue, ReadResult
from paperscope.core.tasks import CancelToken, Progress
from paperscope.readers import registry
from paperscope.readers.papers._common import (
    bibtex_names,
    clean_text,
    head,
    iso_date,
    read_text_lenient,
    require_papers,
    year_of,
)

_TAG = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")
_KINDS = {
    "JOUR": "article", "JFULL": "article", "EJOUR": "article", "MGZN": "article",
    "CONF": "inproceedings", "CPAPER": "inproceedings", "BOOK": "book", "CHAP": "incollection",
    "THES": "phdthesis", "RPRT": "techreport", "UNPB": "unpublished", "GEN": "misc",
    "ELEC": "online", "DATA": "dataset", "COMP": "software",
}  # fmt: skip


def _first(rec: dict[str, Any], *names: str) -> str:
    for name in names:
        value = rec.get(name)
        if isinstance(value, list):
            value = value[0] if value else ""
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _date(rec: dict[str, Any]) -> tuple[int | None, str | None]:
    raw = _first(rec, "date", "year", "publication_year")
    year = year_of(_first(rec, "year", "publication_year")) or year_of(raw)
    m = re.match(r"(\d{4})[/-](\d{1,2})[/-](\d{1,2})", raw)
    date = iso_date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None
    return year, date


def record_to_paper(rec: dict[str, Any], source: str, where: str) -> Paper:
    title = clean_text(_first(rec, "title", "primary_title", "translated_title", "short_title"))
    if not title:
        raise ValueError("no title (TI/T1)")
    names: list[str] = []
    for key in ("authors", "first_authors"):
        for a in rec.get(key) or ():
            if isinstance(a, str) and a.strip():
                names.extend(bibtex_names(a.strip()))
    year, date = _date(rec)
    urls = [u for u in rec.get("urls") or () if isinstance(u, str)]
    doi = normalise_doi(_first(rec, "doi"))
    arxiv_id = None
    for u in urls:
        doi = doi or (normalise_doi(u) if "doi.org" in u else None)
        arxiv_id = arxiv_id or (normalise_arxiv_id(u) if "arxiv.org" in u else None)
    if arxiv_id is None and doi and doi.startswith("10.48550/arxiv."):
        arxiv_id = normalise_arxiv_id(doi.removeprefix("10.48550/arxiv."))
    extra: dict[str, Any] = {}
    for key in ("volume", "number", "start_page", "end_page", "publisher", "issn", "notes",
                "language", "id"):  # fmt: skip
        value = rec.get(key)
        if isinstance(value, str) and value.strip():
            extra["ris_id" if key == "id" else key] = value.strip()
        elif isinstance(value, list) and value:
            extra[key] = [str(v) for v in value]
    kind = _first(rec, "type_of_reference").upper()
    return Paper(
        title=title,
        authors=tuple(names),
        abstract=clean_text(_first(rec, "abstract", "notes_abstract")),
        year=year,
        date=date,
        arxiv_id=arxiv_id,
        doi=doi,
        url=urls[0].strip() if urls else None,
        venue=clean_text(
            _first(
                rec,
                "journal_name",
                "secondary_title",
                "alternate_title3",
                "alternate_title1",
                "alternate_title2",
            )
        )
        or None,
        kind=_KINDS.get(kind, kind.lower() or None),
        citation_key=_first(rec, "id") or None,
        keywords=tuple(
            clean_text(k) for k in rec.get("keywords") or () if isinstance(k, str) and k.strip()
        ),
        extra=extra,
        source=source,
        location=where,
    )


class RISReader:
    name = "ris"
    kind: registry.Kind = "papers"
    unit: registry.Unit = "file"
    patterns: tuple[str, ...] = ("*.ris", "*.txt")
    priority = 20

    def sniff(self, path: Path) -> bool:
        return bool(re.search(r"^TY  - ", head(path, 8192).lstrip("\ufeff"), re.MULTILINE))

    def read(self, path: Path, progress: Progress, cancel: CancelToken) -> ReadResult:
        import rispy

        text, note = read_text_lenient(path)
        result = ReadResult()
        if note:
            result.issues.append(ReadIssue(str(path), "", note))
        lines = text.lstrip("\ufeff").splitlines()
        records: list[tuple[int, list[str]]] = []
        current: list[str] | None = None
        start = 0
        stray: int | None = None
        for i, line in enumerate(lines, 1):
            m = _TAG.match(line.rstrip())
            if m and m.group(1) == "TY":
                if current is not None:
                    result.issues.append(
                        ReadIssue(
                            str(path),
                            f"line {start}",
                            "record without ER line; read up to the next TY",
                        )
                    )
                    records.append((start, [*current, "ER  - "]))
                current, start = [line.rstrip()], i
            elif m and m.group(1) == "ER":
                if current is None:
                    result.issues.append(ReadIssue(str(path), f"line {i}", "ER without a record"))
                else:
                    current.append("ER  - ")
                    records.append((start, current))
                    current = None
            elif current is not None:
                current.append(line.rstrip())
            elif line.strip() and stray is None:
                stray = i
        if current is not None:
            result.issues.append(
                ReadIssue(str(path), f"line {start}", "last record has no ER line")
            )
            records.append((start, [*current, "ER  - "]))
        if stray is not None:
            result.issues.append(
                ReadIssue(str(path), f"line {stray}", "text outside any record ignored")
            )
        for n, (lineno, rec_lines) in enumerate(records):
            if n % 1000 == 0:
                cancel.check()
            where = f"line {lineno}"
            try:
                parsed = rispy.loads("\n".join(rec_lines) + "\n")
            except Exception as exc:  # rispy raises plain IOError/ValueError/KeyError kinds
                result.issues.append(
                    ReadIssue(str(path), where, f"broken record: {exc}", "skipped")
                )
                continue
            for rec in parsed:
                try:
                    result.papers.append(record_to_paper(rec, path.name, where))
                except ValueError as exc:
                    result.issues.append(ReadIssue(str(path), where, str(exc), "skipped"))
        require_papers(result, path, "RIS records", "no RIS records found")
        progress(1.0, f"{len(result.papers)} papers")
        return result


registry.register(RISReader())
