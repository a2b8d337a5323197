"""RIS (``.ris``), the tagged format of EndNote, Zotero, Mendeley and publishers.

Records run from ``TY  - `` to ``ER  - ``; each is handed to rispy on its own, so a
broken record is reported by its line and the others are still read. Every tag of a
record is kept (:attr:`Paper.fields`, by rispy's names); AU/A1 are the authors and
A2 the editors, as name parts (:attr:`Paper.creators`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from paperscope.core.fields import FORMAT, ris_columns
from paperscope.core.names import display_names, parse_last_first
from paperscope.core.records import Creator, Paper, ReadIssue, ReadResult
from paperscope.core.tasks import CancelToken, Progress
from paperscope.readers import registry
from paperscope.readers.papers._common import (
    clean_text,
    head,
    read_text_lenient,
    require_papers,
)

_TAG = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")
_KINDS = {
    "JOUR": "article", "JFULL": "article", "EJOUR": "article", "MGZN": "article",
    "CONF": "inproceedings", "CPAPER": "inproceedings", "BOOK": "book", "CHAP": "incollection",
    "THES": "phdthesis", "RPRT": "techreport", "UNPB": "unpublished", "GEN": "misc",
    "ELEC": "online", "DATA": "dataset", "COMP": "software",
}  # fmt: skip
_NAME_KEYS = {"authors": "author", "first_authors": "author", "secondary_authors": "editor"}


def ris_creator(text: str, role: str) -> Creator:
    """``Family, Given, Suffix``; a name without a comma is one word (a family name)
    or, in RIS, a corporate name."""
    text = clean_text(text)
    if "," not in text and len(text.split()) > 1:
        return Creator(literal=text, role=role)
    return parse_last_first(text, role)


def record_to_paper(rec: dict[str, Any], source: str, where: str) -> Paper:
    cols = ris_columns(rec)
    if not cols["title"]:
        raise ValueError("no title (TI/T1)")
    creators: list[Creator] = []
    fields: dict[str, Any] = {FORMAT: "ris"}
    for key, value in rec.items():
        if key in _NAME_KEYS and isinstance(value, list):
            for a in value:
                if isinstance(a, str) and a.strip():
                    creators.append(ris_creator(a, _NAME_KEYS[key]))
            continue
        fields[key] = value
    authors = display_names(tuple(creators), "author") or display_names(tuple(creators), "editor")
    kind = str(rec.get("type_of_reference") or "").strip().upper()
    return Paper(
        title=cols["title"],
        authors=authors,
        abstract=cols["abstract"],
        year=cols["year"],
        date=cols["date"],
        arxiv_id=cols["arxiv_id"],
        doi=cols["doi"],
        url=cols["url"],
        venue=cols["venue"],
        kind=_KINDS.get(kind, kind.lower() or None),
        citation_key=str(rec.get("id") or "").strip() or None,
        keywords=cols["keywords"],
        creators=tuple(creators),
        fields=fields,
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
