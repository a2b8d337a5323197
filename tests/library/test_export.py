"""Export to BibTeX, CSL-JSON, RIS and CSV, and the round trip back through the readers."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from paperscope.core.records import Paper
from paperscope.library import export
from paperscope.library.published import citation_form
from paperscope.library.store import Store
from paperscope.workflows.papers import export_papers, import_paths
from tests.conftest import PAPERS, TEST_DATA

SOURCES = [
    PAPERS / "hf-api" / "daily_papers.json",
    TEST_DATA / "papers" / "arxiv-query.atom",
    TEST_DATA / "papers" / "references.ris",
    PAPERS / "context-review-references.csl.json",
]
TRICKY = Paper(
    title="50% of <b>bold</b> claims & a $\\mathcal{O}(n_1)$ bound {really} #1_2 ~ok \\o/",
    authors=("Jörg Müller", "Ada Lovelace", "Juan Carlos de la Cruz Pérez"),
    abstract="Costs 100% & more; see {braces} and C:\\path.",
    year=2021,
    date="2021-03-04",
    doi="10.1234/ABC.5",
    arxiv_id="2103.01234",
    venue="Journal of R&D",
    keywords=("a&b", "c"),
)


def key(p: Paper) -> tuple[object, ...]:
    return (p.title, p.authors, p.year, p.doi, p.arxiv_id, p.abstract)


@pytest.fixture
def lib(tmp_path: Path) -> Store:
    store = Store(tmp_path / "lib.duckdb")
    import_paths(store, SOURCES)
    store.add_papers([TRICKY])
    assert store.paper_count() == 287
    return store


@pytest.mark.parametrize("fmt", ["bibtex", "csljson", "ris"])
def test_round_trip_into_a_new_library_gives_the_same_papers(
    lib: Store, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"all{export.EXTENSIONS[fmt]}"
    assert export_papers(lib, fmt, out) == 287
    with Store(tmp_path / "new.duckdb") as fresh:
        summary = import_paths(fresh, [out])
        assert (summary.added, summary.skipped) == (287, 0)
        assert summary.issues == []
        # a preprint published as a venue is exported as that venue (issue 16): an
        # arXiv record's journal-ref year is the year its citation has
        old = sorted(key(citation_form(p)) for p in lib.papers(lib.all_ids()))
        new = sorted(key(p) for p in fresh.papers(fresh.all_ids()))
        assert new == old
        assert sum(key(citation_form(p)) != key(p) for p in lib.papers(lib.all_ids())) == 1
        if fmt == "bibtex":
            got = {p.citation_key for p in fresh.papers(fresh.all_ids())}
            assert got == {p.citation_key for p in lib.papers(lib.all_ids())}
            assert len(got) == 287


def test_bibtex_keys_are_stable_across_exports(lib: Store, tmp_path: Path) -> None:
    first = tmp_path / "a.bib"
    second = tmp_path / "b.bib"
    export_papers(lib, "bibtex", first, query="contrastive ")
    export_papers(lib, "bibtex", second)
    entries_first = first.read_text().split("\n@")
    assert all(e.strip("@") in second.read_text() for e in entries_first)
    assert "@misc{cheng2024breaking," in first.read_text()
    assert "  eprint = {2410.17243},\n  archiveprefix = {arXiv}" in first.read_text()


def test_tricky_text_in_each_format() -> None:
    bib = export.to_bibtex([TRICKY])
    assert (
        "title = {{50\\% of <b>bold</b> claims \\& a $\\mathcal{O}(n_1)$ bound \\{really\\}" in bib
    )
    # names as their parts: "de la" is the particle BibTeX reads back as the von part
    assert "author = {Müller, Jörg and Lovelace, Ada and de la Cruz Pérez, Juan Carlos}" in bib
    (item,) = export.to_csl_items([TRICKY])
    assert item["issued"] == {"date-parts": [[2021, 3, 4]]}
    assert item["author"][0] == {"family": "Müller", "given": "Jörg"}
    ris = export.to_ris([TRICKY])
    assert "AU  - Müller, Jörg" in ris and ris.rstrip().endswith("ER  -")


def test_csv_has_user_columns_and_no_formulas(lib: Store, tmp_path: Path) -> None:
    evil = lib.add_papers([Paper('=HYPERLINK("http://x")', ("@mallory",), year=2020)]).paper_ids[0]
    lib.add_tag([evil], "suspicious")
    lib.set_rating([evil], 1)
    out = tmp_path / "sel.csv"
    assert export_papers(lib, "csv", out, ids=[evil]) == 1
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == 1
    row = rows[0]
    assert row["title"] == '\'=HYPERLINK("http://x")' and row["authors"] == "'@mallory"
    assert (row["tags"], row["rating"], row["status"]) == ("suspicious", "1", "unread")
    assert tuple(rows[0].keys()) == export.CSV_COLUMNS


def test_export_of_a_query_and_of_nothing(lib: Store, tmp_path: Path) -> None:
    out = tmp_path / "none.json"
    assert export_papers(lib, "csljson", out, query="zzzzqqq ") == 0
    assert out.read_text() == "[]\n"
    with pytest.raises(ValueError):
        export_papers(lib, "docx", out)


def test_a_preamble_survives_import_and_export(tmp_path: Path) -> None:
    """``@preamble`` blocks are kept with the entries of their file and written again,
    once each, at the top of a BibTeX export, where bibtexparser reads them back."""
    import bibtexparser

    from paperscope.library.export import to_bibtex
    from paperscope.library.store import Store
    from paperscope.workflows.papers import import_paths

    bib = tmp_path / "pre.bib"
    bib.write_text(
        '@preamble{"\\newcommand{\\noopsort}[1]{}"}\n'
        "@preamble{{\\providecommand{\\url}[1]{#1}}}\n"
        "@article{a1, title = {One}, author = {Smith, J}, year = 2001}\n"
        "@article{b2, title = {Two}, author = {{\\noopsort{b}}Doe, J}, year = 2002}\n",
        encoding="utf-8",
    )
    original = [p.value for p in bibtexparser.parse_string(bib.read_text()).preambles]
    with Store(tmp_path / "lib.duckdb") as store:
        summary = import_paths(store, [bib])
        assert summary.added == 2 and not [i for i in summary.issues if "preamble" in str(i)]
        text = to_bibtex(store.papers(store.paper_ids()))
    again = bibtexparser.parse_string(text)
    assert [p.value for p in again.preambles] == original  # each once, as written
    assert {e.key for e in again.entries} == {"a1", "b2"}
