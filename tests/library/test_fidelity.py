"""Import → export → parse again with the independent library: the same entries,
field by field, on the real files (see :mod:`tests.library.fidelity` for the
normalisations, applied to both sides, and the report script)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paperscope.library.store import Store
from paperscope.workflows.papers import export_papers, import_paths
from tests.conftest import PAPERS, TEST_DATA, ids_with_key
from tests.library import fidelity as F

pytestmark = pytest.mark.filterwarnings("ignore")


def test_lohnas_2011_keeps_volume_number_and_pages(tmp_path: Path) -> None:
    """The example of the issue: memlab.bib LohnEtal11b lost all but six fields."""
    import bibtexparser

    with Store(tmp_path / "lib.duckdb") as store:
        import_paths(store, [PAPERS / "memlab.bib"])
        ids = ids_with_key(store, "LohnEtal11b")
        row = store.paper_row(int(ids[0]))
        assert row["fields"]["volume"] == "64" and row["fields"]["number"] == "3"
        assert row["fields"]["pages"] == "249-255"
        export_papers(store, "bibtex", tmp_path / "one.bib", ids=ids)
        export_papers(store, "csljson", tmp_path / "one.json", ids=ids)
    (entry,) = bibtexparser.parse_string((tmp_path / "one.bib").read_text()).entries
    assert (entry["volume"], entry["number"], entry["pages"]) == ("64", "3", "249-255")
    assert entry["date-added"] == "2014-04-04 16:37:02 +0000"
    assert entry["bdsk-url-1"] == "http://dx.doi.org/10.1016/j.jml.2010.11.003"
    (item,) = json.loads((tmp_path / "one.json").read_text())
    assert (item["volume"], item["issue"], item["page"]) == ("64", "3", "249-255")
    assert item["container-title"] == "Journal of Memory and Language"


@pytest.mark.parametrize("name", ["cdl.bib", "memlab.bib"])
def test_bibtex_round_trip_keeps_every_field(name: str, tmp_path: Path) -> None:
    rep = F.bibtex_report(PAPERS / name, tmp_path)
    print(rep.line())
    assert rep.lost == [] and rep.entry_share == 1.0 and rep.field_share == 1.0
    assert rep.fields > 40000
    # entries merged at import into another (same DOI...): their keys are its aliases
    assert len(rep.missing_entries) == {"cdl.bib": 4, "memlab.bib": 7}[name]
    assert set(rep.missing_entries) <= rep.aliases


BIBLATEX_EXAMPLES = TEST_DATA / "papers" / "biblatex-examples.bib"


@pytest.mark.parametrize("path", [BIBLATEX_EXAMPLES, PAPERS / "cdl.bib"], ids=lambda p: p.name)
def test_bibtex_export_writes_every_field_as_it_was_written(path: Path, tmp_path: Path) -> None:
    """Not only the same text: the same TeX. biblatex's own examples brace capitals
    ({American}, {Pd-N}), brace corporate holders ({Robert Bosch GmbH}), mark up
    annotations (\\texttt) and use biblatex commands (\\autocap{e}); an export that
    wrote them decoded lost the capitals to sentence-case styles and split the
    corporate names into persons (212 of 967 fields of biblatex-examples.bib)."""
    rep = F.bibtex_as_written_report(path, tmp_path)
    print(rep.line())
    assert rep.lost == []
    assert rep.fields > {"biblatex-examples.bib": 900, "cdl.bib": 40000}[path.name]


def test_an_edited_field_is_written_from_its_new_text(tmp_path: Path) -> None:
    """The TeX as read is written only while the field holds what it was read as."""
    import bibtexparser

    with Store(tmp_path / "lib.duckdb") as store:
        import_paths(store, [BIBLATEX_EXAMPLES])
        [pid] = ids_with_key(store, "laufenberg")
        row = store.paper_row(int(pid))
        assert row["fields"]["holder"].startswith("Robert Bosch GmbH and Daimler")
        store.set_field(int(pid), "holder", "Robert Bosch GmbH & Co.")
        store.update_paper(int(pid), title="A new title for {the} patent")
        export_papers(store, "bibtex", tmp_path / "one.bib", ids=[int(pid)])
    text = (tmp_path / "one.bib").read_text(encoding="utf-8")
    (entry,) = bibtexparser.parse_string(text).entries
    assert entry["holder"] == "Robert Bosch GmbH \\& Co."  # the new plain text, escaped
    assert "A new title for" in entry["title"] and "Elektrische" not in entry["title"]
    # the fields not edited are still written as read
    assert entry["annotation"].startswith("This is a \\texttt{patent} entry with a")


def test_csl_json_round_trip_keeps_every_variable(tmp_path: Path) -> None:
    rep = F.csl_report(PAPERS / "context-review-references.csl.json", tmp_path)
    print(rep.line())
    assert rep.lost == [] and rep.field_share == 1.0 and rep.fields > 3000
    assert len(rep.missing_entries) == 5


def test_ris_round_trip_keeps_every_tag(tmp_path: Path) -> None:
    """No third-party RIS file is in the shared data: cdl.bib written as RIS is the
    source; it is read back by rispy on both sides."""
    ris = tmp_path / "cdl.ris"
    ris.write_text(F.round_trip([PAPERS / "cdl.bib"], "ris", tmp_path / "a"), encoding="utf-8")
    rep = F.ris_report(ris, tmp_path / "b")
    print(rep.line())
    assert rep.lost == [] and rep.field_share == 1.0 and rep.fields > 50000
    # and the project's RIS sample (JOUR, CONF, SP/EP, DO, PB); its record without a
    # title is skipped by the import with a message, its last record (no ER) rispy
    # does not read at all
    rep = F.ris_report(F.TEST_RIS, tmp_path / "c")
    print(rep.line())
    assert rep.lost == [] and rep.entries_same == 2 and rep.missing_entries == ["None"]


@pytest.mark.parametrize("name", ["cdl.bib", "memlab.bib"])
def test_bibtex_to_csl_json_to_bibtex_keeps_what_csl_holds(name: str, tmp_path: Path) -> None:
    rep = F.bibtex_via_csl_report(PAPERS / name, tmp_path)
    print(rep.line())
    assert rep.field_share == 1.0, rep.lost[:10]
