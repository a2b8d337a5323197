"""The search box's language, parsed into a plan the store runs.

``author:smith title:"flow matching" year:>=2023 tag:to-read status:unread org:tencent -survey``

- bare words and ``"quoted phrases"`` are matched in title, authors, abstract and the
  attached PDFs' full text (at a lower weight), ranked by BM25; every word must match
  (``a OR b`` relaxes that for two neighbours);
- ``title:``, ``author:`` (``authors:``), ``abstract:``, ``fulltext:`` restrict a word or
  phrase to one field;
- a word ending in ``*`` is a prefix; so is the last bare word while it is being typed
  (the query does not end in a space), so results appear as you type;
- filters on stored columns: ``year:2023``, ``year:>=2020``, ``year:2019..2021``,
  ``tag:NAME``, ``status:unread|reading|read``, ``org:TEXT``, ``venue:TEXT``,
  ``kind:article``, ``rating:>=4``, ``collection:NAME``, ``source:FILE``,
  ``arxiv:ID``, ``doi:DOI``, ``has:abstract|doi|arxiv|notes|rating|pdf|fulltext``,
  ``is:published`` (a preprint known as published: merged with its venue version, or
  an arXiv record with a journal-ref or a venue's DOI; see ``library/published.py``);
- ``-`` before any of these negates it (``-survey``, ``-tag:read``, ``-"large language"``).

A field name that is not known is read as plain text (``foo:bar`` searches "foo bar").
Nothing here speaks SQL: :class:`Plan` is data; ``paperscope.library.store`` runs it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TEXT_FIELDS = {
    "title": "title", "author": "authors", "authors": "authors", "abstract": "abstract",
    "fulltext": "fulltext",
}  # fmt: skip
FILTER_FIELDS = (
    "year", "tag", "status", "org", "venue", "kind", "rating", "collection", "source",
    "arxiv", "doi", "has",
)  # fmt: skip
_ALIASES = {"organisation": "org", "organization": "org", "tags": "tag", "is": "status",
            "in": "collection", "type": "kind", "stars": "rating", "y": "year", "a": "author",
            "t": "title", "ti": "title", "au": "author", "abs": "abstract"}  # fmt: skip
HAS_VALUES = (
    "abstract", "doi", "arxiv", "notes", "rating", "tags", "url", "date", "pdf", "fulltext",
)  # fmt: skip

_TOKEN = re.compile(
    r"""(?P<neg>-)?(?:(?P<field>[A-Za-z]+):)?(?:"(?P<phrase>[^"]*)"?|(?P<word>[^\s"]+))"""
)
_RANGE = re.compile(r"^(\d{1,4})\s*\.\.\s*(\d{1,4})$")
_CMP = re.compile(r"^(>=|<=|>|<|=)?\s*(\d+)$")


class QueryError(ValueError):
    """A filter value that cannot mean anything (``year:abc``)."""


@dataclass(frozen=True, slots=True)
class Term:
    """Text to find: a word (``phrase=False``) or a phrase, in all fields or one."""

    text: str
    column: str | None = None  # "title" | "authors" | "abstract" | "fulltext" | None (all)
    phrase: bool = False
    prefix: bool = False
    negated: bool = False
    or_next: bool = False  # "a OR b": this term and the next one are alternatives


@dataclass(frozen=True, slots=True)
class Filter:
    """A condition on a stored column. ``op`` is one of = >= <= > < between contains has."""

    field: str
    op: str
    value: str | int | tuple[int, int]
    negated: bool = False


@dataclass(slots=True)
class Plan:
    terms: list[Term] = field(default_factory=list)
    filters: list[Filter] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def positive_terms(self) -> list[Term]:
        return [t for t in self.terms if not t.negated]

    @property
    def negative_terms(self) -> list[Term]:
        return [t for t in self.terms if t.negated]

    @property
    def empty(self) -> bool:
        return not self.terms and not self.filters


def _number_filter(name: str, value: str, negated: bool) -> Filter:
    value = value.strip()
    if m := _RANGE.match(value):
        lo, hi = sorted((int(m.group(1)), int(m.group(2))))
        return Filter(name, "between", (lo, hi), negated)
    if m := _CMP.match(value):
        return Filter(name, m.group(1) or "=", int(m.group(2)), negated)
    raise QueryError(f"{name}: needs a number, a comparison (>=2020) or a range (2019..2021)")


def parse(query: str, typing: bool | None = None) -> Plan:
    """Parse the search box text. ``typing`` (default: the text does not end in a
    space) makes the last bare word a prefix."""
    plan = Plan()
    if typing is None:
        typing = bool(query) and not query[-1].isspace()
    tokens = list(_TOKEN.finditer(query))
    pending_or = False
    last_is_word = False  # the last token became a bare-word term
    for m in tokens:
        last_is_word = False
        neg = bool(m.group("neg"))
        fname = (m.group("field") or "").lower()
        fname = _ALIASES.get(fname, fname)
        phrase = m.group("phrase")
        word = m.group("word")
        raw = phrase if phrase is not None else (word or "")
        if word == "OR" and not fname and not neg:
            if plan.terms and not plan.terms[-1].negated:
                pending_or = True
            continue
        if fname in FILTER_FIELDS:
            if raw.strip():  # "tag:" alone while typing means nothing yet
                try:
                    plan.filters.append(_filter(fname, raw.strip(), neg))
                except QueryError as exc:
                    plan.problems.append(str(exc))
            continue
        column = TEXT_FIELDS.get(fname)
        if fname and column is None:
            raw = f"{m.group('field')} {raw}"  # unknown field: plain text
        prefix = False
        if phrase is None and raw.endswith("*"):
            raw, prefix = raw.rstrip("*"), True
        if not re.search(r"\w", raw):
            continue
        if pending_or and plan.terms:
            prev = plan.terms[-1]
            plan.terms[-1] = Term(
                prev.text, prev.column, prev.phrase, prev.prefix, prev.negated, True
            )
        pending_or = False
        plan.terms.append(Term(raw, column, phrase is not None, prefix, neg))
        last_is_word = phrase is None
    if typing and last_is_word:
        t = plan.terms[-1]
        if len(re.sub(r"\W", "", t.text)) >= 2:
            plan.terms[-1] = Term(t.text, t.column, t.phrase, True, t.negated, t.or_next)
    return plan


def _filter(name: str, value: str, neg: bool) -> Filter:
    if name in ("year", "rating"):
        f = _number_filter(name, value, neg)
        if name == "rating" and f.op == "=" and not 1 <= int(f.value) <= 5:  # type: ignore[arg-type]
            raise QueryError("rating: is 1 to 5")
        return f
    if name == "status":
        v = value.lower()
        if v == "published":  # is:published, a preprint published as a venue version
            return Filter("published", "=", True, neg)
        if v not in ("unread", "reading", "read"):
            raise QueryError(f"status: is unread, reading or read (not {value!r})")
        return Filter(name, "=", v, neg)
    if name == "has":
        v = value.lower().rstrip("s") if value.lower() != "notes" else "notes"
        v = {"tag": "tags", "note": "notes"}.get(v, v)
        if v not in HAS_VALUES:
            raise QueryError(f"has: is one of {', '.join(HAS_VALUES)}")
        return Filter(name, "has", v, neg)
    if name in ("tag", "collection", "kind", "arxiv", "doi"):
        return Filter(name, "=", value, neg)
    return Filter(name, "contains", value, neg)
