"""Identifiers in their one spelling: arXiv ids without version, DOIs lower-case
without prefix. Used by the readers (to fill :class:`Paper`) and by the library's
dedup keys, so it lives in ``core``."""

from __future__ import annotations

import re

_ARXIV_NEW = re.compile(r"(\d{4}\.\d{4,5})(v\d+)?$")
_ARXIV_OLD = re.compile(r"([a-z\-]+(?:\.[A-Z]{2})?/\d{7})(v\d+)?$", re.IGNORECASE)
_DOI = re.compile(r"(10\.\d{4,9}/\S+)", re.IGNORECASE)


def normalise_arxiv_id(raw: str | None) -> str | None:
    """``arXiv:2410.17243v2`` / ``https://arxiv.org/abs/2410.17243`` → ``2410.17243``."""
    if not raw:
        return None
    s = raw.strip()
    s = re.sub(r"^(?:https?://)?(?:www\.)?arxiv\.org/(?:abs|pdf)/", "", s, flags=re.IGNORECASE)
    s = re.sub(r"^arxiv:", "", s, flags=re.IGNORECASE)
    # the id ends the string: its last 64 characters hold any id, and the searches stay
    # linear (a 70 kB URL made the old-style pattern backtrack for minutes)
    s = s.removesuffix(".pdf")[-64:]
    if m := _ARXIV_NEW.search(s):
        return m.group(1)
    if m := _ARXIV_OLD.search(s):
        return m.group(1).lower()
    return None


def normalise_doi(raw: str | None) -> str | None:
    """``https://doi.org/10.1109/CVPR.2016.90`` / ``doi:10.1109/...`` → ``10.1109/cvpr.2016.90``."""
    if not raw:
        return None
    m = _DOI.search(raw.strip())
    if not m:
        return None
    doi = m.group(1).rstrip(".,;}").lower()
    return doi if len(doi) > 8 else None


def arxiv_from_doi(doi: str | None) -> str | None:
    """arXiv's own DOIs (``10.48550/arxiv.2410.17243``) name the arXiv id."""
    if doi and doi.startswith("10.48550/arxiv."):
        return normalise_arxiv_id(doi.removeprefix("10.48550/arxiv."))
    return None
