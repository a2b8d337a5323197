"""Writing papers out: BibTeX, CSL-JSON, RIS and CSV.

Pure functions from :class:`Paper` records (plus the user's status/rating/tags for
CSV) to text; no SQL. Citation keys come from the paper (the store makes them stable:
:meth:`Store.ensure_citation_keys` gives every exported paper a key once and keeps
it); :func:`citation_key_base` is how a new key is made (``vaswani2017attention``).

Every field of the record (:attr:`Paper.fields`) is written: as read when the paper
came from the same format, else mapped through the BibTeX vocabulary
(:mod:`paperscope.core.fields`); a column changed since the import (an edit, a merge)
is written from the column. Names are written from their parts (:func:`bibtex_name`).
``tests/library/test_fidelity.py`` reads each export back with the independent
library (bibtexparser, rispy, json) and compares field by field.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from paperscope.core.fields import (
    COLUMNS,
    FORMAT,
    PREAMBLE,
    RIS_NAME_TAGS,
    RIS_TITLES,
    RIS_VENUES,
    TEX,
    VENUE_FIELDS,
    bibtex_to_csl,
    bibtex_to_ris,
    columns_of,
    is_verbatim,
    to_bibtex_fields,
)
from paperscope.core.names import creators_from_display, display_names, word_case
from paperscope.core.records import Attachment, Creator, Paper
from paperscope.library.dedup import fold
from paperscope.library.published import citation_form

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
_PAGE_DASH = re.compile(r"\s*(?:--|–|—)\s*")
_OPEN = re.compile(r"(?<!\\)\{")
_CLOSE = re.compile(r"(?<!\\)\}")
_TEX_SPECIAL = re.compile(r"[\\~&%#_{}]")
_LIGATURE = re.compile(r"-(?=-)|`(?=`)|'(?=')")
_CSV_INJECTION = ("=", "+", "@", "\t", "\r")
_FIELD_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_\-:.+/]*")
_ENTRY_TYPE = re.compile(r"[a-z][a-z0-9_\-]*")


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
    if (paper.fields or {}).get(FORMAT) == "bibtex" and _ENTRY_TYPE.fullmatch(kind):
        return kind  # the entry type it was read with (biblatex's too)
    if kind in _BIBTEX_TYPES:
        return _BIBTEX_TYPES[kind]
    return "misc"


# -- BibTeX ---------------------------------------------------------------------------
def _escape_tex(text: str, ligatures: bool = True) -> str:
    """Escape TeX specials outside ``$…$`` and balance braces, so the text reads back
    as itself."""

    def plain(s: str) -> str:
        s = _TEX_SPECIAL.sub(lambda m: _TEX_ESCAPES[m.group(0)], s)
        if not ligatures:
            return s
        # TeX ligatures: "--" is a dash, ``…'' are quotes; "-{}-" stays two hyphens
        return _LIGATURE.sub(lambda m: m.group(0) + "{}", s)

    out: list[str] = []
    pos = 0
    for m in _MATH.finditer(text):
        out.append(plain(text[pos : m.start()]))
        math = m.group(0)
        opens, closes = len(_OPEN.findall(math)), len(_CLOSE.findall(math))
        out.append(math if opens == closes else plain(math))
        pos = m.end()
    out.append(plain(text[pos:]))
    return "".join(out)


# -- the whole record ----------------------------------------------------------------
def _norm(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(value)
    return value if value not in ("", None) else None


def changed_columns(p: Paper, fields: Mapping[str, Any]) -> list[str]:
    """The columns whose value is not what these fields give (an edit, a merge, a
    paper without fields): the exporters write those from the column."""
    derived = columns_of(fields)
    return [c for c in COLUMNS if _norm(derived[c]) != _norm(getattr(p, c))]


_LEGACY_EXTRA = ("volume", "number", "pages", "publisher", "note", "pmid", "isbn", "issn",
                 "month", "address", "edition", "series")  # fmt: skip


def bibtex_fields(p: Paper) -> dict[str, str]:
    """The paper's fields in the BibTeX vocabulary (plain text), columns applied."""
    fields: dict[str, str]
    if p.fields:
        fields = to_bibtex_fields(p.fields, p.kind)
    else:  # a paper stored before the whole record was kept, or from a feed
        fields = {k: str(p.extra[k]) for k in _LEGACY_EXTRA if p.extra and p.extra.get(k)}
    fields[FORMAT] = "bibtex"
    for col in changed_columns(p, fields):
        _set_bibtex_column(fields, p, col)
    fields.pop(FORMAT)
    return fields


def _set_bibtex_column(f: dict[str, str], p: Paper, col: str) -> None:
    value = getattr(p, col)
    if col == "venue":
        name = next((n for n in VENUE_FIELDS if f.get(n)), None)
        name = name or _VENUE_FIELD.get(bibtex_type(p), "howpublished")
        if value:
            f[name] = value
        else:
            f.pop(name, None)
    elif col == "arxiv_id":
        if value:
            f["eprint"], f["archiveprefix"] = value, "arXiv"
            primary = p.extra.get("primary_category") if p.extra else None
            if isinstance(primary, str):
                f["primaryclass"] = primary
        elif f.get("archiveprefix", "").lower() == "arxiv":
            for n in ("eprint", "archiveprefix", "primaryclass"):
                f.pop(n, None)
    elif col == "keywords":
        if value:
            f["keywords"] = ", ".join(value)
        else:
            f.pop("keywords", None)
    elif value in (None, "", ()):
        f.pop(col, None)
    else:
        f[col] = str(value)


def _people(p: Paper) -> tuple[Creator, ...]:
    """Authors and editors as parts; authors edited since the import (or a paper from
    a feed without name structure) are split from their display strings."""
    creators = p.creators
    if display_names(creators, "author") != tuple(p.authors) and display_names(
        creators, "editor"
    ) != tuple(p.authors):
        editors = tuple(c for c in creators if c.role == "editor")
        creators = creators_from_display(p.authors) + editors
    return creators


# -- BibTeX names ------------------------------------------------------------------------
_AND_WORD = re.compile(r"(?<![^\s])and(?![^\s])", re.IGNORECASE)


def _name_part(text: str) -> str:
    text = _escape_tex(text)
    if "," in text or _AND_WORD.search(text):
        return "{" + text + "}"
    return text


def bibtex_name(c: Creator) -> str:
    """A name written so that BibTeX splits it back into the same parts: ``von Last,
    Jr, First``; a corporate name (literal) in braces; a family name BibTeX would split
    differently (``{de Vries}``) in braces."""
    if c.is_others:
        return "others"
    if c.literal:
        return "{" + _escape_tex(c.literal) + "}"
    family = _escape_tex(c.family or c.given)
    given = c.given if c.family else ""
    particle = _escape_tex(c.particle)
    pwords, fwords = particle.split(), family.split()
    words = pwords + fwords
    cases = [word_case(w) for w in words[:-1]]
    split = (len(cases) - cases[::-1].index(0)) if 0 in cases else 0
    plain_ok = split == len(pwords) and "," not in family and not _AND_WORD.search(family)
    if not plain_ok or not fwords:
        family = "{" + family + "}"
    last = f"{particle} {family}" if particle else family
    if c.suffix:
        return f"{last}, {_name_part(c.suffix)}, {_name_part(given)}"
    if given:
        return f"{last}, {_name_part(given)}"
    return last


def _tex_of(p: Paper) -> dict[str, Any]:
    """The TeX the record's fields were read from (``TEX``; BibTeX records only)."""
    fields = p.fields or {}
    tex = fields.get(TEX) if fields.get(FORMAT) == "bibtex" else None
    return tex if isinstance(tex, dict) else {}


def _as_read(tex: Mapping[str, Any], name: str, value: Any) -> bool:
    """Whether the field still holds the value it was read as from its TeX (then the
    TeX is written: brace-protected capitals, {Corporate} names and macros kept)."""
    got = tex.get(name)
    return (
        isinstance(got, list) and len(got) == 2 and isinstance(got[1], str)
        and got[0] == value and _balanced(got[1])
    )  # fmt: skip


def _balanced(text: str) -> bool:
    depth = 0
    for m in re.finditer(r"(?<!\\)[{}]", text):
        depth += 1 if m.group(0) == "{" else -1
        if depth < 0:
            return False
    return depth == 0


def _bib_value(name: str, value: str) -> str:
    if is_verbatim(name):
        return value
    if name == "pages":  # a range's dash is BibTeX's "--", however it was typed
        return _escape_tex(_PAGE_DASH.sub("--", value), ligatures=False)
    return _escape_tex(value)


def _changed_files(p: Paper) -> list[Attachment]:
    """The attachments the record's own fields do not already name as they are: the
    files imported or dropped, and the ones relinked ("Locate…": ``written`` cleared)."""
    return [a for a in p.attachments if a.origin != "record" or not a.written]


def jabref_file_value(paths: Sequence[tuple[str, str]]) -> str:
    """A JabRef ``file`` value: ``:path:PDF`` entries joined by ``;`` (``\\``, ``:``
    and ``;`` escaped with a backslash, as JabRef writes them)."""

    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace(":", "\\:").replace(";", "\\;")

    return ";".join(f":{esc(p)}:{(k or 'file').upper()}" for p, k in paths)


def file_field(p: Paper, current: str) -> str | None:
    """The BibTeX ``file`` value (JabRef style) when the attachments change it, else
    ``None`` (the record's own value, if any, is written as it was read)."""
    changed = _changed_files(p)
    if not changed:
        return None
    if any(a.origin == "record" for a in changed):
        # a relinked file: the whole list is written from the attachments
        return jabref_file_value([(a.path, a.kind) for a in p.attachments])
    added = jabref_file_value([(a.path, a.kind) for a in changed])
    return f"{current};{added}" if current else added


def csl_file_links(p: Paper, current: object) -> str | None:
    """CSL-JSON's ``file``: the attachments' paths joined by ``;`` (``None``: unchanged)."""
    changed = _changed_files(p)
    if not changed:
        return None
    if any(a.origin == "record" for a in changed):
        return ";".join(a.path for a in p.attachments)
    added = ";".join(a.path for a in changed)
    return f"{current};{added}" if isinstance(current, str) and current else added


def to_bibtex(papers: Iterable[Paper], preprint: bool = False) -> str:
    """BibTeX entries, one per paper, in the order given (keys must be set): every
    field of the record, names as their parts; the ``@preamble`` blocks the entries came
    with, once each, at the top. A preprint published as a venue version is written as
    that version (its ``eprint`` kept), or with ``preprint`` as the preprint
    (:func:`paperscope.library.published.citation_form`)."""
    chunks: list[str] = []
    preambles: list[str] = []
    for q in papers:
        p = citation_form(q, preprint)
        for pre in (p.fields or {}).get(PREAMBLE) or ():
            if isinstance(pre, str) and pre not in preambles:
                preambles.append(pre)
        key = p.citation_key or citation_key_base(p)
        fields = bibtex_fields(p)
        if p is not q and p.arxiv_id and "eprint" not in fields:
            # a published paper cited as its preprint names the arXiv id, as the venue
            # form does (a CSL item's preprint record names it only as a number)
            fields["eprint"], fields["archiveprefix"] = p.arxiv_id, "arXiv"
        kind = bibtex_type(p)
        out: list[tuple[str, str]] = []
        tex = _tex_of(p)
        title = fields.pop("title", p.title)
        if _as_read(tex, "title", title):
            out.append(("title", tex["title"][1]))  # its own braces keep its capitals
        else:  # the inner braces keep the title's capitals as written
            out.append(("title", "{" + _escape_tex(title) + "}"))
        people = _people(p)
        for role in ("author", "editor"):
            names = [bibtex_name(c) for c in people if c.role == role]
            if names:  # from their parts: Unicode, braced where BibTeX needs it
                out.append((role, " and ".join(names)))
            fields.pop(role, None)
        if p.kind and kind == "misc" and p.kind.lower() != "misc" and "type" not in fields:
            fields["type"] = p.kind
        if (files := file_field(p, fields.get("file", ""))) is not None:
            fields["file"] = files
        for name, value in fields.items():
            if value and _FIELD_NAME.fullmatch(name):
                as_read = _as_read(tex, name, value)
                out.append((name, tex[name][1] if as_read else _bib_value(name, value)))
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in out)
        chunks.append(f"@{kind}{{{key},\n{body}\n}}\n")
    head = [f"@preamble{{{pre}}}\n" for pre in preambles]
    return "\n".join(head + chunks)


# -- CSL-JSON -------------------------------------------------------------------------
def _csl_name(c: Creator) -> dict[str, str]:
    if c.literal:
        return {"literal": c.literal}
    if c.is_others:
        return {"literal": "others"}
    out = {"family": c.family} if c.family else {"literal": c.given}
    if c.given and c.family:
        out["given"] = c.given
    if c.particle:
        out["non-dropping-particle"] = c.particle
    if c.suffix:
        out["suffix"] = c.suffix
    return out


def _csl_date(p: Paper) -> dict[str, Any]:
    parts: list[int] = [int(p.year or 0)]
    if p.date and len(p.date) == 10:
        parts = [int(p.date[:4]), int(p.date[5:7]), int(p.date[8:10])]
    return {"date-parts": [parts]}


def to_csl_items(papers: Iterable[Paper], preprint: bool = False) -> list[dict[str, Any]]:
    """CSL items; a published preprint as its venue version unless ``preprint``."""
    items: list[dict[str, Any]] = []
    for p in (citation_form(q, preprint) for q in papers):
        native = (p.fields or {}).get(FORMAT) == "csl"
        kind = (p.kind or "").lower()
        csl_type = kind if kind in CSL_TYPES else _CSL_TYPES.get(bibtex_type(p), "article")
        item: dict[str, Any] = {"id": p.citation_key or citation_key_base(p), "type": csl_type}
        if native:
            item.update({k: v for k, v in p.fields.items() if k != FORMAT})
            if "citation-key" in item and p.citation_key:
                item["citation-key"] = p.citation_key
            if p.kind and item.get("type") != p.kind:
                item["type"] = csl_type
        else:
            item.update(bibtex_to_csl(bibtex_fields(p), p.kind))
            item.pop(FORMAT, None)
            item["title"] = p.title
            if p.citation_key:
                item["citation-key"] = p.citation_key
        probe = {FORMAT: "csl", **item}
        for col in changed_columns(p, probe):
            _set_csl_column(item, p, col)
        if (links := csl_file_links(p, item.get("file"))) is not None:
            item["file"] = links
        people = _people(p)
        for role in ("author", "editor"):
            names = [_csl_name(c) for c in people if c.role == role and not c.is_others]
            if names:
                item[role] = names
        items.append(item)
    return items


def _set_csl_column(item: dict[str, Any], p: Paper, col: str) -> None:
    value = getattr(p, col)
    name = {"title": "title", "abstract": "abstract", "venue": "container-title",
            "doi": "DOI", "url": "URL"}.get(col)  # fmt: skip
    if name:
        if value:
            item[name] = value
        else:
            item.pop(name, None)
    elif col in ("year", "date"):
        if p.year:
            item["issued"] = _csl_date(p)
        else:
            item.pop("issued", None)
    elif col == "keywords":
        item.pop("categories", None)
        if value:
            item["keyword"] = ", ".join(value)
        else:
            item.pop("keyword", None)
    elif col == "arxiv_id" and value:
        if "number" not in item:  # as Zotero writes an arXiv preprint
            item["number"] = value
            item["archive"] = "arXiv"
        item.setdefault("URL", f"https://arxiv.org/abs/{value}")


def to_csljson(papers: Iterable[Paper], preprint: bool = False) -> str:
    return json.dumps(to_csl_items(papers, preprint), ensure_ascii=False, indent=2) + "\n"


# -- RIS ------------------------------------------------------------------------------
def _ris_line(tag: str, value: str) -> str:
    return f"{tag}  - {' '.join(value.split())}"


def _ris_name(c: Creator) -> str:
    if c.literal:
        return c.literal
    family = " ".join(x for x in (c.particle, c.family) if x)
    return ", ".join(x for x in (family, c.given, c.suffix) if x) if c.given or c.suffix else family


def ris_record(p: Paper) -> dict[str, Any]:
    """The paper as rispy's names (columns applied)."""
    if (p.fields or {}).get(FORMAT) == "ris":
        rec = dict(p.fields)
    else:
        rec = bibtex_to_ris(bibtex_fields(p), p.kind)
        rec["type_of_reference"] = _RIS_TYPES.get(bibtex_type(p), "GEN")
        rec["title"] = p.title
        if p.citation_key:
            rec["id"] = p.citation_key
    for col in changed_columns(p, rec):
        _set_ris_column(rec, p, col)
    return rec


def _set_ris_column(rec: dict[str, Any], p: Paper, col: str) -> None:
    value = getattr(p, col)
    if col == "title":
        for n in RIS_TITLES:
            rec.pop(n, None)
        rec["title"] = value
    elif col == "abstract":
        rec.pop("notes_abstract", None)
        rec["abstract"] = value
    elif col == "year":
        rec.pop("publication_year", None)
        rec["year"] = str(value) if value else ""
    elif col == "date":
        rec["date"] = value.replace("-", "/") if value else ""
    elif col == "venue":
        for n in RIS_VENUES:
            rec.pop(n, None)
        rec["secondary_title"] = value or ""
    elif col == "doi":
        rec["doi"] = value or ""
    elif col == "url":
        urls = [u for u in rec.get("urls") or () if u != value]
        rec["urls"] = [value, *urls] if value else urls
    elif col == "arxiv_id" and value:
        urls = list(rec.get("urls") or ())
        urls.append(f"https://arxiv.org/abs/{value}")
        rec["urls"] = urls
    elif col == "keywords":
        rec["keywords"] = list(value)


def to_ris(papers: Iterable[Paper], preprint: bool = False) -> str:
    """RIS records; a published preprint as its venue version unless ``preprint``."""
    lines: list[str] = []
    for p in (citation_form(q, preprint) for q in papers):
        rec = ris_record(p)
        lines.append(_ris_line("TY", str(rec.pop("type_of_reference", "") or "GEN")))
        people = _people(p)
        for c in people:
            if not c.is_others:
                lines.append(_ris_line("AU" if c.role == "author" else "A2", _ris_name(c)))
        unknown = rec.pop("unknown_tag", None)
        for name, value in rec.items():
            tag = RIS_NAME_TAGS.get(name)
            if tag is None or tag in ("TY", "ER"):
                continue
            for v in value if isinstance(value, list) else [value]:
                if str(v).strip():
                    lines.append(_ris_line(tag, str(v)))
        if isinstance(unknown, dict):
            for tag, values in unknown.items():
                for v in values if isinstance(values, list) else [values]:
                    if re.fullmatch(r"[A-Z][A-Z0-9]", str(tag)) and str(v).strip():
                        lines.append(_ris_line(str(tag), str(v)))
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
    preprint: bool = False,
) -> str:
    """The text of ``papers`` in ``fmt`` (one of :data:`FORMATS`); ``preprint``: cite
    published preprints as the preprint, not as their venue version."""
    if fmt == "bibtex":
        return to_bibtex(papers, preprint)
    if fmt == "csljson":
        return to_csljson(papers, preprint)
    if fmt == "ris":
        return to_ris(papers, preprint)
    if fmt == "csv":
        return to_csv(papers, ids, user)
    raise ValueError(f"unknown export format {fmt!r} (one of {', '.join(FORMATS)})")
