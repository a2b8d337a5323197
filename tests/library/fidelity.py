"""Round-trip fidelity of the exporters, measured with the independent libraries.

A source file is parsed by bibtexparser / rispy / json (never by PaperScope), the
same file is imported into a real library and exported, the export is parsed by the
same independent library, and the two are compared entry by entry, field by field.

Every normalisation applied before comparing is listed in :data:`NORMALISATIONS` and
done by :func:`norm_bibtex` / :func:`norm_csl` / :func:`norm_ris`, the same function
on both sides.

Run ``PYTHONPATH=app python -m tests.library.fidelity`` to print the share of
entries and fields that survive, per file (``tests/library/test_fidelity.py`` asserts
them). Entries merged into another at import (the same DOI, arXiv id, or title +
first author + year, the library's automatic merge) are counted apart: their fields
live on in the paper they were merged into.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.conftest import PAPERS as DATA
from tests.conftest import TEST_DATA

TEST_RIS = TEST_DATA / "papers" / "references.ris"  # the project's own small RIS sample

NORMALISATIONS = (
    "BibTeX field names compared in lower case (BibTeX ignores their case)",
    "BibTeX @string macros, month macros (sep) and # concatenation resolved, enclosing "
    "braces or quotes removed (bibtexparser's own middlewares)",
    "runs of white space are one space, leading/trailing space dropped (BibTeX does the "
    "same; RIS is one line per value)",
    "TeX decoded to Unicode ({\\\"o} -> ö, {\\'E} -> É, ~ -> space, -- -> –, grouping "
    "braces dropped), except in verbatim fields (url, doi, eprint, file, isbn, ...)",
    "page ranges: --, – and - between the numbers are the same dash",
    "month: jan / January / 1 are the same month (compared as its number)",
    "keywords: a list split on , or ;",
    "empty fields are absent fields",
    "names compared as their parts (bibtexparser splitname: first, von, last, jr; each "
    "TeX-decoded); a name that is one brace group is a literal (corporate) name; a TeX "
    "special character in braces ({\\'E}) is decoded before splitting (BibTeX takes the "
    "case of its letter, bibtexparser's splitname takes it as lower case)",
    "RIS: A1 and AU are both authors (written back as AU)",
    "BibTeX → CSL-JSON → BibTeX: only fields CSL-JSON can hold count; journal and "
    "booktitle are one container title; 'and others' is dropped (see via_csl)",
)

_WS = re.compile(r"\s+")
_DASHES = re.compile(r"\s*(?:--|–|—|-)\s*")


def _ws(text: str) -> str:
    return _WS.sub(" ", text).strip()


# -- BibTeX ----------------------------------------------------------------------------
def parse_bibtex(text: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """Entries by key (first occurrence), fields as bibtexparser resolves them."""
    import bibtexparser

    lib = bibtexparser.parse_string(text)  # default middlewares: macros, enclosing
    out: dict[str, tuple[str, dict[str, Any]]] = {}
    for e in lib.entries:
        if e.key in out:
            continue
        fields: dict[str, Any] = {}
        for f in e.fields:
            name = f.key.lower()
            if name not in fields:
                fields[name] = f.value
        out[e.key] = (e.entry_type.lower(), fields)
    return out


def _decode(text: str) -> str:
    from paperscope.readers.papers._tex import decode

    return decode(_ws(text))


def _bib_names(value: str) -> tuple[tuple[str, ...], ...]:
    from bibtexparser.middlewares.names import (
        parse_single_name_into_parts,
        split_multiple_persons_names,
    )

    from paperscope.readers.papers.bibtex import decode_special_groups

    out = []
    for n in split_multiple_persons_names(_ws(value)):
        s = n.strip()
        if s.startswith("{") and s.endswith("}") and _one_group(s):
            out.append(("literal", _decode(s)))
            continue
        p = parse_single_name_into_parts(decode_special_groups(s), strict=False)
        out.append(
            tuple(_decode(" ".join(x)) for x in (p.first, p.von, p.last, p.jr))  # type: ignore[arg-type]
        )
    return tuple(out)


def _one_group(s: str) -> bool:
    depth = 0
    for i, ch in enumerate(s):
        depth += ch == "{"
        depth -= ch == "}"
        if depth == 0 and i != len(s) - 1:
            return False
    return True


def norm_bibtex_field(name: str, value: Any) -> Any:
    from paperscope.core.fields import is_verbatim, month_of, split_keywords

    text = _ws(str(value))
    if not text:
        return None
    if name in ("author", "editor"):
        return _bib_names(text)
    if is_verbatim(name):
        return text
    text = _decode(text)
    if name == "pages":
        return _DASHES.sub("-", text)
    if name == "month":
        return month_of(text) or text
    if name == "keywords":
        return split_keywords(text)
    if name == "title":
        return text.strip("{}")
    return text or None


def norm_bibtex(fields: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name, value in fields.items():
        v = norm_bibtex_field(name, value)
        if v not in (None, "", ()):
            out[name] = v
    return out


# -- CSL-JSON ------------------------------------------------------------------------
def norm_csl(item: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in item.items():
        if v in (None, "", [], {}):
            continue
        if k in ("author", "editor") and isinstance(v, list):
            v = [{n: _ws(str(x)) for n, x in a.items() if str(x).strip()} for a in v]
        elif isinstance(v, str):
            v = _ws(v)
        out[k] = v
    return out


# -- RIS -----------------------------------------------------------------------------
def norm_ris(rec: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in rec.items():
        if k == "first_authors":
            k = "authors"
        if isinstance(v, list):
            v = [_ws(str(x)) for x in v if str(x).strip()]
            if k in out:
                v = out[k] + v
        else:
            v = _ws(str(v))
        if v:
            out[k] = v
    return out


# -- the measure ---------------------------------------------------------------------
@dataclass
class Report:
    name: str
    entries: int = 0
    entries_same: int = 0
    fields: int = 0
    fields_same: int = 0
    missing_entries: list[str] = field(default_factory=list)
    lost: list[tuple[str, str, Any, Any]] = field(default_factory=list)
    aliases: set[str] = field(default_factory=set)  # keys kept in another entry's ids

    @property
    def entry_share(self) -> float:
        return self.entries_same / max(self.entries - len(self.missing_entries), 1)

    @property
    def field_share(self) -> float:
        return self.fields_same / max(self.fields, 1)

    def line(self) -> str:
        kept = self.entries - len(self.missing_entries)
        return (
            f"{self.name}: entries {self.entries_same}/{kept} ({100 * self.entry_share:.2f} %)"
            f", fields {self.fields_same}/{self.fields} ({100 * self.field_share:.2f} %)"
            f"; {len(self.missing_entries)} not written (merged at import into another "
            f"entry, {len(set(self.missing_entries) & self.aliases)} of them with their key "
            "kept in its ids; or skipped with a message)"
        )


def compare(
    name: str,
    before: dict[str, dict[str, Any]],
    after: dict[str, dict[str, Any]],
    keep: Callable[[str], bool] = lambda _n: True,
) -> Report:
    """Field-by-field comparison of normalised records by key; ``keep`` says which
    fields count (those the target format can hold)."""
    rep = Report(name)
    for fb in after.values():
        ids = fb.get("ids")
        if isinstance(ids, str):
            rep.aliases.update(k.strip() for k in ids.split(",") if k.strip())
    for key, fa in before.items():
        rep.entries += 1
        fb = after.get(key)
        if fb is None:  # merged into another paper at import (see the module doc)
            rep.missing_entries.append(key)
            continue
        same = True
        for n, v in fa.items():
            if not keep(n):
                continue
            rep.fields += 1
            if fb.get(n) == v:
                rep.fields_same += 1
            else:
                same = False
                rep.lost.append((key, n, v, fb.get(n)))
        rep.entries_same += same
    return rep


def _store(tmp: Path) -> Any:
    from paperscope.library.store import Store

    return Store(tmp / "lib.duckdb")


def round_trip(paths: Iterable[Path], fmt: str, tmp: Path) -> str:
    """Import ``paths`` into a fresh library and export everything as ``fmt``."""
    from paperscope.workflows.papers import export_papers, import_paths

    tmp.mkdir(parents=True, exist_ok=True)
    with _store(tmp) as store:
        import_paths(store, list(paths))
        out = tmp / f"out.{fmt}"
        export_papers(store, fmt, out)
    return out.read_text(encoding="utf-8")


def _concatenated(text: str, strings: dict[str, str]) -> str:
    """A ``#`` concatenation, which bibtexparser leaves as written: its parts joined,
    macros replaced by their text, braces or quotes around a literal part removed."""
    out = []
    for part in re.split(r"\s+#\s+", text):
        part = part.strip()
        if part in strings:
            out.append(strings[part])
        elif len(part) > 1 and part[0] + part[-1] in ("{}", '""'):
            out.append(part[1:-1])
        else:
            out.append(part)
    return "".join(out)


def norm_bibtex_as_written(
    fields: dict[str, Any], strings: dict[str, str] | None = None
) -> dict[str, Any]:
    """Stricter than :func:`norm_bibtex`: each value's TeX as written (brace-protected
    capitals, ``\\texttt``, ``{Corporate}`` names, ``~``), only white space collapsed and
    a ``#`` concatenation joined (``strings``: the file's @string macros); names still
    as their parts."""
    out: dict[str, Any] = {}
    for name, value in fields.items():
        text = _ws(str(value))
        if not text:
            continue
        if name in ("author", "editor"):
            out[name] = norm_bibtex_field(name, value)
        elif re.search(r"\s#\s", text):
            out[name] = _ws(_concatenated(text, strings or {}))
        else:
            out[name] = text
    return out


def bibtex_as_written_report(path: Path, tmp: Path) -> Report:
    """:func:`bibtex_report` without TeX decoding (see :func:`norm_bibtex_as_written`)."""
    import bibtexparser

    text = path.read_text(encoding="utf-8", errors="replace")
    strings = {str(s.key): str(s.value) for s in bibtexparser.parse_string(text).strings}
    before = parse_bibtex(text)
    after = parse_bibtex(round_trip([path], "bibtex", tmp))
    return compare(
        path.name,
        {k: norm_bibtex_as_written(f, strings) for k, (_t, f) in before.items()},
        {k: norm_bibtex_as_written(f) for k, (_t, f) in after.items()},
    )


def bibtex_report(path: Path, tmp: Path) -> Report:
    before = parse_bibtex(path.read_text(encoding="utf-8", errors="replace"))
    after = parse_bibtex(round_trip([path], "bibtex", tmp))
    return compare(
        path.name,
        {k: norm_bibtex(f) for k, (_t, f) in before.items()},
        {k: norm_bibtex(f) for k, (_t, f) in after.items()},
    )


def csl_report(path: Path, tmp: Path) -> Report:
    before = json.loads(path.read_text(encoding="utf-8"))
    after = json.loads(round_trip([path], "csljson", tmp))
    return compare(
        path.name,
        {str(i["id"]): norm_csl(i) for i in before},
        {str(i["id"]): norm_csl(i) for i in after},
    )


def ris_report(path: Path, tmp: Path, name: str | None = None) -> Report:
    import rispy

    def by_id(text: str) -> dict[str, dict[str, Any]]:
        return {str(r.get("id") or r.get("title")): norm_ris(r) for r in rispy.loads(text)}

    return compare(
        name or path.name,
        by_id(path.read_text(encoding="utf-8")),
        by_id(round_trip([path], "ris", tmp)),
    )


def bibtex_via_csl_report(path: Path, tmp: Path) -> Report:
    """BibTeX → CSL-JSON → BibTeX: every field CSL-JSON can hold comes back."""
    from paperscope.core.fields import CSL_BIB

    csl = tmp / "via.json"
    csl.parent.mkdir(parents=True, exist_ok=True)
    csl.write_text(round_trip([path], "csljson", tmp / "a"), encoding="utf-8")
    before = parse_bibtex(path.read_text(encoding="utf-8", errors="replace"))
    after = parse_bibtex(round_trip([csl], "bibtex", tmp / "b"))
    holds = set(CSL_BIB.values()) | {
        "container", "number", "year", "month", "keywords", "author", "editor", "date",
    }  # fmt: skip
    return compare(
        f"{path.name} → CSL-JSON → BibTeX",
        {k: via_csl(norm_bibtex(f)) for k, (_t, f) in before.items()},
        {k: via_csl(norm_bibtex(f)) for k, (_t, f) in after.items()},
        keep=lambda n: n in holds,
    )


def via_csl(fields: dict[str, Any]) -> dict[str, Any]:
    """What CSL-JSON can hold of BibTeX (both sides of the cross-format comparison):
    one container title (CSL's container-title is a journal or a book title by the
    item's type, so ``journal`` and ``booktitle`` are one field here) and no "and
    others" (CSL has no et-al. marker: the style decides when to shorten), no month
    that is not a month."""
    out = dict(fields)
    container = next((out.pop(n) for n in ("journal", "booktitle") if n in out), None)
    out.pop("journal", None)
    out.pop("booktitle", None)
    if container is not None:
        out["container"] = container
    for role in ("author", "editor"):
        if role in out:
            out[role] = tuple(n for n in out[role] if n != ("", "", "others", ""))
    if not isinstance(out.get("month", 1), int):  # "643-655": no month CSL's dates can hold
        out.pop("month")
    return out


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for n in ("cdl.bib", "memlab.bib"):
            print(bibtex_report(DATA / n, tmp / n).line())
        print(csl_report(DATA / "context-review-references.csl.json", tmp / "csl").line())
        ris = tmp / "cdl.ris"
        ris.write_text(round_trip([DATA / "cdl.bib"], "ris", tmp / "r0"), encoding="utf-8")
        print(ris_report(ris, tmp / "ris", "cdl.bib exported as RIS").line())
        print(ris_report(TEST_RIS, tmp / "ris2").line())
        for n in ("cdl.bib", "memlab.bib"):
            print(bibtex_via_csl_report(DATA / n, tmp / f"x-{n}").line())
    print("normalisations (both sides):")
    for n in NORMALISATIONS:
        print(f"  - {n}")


if __name__ == "__main__":
    main()
