"""The main window on the demo library (issue #2)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from paperscope.core.tasks import CancelToken

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget
    from pytestqt.qtbot import QtBot

    from paperscope.core.tasks import Progress
    from paperscope.gui.main_window import MainWindow


def test_window_shows_every_demo_paper(window: MainWindow) -> None:
    assert window.papers_view.model.rowCount() == 79
    assert window.papers_view.count_label.text() == "79 papers"


def test_selecting_a_row_fills_the_detail_pane(window: MainWindow, qtbot: QtBot) -> None:
    view = window.papers_view
    view.table.selectRow(0)
    pid = view.model.paper_id(0)
    assert window.state.current_paper == pid
    text = window.detail_pane.text()
    assert text.startswith(
        "RL Tango: Reinforcing Generator and Verifier Together for Language Reasoning"
    )
    assert "6 authors" in text and "2025-05-20" in text
    assert "Reinforcement learning (RL) has recently emerged" in text


def test_search_box_filters_and_escape_clears(window: MainWindow, qtbot: QtBot) -> None:
    view = window.papers_view
    window.focus_search()
    qtbot.keyClicks(view.search, "reward model")
    qtbot.waitUntil(lambda: view.model.rowCount() < 79, timeout=2000)
    n = view.model.rowCount()
    assert 0 < n < 79
    for row in range(n):
        pid = view.model.paper_id(row)
        r = window.store.paper_row(pid)
        text = (r["title"] + " " + r["abstract"] + " " + " ".join(r["authors"] or [])).lower()
        # ranked full-text search (issue 3): every word matches, the last one as a prefix
        assert "reward" in text and "model" in text
    qtbot.keyClick(view.search, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: view.model.rowCount() == 79, timeout=2000)


def test_keyboard_j_k_moves_selection(window: MainWindow, qtbot: QtBot) -> None:
    table = window.papers_view.table
    table.setFocus()
    table.selectRow(0)
    qtbot.keyClick(table, Qt.Key.Key_J)
    qtbot.keyClick(table, Qt.Key.Key_J)
    assert table.currentIndex().row() == 2
    qtbot.keyClick(table, Qt.Key.Key_K)
    assert table.currentIndex().row() == 1


def test_sorting_by_upvotes(window: MainWindow) -> None:
    model = window.papers_view.model
    window.papers_view.table.sortByColumn(3, Qt.SortOrder.DescendingOrder)
    values = [model.index(r, 3).data() for r in range(model.rowCount())]
    numbers = [int(v) for v in values if v != "—"]
    assert numbers == sorted(numbers, reverse=True) and numbers[0] == max(numbers)
    assert values[-1] == "—"  # missing values last, shown as a dash


def test_layout_is_saved_and_restored(qtbot: QtBot, demo_library: Path) -> None:
    from paperscope.gui.main_window import MainWindow
    from paperscope.library.store import Store

    with Store(demo_library) as store:
        first = MainWindow(store)
        qtbot.addWidget(first)
        first.show()
        first.map_dock.hide()
        first.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, first.details_dock)
        first.close()  # saves the layout
        second = MainWindow(store)
        qtbot.addWidget(second)
        second.show()
        assert second.map_dock.isHidden()
        assert second.dockWidgetArea(second.details_dock) == Qt.DockWidgetArea.LeftDockWidgetArea
        second.reset_layout()
        assert not second.map_dock.isHidden()
        assert second.dockWidgetArea(second.details_dock) == Qt.DockWidgetArea.RightDockWidgetArea
        second.persist_layout = False
        second.close()


def _slow(n: int, progress: Progress, cancel: CancelToken) -> int:
    for i in range(n):
        cancel.check()
        progress(i / n, f"step {i}")
        time.sleep(0.01)
    return n


def test_task_can_be_cancelled(window: MainWindow, qtbot: QtBot) -> None:
    results: list[int] = []
    with qtbot.waitSignal(window.runner.task_ended, timeout=5000) as ended:
        task = window.runner.submit(_slow, 10_000, title="Slow", on_result=results.append)
        qtbot.waitUntil(lambda: window.status.cancel_button.isVisible(), timeout=2000)
        qtbot.mouseClick(window.status.cancel_button, Qt.MouseButton.LeftButton)
    assert ended.args == [task.id, "cancelled"]
    assert results == []
    assert window.status.label.text() == "Cancelled"
    assert not window.status.progress_bar.isVisible()


def _boom(progress: Progress, cancel: CancelToken) -> None:
    raise ValueError("the file was not what it claimed to be")


def test_task_error_shows_a_dialog_and_the_app_lives(window: MainWindow, qtbot: QtBot) -> None:
    with qtbot.waitSignal(window.error_shown, timeout=5000) as shown:
        window.runner.submit(_boom, title="Reading")
    assert "the file was not what it claimed to be" in shown.args[0]
    box = window.status.last_box
    assert box.isVisible() and "ValueError" in box.detailedText()
    box.close()
    # the window still works
    assert window.runner.submit(_slow, 3, title="Again").id > 0
    qtbot.waitUntil(lambda: not window.runner.running(), timeout=5000)


def test_superseded_task_result_is_dropped(window: MainWindow, qtbot: QtBot) -> None:
    got: list[int] = []
    window.runner.submit(_slow, 200, title="old", key="k", on_result=got.append)
    window.runner.submit(_slow, 5, title="new", key="k", on_result=got.append)
    qtbot.waitUntil(lambda: not window.runner.running(), timeout=10000)
    assert got == [5]


def drop(widget: QWidget, paths: list[Path]) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    # as in a real drag: the widget must accept the enter before it gets the drop
    enter = QDragEnterEvent(
        QPoint(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, event)


def test_dropping_a_paper_file_imports_it(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text(
        "Daily Papers\n\nbyAK and the research community\n\nNov 14\n\n"
        "A Brand New Paper About Reward Models\n\nWe study reward models.\n\n"
        "  • 3 authors\n·\nMar 3, 2024 5\n",
        encoding="utf-8",
    )
    with qtbot.waitSignal(window.import_finished, timeout=10000) as done:
        drop(window, [page])
    assert done.args[0].line() == "added 1, merged 0, skipped 0"
    qtbot.waitUntil(lambda: window.papers_view.model.rowCount() == 80, timeout=2000)


def test_dropping_the_demo_runs_folder_adds_curves(window: MainWindow, qtbot: QtBot) -> None:
    from paperscope.workflows.open import demo_runs

    with qtbot.waitSignal(window.runs_loaded, timeout=30000) as loaded:
        drop(window, [demo_runs()])
    names = sorted(r.name for r in loaded.args[0])
    assert names == ["CartPole-v1_1", "run_1", "run_2", "run_3"]
    pane = window.plot_pane
    assert pane.state.value.metric == "strict/foo"  # the metric most runs share comes first
    curves = pane.curves()
    assert sorted(curves) == ["run_1", "run_2", "run_3"]
    x, y = curves["run_1"]
    assert len(x) == 100 and x[0] == 0 and x[-1] == 495  # steps 0, 5, …, 495
    # tensorboard-reducer's runs are rand() + run index: their means differ by about 1
    assert 0.5 < curves["run_2"][1].mean() - y.mean() < 1.5
    pane.set_metric("rollout/ep_reward")
    assert sorted(pane.curves()) == ["CartPole-v1_1"]


def _every_action(window: MainWindow) -> list:
    """Every QAction of the window: its children (docks, panes, context menus built up
    front), the actions added to any widget, and the menus' actions, submenus included."""
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QMenu, QWidget

    found: dict[int, QAction] = {}
    menus: list[QMenu] = [window.menuBar()]  # type: ignore[list-item]
    for action in window.findChildren(QAction):
        found[id(action)] = action
    for widget in [window, *window.findChildren(QWidget)]:
        for action in widget.actions():
            found[id(action)] = action
        if isinstance(widget, QMenu):
            menus.append(widget)
    while menus:
        menu = menus.pop()
        for action in menu.actions():
            found[id(action)] = action
            if action.menu() is not None:
                menus.append(action.menu())
    return list(found.values())


def test_no_two_actions_share_a_shortcut(window: MainWindow) -> None:
    """An ambiguous shortcut does nothing at all (Qt: "Ambiguous shortcut overload")."""
    from PySide6.QtGui import QKeySequence

    window.paper_actions.fill_menu(window.paper_menu)  # (the Paper menu fills as it opens)
    owners: dict[str, list[str]] = {}
    actions = _every_action(window)
    for action in actions:
        for seq in action.shortcuts():
            key = seq.toString(QKeySequence.SequenceFormat.PortableText)
            if key:
                owners.setdefault(key, []).append(action.text().replace("&", ""))
    assert len(owners) >= 15  # the walk found the window's shortcuts
    assert "Export papers…" in owners["Ctrl+Shift+E"]
    shared = {key: names for key, names in owners.items() if len(names) > 1}
    assert not shared, f"shortcuts bound to more than one action: {shared}"


def test_counts_are_in_words_with_their_plural(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    """ "1 paper", "Loaded 1 run" (issue #21 item 15: "1 papers", "Loaded 1 runs")."""
    from paperscope.workflows.open import demo_runs

    view = window.papers_view
    view.set_query('"RL Tango"')
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=5000)
    assert view.count_label.text() == "1 matching paper"
    one_run = tmp_path / "one"
    one_run.mkdir()
    first = sorted(p for p in demo_runs().iterdir() if p.is_dir())[0]
    import shutil

    shutil.copytree(first, one_run / first.name)
    window.load_runs([one_run], watch=False)
    qtbot.waitUntil(lambda: window.status.label.text().startswith("Loaded"), timeout=30000)
    assert window.status.label.text() == "Loaded 1 run"
    qtbot.waitUntil(lambda: window.plots.runs_panel.count.text() == "1 of 1 run", timeout=5000)


def test_map_hover_text_says_only_what_the_paper_has(window: MainWindow) -> None:
    """No "— · 2025" for a paper without authors (issue #21 item 15)."""
    from paperscope.core.records import Paper

    store = window.store
    store.add_papers(
        [
            Paper("No Authors Here", year=2025, source="t"),
            Paper("Nothing But A Title", source="t"),
            Paper("Undated", authors=("Ada Lovelace", "Charles Babbage"), source="t"),
            Paper("Everything Known", authors=("Grace Hopper",), year=1952, source="t"),
        ]
    )
    texts = {}
    for title in ("No Authors Here", "Nothing But A Title", "Undated", "Everything Known"):
        ids, _ = store.search_ids(f'title:"{title}"', typing=False)
        texts[title] = window.map_pane._describe(int(ids[0]))
    assert texts == {
        "No Authors Here": "No Authors Here\n2025",
        "Nothing But A Title": "Nothing But A Title",
        "Undated": "Undated\nAda Lovelace",
        "Everything Known": "Everything Known\nGrace Hopper · 1952",
    }


def test_the_log_file_records_the_main_actions(window: MainWindow, qtbot: QtBot) -> None:
    """Not an empty log after an hour of use (issue #21 item 15): every titled task."""
    from paperscope.core.logs import setup_logging
    from paperscope.workflows.open import demo_runs
    from tests.conftest import TEST_DATA

    log = setup_logging()
    atom = TEST_DATA / "papers" / "arxiv-query.atom"
    with qtbot.waitSignal(window.import_finished, timeout=30000):
        window.import_papers([atom])
    window.load_runs([demo_runs()], watch=False)
    qtbot.waitUntil(lambda: window.status.label.text().startswith("Loaded"), timeout=30000)
    qtbot.waitUntil(lambda: not window.runner.running(), timeout=30000)
    text = log.read_text(encoding="utf-8")
    assert "INFO paperscope.tasks: started: Importing arxiv-query.atom" in text
    assert "INFO paperscope.tasks: finished: Importing arxiv-query.atom (" in text
    assert "finished: Loading runs from runs (" in text
