"""The Kaggle/Cornell arXiv metadata snapshot: JSON lines, one paper per line.

``{"id": "0704.0001", "submitter", "authors": "C. Bal\\\\'azs, E. L. Berger, ...",
"title", "comments", "journal-ref", "doi", "report-no", "categories": "hep-ph math.CO",
"license", "abstract", "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007
19:18:42 GMT"}, ...], "update_date": "2008-11-26", "authors_parsed": [["Balázs", "C.",
""], ...]}``. ``authors_parsed`` (family, given, suffix) is preferred over the TeX
``authors`` string; the date is that of the first version.

This reader builds :class:`Paper` records (fine for thousands of lines). Big snapshots
go through :meth:`paperscope.library.store.Store.import_arxiv_snapshot`, which lets
DuckDB's own JSON reader do the work; :data:`BULK_MIN_BYTES` is where the import
workflow switches.
"""

from __future__ import annotations

import email.utils
import json
from pathlib import Path
from typing import Any

from paperscope.core.ids import normalise_arxiv_id, normalise_doi
from paperscope.core.records import Paper, ReadError, ReadIssue, ReadResult
from paperscope.core.tasks import CancelToken, Progress
from paperscope.readers import registry
from paperscope.readers.papers._common import (
    bibtex_names,
    clean_text,
    display_name,
    head,
    require_papers,
)
from paperscope.readers.papers._tex import decode as _decode

BULK_MIN_BYTES = 20_000_000


def _s(value: Any) -> str:
    return value if isinstance(value, str) else ""


def version_date(created: str) -> str | None:
    """``Mon, 2 Apr 2007 19:18:42 GMT`` → ``2007-04-02``."""
    try:
        return email.utils.parsedate_to_datetime(created).date().isoformat()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def record_to_paper(rec: dict[str, Any], source: str, where: str) -> Paper:
    """One snapshot record as a Paper; raises ``ValueError`` when it has no title."""
    title = decode(clean_text(_s(rec.get("title"))))
    if not title:
        raise ValueError("no title")
    authors: list[str] = []
    parsed = rec.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        for item in parsed:
            if isinstance(item, list) and item and all(isinstance(x, str) for x in item[:3]):
                parts = [decode(clean_text(x)) for x in item[:3]] + ["", ""]
                name = display_name(parts[0], parts[1], parts[2])
                if name:
                    authors.append(name)
    elif _s(rec.get("authors")):
        text = clean_text(_s(rec["authors"])).replace(", and ", " and ")
        authors = bibtex_names(text.replace(", ", " and "))
    date = None
    versions = rec.get("versions")
    if isinstance(versions, list) and versions and isinstance(versions[0], dict):
        date = version_date(_s(versions[0].get("created")))
    raw_id = _s(rec.get("id"))
    arxiv_id = normalise_arxiv_id(raw_id)
    extra: dict[str, Any] = {}
    categories = _s(rec.get("categories")).split()
    if categories:
        extra["categories"] = categories
        extra["primary_category"] = categories[0]
    for key, name in (("comments", "comment"), ("report-no", "report_no"), ("license", "license"),
                      ("update_date", "updated"), ("submitter", "submitter")):  # fmt: skip
        if _s(rec.get(key)):
            extra[name] = clean_text(rec[key])
    if isinstance(versions, list) and versions:
        extra["arxiv_version"] = len(versions)
    return Paper(
        title=title,
        authors=tuple(authors),
        abstract=decode(clean_text(_s(rec.get("abstract")))),
        year=int(date[:4]) if date else None,
        date=date,
        arxiv_id=arxiv_id,
        doi=normalise_doi(_s(rec.get("doi"))),
        url=f"https://arxiv.org/abs/{arxiv_id}" if arxiv_id else None,
        venue=clean_text(_s(rec.get("journal-ref"))) or None,
        kind="preprint",
        extra=extra,
        source=source,
        location=where,
    )


def decode(text: str) -> str:
    return _decode(text, ligatures=False)


class ArxivSnapshotReader:
    name = "arxiv-kaggle-snapshot"
    kind: registry.Kind = "papers"
    unit: registry.Unit = "file"
    patterns: tuple[str, ...] = ("*.jsonl", "*.json", "*.ndjson")
    priority = 20
    bulk_min_bytes = BULK_MIN_BYTES

    def sniff(self, path: Path) -> bool:
        first = head(path, 8192).lstrip().split("\n", 1)[0]
        return (
            first.startswith("{")
            and '"id"' in first
            and ('"authors_parsed"' in first or '"versions"' in first or '"submitter"' in first)
        )

    def read(self, path: Path, progress: Progress, cancel: CancelToken) -> ReadResult:
        result = ReadResult()
        size = max(path.stat().st_size, 1)
        done = 0
        try:
            fh = path.open("rb")
        except OSError as exc:
            raise ReadError(str(path), "byte 0", f"cannot open: {exc}") from None
        with fh:
            for lineno, raw in enumerate(fh, 1):
                done += len(raw)
                if lineno % 2000 == 0:
                    cancel.check()
                    progress(done / size, f"line {lineno}")
                if not raw.strip():
                    continue
                where = f"line {lineno}"
                try:
                    rec = json.loads(raw)
                except ValueError as exc:  # bad JSON, bad UTF-8, a too-long integer
                    result.issues.append(
                        ReadIssue(str(path), where, f"not valid JSON: {exc}", "skipped")
                    )
                    continue
                except RecursionError:
                    result.issues.append(
                        ReadIssue(str(path), where, "JSON nested too deeply", "skipped")
                    )
                    continue
                if not isinstance(rec, dict):
                    result.issues.append(
                        ReadIssue(str(path), where, "not a JSON object", "skipped")
                    )
                    continue
                try:
                    result.papers.append(record_to_paper(rec, path.name, where))
                except ValueError as exc:
                    result.issues.append(ReadIssue(str(path), where, str(exc), "skipped"))
        require_papers(result, path, "arXiv records", "empty file")
        progress(1.0, f"{len(result.papers)} papers")
        return result


registry.register(ArxivSnapshotReader())
