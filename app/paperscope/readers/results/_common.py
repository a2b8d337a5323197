"""What the results readers share: turning one raw value into a
:class:`ReportedResult` (or an issue naming the record), paper ids from URLs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from paperscope.core.ids import normalise_arxiv_id, normalise_doi
from paperscope.core.records import ReadIssue, ReportedResult
from paperscope.readers.results._values import ValueProblem, higher_is_better, parse_value

_DOI_IN_URL = re.compile(r"/(?:doi/(?:abs/|full/|pdf/)?)?10\.\d{4,9}/")
_ARXIV_IN_TEXT = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf)/|arxiv:\s*)(\d{4}\.\d{4,5}(?:v\d+)?|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})",
    re.IGNORECASE,
)


@lru_cache(maxsize=8192)
def paper_ids_from_url(url: str) -> tuple[str | None, str | None]:
    """(arXiv id, DOI) named by a paper URL, each ``None`` when absent."""
    if not url:
        return None, None
    low = url.lower()
    arxiv = normalise_arxiv_id(url) if "arxiv.org/" in low or low.startswith("arxiv:") else None
    # doi.org links, and publisher links that carry the DOI (…/article/10.1186/…)
    doi = normalise_doi(url) if _DOI_IN_URL.search(url) else None
    return arxiv, doi


def arxiv_ids_in_text(text: str) -> list[str]:
    """Every arXiv id the text cites (links, ``arxiv:`` tags), first seen first."""
    out: list[str] = []
    for m in _ARXIV_IN_TEXT.finditer(text):
        aid = normalise_arxiv_id(m.group(1))
        if aid and aid not in out:
            out.append(aid)
    return out


def make_result(
    raw: Any,
    *,
    task: str,
    dataset: str,
    metric: str,
    method: str,
    file: str,
    location: str,
    issues: list[ReadIssue],
    paper_title: str = "",
    paper_url: str = "",
    arxiv_id: str | None = None,
    doi: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> ReportedResult | None:
    """One reported result, or ``None`` (a missing value, or an unreadable one, which
    becomes a ``skipped`` issue naming the record and why)."""
    try:
        v = parse_value(raw)
    except ValueProblem as exc:
        issues.append(ReadIssue(file, location, f"value of {metric!r} skipped: {exc}", "skipped"))
        return None
    if v is None:
        return None
    more = dict(extra or {})
    if v.percent:
        more["percent"] = True
    if v.scale != 1.0:
        more["scale"] = v.scale
    if paper_url and arxiv_id is None and doi is None:
        arxiv_id, doi = paper_ids_from_url(paper_url)
    return ReportedResult(
        task=task,
        dataset=dataset,
        metric=metric,
        value=v.value,
        method=method,
        std=v.std,
        ci_low=v.ci_low,
        ci_high=v.ci_high,
        higher_is_better=higher_is_better(metric),
        raw=raw if isinstance(raw, str) else repr(raw),
        arxiv_id=arxiv_id,
        doi=doi,
        paper_title=paper_title,
        paper_url=paper_url,
        extra=more,
        source=file,
        location=location,
    )


def text(value: Any) -> str:
    """A field as text ('' for None/containers)."""
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value).strip()
