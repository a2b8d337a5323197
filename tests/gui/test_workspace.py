"""The workspace file (issue #6): saved on quit, restored on start, Save as / Open."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt

from tests.conftest import TEST_DATA


def test_workspace_round_trip(window, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
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
    assert saved["format"] == "paperscope-workspace" and saved["version"] == 1
    assert saved["runs"] == [str(demo_runs().resolve())]
    assert saved["papers"] == {"search": "reward", "sort": ["Date", True]}

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
    assert restored.metric() == "strict/foo"
    assert restored.state.value.smoothing == 0.8
    assert sorted(restored.curves()) == ["run_1", "run_2", "run_3"]
    plots = workspace.collect(other)["plots"]
    plots.pop("splitter"), saved["plots"].pop("splitter")  # sizes depend on the window's size
    assert plots == saved["plots"]
    other.runner.shutdown()
    other.close()


def test_version_1_fixture_still_opens(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Keep this fixture when the format changes: old workspaces must keep opening."""
    assert window.open_workspace(TEST_DATA / "workspace-v1.paperscope")
    assert window.papers_view.search.text() == "flow matching"
    assert window.plot_pane.metric() == ""


def test_broken_workspace_is_refused_with_its_name(window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.paperscope"
    bad.write_text('{"format": "something else"}', encoding="utf-8")
    assert not window.open_workspace(bad)
    assert str(bad) in window._last_message_box.detailedText()


def test_workspace_is_saved_on_quit(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    from paperscope.gui import workspace

    window.papers_view.search.setText("agents")
    window.close()
    state = workspace.load(workspace.default_path())
    assert state["papers"]["search"] == "agents"
    assert state["library"] == str(window.store.path)
