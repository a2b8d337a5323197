"""CSL-JSON: the citation format of Zotero, Manubot and pandoc-citeproc.

A JSON array of items (or one item) ``{id, type, title, author[{family, given} |
{literal}], issued{date-parts[[y, m, d]] | raw | literal}, container-title, DOI, URL,
abstract, ...}``. Manubot writes arXiv papers as DOI ``10.48550/arxiv.<id>``.
Every variable of an item is kept (:attr:`Paper.fields`); authors and editors are
read as name parts (:attr:`Paper.creators`).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from paperscope.core.fields import FORMAT, csl_columns
from paperscope.core.names import display_names
from paperscope.core.records import Creator, Paper, ReadError, ReadIssue, ReadResult
from paperscope.core.tasks import CancelToken, Progress
from paperscope.readers import registry
from paperscope.readers.papers._common import clean_text, head, require_papers
from paperscope.readers.papers._files import attachments_from_fields
from paperscope.readers.papers.hf_api import load_json


def _s(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def csl_creators(value: Any, role: str) -> list[Creator]:
    """CSL name objects (``{family, given, non-dropping-particle, suffix}`` or
    ``{literal}``) as parts."""
    out: list[Creator] = []
    if not isinstance(value, list):
        return out
    for a in value:
        if not isinstance(a, dict):
            continue
        if _s(a.get("literal")).strip():
            out.append(Creator(literal=clean_text(_s(a["literal"])), role=role))
            continue
        particle = " ".join(
            clean_text(_s(a.get(k))) for k in ("dropping-particle", "non-dropping-particle")
            if _s(a.get(k)).strip()
        )  # fmt: skip
        c = Creator(
            family=clean_text(_s(a.get("family"))),
            given=clean_text(_s(a.get("given"))),
            particle=particle,
            suffix=clean_text(_s(a.get("suffix"))),
            role=role,
        )
        if c.display():
            out.append(c)
    return out


def item_to_paper(item: dict[str, Any], source: str, where: str) -> Paper:
    cols = csl_columns(item)
    if not cols["title"]:
        raise ValueError("no title")
    creators = csl_creators(item.get("author"), "author") + csl_creators(
        item.get("editor"), "editor"
    )
    # every variable is kept as the item has it; names that were read as parts are not
    fields: dict[str, Any] = {FORMAT: "csl"}
    for k, v in item.items():
        if k in ("author", "editor") and isinstance(v, list):
            continue
        fields[k] = v
    authors = display_names(tuple(creators), "author") or display_names(tuple(creators), "editor")
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
        kind=_s(item.get("type")) or None,
        citation_key=_s(item.get("citation-key")) or None,
        keywords=cols["keywords"],
        creators=tuple(creators),
        fields=fields,
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
                paper = item_to_paper(item, path.name, where)
                files = attachments_from_fields(
                    {"file": item["file"]} if isinstance(item.get("file"), str) else {},
                    path.parent,
                )
                result.papers.append(replace(paper, attachments=files) if files else paper)
            except ValueError as exc:
                result.issues.append(ReadIssue(str(path), where, str(exc), "skipped"))
        require_papers(result, path, "CSL items", "no CSL items")
        progress(1.0, f"{len(result.papers)} papers")
        return result


registry.register(CSLJSONReader())
