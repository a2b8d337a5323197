"""The Merge duplicates and Export papers dialogs (issue 3)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from paperscope.library.dedup import normalised_title
from paperscope.library.store import Store
from paperscope.workflows.papers import import_paths
from tests.conftest import PAPERS, ids_with_key

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from paperscope.core.records import Paper
    from paperscope.gui.main_window import MainWindow


def settle(window: MainWindow, qtbot: QtBot) -> None:
    qtbot.waitUntil(lambda: not window.runner.running(), timeout=30000)


def import_file(window: MainWindow, qtbot: QtBot, path: Path) -> object:
    with qtbot.waitSignal(window.import_finished, timeout=30000) as done:
        window.import_papers([path])
    settle(window, qtbot)
    return done.args[0]


def test_merge_dialog_merges_with_a_field_choice_and_undoes(
    window: MainWindow, qtbot: QtBot
) -> None:
    store, view = window.store, window.papers_view
    summary = import_file(window, qtbot, PAPERS / "cdl.bib")
    assert (summary.added, summary.merged) == (6311, 4)
    total = store.paper_count()
    assert total == 79 + 6311 and view.model.rowCount() == total
    expected = store.merge_candidates()
    dialog = window.show_merge_dialog()
    settle(window, qtbot)
    n = len(expected)
    assert len(dialog.candidates) == n and dialog.list.count() == n
    # "Exercise and mental health", Mikkelsen 2017 and Raglin 1990: the title alone
    # agrees, so the pair is not proposed
    assert not any(
        normalised_title(store.paper_row(c.a)["title"]) == "exerciseandmentalhealth"
        for c in dialog.candidates
    )
    # the default answer follows the confidence, and the evidence is shown
    for i, c in enumerate(dialog.candidates):
        dialog.list.setCurrentRow(i)
        assert dialog.not_dup_button.isDefault() == c.low
        assert dialog.merge_button.isDefault() == (not c.low)
        assert f"{c.confidence:.2f}" in dialog.reason.text()
        assert c.evidence[0] in dialog.reason.text()
    assert any(c.low for c in dialog.candidates) and not all(c.low for c in dialog.candidates)
    # the same title and first author, years apart
    row = next(
        i for i, c in enumerate(dialog.candidates) if c.reason == "same title, different year"
    )
    dialog.list.setCurrentRow(row)
    cand = dialog.current()
    a, b = store.paper_row(cand.a), store.paper_row(cand.b)
    ya, yb = str(a["year"]), str(b["year"])
    assert ya != yb
    fields = [dialog.fields.item(r, 0).text() for r in range(dialog.fields.rowCount())]
    assert "title" in fields and "year" in fields
    year_row = fields.index("year")
    assert dialog.fields.cellWidget(year_row, 1).text() == ya
    assert dialog.fields.cellWidget(year_row, 2).text() == yb
    dialog.choose("year", "b")
    assert dialog.choices()["year"] == cand.b and dialog.choices()["title"] == cand.a
    with qtbot.waitSignal(dialog.loaded, timeout=10000):
        merge_id = dialog.merge_current()
    assert merge_id is not None
    assert store.paper_row(cand.b) is None and store.paper_row(cand.a)["year"] == int(yb)
    assert store.paper_count() == total - 1 and view.model.rowCount() == total - 1
    assert len(dialog.candidates) == n - 1 and dialog.undo_button.isEnabled()
    # undo: both papers as they were
    with qtbot.waitSignal(dialog.loaded, timeout=10000):
        dialog.undo_button.click()
    assert str(store.paper_row(cand.a)["year"]) == ya and str(store.paper_row(cand.b)["year"]) == yb
    assert store.paper_count() == total and view.model.rowCount() == total
    assert len(dialog.candidates) == n and not dialog.undo_button.isEnabled()
    # "Not duplicates" removes the pair for good
    dialog.list.setCurrentRow(0)
    first = dialog.current()
    dialog.not_dup_button.click()
    assert len(dialog.candidates) == n - 1
    assert (first.a, first.b) not in {(c.a, c.b) for c in store.merge_candidates()}
    dialog.close()


def identity(p: Paper) -> tuple[object, ...]:
    return (normalised_title(p.title), p.year, p.arxiv_id, tuple(a.lower() for a in p.authors))


def test_export_bibtex_round_trip(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    store, view = window.store, window.papers_view
    import_file(window, qtbot, PAPERS / "hf-api" / "daily_papers.json")
    view.set_query("has:arxiv")
    ids = [int(i) for i in view.model.matching_ids()]
    assert len(ids) == 29
    dialog = window.show_export_dialog()
    assert dialog.search_radio.isEnabled() and not dialog.selection_radio.isEnabled()
    dialog.search_radio.setChecked(True)
    dialog.set_format("bibtex")
    out = tmp_path / "export.bib"
    dialog.path_edit.setText(str(out))
    with qtbot.waitSignal(dialog.exported, timeout=20000) as done:
        dialog.start()
    assert done.args == [29, str(out)]
    assert out.read_text(encoding="utf-8").count("\n@") + 1 == 29
    with Store(tmp_path / "new.duckdb") as fresh:
        summary = import_paths(fresh, [out])
        assert (summary.added, summary.merged, summary.skipped) == (29, 0, 0)
        again = sorted(identity(p) for p in fresh.papers(fresh.all_ids()))
    assert again == sorted(identity(p) for p in store.papers(ids))


def test_export_the_selection_and_the_library(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    store, view = window.store, window.papers_view
    chosen = view.select_rows([3, 5, 8])
    dialog = window.show_export_dialog()
    assert dialog.selection_radio.isChecked() and not dialog.search_radio.isEnabled()
    dialog.set_format("csljson")
    assert dialog.path_edit.text().endswith(".json")
    out = tmp_path / "three.json"
    dialog.path_edit.setText(str(out))
    with qtbot.waitSignal(dialog.exported, timeout=20000):
        dialog.start()
    with Store(tmp_path / "three.duckdb") as fresh:
        import_paths(fresh, [out])
        assert sorted(p.title for p in fresh.papers(fresh.all_ids())) == sorted(
            p.title for p in store.papers(chosen)
        )
    dialog = window.show_export_dialog()
    dialog.library_radio.setChecked(True)
    dialog.set_format("csv")
    out = tmp_path / "all.csv"
    dialog.path_edit.setText(str(out))
    with qtbot.waitSignal(dialog.exported, timeout=20000) as done:
        dialog.start()
    assert done.args[0] == 79
    import csv

    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 79
    assert {r["title"] for r in rows} == {p.title for p in store.papers(store.all_ids())}


def test_import_preview_of_an_empty_bib_says_so_and_offers_no_import(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    from PySide6.QtWidgets import QMessageBox

    empty = tmp_path / "refs.bib"
    empty.write_bytes(b"")
    with qtbot.waitSignal(window.preview_shown, timeout=20000) as shown:
        window.open_paths([empty], confirm=True)
    preview = shown.args[0]
    assert not preview.can_import
    box = window.status.last_box
    assert box.text() == "Nothing to import"
    assert "refs.bib: empty file" in box.informativeText()
    assert box.button(QMessageBox.StandardButton.Ok) is None
    assert box.button(QMessageBox.StandardButton.Close) is not None
    box.close()
    # a real file: the preview's counts and skipped reasons, then the same import
    with qtbot.waitSignal(window.preview_shown, timeout=30000) as shown:
        window.open_paths([PAPERS / "memlab.bib"], confirm=True)
    preview = shown.args[0]
    box = window.status.last_box
    assert "skipped 31: 28 × duplicate citation key" in box.informativeText()
    with qtbot.waitSignal(window.import_finished, timeout=30000) as done:
        box.button(QMessageBox.StandardButton.Ok).click()
    summary = done.args[0]
    assert (summary.added, summary.merged, summary.skipped) == (
        preview.new, preview.merged, preview.skipped,
    )  # fmt: skip
    settle(window, qtbot)


def test_detail_pane_shows_the_whole_record(window: MainWindow, qtbot: QtBot) -> None:
    """memlab.bib LohnEtal11b: volume, number, pages and BibDesk's own fields, shown
    as plain text below the abstract; a CSL item shows its variables."""
    store = window.store
    import_file(window, qtbot, PAPERS / "memlab.bib")
    (pid,) = ids_with_key(store, "LohnEtal11b")
    window.detail_pane.show_paper(pid)
    text = window.detail_pane.text()
    for line in (
        "The whole record",
        "source format: BibTeX   type: article",
        "citation key: LohnEtal11b",
        "authors: Lohnas, L. J. · Polyn, S. M. · Kahana, M. J.",
        "volume: 64",
        "number: 3",
        "pages: 249-255",
        "journal: Journal of Memory and Language",
        "date-added: 2014-04-04 16:37:02 +0000",
        "bdsk-url-1: http://dx.doi.org/10.1016/j.jml.2010.11.003",
    ):
        assert line in text.splitlines(), line
    # edit one field, then another (the venue column follows its journal), and undo both
    pane = window.detail_pane
    with qtbot.waitSignal(pane.edited, timeout=5000):
        pane.field_name.setCurrentText("volume")
        assert pane.field_value.text() == "64"
        pane.field_value.setText("65")
        pane.set_field_button.click()
    assert store.paper_row(pid)["fields"]["volume"] == "65"
    assert "volume: 65" in pane.text().splitlines()
    pane.field_name.setCurrentText("journal")
    pane.field_value.setText("J. Mem. Lang.")
    pane.set_field_button.click()
    assert store.paper_row(pid)["venue"] == "J. Mem. Lang."
    pane.undo_field_button.click()
    pane.undo_field_button.click()
    row = store.paper_row(pid)
    assert row["fields"]["volume"] == "64" and row["venue"] == "Journal of Memory and Language"
    assert not pane.undo_field_button.isEnabled()
    import_file(window, qtbot, PAPERS / "context-review-references.csl.json")
    row = next(
        r
        for i in store.all_ids()
        if (r := store.paper_row(int(i))) and (r.get("fields") or {}).get("_format") == "csl"
        and (r["fields"].get("volume"))
    )  # fmt: skip
    window.detail_pane.show_paper(row["id"])
    lines = window.detail_pane.text().splitlines()
    assert "source format: CSL-JSON   type: " + row["kind"] in lines
    assert f"volume: {row['fields']['volume']}" in lines
    assert any(line.startswith("issued: ") for line in lines)


def test_the_record_form_offers_the_entry_types_fields_and_edits_with_undo(
    window: MainWindow, qtbot: QtBot
) -> None:
    """The detail pane's form, as Zotero's item pane: an article's standard fields in
    order (empty ones too, to fill in), then the record's other fields; a line edited
    and left is stored (and exported), Undo puts the old value back."""
    from paperscope.core.fields import ENTRY_FIELDS
    from paperscope.library.export import to_bibtex

    store = window.store
    import_file(window, qtbot, PAPERS / "memlab.bib")
    (pid,) = ids_with_key(store, "LohnEtal11b")
    pane = window.detail_pane
    pane.show_paper(pid)
    form = pane.form
    names = form.names()
    assert names[: len(ENTRY_FIELDS["article"])] == list(ENTRY_FIELDS["article"])
    assert {"date-added", "bdsk-url-1"} <= set(names)  # the record's own fields follow
    assert form.edit("volume").text() == "64" and form.edit("issn").text() == ""
    # fill an empty field in: stored, shown, exported
    with qtbot.waitSignal(pane.edited, timeout=5000):
        form.edit("issn").setText("0749-596X")
        form.edit("issn").editingFinished.emit()
    assert store.paper_row(pid)["fields"]["issn"] == "0749-596X"
    assert "issn: 0749-596X" in pane.text().splitlines()
    assert "issn = {0749-596X}" in to_bibtex(store.papers([pid]))
    assert pane.form.edit("issn").text() == "0749-596X"  # the new form shows it
    # leaving a line unchanged stores nothing
    pane.form.edit("volume").editingFinished.emit()
    assert len(pane._field_undo) == 1
    pane.undo_field_button.click()
    assert "issn" not in store.paper_row(pid)["fields"]
    assert pane.form.edit("issn").text() == ""


def test_names_as_the_user_prefers(window: MainWindow, qtbot: QtBot) -> None:
    """View → Names as "Family, G.": the table and the details show the stored name parts
    in a reference list's order (particles, suffixes and corporate names kept); off again,
    the names are as the source wrote them. The choice is remembered."""
    from PySide6.QtCore import Qt

    from paperscope.core.records import Creator
    from paperscope.gui.main_window import settings
    from paperscope.gui.papers.table_model import name_style

    store = window.store
    import_file(window, qtbot, PAPERS / "memlab.bib")
    model = window.papers_view.model
    (pid,) = ids_with_key(store, "LohnEtal11b")
    row = next(r for r in range(model.rowCount()) if model.paper_id(r) == pid)
    col = next(c for c in range(model.columnCount())
               if model.headerData(c, Qt.Orientation.Horizontal) == "Authors")  # fmt: skip
    assert model.index(row, col).data() == "L. J. Lohnas, S. M. Polyn, M. J. Kahana"
    window.family_first_action.setChecked(True)
    assert name_style() == "family" and settings().value("names/family_first", type=bool)
    assert model.index(row, col).data() == "Lohnas, L. J.; Polyn, S. M.; Kahana, M. J."
    window.detail_pane.show_paper(pid)
    assert "Lohnas, L. J.; Polyn, S. M.; Kahana, M. J." in window.detail_pane.text()
    window.family_first_action.setChecked(False)
    assert model.index(row, col).data() == "L. J. Lohnas, S. M. Polyn, M. J. Kahana"
    # the hard cases of a reference list
    cases = {
        Creator(family="Heuvel", particle="van de", given="MP"): "van de Heuvel, M. P.",
        Creator(family="Morris", given="James H.", suffix="Jr."): "Morris, J. H., Jr.",
        Creator(family="Sartre", given="Jean-Paul"): "Sartre, J.-P.",
        Creator(literal="Center for History and New Media"): "Center for History and New Media",
        Creator(family="Zola", given="Émile"): "Zola, É.",
    }
    assert {c: c.display_family_first() for c in cases} == cases
