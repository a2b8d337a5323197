"""Names as parts: read with bibtexparser's splitname, kept through the library,
written so that BibTeX (and CSL, RIS) read them back to the same parts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paperscope.core.names import split_display
from paperscope.core.records import Creator
from paperscope.library import export
from paperscope.library.store import Store
from paperscope.readers.papers.bibtex import parse_name
from paperscope.workflows.papers import export_papers, import_paths

# (BibTeX name, family, given, particle, suffix, literal, what the table shows)
HARD = [
    ("T A W Bolton", "Bolton", "T A W", "", "", "", "T A W Bolton"),
    ("van de Heuvel, MP", "Heuvel", "MP", "van de", "", "", "MP van de Heuvel"),
    ("Bach Poulsen, Casper", "Bach Poulsen", "Casper", "", "", "", "Casper Bach Poulsen"),
    ("{de Vries}, Edsko", "de Vries", "Edsko", "", "", "", "Edsko de Vries"),
    ("{Center for History and New Media}", "", "", "", "", "Center for History and New Media",
     "Center for History and New Media"),
    ("Morris, Jr., James H.", "Morris", "James H.", "", "Jr.", "", "James H. Morris Jr."),
    ("{\\'E}mile Zola", "Zola", "Émile", "", "", "", "Émile Zola"),
    ("Jean-Paul Sartre", "Sartre", "Jean-Paul", "", "", "", "Jean-Paul Sartre"),
    ("{Barnes and Noble, Inc.}", "", "", "", "", "Barnes and Noble, Inc.",
     "Barnes and Noble, Inc."),
    ("von Neumann, John", "Neumann", "John", "von", "", "", "John von Neumann"),
    ("Ludwig van Beethoven", "Beethoven", "Ludwig", "van", "", "", "Ludwig van Beethoven"),
    ("Plato", "Plato", "", "", "", "", "Plato"),
    ("Go{\\~n}i, J", "Goñi", "J", "", "", "", "J Goñi"),
    ("{\\'E}adaoin W Griffin", "Griffin", "Éadaoin W", "", "", "", "Éadaoin W Griffin"),
]  # fmt: skip


def parts(c: Creator) -> tuple[str, ...]:
    return (c.family, c.given, c.particle, c.suffix, c.literal)


def bibtexparser_parts(name: str) -> tuple[str, ...]:
    """What the independent parser makes of a written name (TeX-free names here)."""
    from bibtexparser.middlewares.names import parse_single_name_into_parts

    s = name.strip()
    if s.startswith("{") and s.endswith("}") and s.count("{") == 1:
        return ("", "", "", "", s[1:-1])
    p = parse_single_name_into_parts(s, strict=False)
    strip = lambda words: " ".join(words).replace("{", "").replace("}", "")  # noqa: E731
    return (strip(p.last), strip(p.first), strip(p.von), strip(p.jr), "")


@pytest.mark.parametrize(
    ("name", "family", "given", "particle", "suffix", "literal", "shown"), HARD
)
def test_hard_names_read_as_their_parts(
    name: str, family: str, given: str, particle: str, suffix: str, literal: str, shown: str
) -> None:
    c = parse_name(name)
    assert parts(c) == (family, given, particle, suffix, literal)
    assert c.display() == shown


@pytest.mark.parametrize("row", HARD, ids=[r[0] for r in HARD])
def test_hard_names_are_written_so_bibtex_reads_the_same_parts(row: tuple[str, ...]) -> None:
    c = parse_name(row[0])
    written = export.bibtex_name(c)
    assert bibtexparser_parts(written) == parts(c), written
    if c.literal:  # a corporate name keeps its braces
        assert written == "{" + c.literal.replace("&", "\\&") + "}"
    else:
        assert not (written.startswith("{") and written.endswith("}"))


def test_the_names_of_the_issue_are_written_as_bibtex_means_them() -> None:
    assert export.bibtex_name(parse_name("T A W Bolton")) == "Bolton, T A W"
    assert export.bibtex_name(parse_name("van de Heuvel, MP")) == "van de Heuvel, MP"
    assert export.bibtex_name(parse_name("{de Vries}, Edsko")) == "{de Vries}, Edsko"
    assert export.bibtex_name(parse_name("Morris, Jr., James H.")) == "Morris, Jr., James H."
    assert export.bibtex_name(parse_name("others")) == "others"


def test_others_and_single_words_in_a_name_list(tmp_path: Path) -> None:
    bib = tmp_path / "names.bib"
    bib.write_text(
        "@book{all, title = {Hard names},\n  author = {"
        + " and ".join(r[0] for r in HARD)
        + " and others},\n  editor = {Plato and {Barnes and Noble, Inc.}},\n  year = 2001}\n",
        encoding="utf-8",
    )
    with Store(tmp_path / "lib.duckdb") as store:
        import_paths(store, [bib])
        (p,) = store.papers(store.all_ids())
        authors = [c for c in p.creators if c.role == "author"]
        editors = [c for c in p.creators if c.role == "editor"]
        assert [parts(c) for c in authors[:-1]] == [tuple(r[1:6]) for r in HARD]
        assert authors[-1].is_others and p.authors == tuple(r[6] for r in HARD)
        assert [c.display() for c in editors] == ["Plato", "Barnes and Noble, Inc."]
        for fmt in ("bibtex", "csljson", "ris"):
            export_papers(store, fmt, tmp_path / f"out.{fmt}")

    import bibtexparser
    import rispy

    (entry,) = bibtexparser.parse_string((tmp_path / "out.bibtex").read_text()).entries
    from bibtexparser.middlewares.names import split_multiple_persons_names

    written = split_multiple_persons_names(entry["author"])
    assert written[-1] == "others" and len(written) == len(HARD) + 1
    # written as Unicode text, so the independent parser gives the parts directly
    assert [bibtexparser_parts(n) for n in written[:-1]] == [tuple(r[1:6]) for r in HARD]
    assert split_multiple_persons_names(entry["editor"]) == ["Plato", "{Barnes and Noble, Inc.}"]

    (item,) = json.loads((tmp_path / "out.csljson").read_text())
    by_family = {a.get("family", a.get("literal")): a for a in item["author"]}
    assert by_family["Bach Poulsen"] == {"family": "Bach Poulsen", "given": "Casper"}
    assert by_family["de Vries"] == {"family": "de Vries", "given": "Edsko"}
    assert by_family["Center for History and New Media"] == {
        "literal": "Center for History and New Media"
    }
    assert by_family["Morris"] == {"family": "Morris", "given": "James H.", "suffix": "Jr."}
    assert by_family["Heuvel"]["non-dropping-particle"] == "van de"
    assert item["editor"] == [{"family": "Plato"}, {"literal": "Barnes and Noble, Inc."}]

    (rec,) = rispy.loads((tmp_path / "out.ris").read_text())
    assert "Morris, James H., Jr." in rec["authors"]
    assert "van de Heuvel, MP" in rec["authors"]
    assert rec["secondary_authors"] == ["Plato", "Barnes and Noble, Inc."]


@pytest.mark.parametrize(
    ("shown", "family", "given", "particle", "suffix"),
    [
        ("Ludwig van Beethoven", "Beethoven", "Ludwig", "van", ""),
        ("James H. Morris Jr.", "Morris", "James H.", "", "Jr."),
        ("Jean-Paul Sartre", "Sartre", "Jean-Paul", "", ""),
        ("Plato", "Plato", "", "", ""),
        ("Juan Carlos de la Cruz Pérez", "Cruz Pérez", "Juan Carlos", "de la", ""),
    ],
)
def test_display_strings_without_structure_are_split_as_bibtex_would(
    shown: str, family: str, given: str, particle: str, suffix: str
) -> None:
    c = split_display(shown)
    assert (c.family, c.given, c.particle, c.suffix) == (family, given, particle, suffix)
    assert c.display() == shown
