"""Working with papers in the window (issue 3): tag number keys, reading status,
rating, notes, links, Copy BibTeX, deletion, and markup shown literally."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMenu

from paperscope.gui.papers.table_model import COLUMN_INDEX
from tests.conftest import PAPERS

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from paperscope.gui.main_window import MainWindow
    from paperscope.gui.papers.papers_view import PapersView
    from paperscope.library.store import Store


def settle(window: MainWindow, qtbot: QtBot) -> None:
    qtbot.waitUntil(lambda: not window.runner.running(), timeout=20000)


def select_rows(view: PapersView, rows: list[int]) -> list[int]:
    return view.select_rows(rows)  # type: ignore[no-any-return]


def tag_names(store: Store, pid: int) -> list[str]:
    return [t.name for t in store.paper_tags([pid]).get(pid, [])]


def test_number_keys_toggle_the_first_nine_tags(window: MainWindow, qtbot: QtBot) -> None:
    store, view = window.store, window.papers_view
    for name in ("to-read", "important", "reproduce"):
        store.create_tag(name)
    window.state.library_changed.emit()
    ids = select_rows(view, [0, 1, 2])
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_1)
    assert all(tag_names(store, p) == ["to-read"] for p in ids)
    qtbot.keyClick(view.table, Qt.Key.Key_3)
    assert all(tag_names(store, p) == ["to-read", "reproduce"] for p in ids)
    tags_col = COLUMN_INDEX["tags"]
    assert view.model.index(0, tags_col).data() == "to-read, reproduce"
    assert window.state.selection == ids  # the selection survives the refresh
    qtbot.keyClick(view.table, Qt.Key.Key_1)  # all have it: the key takes it off
    assert all(tag_names(store, p) == ["reproduce"] for p in ids)
    assert view.model.index(0, tags_col).data() == "reproduce"
    qtbot.keyClick(view.table, Qt.Key.Key_7)  # no seventh tag: nothing happens
    assert "No tag number 7" in window.status.label.text()
    # the sidebar counts follow
    settle(window, qtbot)
    assert window.sidebar.item_for("reproduce").text(1) == "3"
    # only the selection is tagged
    assert tag_names(store, view.model.paper_id(3)) == []


def test_status_and_rating_from_keys_menu_and_detail_pane(window: MainWindow, qtbot: QtBot) -> None:
    store, view, pane = window.store, window.papers_view, window.detail_pane
    (pid,) = select_rows(view, [4])
    assert pane.paper_id == pid
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert store.paper_row(pid)["rating"] == 4
    assert view.model.index(4, COLUMN_INDEX["rating"]).data() == "★★★★☆"
    window.paper_actions.status_actions[1].trigger()  # Paper → Reading status → Reading
    assert store.paper_row(pid)["status"] == "reading"
    assert view.model.index(4, COLUMN_INDEX["status"]).data() == "reading"
    assert pane.status_box.currentText() == "reading" and pane.rating_box.currentIndex() == 4
    pane.status_box.setCurrentText("read")
    pane.rating_box.setCurrentIndex(0)
    row = store.paper_row(pid)
    assert row["status"] == "read" and row["rating"] is None
    assert view.model.index(4, COLUMN_INDEX["rating"]).data() == "—"
    view.set_query("status:read")
    assert [view.model.paper_id(r) for r in range(view.model.rowCount())] == [pid]


def test_notes_are_saved_and_come_back(
    window: MainWindow, qtbot: QtBot, demo_library: Path
) -> None:
    view, pane = window.papers_view, window.detail_pane
    (pid,) = select_rows(view, [2])
    pane.notes.setFocus()
    qtbot.keyClicks(pane.notes, "Compare with <b>DPO</b> & PPO")
    assert pane.save_notes_button.isEnabled()
    qtbot.mouseClick(pane.save_notes_button, Qt.MouseButton.LeftButton)
    assert window.store.paper_notes([pid]) == {pid: "Compare with <b>DPO</b> & PPO"}
    # unsaved notes are saved when another paper is chosen
    select_rows(view, [3])
    pane.notes.setPlainText("second")
    pane.notes.document().setModified(True)
    other = view.model.paper_id(3)
    select_rows(view, [2])
    assert window.store.paper_notes([other]) == {other: "second"}
    assert pane.notes.toPlainText() == "Compare with <b>DPO</b> & PPO"
    # and they are in the library file: a new window on it shows them
    window.switch_library(demo_library)
    settle(window, qtbot)
    window.papers_view.select_paper(pid)
    assert window.detail_pane.notes.toPlainText() == "Compare with <b>DPO</b> & PPO"
    assert window.papers_view.model.n_matches == 79
    window.papers_view.set_query("has:notes")
    assert window.papers_view.model.n_matches == 2


def test_links_copy_bibtex_and_context_menu(window: MainWindow, qtbot: QtBot) -> None:
    store, view = window.store, window.papers_view
    with qtbot.waitSignal(window.import_finished, timeout=20000):
        window.import_papers([PAPERS / "hf-api" / "daily_papers.json"])
    settle(window, qtbot)
    view.set_query("has:arxiv")
    assert view.model.n_matches == 29  # the demo papers have no arXiv ids
    (pid,) = select_rows(view, [0])
    arxiv = store.paper_row(pid)["arxiv_id"]
    assert window.paper_actions.links()[1].url == f"https://arxiv.org/abs/{arxiv}"
    labels = [link.label for link in window.paper_actions.links()]
    assert labels[:2] == ["Open PDF", "Open arXiv page"]
    assert window.detail_pane.pdf_button.isEnabled()
    menu = QMenu()
    window.paper_actions.fill_menu(menu)
    texts = [a.text() for a in menu.actions()]
    assert texts[:2] == ["Open PDF", "Open arXiv page"]
    assert {"Copy &BibTeX", "&Tags", "Reading &status", "&Rating", "Add to &collection"} <= set(
        texts
    )
    # the table's context menu holds the same actions
    popup = window.papers.context_menu()
    assert [a.text() for a in popup.actions()][:2] == ["Open PDF", "Open arXiv page"]
    assert window.paper_actions.delete_action in popup.actions()
    popup.deleteLater()
    ids = select_rows(view, [0, 1, 2])
    errors: list[str] = []
    window.error_shown.connect(errors.append)
    with qtbot.waitSignal(window.paper_actions.bibtex_copied, timeout=5000) as copied:
        view.table.setFocus()
        qtbot.keyClick(
            view.table,
            Qt.Key.Key_C,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
    assert errors == []
    text = copied.args[0]
    assert QGuiApplication.clipboard().text() == text
    assert text.count("\n@") + text.startswith("@") == 3
    assert arxiv in text
    for pid in ids:  # each with the stable key it now keeps
        assert "{" + store.paper_row(pid)["citation_key"] + "," in text
    # add the selection to a new collection: the sidebar lists it with its count
    cid = store.create_collection("Reading group")
    window.paper_actions.add_to_collection(cid)
    settle(window, qtbot)
    assert window.sidebar.item_for("Reading group").text(1) == "3"
    window.sidebar._on_item(window.sidebar.item_for("Reading group"))
    assert sorted(view.model.matching_ids().tolist()) == sorted(ids)


def test_delete_asks_first(window: MainWindow, qtbot: QtBot) -> None:
    store, view = window.store, window.papers_view
    ids = select_rows(view, [0, 1])
    asked: list[str] = []
    window.paper_actions.confirm = lambda text: asked.append(text) or False
    window.paper_actions.delete_action.trigger()
    assert asked == ["Delete 2 paper(s) from the library?"] and store.paper_count() == 79
    window.paper_actions.confirm = lambda text: True
    window.paper_actions.delete_action.trigger()
    assert store.paper_count() == 77 and view.model.rowCount() == 77
    assert not set(ids) & set(view.model.ids().tolist())
    assert view.count_label.text() == "77 papers"


def test_markup_in_titles_is_shown_literally(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    title = 'Attention <img src=x onerror="alert(1)"> is <b>all</b> you need'
    abstract = "We show <i>nothing</i> & <script>x()</script> here."
    path = tmp_path / "markup.csl.json"
    path.write_text(
        json.dumps(
            [
                {
                    "id": "m1",
                    "type": "article-journal",
                    "title": title,
                    "abstract": abstract,
                    "author": [{"family": "Doe", "given": "Jane"}],
                    "issued": {"date-parts": [[2024]]},
                }
            ]
        ),
        encoding="utf-8",
    )
    with qtbot.waitSignal(window.import_finished, timeout=20000):
        window.import_papers([path])
    settle(window, qtbot)
    view = window.papers_view
    view.set_query("author:doe")
    assert view.model.n_matches == 1
    assert view.model.index(0, 0).data() == title
    view.select_rows([0])
    pane = window.detail_pane
    text = pane.text()
    assert text.startswith(title) and abstract in text
    html = pane.view.toHtml()
    assert "<img" not in html and "&lt;img src=x" in html and "&lt;b&gt;all" in html


def test_an_edit_keeps_the_place_and_the_selection(window: MainWindow, qtbot: QtBot) -> None:
    view = window.papers_view
    (pid,) = view.select_rows([60])
    view.table.scrollTo(view.model.index(60, 0))
    bar = view.table.verticalScrollBar()
    before = bar.value()
    assert before > 0
    window.paper_actions.set_rating(3)  # the table re-reads the library
    assert bar.value() == before and window.state.selection == [pid]
    assert view.model.index(60, COLUMN_INDEX["rating"]).data() == "★★★☆☆"
    # the title keeps at least a third of the table, the other columns give way
    assert view.table.horizontalHeader().sectionSize(0) >= view.table.viewport().width() // 3


def test_the_selection_from_ranges_select_all_and_ctrl_clicks(
    window: MainWindow, qtbot: QtBot
) -> None:
    from PySide6.QtCore import QItemSelection, QItemSelectionModel

    view = window.papers_view
    model, sel = view.model, view.table.selectionModel()
    n = model.rowCount()
    view.table.selectAll()  # one range: every paper, in the table's order
    assert window.state.selection == [model.paper_id(r) for r in range(n)]
    view.table.clearSelection()
    assert window.state.selection == []
    # ctrl-clicks: three ranges, two of them overlapping; each row once, in row order
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for a, b in ((5, 9), (2, 6), (20, 21)):
        sel.select(QItemSelection(model.index(a, 0), model.index(b, 0)), flags)
    assert window.state.selection == [model.paper_id(r) for r in [*range(2, 10), 20, 21]]
