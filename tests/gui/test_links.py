"""Papers meet runs in the window (issue #15): runs dragged onto a paper in the table or
on the map are linked to it, a paper dragged onto a plot pane links the pane's runs,
"Link to paper…" links with a role; the details pane lists a paper's reported results
and linked runs (click: plotted; missing: shown and located; unlink keeps the files);
the runs panel's "Paper" column; the map coloured by "has my runs" / "has reported
results"; the reported-results editor with undo. Real runs: the three
tensorboard-reducer runs; real results: a model card's numbers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from PySide6.QtCore import QItemSelectionModel, QMimeData, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from paperscope.gui.dialogs.link_role import RoleDialog
from paperscope.gui.plots.runs_panel import FIXED
from paperscope.gui.state import PAPERS_MIME, RUNS_MIME
from paperscope.mapping import palette
from paperscope.workflows import results as wf
from tests.conftest import RUNS

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget
    from pytestqt.qtbot import QtBot

    from paperscope.gui.main_window import MainWindow

STRICT = RUNS / "tensorboard-reducer/tests/runs/strict"


@pytest.fixture
def linked(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> MainWindow:
    """The window with the three tensorboard-reducer runs (a copy) loaded."""
    runs = tmp_path / "strict"
    shutil.copytree(STRICT, runs)
    with qtbot.waitSignal(window.runs_loaded, timeout=30000):
        window.load_runs([runs], watch=False)
    window.test_runs = runs
    return window


def _run_ids(window: MainWindow) -> list[str]:
    return [r.id for r in sorted(window.plots.catalog.runs(), key=lambda r: r.name)]


def _runs_mime(ids: list[str]) -> QMimeData:
    mime = QMimeData()
    mime.setData(RUNS_MIME, json.dumps(ids).encode())
    return mime


def _drop(widget: QWidget, pos: QPointF, mime: QMimeData) -> bool:
    """A drag entering, moving over ``pos`` and dropping there (what a real drag sends);
    whether the drop was taken."""
    actions = Qt.DropAction.CopyAction | Qt.DropAction.LinkAction
    buttons = Qt.MouseButton.LeftButton
    mods = Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(pos.toPoint(), actions, mime, buttons, mods)
    QApplication.sendEvent(widget, enter)
    if not enter.isAccepted():
        return False
    move = QDragMoveEvent(pos.toPoint(), actions, mime, buttons, mods)
    QApplication.sendEvent(widget, move)
    drop = QDropEvent(pos, actions, mime, buttons, mods)
    QApplication.sendEvent(widget, drop)
    return drop.isAccepted()


def _wait_links(window: MainWindow, qtbot: QtBot, paper_id: int, n: int) -> None:
    qtbot.waitUntil(lambda: len(window.store.run_links(paper_id)) == n, timeout=20000)
    qtbot.waitUntil(lambda: not window.runner.running(), timeout=20000)


def test_drag_runs_onto_a_paper_row_links_them(linked: MainWindow, qtbot: QtBot) -> None:
    table = linked.papers_view.table
    row = 2
    pid = table.model().paper_id(row)
    centre = QPointF(table.visualRect(table.model().index(row, 0)).center())
    ids = _run_ids(linked)[:2]
    assert _drop(table.viewport(), centre, _runs_mime(ids))
    # the drop asks for the role first (nothing is linked until then); the default kept
    dialog = linked.links.role_dialog
    assert dialog is not None and dialog.isVisible() and linked.store.run_links() == []
    assert dialog.role() == "reproduces" and "Link 2 runs to" in dialog.what.text()
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    _wait_links(linked, qtbot, pid, 2)
    links = linked.store.run_links(pid)
    assert [Path(k.source).name for k in links] == ["run_1", "run_2"]
    assert {k.role for k in links} == {"reproduces"}
    # the links name the run folders by content: a fingerprint each
    assert all(k.fingerprint == wf.content_fingerprint(k.source) for k in links)
    # the runs panel's "Paper" column names the paper; the third run has none
    label = wf.paper_labels(linked.store, [pid])[pid]
    catalog = linked.plots.catalog
    col = FIXED.index("paper")
    shown = {
        catalog.index(r, 0).data(): catalog.index(r, col).data() for r in range(catalog.rowCount())
    }
    assert shown == {"run_1": label, "run_2": label, "run_3": ""}
    assert catalog.headerData(col, Qt.Orientation.Horizontal) == "Paper"


def test_dropping_runs_asks_the_role_and_a_note_cancel_links_nothing(
    linked: MainWindow, qtbot: QtBot
) -> None:
    table = linked.papers_view.table
    model = table.model()
    first, second = model.paper_id(1), model.paper_id(3)

    def drop_on(row: int, ids: list[str]) -> RoleDialog:
        centre = QPointF(table.visualRect(model.index(row, 0)).center())
        assert _drop(table.viewport(), centre, _runs_mime(ids))
        dialog = linked.links.role_dialog
        assert dialog is not None and dialog.isVisible()
        return dialog

    ids = _run_ids(linked)
    dialog = drop_on(1, ids[:1])
    label = wf.paper_labels(linked.store, [first])[first]
    assert dialog.what.text() == f"Link 1 run to {label}"
    assert [dialog.role_box.itemData(i) for i in range(dialog.role_box.count())] == [
        "reproduces", "baseline", "my-method",
    ]  # fmt: skip
    dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()  # cancel: no link
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: not linked.runner.running(), timeout=20000)
    assert linked.store.run_links() == []
    assert linked.status.label.text() == "Not linked"
    dialog = drop_on(1, ids[1:])
    dialog.role_box.setCurrentIndex(dialog.role_box.findData("my-method"))
    qtbot.keyClicks(dialog.note_edit, "lr sweep")
    qtbot.keyClick(dialog.note_edit, Qt.Key.Key_Return)  # Return: the default button, Link
    _wait_links(linked, qtbot, first, 2)
    links = linked.store.run_links(first)
    assert {(k.role, k.note) for k in links} == {("my-method", "lr sweep")}
    # the next drop offers the role chosen last; Escape cancels
    dialog = drop_on(3, ids[:1])
    assert dialog.role() == "my-method" and dialog.note() == ""
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert linked.store.run_links(second) == []


def test_drop_refused_where_there_is_no_paper(linked: MainWindow) -> None:
    table = linked.papers_view.table
    below = QPointF(10, table.viewport().height() - 2)
    table.model().set_query("no paper has this word xqzvw")
    assert not _drop(table.viewport(), below, _runs_mime(_run_ids(linked)))
    assert linked.store.run_links() == []


def test_drag_a_paper_onto_a_plot_pane_links_its_runs(linked: MainWindow, qtbot: QtBot) -> None:
    pane = linked.plot_pane
    assert sorted(pane.run_ids()) == sorted(_run_ids(linked))
    model = linked.papers_view.model
    pid = model.paper_id(0)
    mime = model.mimeData([model.index(0, 0)])
    assert json.loads(bytes(mime.data(PAPERS_MIME).data()).decode()) == [pid]
    assert _drop(pane, QPointF(pane.width() / 2, pane.height() / 2), mime)
    # the drop asks for the role, as a drop of runs on a paper does
    dialog = linked.links.role_dialog
    assert dialog is not None and dialog.isVisible() and linked.store.run_links() == []
    assert "Link 3 runs to" in dialog.what.text()
    dialog.role_box.setCurrentIndex(dialog.role_box.findData("baseline"))
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    _wait_links(linked, qtbot, pid, 3)
    assert {k.role for k in linked.store.run_links(pid)} == {"baseline"}
    assert sorted(Path(k.source).name for k in linked.store.run_links(pid)) == [
        "run_1", "run_2", "run_3",
    ]  # fmt: skip


def test_context_menu_link_to_paper_with_a_role(linked: MainWindow, qtbot: QtBot) -> None:
    pid = linked.papers_view.model.paper_id(5)
    linked.state.set_current_paper(pid)
    panel = linked.plots.runs_panel
    # through the selection model: selectRow() reads the keyboard modifiers, and the
    # Ctrl+Shift of an earlier test's shortcut (test_papers_actions) left as held
    # offscreen made it toggle the row: the test failed only after that file
    panel.table.selectionModel().select(
        panel.proxy.index(0, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    assert panel.selected_ids()
    menu = panel.context_menu()
    (act,) = [a for a in menu.actions() if a.text() == "Link to paper…"]
    act.trigger()
    dialog = linked.links.link_dialog
    assert dialog.paper.text() == str(pid)  # the current paper by default
    dialog.role.setCurrentText("baseline")
    dialog.note.setText("seed sweep")
    dialog.accept()
    _wait_links(linked, qtbot, pid, 1)
    (link,) = linked.store.run_links(pid)
    assert (link.role, link.note, Path(link.source).name) == ("baseline", "seed sweep", "run_1")
    # and from the papers' side: "Link selected runs" with two runs selected
    linked.state.set_selection([pid])
    panel.table.selectAll()
    linked.links.link_selected_action.trigger()
    _wait_links(linked, qtbot, pid, 3)


def test_details_list_results_and_runs_click_plots_missing_locate_unlink(
    linked: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    store = linked.store
    pid = linked.papers_view.model.paper_id(0)
    runs = linked.test_runs
    wf.link_runs(store, [runs / "run_1", runs / "run_2"], pid, role="baseline", note="mine")
    wf.add_manual_result(store, pid, dataset="Synthetic", metric="strict/foo",
                         value="1.8 ± 0.1", method="DQN", task="toy")  # fmt: skip
    wf.add_manual_result(store, pid, dataset="Synthetic", metric="return",
                         value="0.14 [0.12, 0.15]", method="DQN")  # fmt: skip
    linked.state.set_current_paper(pid)
    section = linked.detail_pane.results
    assert section.result_texts() == [
        ["toy", "Synthetic", "strict/foo", "DQN", "1.8 ± 0.1", "manual entry"],
        ["", "Synthetic", "return", "DQN", "0.14 [0.12, 0.15]", "manual entry"],
    ]
    assert [r[1:] for r in section.run_texts()] == [["baseline", "mine", ""]] * 2
    assert linked.detail_pane.tabs.tabText(1) == "Results (2) & runs (2)".replace("&", "&&")
    # click a linked run: it is plotted in the current pane
    pane = linked.plot_pane
    pane.clear_runs()
    item = section.runs.topLevelItem(1)
    qtbot.mouseClick(section.runs.viewport(), Qt.MouseButton.LeftButton,
                     pos=section.runs.visualItemRect(item).center())  # fmt: skip
    run_2 = next(r.id for r in linked.plots.catalog.runs() if r.name == "run_2")
    assert pane.run_ids() == [run_2]
    # the run folder moves away: shown as missing (nothing crashes), then located
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    shutil.move(str(runs / "run_1"), str(moved / "run_1"))
    linked.detail_pane.show_results()
    assert section.run_texts()[0][3] == "missing"
    section.runs.topLevelItem(0).setSelected(True)
    assert section.locate_button.isEnabled()
    link_1 = section.link_ids()[0]
    linked.links.plot_link(link_1)  # a missing run: a message, no crash
    assert "missing" in linked.status.label.text()
    linked.links.locate(link_1, folder=str(tmp_path))
    qtbot.waitUntil(lambda: section.run_texts()[0][3] == "", timeout=20000)
    assert store.run_links(pid)[0].source == str((moved / "run_1").resolve())
    # unlink keeps the files
    section.runs.clearSelection()
    section.runs.topLevelItem(1).setSelected(True)
    assert section.unlink_selected() == 1
    assert [Path(k.source).name for k in store.run_links(pid)] == ["run_1"]
    assert (runs / "run_2").is_dir() and any((runs / "run_2").iterdir())


def test_clicking_a_linked_run_not_loaded_loads_it(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    runs = tmp_path / "strict"
    shutil.copytree(STRICT, runs)
    pid = window.papers_view.model.paper_id(0)
    wf.link_runs(window.store, [runs / "run_3"], pid)
    window.state.set_current_paper(pid)
    with qtbot.waitSignal(window.runs_loaded, timeout=30000):
        window.detail_pane.results.plot_requested.emit(window.detail_pane.results.link_ids()[0])
    assert [window.plots.catalog.run(i).name for i in window.plot_pane.run_ids()] == ["run_3"]


def test_role_change_in_the_details(linked: MainWindow) -> None:
    store = linked.store
    pid = linked.papers_view.model.paper_id(0)
    wf.link_runs(store, [linked.test_runs / "run_1"], pid)
    linked.state.set_current_paper(pid)
    section = linked.detail_pane.results
    section.select_links(section.link_ids())
    section.set_role("my-method")
    assert [k.role for k in store.run_links(pid)] == ["my-method"]
    assert section.run_texts()[0][1] == "my-method"


@pytest.fixture
def mapped_pca(linked: MainWindow) -> MainWindow:
    from paperscope.workflows.map import build_map
    from tests.gui.test_map import _demo_vectors

    ids, matrix = _demo_vectors(linked)
    build_map(linked.store, vectors=(ids, matrix), model_id="test-minilm", method="pca", seed=0,
              min_cluster_size=5)  # fmt: skip
    assert linked.map_pane.load()
    view = linked.map_pane.view
    view.resize(600, 500)
    view.render_now()
    return linked


def test_drop_runs_on_the_map_and_colour_by_has_my_runs(
    mapped_pca: MainWindow, qtbot: QtBot
) -> None:
    win = mapped_pca
    view = win.map_pane.view
    row = 11
    pid = int(view.ids[row])
    x, y = (float(v) for v in view.coords[row])
    assert view.paper_at(x, y) == pid
    scene = view.view_box.mapViewToScene(QPointF(x, y))
    pos = QPointF(view.plot.mapTo(view, view.plot.mapFromScene(scene)))
    assert view.paper_at_widget(pos) == pid
    assert _drop(view, pos, _runs_mime(_run_ids(win)[2:]))
    dialog = win.links.role_dialog
    assert dialog is not None and dialog.isVisible() and win.store.run_links() == []
    dialog.accept()
    _wait_links(win, qtbot, pid, 1)
    win.map_pane.colour_box.setCurrentText("Has my runs")
    on, off = palette.argb(palette.CATEGORICAL[3]), palette.argb(palette.OTHER)
    colours = view.colours()
    assert colours[row] == on
    assert set(colours[np.arange(colours.size) != row].tolist()) == {off}
    # "has reported results": none yet; one added, the colours follow at once
    win.map_pane.colour_box.setCurrentText("Has reported results")
    assert set(view.colours().tolist()) == {off}
    other = int(view.ids[3])
    wf.add_manual_result(win.store, other, dataset="Atari Pong", metric="Score", value="21.0")
    win.state.notify_links_changed()
    assert view.colours()[3] == on and int((view.colours() == on).sum()) == 1
