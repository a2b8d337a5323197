"""CSL-JSON: the citation format of Zotero, Manubot and pandoc-citeproc.

A JSON array of items (or one item) ``{id, type, title, author[{family, given} |
{literal}], issued{date-parts[[y, m, d]] | raw | literal}, container-title, DOI, URL,
abstract, ...}``. Manubot writes arXiv papers as DOI ``10.48550/arxiv.<id>``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from paperscope.core.ids import normalise_arxiv_id, normalise_doi
from paperscope.core.records import Paper, ReadError, ReadIssue, ReadResult
from paperscope.core.tasks import CancelToken, Progress
from paperscope.readers import registry
from paperscope.readers.papers._common import (
    clean_text,
    display_name,
    head,
    iso_date,
    require_papers,
    year_of,
)
from paperscope.readers.papers.hf_api import load_json


def _s(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _names(value: Any) -> list[str]:
    names: list[str] = []
    if not isinstance(value, list):
        return names
    for a in value:
        if not isinstance(a, dict):
            continue
        if _s(a.get("literal")):
            names.append(clean_text(_s(a["literal"])))
            continue
        family = " ".join(p for p in (_s(a.get("non-dropping-particle")), _s(a.get("family"))) if p)
        name = display_name(
            clean_text(family), clean_text(_s(a.get("given"))), clean_text(_s(a.get("suffix")))
        )
        if name:
            names.append(name)
    return names


def _issued(value: Any) -> tuple[int | None, str | None]:
    if not isinstance(value, dict):
        return None, None
    parts = value.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        nums: list[int | None] = []
        for p in parts[0][:3]:
            try:
                nums.append(int(p))
            except (TypeError, ValueError, OverflowError):
                nums.append(None)
        nums += [None, None]
        year = year_of(nums[0]) if nums[0] is not None else None
        return year, iso_date(year, nums[1], nums[2])
    raw = _s(value.get("raw")) or _s(value.get("literal"))
    return year_of(raw), None


def item_to_paper(item: dict[str, Any], source: str, where: str) -> Paper:
    title = clean_text(_s(item.get("title")))
    if not title:
        raise ValueError("no title")
    authors = _names(item.get("author")) or _names(item.get("editor"))
    year, date = _issued(item.get("issued"))
    doi = normalise_doi(_s(item.get("DOI")))
    arxiv_id = None
    if doi and doi.startswith("10.48550/arxiv."):
        arxiv_id = normalise_arxiv_id(doi.removeprefix("10.48550/arxiv."))
    url = _s(item.get("URL")).strip() or None
    if arxiv_id is None and url and "arxiv.org" in url:
        arxiv_id = normalise_arxiv_id(url)
    where_from = " ".join(_s(item.get(k)) for k in ("archive", "publisher", "note")).lower()
    if arxiv_id is None and "arxiv" in where_from and _s(item.get("number")):
        # Zotero and Manubot put an arXiv preprint's id in "number"
        arxiv_id = normalise_arxiv_id(_s(item["number"]))
    extra: dict[str, Any] = {}
    for key in ("volume", "issue", "page", "publisher", "note", "PMID", "PMCID", "ISBN",
                "ISSN", "version", "language", "number"):  # fmt: skip
        if _s(item.get(key)):
            extra[key.lower()] = _s(item[key])
    if _s(item.get("id")):
        extra["csl_id"] = _s(item["id"])
    categories = item.get("categories")
    keywords: tuple[str, ...] = ()
    if isinstance(categories, list):
        keywords = tuple(
            dict.fromkeys(clean_text(c) for c in categories if isinstance(c, str) and c.strip())
        )
    elif _s(item.get("keyword")):
        keywords = tuple(k.strip() for k in _s(item["keyword"]).split(",") if k.strip())
    return Paper(
        title=title,
        authors=tuple(authors),
        abstract=clean_text(_s(item.get("abstract"))),
        year=year,
        date=date,
        arxiv_id=arxiv_id,
        doi=doi,
        url=url,
        venue=clean_text(_s(item.get("container-title"))) or None,
        kind=_s(item.get("type")) or None,
        citation_key=_s(item.get("citation-key")) or None,
        keywords=keywords,
        extra=extra,
        source=source,
        location=where,
    )


class CSLJSONReader:
    name = "csl-json"
    kind: registry.Kind = "papers"
    unit: registry.Unit = "file"
    patterns: tuple[str, ...] = ("*.json", "*.csl.json", "*.csljson")
    priority = 15

    def sniff(self, path: Path) -> bool:
        text = head(path, 8192).lstrip()
        return (
            text[:1] in ("[", "{")
            and '"type"' in text
            and '"title"' in text
            and '"paper"' not in text
            and '"authors_parsed"' not in text
        )

    def read(self, path: Path, progress: Progress, cancel: CancelToken) -> ReadResult:
        data = load_json(path)
        if isinstance(data, dict):
            data = data.get("items", [data]) if isinstance(data.get("items"), list) else [data]
        if not isinstance(data, list):
            raise ReadError(str(path), "top level", "expected a list of CSL items")
        result = ReadResult()
        for i, item in enumerate(data):
            if i % 1000 == 0:
                cancel.check()
            where = f"item {i + 1}"
            if not isinstance(item, dict):
                result.issues.append(ReadIssue(str(path), where, "not an object", "skipped"))
                continue
            try:
                result.papers.append(item_to_paper(item, path.name, where))
            except ValueError as exc:
                result.issues.append(ReadIssue(str(path), where, str(exc), "skipped"))
        require_papers(result, path, "CSL items", "no CSL items")
        progress(1.0, f"{len(result.papers)} papers")
        return result


registry.register(CSLJSONReader())
