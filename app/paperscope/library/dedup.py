"""Canonical identity of a paper across sources.

A paper gets several keys; two records sharing any key are the same paper:
``arxiv:<id without version>``, ``doi:<doi>``, ``hf:<id>`` and
``title:<normalised title>|<first author's family name>|<year>``. The title key lets a
preprint and its published version (different DOIs) meet; a preprint (an arXiv id, or
kind ``preprint``) also carries the title key of the following year, because the
published version usually appears a year after the preprint. A DOI of arXiv's own
(``10.48550/arXiv.<id>``) is an arXiv key. Titles too short or too generic
("Introduction", "Editorial") get no title key.

Pairs that share a normalised title but not the rest of the key are *candidates*:
the store lists them for the merge dialog instead of merging them on its own.
"""

from __future__ import annotations

import re
import unicodedata

from paperscope.core.ids import arxiv_from_doi, normalise_arxiv_id, normalise_doi
from paperscope.core.records import Paper

__all__ = [
    "arxiv_from_doi",
    "family_name",
    "fold",
    "normalise_arxiv_id",
    "normalise_doi",
    "normalised_title",
    "paper_keys",
    "title_key",
]

_NONWORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower-case ASCII letters and digits only, accents removed, words joined by a space."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    return _NONWORD.sub(" ", ascii_text).strip()


_SUFFIXES = {"jr", "sr", "ii", "iii", "iv", "phd", "md"}
GENERIC_TITLES = {
    fold(t).replace(" ", "")
    for t in (
        "Introduction", "Editorial", "Preface", "Foreword", "Index", "Reply", "Response",
        "Correction", "Erratum", "Corrigendum", "Commentary", "Discussion", "Conclusion",
        "Book review", "Reviews", "Letter to the editor", "Abstracts", "Contents",
        "Front matter", "Back matter", "Untitled", "Comment", "Retraction", "Addendum",
    )
}  # fmt: skip


def family_name(author: str) -> str:
    """The family name (folded) of ``Last, First`` or ``First Last [Jr]``."""
    author = author.strip()
    if "," in author:
        return fold(author.split(",", 1)[0]).replace(" ", "")
    parts = fold(author).split()
    while len(parts) > 1 and parts[-1] in _SUFFIXES:
        parts.pop()
    return parts[-1] if parts else ""


def normalised_title(title: str) -> str:
    """The title folded to letters and digits with no spaces (the dedup comparison)."""
    return fold(title).replace(" ", "")


def title_key(title: str, authors: tuple[str, ...], year: int | None) -> str | None:
    """``title:<title>|<first family name>|<year>``; a short or generic title
    ("Editorial") gets a key only with both a first author and a year."""
    t = normalised_title(title)
    first = family_name(authors[0]) if authors else ""
    if not t or ((len(t) < 8 or t in GENERIC_TITLES) and not (first and year)):
        return None
    return f"title:{t}|{first}|{year or ''}"


def is_preprint(paper: Paper) -> bool:
    kind = (paper.kind or "").lower()
    venue = (paper.venue or "").lower()
    return bool(paper.arxiv_id) or kind == "preprint" or venue.startswith("arxiv")


def paper_keys(paper: Paper) -> list[str]:
    """Every identity key of a paper (two papers sharing any key are one paper)."""
    keys: list[str] = []
    doi = normalise_doi(paper.doi)
    aid = normalise_arxiv_id(paper.arxiv_id) or arxiv_from_doi(doi)
    if aid:
        keys.append(f"arxiv:{aid}")
    if doi and not arxiv_from_doi(doi):
        keys.append(f"doi:{doi}")
    if paper.hf_id:
        # Hugging Face paper ids are arXiv ids; anything else is kept as an hf: key
        hf_arxiv = normalise_arxiv_id(paper.hf_id)
        if hf_arxiv is None:
            keys.append(f"hf:{paper.hf_id.strip().lower()}")
        elif f"arxiv:{hf_arxiv}" not in keys:
            keys.append(f"arxiv:{hf_arxiv}")
    if tk := title_key(paper.title, paper.authors, paper.year):
        keys.append(tk)
        if paper.year and is_preprint(paper):
            nxt = title_key(paper.title, paper.authors, paper.year + 1)
            if nxt:
                keys.append(nxt)
        if _first_family(paper) and (t := _anon_title(paper.title)):
            # lets a record without authors (the HF daily page) find this paper
            keys.extend(f"anon:{t}|{y}" for y in _years(paper))
    return keys


def lookup_keys(paper: Paper) -> list[str]:
    """The keys a paper is looked up by. Like :func:`paper_keys`, except that the
    author-less ``anon:`` keys only serve records without authors: a paper with
    authors looks for author-less records of its title and year (``title:<t>||<y>``),
    one without authors looks for any paper of that title and year (``anon:``). Two
    papers with different first authors never meet this way."""
    keys = [k for k in paper_keys(paper) if not k.startswith("anon:")]
    t = _anon_title(paper.title)
    if t:
        if _first_family(paper):
            keys.extend(f"title:{t}||{y}" for y in _years(paper))
        else:
            keys.extend(f"anon:{t}|{y}" for y in _years(paper))
    return list(dict.fromkeys(keys))


def _first_family(paper: Paper) -> str:
    return family_name(paper.authors[0]) if paper.authors else ""


def _anon_title(title: str) -> str | None:
    """The normalised title when it is distinctive enough to match without authors."""
    t = normalised_title(title)
    return t if len(t) >= 8 and t not in GENERIC_TITLES else None


def _years(paper: Paper) -> list[str]:
    if not paper.year:
        return [""]
    if is_preprint(paper):
        return [str(paper.year), str(paper.year + 1)]
    return [str(paper.year)]
