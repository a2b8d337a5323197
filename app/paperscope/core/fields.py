"""The whole record: a paper's source fields, what the library's columns are derived
from, and the mapping of fields between BibTeX, CSL-JSON and RIS.

:attr:`Paper.fields <paperscope.core.records.Paper.fields>` holds every field of the
source record in the source's vocabulary (``fields["_format"]``): ``bibtex``
(lower-case names, plain-text values, TeX decoded except in verbatim fields such as
``url``), ``csl`` (the CSL-JSON item's variables, values as in the item) or ``ris``
(rispy's names). Names live in ``Paper.creators``, not here.

The columns (title, year, venue, DOI...) are *derived* from the fields by the
``*_columns`` functions below, used by the readers when they read and by the
exporters when they write: a field is written as it was read unless the column now
says something else (an edit, a merge), then the column's value is written. Exporting
to another format goes through the BibTeX vocabulary (:func:`to_bibtex_fields`,
:func:`bibtex_to_csl`, :func:`bibtex_to_ris`), keeping what the target can hold.

Pure functions, no reader library: the readers and the library both use them.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from typing import Any

from paperscope.core.ids import normalise_arxiv_id, normalise_doi

FORMAT = "_format"
PREAMBLE = "_preamble"  # a BibTeX file's @preamble blocks, kept with its entries
# a BibTeX field's value as written, where its TeX says more than the plain text does
# (brace-protected capitals, {Corporate} names, \texttt, biblatex's \autocap):
# name -> [the plain value it was read as, the TeX]; the exporter writes the TeX while
# the field still holds that plain value (an edit writes the new plain text instead)
TEX = "_tex"
MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}
COLUMNS = ("title", "abstract", "year", "date", "venue", "arxiv_id", "doi", "url", "keywords")

# BibTeX/biblatex fields whose value is not TeX text (kept as typed, never decoded)
VERBATIM = {
    "url", "doi", "eprint", "file", "pdf", "verba", "verbb", "verbc", "urlraw", "isbn", "issn",
    "pmid", "pmcid", "date-added", "date-modified", "urldate", "timestamp",
}  # fmt: skip
_VERBATIM_PREFIX = ("bdsk-url", "bdsk-file", "local-url")
NAME_FIELDS = ("author", "editor")
VENUE_FIELDS = (
    "journal", "booktitle", "journaltitle", "school", "institution", "howpublished", "publisher",
)  # fmt: skip
_ARXIV_IN_TEXT = re.compile(
    r"arxiv[:\s/]*(?:abs/)?(\d{4}\.\d{4,5}(?:v\d+)?|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})", re.I
)
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def is_verbatim(name: str) -> bool:
    return name in VERBATIM or name.startswith(_VERBATIM_PREFIX)


def year_of(value: object) -> int | None:
    """A plausible year (1000–2999) from an int or the first 4-digit run in a string."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 1000 <= value <= 2999 else None
    if isinstance(value, str):
        m = re.search(r"(?<!\d)([12]\d{3})(?!\d)", value)
        if m:
            return int(m.group(1))
    return None


def iso_date(year: int | None, month: int | None, day: int | None) -> str | None:
    """``YYYY-MM-DD`` when all three make a real date, else ``None``."""
    if year is None or month is None or day is None:
        return None
    try:
        return _dt.date(year, month, day).isoformat()
    except (ValueError, OverflowError):
        return None


def month_of(value: str) -> int | None:
    """``sep`` / ``September`` / ``9`` → 9."""
    s = value.strip().lower().rstrip(".")
    if s.isdigit():
        n = int(s)
        return n if 1 <= n <= 12 else None
    return MONTHS.get(s[:3])


def split_keywords(value: str) -> tuple[str, ...]:
    return tuple(k for k in (" ".join(x.split()) for x in re.split(r"[;,]", value)) if k)


def _s(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _clean(text: str) -> str:
    return " ".join(text.split())


# -- columns derived from the fields -------------------------------------------------
def bibtex_columns(f: Mapping[str, Any]) -> dict[str, Any]:
    """The columns a BibTeX entry's plain-text fields give."""
    title = _s(f.get("title")) or _s(f.get("booktitle"))
    year = year_of(_s(f.get("year"))) or year_of(_s(f.get("date")))
    date = None
    raw_date = _s(f.get("date")).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw_date):
        date = iso_date(int(raw_date[:4]), int(raw_date[5:7]), int(raw_date[8:10]))
    elif year and f.get("month") and _s(f.get("day")).strip().isdigit():
        month = month_of(_s(f["month"]))
        date = iso_date(year, month, int(_s(f["day"]).strip())) if month else None
    venue = next((_s(f[n]) for n in VENUE_FIELDS if _s(f.get(n))), None)
    arxiv_id = None
    if _s(f.get("archiveprefix")).lower() == "arxiv" or _s(f.get("eprinttype")).lower() == "arxiv":
        arxiv_id = normalise_arxiv_id(_s(f.get("eprint")))
    if arxiv_id is None:
        for name in ("arxiv", "eprint", "journal", "url", "note", "howpublished", "volume"):
            value = _s(f.get(name))
            if name in ("arxiv", "eprint"):
                arxiv_id = normalise_arxiv_id(value)
            elif m := _ARXIV_IN_TEXT.search(value):
                arxiv_id = normalise_arxiv_id(m.group(1))
            if arxiv_id:
                break
    url = _clean(_s(f.get("url")))
    doi = normalise_doi(_s(f.get("doi")))
    if doi is None and "doi.org" in url:
        doi = normalise_doi(url)
    return {
        "title": title,
        "abstract": _s(f.get("abstract")),
        "year": year,
        "date": date,
        "venue": venue or None,
        "arxiv_id": arxiv_id,
        "doi": doi,
        "url": url.split()[0] if url else None,
        "keywords": split_keywords(_s(f.get("keywords"))),
    }


def csl_issued(value: Any) -> tuple[int | None, str | None]:
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


def csl_columns(item: Mapping[str, Any]) -> dict[str, Any]:
    """The columns a CSL-JSON item gives."""
    year, date = csl_issued(item.get("issued"))
    doi = normalise_doi(_s(item.get("DOI")))
    arxiv_id = None
    if doi and doi.startswith("10.48550/arxiv."):
        arxiv_id = normalise_arxiv_id(doi.removeprefix("10.48550/arxiv."))
    urls = _s(item.get("URL")).split()
    url = urls[0] if urls else None
    if arxiv_id is None and url and "arxiv.org" in url:
        arxiv_id = normalise_arxiv_id(url)
    where_from = " ".join(_s(item.get(k)) for k in ("archive", "publisher", "note")).lower()
    if arxiv_id is None and "arxiv" in where_from and _s(item.get("number")):
        # Zotero and Manubot put an arXiv preprint's id in "number"
        arxiv_id = normalise_arxiv_id(_s(item["number"]))
    categories = item.get("categories")
    keywords: tuple[str, ...] = ()
    if isinstance(categories, list):
        keywords = tuple(
            dict.fromkeys(_clean(c) for c in categories if isinstance(c, str) and c.strip())
        )
    elif _s(item.get("keyword")):
        keywords = tuple(k.strip() for k in _s(item["keyword"]).split(",") if k.strip())
    return {
        "title": _clean(_s(item.get("title"))),
        "abstract": _clean(_s(item.get("abstract"))),
        "year": year,
        "date": date,
        "venue": _clean(_s(item.get("container-title"))) or None,
        "arxiv_id": arxiv_id,
        "doi": doi,
        "url": url,
        "keywords": keywords,
    }


def _first(rec: Mapping[str, Any], *names: str) -> str:
    for name in names:
        value = rec.get(name)
        if isinstance(value, list):
            value = value[0] if value else ""
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


RIS_VENUES = ("journal_name", "secondary_title", "alternate_title3", "alternate_title1",
              "alternate_title2")  # fmt: skip
RIS_TITLES = ("title", "primary_title", "translated_title", "short_title")


def ris_columns(rec: Mapping[str, Any]) -> dict[str, Any]:
    """The columns a RIS record (rispy's names) gives."""
    raw = _first(rec, "date", "year", "publication_year")
    year = year_of(_first(rec, "year", "publication_year")) or year_of(raw)
    m = re.match(r"(\d{4})[/-](\d{1,2})[/-](\d{1,2})", raw)
    date = iso_date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None
    urls = [u for u in rec.get("urls") or () if isinstance(u, str)]
    doi = normalise_doi(_first(rec, "doi"))
    arxiv_id = None
    for u in urls:
        doi = doi or (normalise_doi(u) if "doi.org" in u else None)
        arxiv_id = arxiv_id or (normalise_arxiv_id(u) if "arxiv.org" in u else None)
    if arxiv_id is None and doi and doi.startswith("10.48550/arxiv."):
        arxiv_id = normalise_arxiv_id(doi.removeprefix("10.48550/arxiv."))
    return {
        "title": _clean(_first(rec, *RIS_TITLES)),
        "abstract": _clean(_first(rec, "abstract", "notes_abstract")),
        "year": year,
        "date": date,
        "venue": _clean(_first(rec, *RIS_VENUES)) or None,
        "arxiv_id": arxiv_id,
        "doi": doi,
        "url": urls[0].strip() if urls else None,
        "keywords": tuple(
            _clean(k) for k in rec.get("keywords") or () if isinstance(k, str) and k.strip()
        ),
    }


def columns_of(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The columns these fields give, whatever their format."""
    fmt = fields.get(FORMAT)
    if fmt == "csl":
        return csl_columns(fields)
    if fmt == "ris":
        return ris_columns(fields)
    return bibtex_columns(fields)


# -- between formats -----------------------------------------------------------------
# CSL variable → BibTeX field (both ways; container-title and issue/number by type)
CSL_BIB = {
    "volume": "volume", "page": "pages", "publisher": "publisher",
    "publisher-place": "address", "edition": "edition", "collection-title": "series",
    "ISBN": "isbn", "ISSN": "issn", "note": "note", "language": "language",
    "version": "version", "PMID": "pmid", "PMCID": "pmcid", "DOI": "doi", "URL": "url",
    "container-title-short": "shortjournal", "event": "eventtitle", "event-place": "venue",
    "number-of-pages": "pagetotal", "genre": "type", "chapter-number": "chapter",
    "title": "title", "abstract": "abstract", "annote": "annote",
    "title-short": "shorttitle",
}  # fmt: skip
_BIB_CSL = {v: k for k, v in CSL_BIB.items()}
_ARTICLE_KINDS = {"article", "article-journal", "article-magazine", "article-newspaper"}
_BOOKTITLE_KINDS = {"paper-conference", "chapter", "inproceedings", "incollection", "inbook",
                    "entry", "entry-dictionary", "entry-encyclopedia"}  # fmt: skip
# rispy name → BibTeX field
RIS_BIB = {
    "volume": "volume", "number": "number", "publisher": "publisher",
    "place_published": "address", "edition": "edition", "issn": "issn", "language": "language",
    "doi": "doi", "tertiary_title": "series", "type_of_work": "type", "title": "title",
    "abstract": "abstract", "short_title": "shorttitle", "year": "year", "date": "date",
    "access_date": "urldate", "label": "label", "note": "note",
}  # fmt: skip
_BIB_RIS = {v: k for k, v in RIS_BIB.items()}
# rispy's own table, tag → name (rispy.TAG_KEY_MAPPING, without importing rispy here)
RIS_TAGS = {
    "TY": "type_of_reference", "A1": "first_authors", "A2": "secondary_authors",
    "A3": "tertiary_authors", "A4": "subsidiary_authors", "AB": "abstract",
    "AD": "author_address", "AN": "accession_number", "AU": "authors", "C1": "custom1",
    "C2": "custom2", "C3": "custom3", "C4": "custom4", "C5": "custom5", "C6": "custom6",
    "C7": "custom7", "C8": "custom8", "CA": "caption", "CN": "call_number",
    "CY": "place_published", "DA": "date", "DB": "name_of_database", "DO": "doi",
    "DP": "database_provider", "ET": "edition", "EP": "end_page", "ID": "id", "IS": "number",
    "J2": "alternate_title1", "JA": "alternate_title2", "JF": "alternate_title3",
    "JO": "journal_name", "KW": "keywords", "L1": "file_attachments1",
    "L2": "file_attachments2", "L4": "figure", "LA": "language", "LB": "label", "M1": "note",
    "M3": "type_of_work", "N1": "notes", "N2": "notes_abstract", "NV": "number_of_volumes",
    "OP": "original_publication", "PB": "publisher", "PY": "year", "RI": "reviewed_item",
    "RN": "research_notes", "RP": "reprint_edition", "SE": "section", "SN": "issn",
    "SP": "start_page", "ST": "short_title", "T1": "primary_title", "T2": "secondary_title",
    "T3": "tertiary_title", "TA": "translated_author", "TI": "title", "TT": "translated_title",
    "UR": "urls", "VL": "volume", "Y1": "publication_year", "Y2": "access_date",
}  # fmt: skip
RIS_NAME_TAGS = {v: k for k, v in RIS_TAGS.items()}
_PAGE_SPLIT = re.compile(r"\s*(?:--|–|—|-)\s*")


def split_pages(pages: str) -> tuple[str, str]:
    parts = _PAGE_SPLIT.split(pages.strip(), maxsplit=1)
    return (parts[0], parts[1]) if len(parts) == 2 else (parts[0], "")


def to_bibtex_fields(fields: Mapping[str, Any], kind: str | None) -> dict[str, str]:
    """Any format's fields in the BibTeX vocabulary (what BibTeX can hold)."""
    fmt = fields.get(FORMAT)
    if fmt not in ("csl", "ris"):
        # keys starting with "_" are PaperScope's own (the format, a file's @preamble)
        return {k: _s(v) for k, v in fields.items() if not k.startswith("_") and _s(v)}
    out: dict[str, str] = {}
    if fmt == "csl":
        for k, v in fields.items():
            if k in CSL_BIB and _s(v):
                out[CSL_BIB[k]] = _s(v)
        if _s(fields.get("container-title")):
            name = "booktitle" if (kind or "") in _BOOKTITLE_KINDS else "journal"
            out[name] = _s(fields["container-title"])
        issue, number = _s(fields.get("issue")), _s(fields.get("number"))
        if number and _s(fields.get("archive")).lower() == "arxiv" and normalise_arxiv_id(number):
            number = ""  # Zotero's arXiv id (it becomes eprint), not a number
        if issue and number:
            out["number"], out["issue"] = number, issue
        elif issue or number:
            out["number"] = issue or number
        if isinstance(fields.get("keyword"), str):
            out["keywords"] = fields["keyword"]
        elif isinstance(fields.get("categories"), list):
            out["keywords"] = ", ".join(str(c) for c in fields["categories"])
        year, date = csl_issued(fields.get("issued"))
        issued = fields.get("issued")
        if (
            not year
            and isinstance(issued, dict)
            and (_s(issued.get("literal")) or _s(issued.get("raw")))
        ):
            out["year"] = _s(issued.get("literal")) or _s(issued.get("raw"))  # "535 BCE"
        if year:
            out["year"] = str(year)
            if isinstance(issued, dict) and _s(issued.get("raw")) and issued.get("date-parts"):
                out["date"] = _s(issued["raw"])
            parts = (fields.get("issued") or {}).get("date-parts") or [[]]
            if date and "date" not in out:
                out["date"] = date
            elif isinstance(parts[0], list) and len(parts[0]) >= 2:
                out["month"] = _s(parts[0][1])
        accessed = fields.get("accessed")
        if isinstance(accessed, dict):
            _y, adate = csl_issued(accessed)
            if adate:
                out["urldate"] = adate
    else:
        for k, v in fields.items():
            if k in RIS_BIB and _s(v):
                out[RIS_BIB[k]] = _s(v)
        venue = _first(fields, *RIS_VENUES)
        if venue:
            name = "booktitle" if (kind or "") in _BOOKTITLE_KINDS else "journal"
            out[name] = venue
        sp, ep = _first(fields, "start_page"), _first(fields, "end_page")
        if sp:
            out["pages"] = f"{sp}--{ep}" if ep else sp
        urls = [u for u in fields.get("urls") or () if isinstance(u, str)]
        if urls:
            out["url"] = urls[0]
        notes = [n for n in fields.get("notes") or () if isinstance(n, str)]
        if notes:
            out["note"] = "; ".join(notes)
        kws = [k for k in fields.get("keywords") or () if isinstance(k, str)]
        if kws:
            out["keywords"] = ", ".join(kws)
    return out


def bibtex_to_csl(fields: Mapping[str, str], kind: str | None) -> dict[str, Any]:
    """BibTeX fields as CSL-JSON variables (those CSL can hold)."""
    out: dict[str, Any] = {FORMAT: "csl"}
    for k, v in fields.items():
        if k in _BIB_CSL and v:
            out[_BIB_CSL[k]] = v.replace("--", "-") if k == "pages" else v
    if fields.get("number"):
        out["issue" if (kind or "") in _ARTICLE_KINDS else "number"] = fields["number"]
    if fields.get("issue"):
        out["issue"] = fields["issue"]
    venue = next((fields[n] for n in ("journal", "journaltitle", "booktitle") if fields.get(n)), "")
    if venue:
        out["container-title"] = venue
    for n in ("institution", "school", "organization"):
        if fields.get(n) and "publisher" not in out:
            out["publisher"] = fields[n]
    if fields.get("keywords"):
        out["keyword"] = ", ".join(split_keywords(fields["keywords"]))
    year = year_of(fields.get("year", "")) or year_of(fields.get("date", ""))
    if year:
        parts: list[int] = [year]
        d = fields.get("date", "")
        m = _ISO.fullmatch(d.strip()) if d else None
        if m:
            parts = [int(m.group(1)), int(m.group(2)), int(m.group(3))]
        elif fields.get("month") and month_of(fields["month"]):
            parts.append(month_of(fields["month"]) or 0)
        out["issued"] = {"date-parts": [parts]}
        if d and not m:  # a date as typed ("MAY 1 2013"), kept beside its year
            out["issued"]["raw"] = d
    elif fields.get("year"):  # a year CSL's date-parts cannot hold ("535 BCE")
        out["issued"] = {"literal": fields["year"]}
    if fields.get("urldate"):
        m = _ISO.match(fields["urldate"].strip())
        if m:
            out["accessed"] = {"date-parts": [[int(m.group(1)), int(m.group(2)), int(m.group(3))]]}
    return out


def bibtex_to_ris(fields: Mapping[str, str], kind: str | None) -> dict[str, Any]:
    """BibTeX fields as rispy's names (those RIS can hold)."""
    out: dict[str, Any] = {FORMAT: "ris"}
    for k, v in fields.items():
        if k in _BIB_RIS and v:
            out[_BIB_RIS[k]] = v
    if fields.get("isbn") and "issn" not in out:
        out["issn"] = fields["isbn"]
    venue = next((fields[n] for n in VENUE_FIELDS[:3] if fields.get(n)), "")
    if venue:
        out["secondary_title"] = venue
    if fields.get("pages"):
        sp, ep = split_pages(fields["pages"])
        out["start_page"] = sp
        if ep:
            out["end_page"] = ep
    if fields.get("url"):
        out["urls"] = [fields["url"]]
    if fields.get("note"):
        out["notes"] = [fields["note"]]
    if fields.get("keywords"):
        out["keywords"] = list(split_keywords(fields["keywords"]))
    if fields.get("date"):
        m = _ISO.fullmatch(fields["date"].strip())
        out["date"] = fields["date"].replace("-", "/") if m else fields["date"]
    return out


def in_format(fields: Mapping[str, Any], kind: str | None, fmt: str) -> dict[str, Any]:
    """These fields in the vocabulary of ``fmt`` (``bibtex``, ``csl``, ``ris``)."""
    if (fields.get(FORMAT) or "bibtex") == fmt:
        return dict(fields)
    bib = to_bibtex_fields(fields, kind)
    if fmt == "csl":
        return bibtex_to_csl(bib, kind)
    if fmt == "ris":
        return bibtex_to_ris(bib, kind)
    return {FORMAT: "bibtex", **bib}


def merge_fields(
    mine: Mapping[str, Any], theirs: Mapping[str, Any], kind: str | None
) -> dict[str, Any]:
    """``mine`` with the fields only ``theirs`` has added (``mine`` wins; ``theirs``
    mapped into ``mine``'s vocabulary first)."""
    if not mine:
        return dict(theirs)
    if not theirs:
        return dict(mine)
    fmt = str(mine.get(FORMAT) or "bibtex")
    out = {**in_format(theirs, kind, fmt), **mine}
    mine_tex, their_tex = mine.get(TEX), theirs.get(TEX)
    if isinstance(mine_tex, dict) and isinstance(their_tex, dict):
        out[TEX] = {**their_tex, **mine_tex}  # each applies only to the value it was read as
    return out


# the fields a form offers for each BibTeX entry type, in Zotero's item-pane order (the
# name fields, author and editor, are edited as names elsewhere); any other field the
# record holds is listed after these
ENTRY_FIELDS: dict[str, tuple[str, ...]] = {
    "article": ("title", "journal", "year", "month", "volume", "number", "pages", "doi",
                "issn", "url", "note"),
    "inproceedings": ("title", "booktitle", "year", "month", "pages", "publisher",
                      "address", "series", "organization", "doi", "isbn", "url", "note"),
    "book": ("title", "publisher", "address", "year", "edition", "series", "volume",
             "isbn", "doi", "url", "note"),
    "incollection": ("title", "booktitle", "publisher", "address", "year", "chapter",
                     "pages", "series", "volume", "isbn", "doi", "url", "note"),
    "inbook": ("title", "booktitle", "publisher", "address", "year", "chapter", "pages",
               "isbn", "doi", "url", "note"),
    "phdthesis": ("title", "school", "address", "year", "month", "type", "url", "note"),
    "mastersthesis": ("title", "school", "address", "year", "month", "type", "url",
                      "note"),
    "techreport": ("title", "institution", "number", "type", "address", "year", "month",
                   "url", "note"),
    "misc": ("title", "howpublished", "year", "month", "eprint", "archiveprefix",
             "primaryclass", "doi", "url", "note"),
    "unpublished": ("title", "year", "month", "url", "note"),
}  # fmt: skip
ENTRY_FIELDS["conference"] = ENTRY_FIELDS["inproceedings"]
ENTRY_FIELDS["online"] = ENTRY_FIELDS["misc"]
ENTRY_FIELDS["thesis"] = ENTRY_FIELDS["phdthesis"]
_NOT_IN_FORM = frozenset({"author", "editor", "abstract"})


def form_fields(kind: str | None, fields: Mapping[str, Any]) -> list[str]:
    """The fields a record's form shows: for a BibTeX record, its entry type's standard
    fields (present or not) and then every other text field it holds; for CSL-JSON and
    RIS records, the text fields they hold (in their own vocabulary)."""
    present = [
        k for k, v in fields.items()
        if not k.startswith("_") and isinstance(v, str) and k not in _NOT_IN_FORM
    ]  # fmt: skip
    if (fields.get(FORMAT) or "bibtex") != "bibtex":
        return present
    standard = ENTRY_FIELDS.get((kind or "misc").lower(), ENTRY_FIELDS["misc"])
    return list(standard) + [k for k in present if k not in standard]
