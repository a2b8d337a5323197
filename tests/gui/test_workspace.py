"""The workspace file (issue #6): saved on quit, restored on start, Save as / Open; the
session's JSON, version 2 (issue #13); one per library (issue #21, item 12)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

from tests.conftest import TEST_DATA

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from paperscope.gui.main_window import MainWindow


def test_workspace_round_trip(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    from paperscope.gui import workspace
    from paperscope.gui.main_window import MainWindow
    from paperscope.workflows.open import demo_runs

    with qtbot.waitSignal(window.runs_loaded, timeout=30000):
        window.load_runs([demo_runs()])
    pane = window.plot_pane
    pane.set_metric("strict/foo")
    pane.set_smoothing(0.8)
    window.papers_view.search.setText("reward")
    window.papers_view.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
    path = window.save_workspace_as(tmp_path / "mine.paperscope")
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["format"] == "paperscope-workspace" and saved["version"] == 2
    assert saved["runs"]["paths"] == [str(demo_runs().resolve())]
    assert (saved["papers"]["search"], saved["papers"]["sort"]) == ("reward", ["Date", True])

    other = MainWindow(window.store)
    qtbot.addWidget(other)
    other.persist_layout = False
    with qtbot.waitSignal(other.runs_loaded, timeout=30000):
        assert other.open_workspace(path)
    assert other.papers_view.search.text() == "reward"
    header = other.papers_view.table.horizontalHeader()
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (
        2,
        Qt.SortOrder.DescendingOrder,
    )
    restored = other.plot_pane
    assert restored.state.value.metric == "strict/foo"
    assert restored.state.value.smoothing == 0.8
    assert sorted(restored.curves()) == ["run_1", "run_2", "run_3"]
    plots = workspace.collect(other)["plots"]
    plots.pop("splitter"), saved["plots"].pop("splitter")  # sizes depend on the window's size
    assert plots == saved["plots"]
    other.runner.shutdown()
    other.close()


def test_version_1_fixture_still_opens(window: MainWindow, qtbot: QtBot) -> None:
    """Keep this fixture when the format changes: old workspaces must keep opening."""
    assert window.open_workspace(TEST_DATA / "workspace-v1.paperscope")
    assert window.papers_view.search.text() == "flow matching"
    header = window.papers_view.table.horizontalHeader()
    model = window.papers_view.table.model()
    assert model.headerData(header.sortIndicatorSection(), Qt.Orientation.Horizontal) == "Title"
    assert header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
    assert window.map_pane.colour_box.currentText() == "Year"
    assert window.session.map.value.colour_by == "Year"
    assert window.plot_pane.state.value.metric == ""


def test_broken_workspace_is_refused_with_its_name(window: MainWindow, tmp_path: Path) -> None:
    bad = tmp_path / "bad.paperscope"
    bad.write_text('{"format": "something else"}', encoding="utf-8")
    assert not window.open_workspace(bad)
    assert str(bad) in window.status.last_box.detailedText()
    wrong = tmp_path / "wrong.paperscope"
    wrong.write_text(
        '{"format": "paperscope-workspace", "version": 2, "papers": {"mode": "sideways"}}',
        encoding="utf-8",
    )
    window.papers_view.set_query("kept")
    assert not window.open_workspace(wrong)
    detail = window.status.last_box.detailedText()
    assert str(wrong) in detail and "mode" in detail
    assert window.papers_view.search.text() == "kept"


def test_workspace_is_saved_on_quit(window: MainWindow, qtbot: QtBot) -> None:
    from paperscope.gui import workspace

    window.papers_view.set_query("agents")
    window.close()
    state = workspace.load(workspace.default_path(window.store.path))
    assert state["papers"]["search"] == "agents"
    assert state["library"] == str(window.store.path)


def test_quitting_the_demo_keeps_the_real_librarys_workspace(qtbot: QtBot, tmp_path: Path) -> None:
    """#21 item 12: the demo window's workspace went over the real library's (12 run
    folders, panes, groups and the search gone on the next start)."""
    from paperscope.gui import workspace
    from paperscope.gui.main_window import MainWindow
    from paperscope.library.store import Store
    from paperscope.workflows.open import create_demo_library, demo_runs

    real = create_demo_library(tmp_path / "mine" / "library.duckdb")
    store = Store(real)
    win = MainWindow(store)
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: not win.runner.running(), timeout=20000)
    with qtbot.waitSignal(win.runs_loaded, timeout=30000):
        win.load_runs([demo_runs()])
    win.papers_view.set_query("reward")
    win.plot_pane.set_smoothing(0.8)
    # File → Demo library in the same window, then quit
    with qtbot.waitSignal(win.runs_loaded, timeout=30000):
        win.open_demo_library()
    qtbot.waitUntil(lambda: not win.runner.running(), timeout=20000)
    win.papers_view.set_query("demo search")
    demo = win.store.path
    win.close()
    win.store.close()
    mine = workspace.for_library(real)
    assert mine is not None and mine["papers"]["search"] == "reward"
    assert mine["runs"]["paths"] == [str(demo_runs().resolve())]
    panes = [t["layout"]["pane"] for t in mine["plots"]["tabs"]]
    assert [p["smoothing"] for p in panes] == [0.8]
    theirs = workspace.for_library(demo)
    assert theirs is not None and theirs["papers"]["search"] == "demo search"
    assert workspace.default_path(real) != workspace.default_path(demo)


def test_version_1_panes_open_to_the_same_plots(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    """A workspace as PaperScope wrote it before version 2 (each pane listing its runs
    with their names and visibility) opens to the same panes, runs, metrics, smoothing,
    groups, map colouring, search and sort (issue #13)."""
    from paperscope.workflows.open import demo_runs
    from paperscope.workflows.runs import load_runs

    runs, _ = load_runs([demo_runs()])
    by_name = {r.name: r for r in runs}

    def entry(name: str, visible: bool = True, shown_as: str | None = None) -> dict:  # type: ignore[type-arg]
        run = by_name[name]
        return {"id": run.id, "name": shown_as or name, "source": list(run.source),
                "visible": visible}  # fmt: skip

    grouping = {"mode": "selection", "key": "", "regex": "",
                "groups": {"picked": [by_name["run_1"].id, by_name["run_3"].id]},
                "center": "median", "band": "minmax", "min_runs": 2}  # fmt: skip
    left = {"metric": "strict/foo", "x": "step", "log_x": False, "log_y": True,
            "robust_y": False, "smoothing": 0.3, "smoothing_mode": "ema", "show_raw": False,
            "grouping": grouping,
            "runs": [entry("run_1"), entry("run_2", shown_as="seed two"), entry("run_3"),
                     entry("CartPole-v1_1", visible=False)]}  # fmt: skip
    right = {"metric": "rollout/ep_reward", "x": "relative", "smoothing": 0.9,
             "smoothing_mode": "time", "grouping": {"mode": "none"},
             "runs": [entry("CartPole-v1_1", visible=False)]}  # fmt: skip
    v1 = {"format": "paperscope-workspace", "version": 1, "library": str(window.store.path),
          "papers": {"search": "reward", "sort": ["Date", True]}, "map": {"colour_by": "Year"},
          "runs": [str(demo_runs().resolve())],
          "plots": {"version": 1, "current_tab": 0, "current_pane": 1,
                    "pinned_metrics": ["strict/foo"], "splitter": [300, 900],
                    "tabs": [{"title": "Mine", "layout": {
                        "split": "horizontal", "sizes": [600, 400],
                        "children": [{"pane": left}, {"pane": right}]}}]}}  # fmt: skip
    path = tmp_path / "old.paperscope"
    path.write_text(json.dumps(v1), encoding="utf-8")
    with qtbot.waitSignal(window.runs_loaded, timeout=30000):
        assert window.open_workspace(path)
    a, b = window.plots.area.panes()
    assert window.plots.area.tabText(0) == "Mine" and window.plot_pane is b
    va, vb = a.state.value, b.state.value
    assert (va.metric, va.smoothing, va.show_raw, va.log_y) == ("strict/foo", 0.3, False, True)
    assert (va.grouping, va.center, va.band) == ("selection", "median", "minmax")
    assert (vb.metric, vb.x, vb.smoothing, vb.smoothing_mode) == (
        "rollout/ep_reward", "relative", 0.9, "time")  # fmt: skip
    qtbot.waitUntil(lambda: a.data is not None and bool(a.data.groups), timeout=20000)
    assert [g.label for g in a.data.groups] == ["picked"]
    assert sorted(a.curves()) == ["picked", "seed two"]  # CartPole hidden, run_2 renamed
    catalog = window.plots.catalog
    assert not catalog.is_visible(by_name["CartPole-v1_1"].id)
    assert catalog.run(by_name["run_2"].id).name == "seed two"
    assert window.plots.metric_list.model.pinned() == ["strict/foo"]
    assert window.papers_view.search.text() == "reward"
    header = window.papers_view.table.horizontalHeader()
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (
        2, Qt.SortOrder.DescendingOrder)  # fmt: skip
    assert window.map_pane.colour_box.currentText() == "Year"
    # saved again, it is version 2 and says the same
    again = json.loads(window.save_workspace_as(tmp_path / "new.paperscope").read_text())
    assert again["version"] == 2
    assert [p["pane"]["metric"] for p in again["plots"]["tabs"][0]["layout"]["children"]] == [
        "strict/foo", "rollout/ep_reward"]  # fmt: skip


def test_only_watched_run_folders_are_watched_again(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    from paperscope.workflows.open import demo_runs

    folder = str(demo_runs().resolve())
    for watched, expect in (([], 0), ([folder], 1)):
        data = {"format": "paperscope-workspace", "version": 2,
                "runs": {"paths": [folder], "watched": watched, "runs": []}}  # fmt: skip
        path = tmp_path / f"w{expect}.paperscope"
        path.write_text(json.dumps(data), encoding="utf-8")
        with qtbot.waitSignal(window.runs_loaded, timeout=30000):
            assert window.open_workspace(path)
        assert len(window.watch.watchers) == expect
        assert window.session.runs.watched == watched
