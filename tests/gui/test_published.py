"""Preprint → published in the window (pytest-qt, offscreen): the detail pane says
"Published as <venue, year>", and Merge duplicates offers a preprint and its venue
version as such and merges them that way (undoable)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from paperscope.gui.papers.detail_pane import PaperDetailPane
from paperscope.library.published import find_pairs
from paperscope.library.store import Store
from paperscope.workflows.papers import import_paths
from tests.conftest import PAPERS

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from paperscope.gui.main_window import MainWindow

TITLE = "Anticipation of temporally structured events in the brain"


def test_detail_pane_says_published_as(qtbot: QtBot, tmp_path: Path) -> None:
    with Store(tmp_path / "lib.duckdb") as store:
        import_paths(store, [PAPERS / "arxiv-metadata-oai-snapshot.head200.jsonl"])
        ids, _ = store.search_ids("arxiv:0704.0001", typing=False)
        plain, _ = store.search_ids("-is:published", typing=False)
        pane = PaperDetailPane(store)
        qtbot.addWidget(pane)
        pane.show_paper(int(ids[0]))
        lines = pane.text().splitlines()
        assert "Published as Phys.Rev.D76:013009,2007 (doi:10.1103/physrevd.76.013009)" in lines
        pane.show_paper(int(plain[0]))  # an arXiv paper with no venue: no such line
        assert not any(line.startswith("Published as") for line in pane.text().splitlines())


def test_merge_dialog_offers_the_preprint_and_its_venue(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    store = window.store
    for name in ("cdl.bib", "memlab.bib"):
        with qtbot.waitSignal(window.import_finished, timeout=60000):
            window.import_papers([PAPERS / name])
        qtbot.waitUntil(lambda: not window.runner.running(), timeout=30000)
    expected = {(p.preprint_id, p.venue_id) for p in find_pairs(store)}
    dialog = window.show_merge_dialog()
    qtbot.waitUntil(lambda: not window.runner.running(), timeout=30000)
    offered = {(p.preprint_id, p.venue_id) for p in dialog.published.values()}
    assert offered == expected and expected
    ids, _ = store.search_ids(f'title:"{TITLE}"', typing=False)
    rows = {int(i): store.paper_row(int(i)) for i in ids}
    [pre] = [i for i, r in rows.items() if r and r["venue"] == "bioRxiv"]
    [row] = [
        i
        for i, c in enumerate(dialog.candidates)
        if (pair := dialog.published.get((c.a, c.b))) and pair.preprint_id == pre
    ]
    dialog.list.setCurrentRow(row)
    assert dialog.list.item(row).text().startswith("Preprint → published: ")
    assert "is the preprint of" in dialog.reason.text() and "eLife, 2021" in dialog.reason.text()
    assert dialog.merge_button.text() == f"Merge as published (keep the preprint #{pre})"
    with qtbot.waitSignal(dialog.loaded, timeout=30000):
        merge_id = dialog.merge_current()
    assert merge_id is not None and store.merges()[0].kind == "published"
    kept = store.paper_row(pre)
    assert kept is not None and (kept["venue"], kept["year"]) == ("eLife", 2021)
    window.detail_pane.show_paper(pre)
    assert "Published as eLife, 2021" in window.detail_pane.text().splitlines()
    # File → Export papers: the venue by default, the preprint when asked
    window.papers_view.set_query(f'title:"{TITLE}"')
    qtbot.waitUntil(lambda: len(window.papers_view.model.matching_ids()) == 1, timeout=30000)
    # (as the .bib files write them: {{eLife}}, {{bioRxiv}}, their capitals braced)
    for preprint, journal in ((False, "{eLife}"), (True, "{bioRxiv}")):
        export = window.show_export_dialog()
        export.search_radio.setChecked(True)
        export.set_format("bibtex")
        export.preprint_box.setChecked(preprint)
        out = tmp_path / f"lee-{preprint}.bib"
        export.path_edit.setText(str(out))
        with qtbot.waitSignal(export.exported, timeout=30000):
            export.start()
        assert f"journal = {{{journal}}}" in out.read_text(encoding="utf-8")
    with qtbot.waitSignal(dialog.loaded, timeout=30000):
        dialog.undo_button.click()
    assert store.paper_row(pre) == rows[pre]
    dialog.close()
