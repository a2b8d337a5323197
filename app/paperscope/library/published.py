"""Preprints and the versions they were published as.

A paper is *published as* a venue when

- a merge joined its preprint (an arXiv id, or a preprint server's venue: bioRxiv,
  medRxiv, SSRN…) with the record of its venue version: the merged paper keeps the
  arXiv id and takes the venue's fields (journal or booktitle, DOI, pages, volume,
  publisher, the year of publication, the entry type, the citation key); what the
  preprint was is kept in ``extra["published"]["preprint"]`` so it can still be cited
  as a preprint (``export --preprint``), and the merge log undoes it exactly;
- or its own record says so: an arXiv record (the Kaggle snapshot, the arXiv API) with a
  ``journal-ref`` or a DOI of the published version (arXiv's own ``10.48550`` DOIs are
  not one), a BibTeX entry with both an ``eprint`` and a ``journal``/``booktitle``.

Pairs are found among the merge candidates (:meth:`Store.merge_candidates`: a DOI or
arXiv id that agrees, or the normalised title with the first author or the year):
one side a preprint, the other a venue version, the venue's year the preprint's or up
to :data:`MAX_YEARS_LATER` years later, and the first author's family name the same.
An import that merges a venue record into a stored preprint (or a preprint into a
stored venue record) makes this merge by itself (:meth:`Store.add_papers`).

Nothing here speaks SQL; :func:`find_pairs` and :func:`merge_pairs` use the store's
methods.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from paperscope.core.ids import arxiv_from_doi
from paperscope.core.records import Paper
from paperscope.library.dedup import family_name

if TYPE_CHECKING:
    from paperscope.core.tasks import CancelToken, Progress
    from paperscope.library.store import Store

# venues that are preprint servers, not a publication (lower-case text; also run by
# DuckDB's regexp engine in the store's ``is:published`` filter)
PREPRINT_VENUES = (
    r"\b(arxiv|corr|biorxiv|medrxiv|chemrxiv|psyarxiv|socarxiv|edarxiv|techrxiv|"
    r"eartharxiv|ssrn|research square|preprints)\b"
)
_PREPRINT_RE = re.compile(PREPRINT_VENUES)
MAX_YEARS_LATER = 2
KIND = "published"  # the merge log's kind of these merges

# the fields of a record that belong to its venue (dropped from a record's own fields
# when it is cited as the preprint), in the BibTeX, CSL and RIS vocabularies
_VENUE_ONLY = {
    "journal", "journaltitle", "booktitle", "pages", "volume", "number", "issue", "publisher",
    "address", "doi", "issn", "isbn", "series", "organization", "eventtitle", "venue",
    "container-title", "container-title-short", "journalAbbreviation", "page", "DOI", "ISSN",
    "ISBN", "publisher-place", "event", "event-title", "collection-title", "secondary_title",
    "journal_name", "alternate_title1", "alternate_title2", "start_page", "end_page",
}  # fmt: skip
_PROCEEDINGS = re.compile(
    r"\b(proc|proceedings|conference|conf|symposium|workshop|neurips|nips|icml|iclr|cvpr|"
    r"iccv|eccv|aaai|ijcai|acl|emnlp|naacl|sosp|osdi|sigmod|vldb|kdd)\b"
)
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")


def is_preprint_venue(venue: str | None) -> bool:
    return bool(venue) and _PREPRINT_RE.search(str(venue).lower()) is not None


def venue_name(p: Paper) -> str | None:
    """The paper's venue when it is a publication (not a preprint server)."""
    v = (p.venue or "").strip()
    return v if v and not is_preprint_venue(v) else None


def _venue_doi(p: Paper) -> str | None:
    """The paper's DOI when it is not a preprint's (arXiv's ``10.48550``, bioRxiv's
    and medRxiv's ``10.1101`` on a preprint server's record)."""
    if not p.doi or arxiv_from_doi(p.doi):
        return None
    if p.doi.startswith("10.1101/") and is_preprint_venue(p.venue):
        return None
    return p.doi


def _explicit(p: Paper) -> Mapping[str, Any] | None:
    value = (p.extra or {}).get("published")
    return value if isinstance(value, Mapping) else None


def is_preprint(p: Paper) -> bool:
    """A preprint that is not (yet) known as published: an arXiv id, a preprint
    server's venue or kind ``preprint``, and no venue of a publication."""
    if _explicit(p) is not None or venue_name(p) is not None:
        return False
    kind = (p.kind or "").lower()
    return bool(p.arxiv_id) or kind == "preprint" or is_preprint_venue(p.venue)


def is_venue_version(p: Paper) -> bool:
    """A record of a publication: a venue that is not a preprint server (or a DOI of
    its own and no arXiv id), and not itself a merged preprint."""
    if _explicit(p) is not None:
        return False
    if venue_name(p) is not None:
        return True
    return _venue_doi(p) is not None and not p.arxiv_id and (p.kind or "") != "preprint"


@dataclass(frozen=True, slots=True)
class Published:
    """Where a paper was published: ``how`` is ``merge`` (a preprint merged with its
    venue record), ``journal-ref`` or ``doi`` (an arXiv record's own fields), or
    ``record`` (a record with both an eprint and a venue)."""

    venue: str | None
    year: int | None
    doi: str | None
    kind: str
    how: str
    preprint: Mapping[str, Any] | None = None

    def line(self) -> str:
        """``Published as eLife, 2021 (doi:…)``."""
        # a journal-ref often ends in its year already ("Phys.Rev.D76:013009,2007")
        year = self.year if self.year and str(self.year) not in (self.venue or "") else None
        where = ", ".join(str(x) for x in (self.venue, year) if x)
        if not where:
            where = f"doi:{self.doi}" if self.doi else "a venue version"
        elif self.doi:
            where += f" (doi:{self.doi})"
        return f"Published as {where}"


def _guess_kind(venue: str | None) -> str:
    return "inproceedings" if venue and _PROCEEDINGS.search(venue.lower()) else "article"


def published_as(p: Paper) -> Published | None:
    """Where ``p`` was published, or ``None`` (see the module text)."""
    explicit = _explicit(p)
    if explicit is not None:
        pre = explicit.get("preprint")
        return Published(
            venue=explicit.get("venue") or None, year=explicit.get("year"),
            doi=explicit.get("doi") or None, kind=str(explicit.get("kind") or "article"),
            how="merge", preprint=pre if isinstance(pre, Mapping) else None,
        )  # fmt: skip
    if not p.arxiv_id:
        return None
    venue, doi = venue_name(p), _venue_doi(p)
    if venue is None and doi is None:
        return None
    if (p.kind or "").lower() == "preprint":  # a feed's record: the journal-ref
        years = _YEAR.findall(venue or "")
        year = int(years[-1]) if years else None
        return Published(venue, year, doi, _guess_kind(venue), "journal-ref" if venue else "doi")
    return Published(venue, p.year, doi, p.kind or _guess_kind(venue), "record")


def published_line(p: Paper) -> str | None:
    pub = published_as(p)
    return pub.line() if pub is not None else None


def _strip_venue(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if k not in _VENUE_ONLY}


def citation_form(p: Paper, preprint: bool = False) -> Paper:
    """``p`` as it is cited: a published paper as its venue version (the default), or
    with ``preprint`` as the preprint it was (the arXiv id kept either way, so BibTeX
    still has ``eprint`` and ``archivePrefix``)."""
    pub = published_as(p)
    if pub is None:
        return p
    if not preprint:
        if pub.how in ("journal-ref", "doi"):  # a feed's record has no entry type
            year = pub.year or p.year
            when = p.date if year == p.year else None
            return replace(p, kind=pub.kind, year=year, date=when)
        return p  # a merge gave the paper its venue's fields; a record has them
    if pub.preprint is not None:
        pre = pub.preprint
        return replace(
            p, venue=pre.get("venue"), year=pre.get("year"), date=pre.get("date"),
            doi=pre.get("doi"), kind=pre.get("kind"), fields=dict(pre.get("fields") or {}),
            title=pre.get("title") or p.title, url=pre.get("url") or p.url,
            citation_key=pre.get("citation_key") or p.citation_key,
        )  # fmt: skip
    kind = "preprint" if pub.how in ("journal-ref", "doi") else "misc"
    return replace(p, venue=None, doi=None, kind=kind, fields=_strip_venue(p.fields or {}))


# -- pairs -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PublishedPair:
    """A preprint and its venue version (paper ids), with the evidence."""

    preprint_id: int
    venue_id: int
    reason: str
    preprint_title: str = ""
    venue: str = ""
    venue_year: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "preprint_id": self.preprint_id, "venue_id": self.venue_id, "reason": self.reason,
            "title": self.preprint_title, "venue": self.venue, "venue_year": self.venue_year,
        }  # fmt: skip


def roles(a: Paper, b: Paper) -> tuple[int, int] | None:
    """``(0, 1)`` when ``a`` is the preprint of ``b``'s venue version, ``(1, 0)`` the
    other way round, ``None`` when they are not such a pair (by kind and year; the
    caller knows they are one paper)."""
    for pre, ven, order in ((a, b, (0, 1)), (b, a, (1, 0))):
        if is_preprint(pre) and is_venue_version(ven):
            if pre.year and ven.year and not 0 <= ven.year - pre.year <= MAX_YEARS_LATER:
                return None
            return order
    return None


def pair_of(a_id: int, a: Paper, b_id: int, b: Paper, reason: str) -> PublishedPair | None:
    """The pair of these two papers (merge candidates), when one is the other's
    preprint and the first authors' family names agree."""
    order = roles(a, b)
    if order is None:
        return None
    fa = family_name(a.authors[0]) if a.authors else ""
    fb = family_name(b.authors[0]) if b.authors else ""
    if not reason.startswith("same DOI") and not reason.startswith("same arXiv") and fa != fb:
        return None
    (pid, pre), (vid, ven) = [(a_id, a), (b_id, b)][order[0]], [(a_id, a), (b_id, b)][order[1]]
    return PublishedPair(pid, vid, reason, pre.title, venue_name(ven) or ven.doi or "", ven.year)


def find_pairs(store: Store, limit: int = 100_000) -> list[PublishedPair]:
    """Preprints and their venue versions among the merge candidates (pairs marked
    "not duplicates" are never proposed), lowest preprint id first."""
    cands = store.merge_candidates(limit)
    ids = sorted({c.a for c in cands} | {c.b for c in cands})
    papers = dict(zip(ids, store.papers(ids), strict=True))
    out: list[PublishedPair] = []
    for c in cands:
        a, b = papers.get(c.a), papers.get(c.b)
        if a is None or b is None:
            continue
        pair = pair_of(c.a, a, c.b, b, c.reason)
        if pair is not None:
            out.append(pair)
    return sorted(out, key=lambda p: (p.preprint_id, p.venue_id))


def self_published(store: Store) -> list[int]:
    """Ids of the papers whose own record carries their venue (``is:published`` less
    the merged ones): nothing to merge, cited as their venue already."""
    ids, _ = store.search_ids("is:published", typing=False)
    papers = store.papers([int(i) for i in ids])
    return sorted(
        int(i)
        for i, p in zip(ids, papers, strict=True)
        if (pub := published_as(p)) is not None and pub.how != "merge"
    )


def merge_pairs(
    store: Store,
    pairs: Sequence[PublishedPair],
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> list[int]:
    """Merge each pair (the preprint's id is kept); a pair whose paper a previous
    merge took away is left out. Returns the merge ids (for :meth:`Store.undo_merge`)."""
    done: list[int] = []
    gone: set[int] = set()
    for i, pair in enumerate(pairs):
        if cancel is not None:
            cancel.check()
        if {pair.preprint_id, pair.venue_id} & gone:
            continue
        done.append(store.merge_published(pair.preprint_id, pair.venue_id, how=pair.reason))
        gone.add(pair.venue_id)
        if progress is not None:
            progress((i + 1) / len(pairs), f"Merged {i + 1} of {len(pairs)}")
    return done


# -- the merged values -------------------------------------------------------------------
def venue_choices(preprint_id: int, venue_id: int, venue: Mapping[str, Any]) -> dict[str, int]:
    """The fields a published merge takes from the venue record (the merge dialog's
    field choices): title, venue, year, date, kind, its fields, DOI and citation key
    when it has them."""
    choices = dict.fromkeys(("title", "kind", "fields"), venue_id)
    for f in ("venue", "doi", "citation_key"):
        if venue.get(f):
            choices[f] = venue_id
    if venue.get("year"):
        choices["year"] = choices["date"] = venue_id
    return choices


def _preprint_doi(doi: Any) -> str | None:
    """A preprint's own DOI (arXiv's, bioRxiv's); a venue's DOI on an arXiv record is
    not the preprint's."""
    if isinstance(doi, str) and (arxiv_from_doi(doi) or doi.startswith("10.1101/")):
        return doi
    return None


def published_record(
    preprint: Mapping[str, Any], venue: Mapping[str, Any], how: str
) -> dict[str, Any]:
    """What ``extra["published"]`` holds after a merge: the venue, and the preprint's
    own citation fields (for ``export --preprint``)."""
    pre_date = preprint.get("date")
    return {
        "venue": venue.get("venue"), "year": venue.get("year"), "doi": venue.get("doi"),
        "kind": venue.get("kind") or _guess_kind(venue.get("venue")),
        "citation_key": venue.get("citation_key"), "source": venue.get("source"), "how": how,
        "preprint": {
            "title": preprint.get("title"), "venue": preprint.get("venue"),
            "year": preprint.get("year"),
            "date": pre_date.isoformat() if isinstance(pre_date, date) else pre_date,
            "doi": _preprint_doi(preprint.get("doi")), "kind": preprint.get("kind"),
            "fields": dict(preprint.get("fields") or {}), "url": preprint.get("url"),
            "citation_key": preprint.get("citation_key"), "source": preprint.get("source"),
        },
    }  # fmt: skip
