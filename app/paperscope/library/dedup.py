"""Canonical identity of a paper across sources.

A paper gets several keys; two records sharing any key are the same paper:
``arxiv:<id without version>``, ``doi:<doi>``, ``hf:<id>`` and
``title:<normalised title>|<first author's family name>|<year>``. The title key lets a
preprint and its published version (different DOIs) meet.
"""

from __future__ import annotations

import re
import unicodedata

from paperscope.core.records import Paper

_ARXIV_NEW = re.compile(r"(\d{4}\.\d{4,5})(v\d+)?$")
_ARXIV_OLD = re.compile(r"([a-z\-]+(?:\.[A-Z]{2})?/\d{7})(v\d+)?$", re.IGNORECASE)
_DOI = re.compile(r"(10\.\d{4,9}/\S+)", re.IGNORECASE)
_NONWORD = re.compile(r"[^a-z0-9]+")


def normalise_arxiv_id(raw: str | None) -> str | None:
    """``arXiv:2410.17243v2`` / ``https://arxiv.org/abs/2410.17243`` → ``2410.17243``."""
    if not raw:
        return None
    s = raw.strip()
    s = re.sub(r"^(?:https?://)?(?:www\.)?arxiv\.org/(?:abs|pdf)/", "", s, flags=re.IGNORECASE)
    s = re.sub(r"^arxiv:", "", s, flags=re.IGNORECASE)
    s = s.removesuffix(".pdf")
    if m := _ARXIV_NEW.search(s):
        return m.group(1)
    if m := _ARXIV_OLD.search(s):
        return m.group(1).lower()
    return None


def normalise_doi(raw: str | None) -> str | None:
    if not raw:
        return None
    m = _DOI.search(raw.strip())
    if not m:
        return None
    return m.group(1).rstrip(".,;").lower()


def fold(text: str) -> str:
    """Lower-case ASCII letters and digits only, accents removed, words joined by a space."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    return _NONWORD.sub(" ", ascii_text).strip()


def family_name(author: str) -> str:
    """The family name of ``Last, First`` or ``First Last``."""
    author = author.strip()
    if "," in author:
        return fold(author.split(",", 1)[0])
    parts = fold(author).split()
    return parts[-1] if parts else ""


def title_key(title: str, authors: tuple[str, ...], year: int | None) -> str | None:
    t = fold(title).replace(" ", "")
    if len(t) < 8:
        return None
    first = family_name(authors[0]) if authors else ""
    return f"title:{t}|{first}|{year or ''}"


def paper_keys(paper: Paper) -> list[str]:
    keys: list[str] = []
    if aid := normalise_arxiv_id(paper.arxiv_id):
        keys.append(f"arxiv:{aid}")
    if doi := normalise_doi(paper.doi):
        keys.append(f"doi:{doi}")
    if paper.hf_id:
        hf = normalise_arxiv_id(paper.hf_id) or paper.hf_id.strip().lower()
        if f"arxiv:{hf}" not in keys:
            keys.append(f"hf:{hf}")
    if tk := title_key(paper.title, paper.authors, paper.year):
        keys.append(tk)
    return keys
