"""Writing papers out: BibTeX, CSL-JSON, RIS and CSV.

Pure functions from :class:`Paper` records (plus the user's status/rating/tags for
CSV) to text; no SQL. Citation keys come from the paper (the store makes them stable:
:meth:`Store.ensure_citation_keys` gives every exported paper a key once and keeps
it); :func:`citation_key_base` is how a new key is made (``vaswani2017attention``).

Every format is read back by PaperScope's own readers into the same papers (title,
authors, year, DOI, arXiv id, venue, abstract), which the tests check.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from paperscope.core.records import Paper
from paperscope.library.dedup import fold

FORMATS = ("bibtex", "csljson", "ris", "csv")
EXTENSIONS = {"bibtex": ".bib", "csljson": ".json", "ris": ".ris", "csv": ".csv"}

_STOP = {
    "a",
    "an",
    "the",
    "on",
    "of",
    "in",
    "for",
    "to",
    "and",
    "with",
    "from",
    "by",
    "at",
    "is",
    "are",
}
_BIBTEX_TYPES = {
    "article": "article", "article-journal": "article", "article-magazine": "article",
    "article-newspaper": "article", "journal-article": "article",
    "inproceedings": "inproceedings", "paper-conference": "inproceedings", "conference":
        "inproceedings",
    "proceedings-article": "inproceedings",
    "book": "book", "incollection": "incollection", "chapter": "incollection", "inbook": "inbook",
    "phdthesis": "phdthesis", "thesis": "phdthesis", "mastersthesis": "mastersthesis",
    "techreport": "techreport", "report": "techreport", "unpublished": "unpublished",
    "manuscript": "unpublished", "proceedings": "proceedings",
}  # fmt: skip
_CSL_TYPES = {
    "article": "article-journal", "inproceedings": "paper-conference", "book": "book",
    "incollection": "chapter", "inbook": "chapter", "phdthesis": "thesis",
    "mastersthesis": "thesis", "techreport": "report", "unpublished": "manuscript",
    "misc": "article", "preprint": "article",
}  # fmt: skip
CSL_TYPES = {
    "article", "article-journal", "article-magazine", "article-newspaper", "book", "chapter",
    "dataset", "entry", "entry-dictionary", "entry-encyclopedia", "manuscript", "paper-conference",
    "patent", "report", "review", "software", "speech", "thesis", "webpage", "post", "standard",
}  # fmt: skip
_RIS_TYPES = {
    "article": "JOUR", "inproceedings": "CONF", "book": "BOOK", "incollection": "CHAP",
    "inbook": "CHAP", "phdthesis": "THES", "mastersthesis": "THES", "techreport": "RPRT",
    "unpublished": "UNPB", "misc": "GEN", "preprint": "GEN",
}  # fmt: skip
_VENUE_FIELD = {
    "article": "journal", "inproceedings": "booktitle", "incollection": "booktitle",
    "phdthesis": "school", "mastersthesis": "school", "techreport": "institution",
}  # fmt: skip
_MATH = re.compile(r"(?<!\\)\$[^$]*(?<!\\)\$")
_TEX_ESCAPES = {
    "\\": "\\textbackslash{}", "~": "\\textasciitilde{}", "&": "\\&", "%": "\\%", "#": "\\#",
    "_": "\\_", "{": "\\{", "}": "\\}",
}  # fmt: skip
_TEX_SPECIAL = re.compile(r"[\\~&%#_{}]")
_LIGATURE = re.compile(r"-(?=-)|`(?=`)|'(?=')")
_CSV_INJECTION = ("=", "+", "@", "\t", "\r")


def citation_key_base(paper: Paper) -> str:
    """``<first author's family name><year><first significant title word>``, ASCII."""
    family = ""
    if paper.authors:
        first = paper.authors[0]
        parts = fold(first.split(",", 1)[0] if "," in first else first).split()
        if parts:
            family = parts[0] if "," in first else parts[-1]
    words = [w for w in fold(paper.title).split() if w not in _STOP]
    word = words[0] if words else "paper"
    return f"{family or 'anon'}{paper.year or ''}{word}"


def bibtex_type(paper: Paper) -> str:
    kind = (paper.kind or "").lower()
    if kind in _BIBTEX_TYPES:
        return _BIBTEX_TYPES[kind]
    return "misc"


# -- BibTeX ---------------------------------------------------------------------------
def _escape_tex(text: str) -> str:
    """Escape TeX specials outside ``$…$`` and balance braces, so the text reads back
    as itself."""

    def plain(s: str) -> str:
        s = _TEX_SPECIAL.sub(lambda m: _TEX_ESCAPES[m.group(0)], s)
        # TeX ligatures: "--" is a dash, ``…'' are quotes; "-{}-" stays two hyphens
        return _LIGATURE.sub(lambda m: m.group(0) + "{}", s)

    out: list[str] = []
    pos = 0
    for m in _MATH.finditer(text):
        out.append(plain(text[pos : m.start()]))
        math = m.group(0)
        out.append(math if math.count("{") == math.count("}") else plain(math))
        pos = m.end()
    out.append(plain(text[pos:]))
    return "".join(out)


def _bib_name(name: str) -> str:
    name = _escape_tex(name)
    if " and " in name.lower() or "," in name or len(name.split()) > 3:
        return "{" + name + "}"
    return name


def to_bibtex(papers: Iterable[Paper]) -> str:
    """BibTeX entries, one per paper, in the order given (keys must be set)."""
    chunks: list[str] = []
    for p in papers:
        key = p.citation_key or citation_key_base(p)
        # the inner braces keep the title's capitals as written
        fields: list[tuple[str, str]] = [("title", "{" + _escape_tex(p.title) + "}")]
        if p.authors:
            fields.append(("author", " and ".join(_bib_name(a) for a in p.authors)))
        if p.year:
            fields.append(("year", str(p.year)))
        if p.date and len(p.date) == 10:
            fields.append(("date", p.date))
        kind = bibtex_type(p)
        if p.venue:
            field = _VENUE_FIELD.get(kind, "howpublished")
            fields.append((field, _escape_tex(p.venue)))
        if p.doi:
            fields.append(("doi", p.doi))
        if p.arxiv_id:
            fields += [("eprint", p.arxiv_id), ("archiveprefix", "arXiv")]
            primary = p.extra.get("primary_category") if p.extra else None
            if isinstance(primary, str):
                fields.append(("primaryclass", primary))
        if p.url:
            fields.append(("url", p.url))
        if p.keywords:
            fields.append(("keywords", _escape_tex(", ".join(p.keywords))))
        if p.abstract:
            fields.append(("abstract", _escape_tex(p.abstract)))
        if p.kind and bibtex_type(p) == "misc" and p.kind.lower() != "misc":
            fields.append(("type", _escape_tex(p.kind)))
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        chunks.append(f"@{kind}{{{key},\n{body}\n}}\n")
    return "\n".join(chunks)


# -- CSL-JSON -------------------------------------------------------------------------
def _split_name(name: str) -> dict[str, str]:
    parts = name.split()
    if len(parts) < 2:
        return {"literal": name}
    return {"family": parts[-1], "given": " ".join(parts[:-1])}


def to_csl_items(papers: Iterable[Paper]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for p in papers:
        kind = (p.kind or "").lower()
        csl_type = kind if kind in CSL_TYPES else _CSL_TYPES.get(bibtex_type(p), "article")
        item: dict[str, Any] = {
            "id": p.citation_key or citation_key_base(p),
            "type": csl_type,
            "title": p.title,
        }
        if p.citation_key:
            item["citation-key"] = p.citation_key
        if p.authors:
            item["author"] = [_split_name(a) for a in p.authors]
        if p.year:
            parts = [p.year]
            if p.date and len(p.date) == 10:
                parts = [int(p.date[:4]), int(p.date[5:7]), int(p.date[8:10])]
            item["issued"] = {"date-parts": [parts]}
        if p.venue:
            item["container-title"] = p.venue
        if p.doi:
            item["DOI"] = p.doi
        if p.url:
            item["URL"] = p.url
        elif p.arxiv_id:
            item["URL"] = f"https://arxiv.org/abs/{p.arxiv_id}"
        if p.abstract:
            item["abstract"] = p.abstract
        if p.keywords:
            item["keyword"] = ", ".join(p.keywords)
        if p.arxiv_id:  # as Zotero writes an arXiv preprint
            item["number"] = p.arxiv_id
            item["archive"] = "arXiv"
        items.append(item)
    return items


def to_csljson(papers: Iterable[Paper]) -> str:
    return json.dumps(to_csl_items(papers), ensure_ascii=False, indent=2) + "\n"


# -- RIS ------------------------------------------------------------------------------
def _ris_line(tag: str, value: str) -> str:
    return f"{tag}  - {' '.join(value.split())}"


def to_ris(papers: Iterable[Paper]) -> str:
    lines: list[str] = []
    for p in papers:
        lines.append(_ris_line("TY", _RIS_TYPES.get(bibtex_type(p), "GEN")))
        for a in p.authors:
            parts = a.split()
            lines.append(
                _ris_line("AU", f"{parts[-1]}, {' '.join(parts[:-1])}" if len(parts) > 1 else a)
            )
        lines.append(_ris_line("TI", p.title))
        if p.year:
            lines.append(_ris_line("PY", str(p.year)))
        if p.date and len(p.date) == 10:
            lines.append(_ris_line("DA", p.date.replace("-", "/")))
        if p.venue:
            lines.append(_ris_line("T2", p.venue))
        if p.doi:
            lines.append(_ris_line("DO", p.doi))
        url = p.url or (f"https://arxiv.org/abs/{p.arxiv_id}" if p.arxiv_id else None)
        if url:
            lines.append(_ris_line("UR", url))
        if p.arxiv_id and (not url or "arxiv.org" not in url):
            lines.append(_ris_line("UR", f"https://arxiv.org/abs/{p.arxiv_id}"))
        if p.abstract:
            lines.append(_ris_line("AB", p.abstract))
        for k in p.keywords:
            lines.append(_ris_line("KW", k))
        if p.citation_key:
            lines.append(_ris_line("ID", p.citation_key))
        lines.append("ER  - ")
        lines.append("")
    return "\n".join(lines)


# -- CSV ------------------------------------------------------------------------------
CSV_COLUMNS = (
    "id", "citation_key", "title", "authors", "year", "date", "venue", "kind", "doi",
    "arxiv_id", "url", "upvotes", "organisation", "keywords", "status", "rating", "tags",
    "notes", "abstract",
)  # fmt: skip


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = "; ".join(str(v) for v in value)
    s = str(value)
    # a spreadsheet would run a cell starting with these as a formula
    return "'" + s if s.startswith(_CSV_INJECTION) else s


def to_csv(
    papers: Sequence[Paper],
    ids: Sequence[int] | None = None,
    user: Mapping[int, Mapping[str, Any]] | None = None,
) -> str:
    """One row per paper; ``user`` adds status/rating/tags/notes by paper id."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for i, p in enumerate(papers):
        pid = ids[i] if ids is not None else None
        u = (user or {}).get(pid, {}) if pid is not None else {}
        row = {
            "id": pid, "citation_key": p.citation_key, "title": p.title, "authors": p.authors,
            "year": p.year, "date": p.date, "venue": p.venue, "kind": p.kind, "doi": p.doi,
            "arxiv_id": p.arxiv_id, "url": p.url, "upvotes": p.upvotes,
            "organisation": p.organisation, "keywords": p.keywords, "status": u.get("status"),
            "rating": u.get("rating"), "tags": u.get("tags"), "notes": u.get("notes"),
            "abstract": p.abstract,
        }  # fmt: skip
        w.writerow([_cell(row[c]) for c in CSV_COLUMNS])
    return buf.getvalue()


def render(
    fmt: str,
    papers: Sequence[Paper],
    ids: Sequence[int] | None = None,
    user: Mapping[int, Mapping[str, Any]] | None = None,
) -> str:
    """The text of ``papers`` in ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "bibtex":
        return to_bibtex(papers)
    if fmt == "csljson":
        return to_csljson(papers)
    if fmt == "ris":
        return to_ris(papers)
    if fmt == "csv":
        return to_csv(papers, ids, user)
    raise ValueError(f"unknown export format {fmt!r} (one of {', '.join(FORMATS)})")
