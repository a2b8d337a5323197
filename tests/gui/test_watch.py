"""A dropped run folder is watched: records a training run appends and runs that appear
reach the plots without a reload (TensorBoard's reload), through the real writer."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import QItemSelectionModel

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from paperscope.gui.main_window import MainWindow


def _points(window: MainWindow, name: str, tag: str = "loss") -> int:
    run = next((r for r in window.plots.catalog.runs() if r.name == name), None)
    return -1 if run is None or tag not in run.series else len(run.series[tag])


def test_a_dropped_folder_picks_up_new_records_and_new_runs(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    from torch.utils.tensorboard import SummaryWriter

    root = tmp_path / "logs"
    writer = SummaryWriter(str(root / "seed0"))
    for i in range(50):
        writer.add_scalar("loss", 1.0 / (i + 1), i)
    writer.flush()
    try:
        with qtbot.waitSignal(window.runs_loaded, timeout=30_000):
            window.open_paths([root])
        pane = window.plot_pane
        assert _points(window, "seed0") == 50
        assert window.watch.label.isVisible()
        assert "Watching 1 folder" in window.watch.label.text()
        assert str(root) in window.watch.label.toolTip()
        # the user selected the run in the runs table: an update must not lose that
        table = window.plots.runs_panel.table
        table.selectionModel().select(
            table.model().index(0, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )

        # training goes on: 25 more points, flushed as TensorBoard's writer does
        for i in range(50, 75):
            writer.add_scalar("loss", 1.0 / (i + 1), i)
        writer.flush()
        qtbot.waitUntil(lambda: _points(window, "seed0") == 75, timeout=60_000)
        # the pane redraws with the new points (its curve, not only the catalogue)
        qtbot.waitUntil(lambda: [len(c.x) for c in pane.drawn()] == [75], timeout=30_000)
        assert pane.drawn()[0].x[-1] == 74
        # the user zooms in: new points must not throw the zoom away
        vb = pane.plot.getPlotItem().getViewBox()
        vb.setXRange(10, 20, padding=0)
        for i in range(75, 80):
            writer.add_scalar("loss", 1.0 / (i + 1), i)
        writer.flush()
        qtbot.waitUntil(lambda: [len(c.x) for c in pane.drawn()] == [80], timeout=60_000)
        assert vb.viewRange()[0] == pytest.approx([10, 20])
        assert table.selectionModel().isRowSelected(0)
        assert "1 run updated" in window.watch.label.toolTip()

        # a second seed starts: a new run folder appears and joins the pane
        second = SummaryWriter(str(root / "seed1"))
        second.add_scalar("loss", 2.0, 0)
        second.add_scalar("loss", 1.0, 1)
        second.close()
        qtbot.waitUntil(lambda: _points(window, "seed1") == 2, timeout=60_000)
        qtbot.waitUntil(lambda: len(pane.drawn()) == 2, timeout=30_000)
        assert sorted(r.name for r in window.plots.catalog.runs()) == ["seed0", "seed1"]
        assert table.selectionModel().isRowSelected(0)  # rows were inserted, not reset

        # a run folder deleted on disk leaves the catalogue and the pane
        shutil.rmtree(root / "seed1")
        qtbot.waitUntil(lambda: _points(window, "seed1") == -1, timeout=60_000)
        qtbot.waitUntil(lambda: len(pane.drawn()) == 1, timeout=30_000)
    finally:
        writer.close()


def test_watching_can_be_switched_off(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    root = tmp_path / "csvlogs" / "version_0"
    root.mkdir(parents=True)
    csv = root / "metrics.csv"
    csv.write_text("epoch,step,loss\n0,0,1.0\n0,1,0.5\n")
    with qtbot.waitSignal(window.runs_loaded, timeout=30_000):
        window.load_runs([root.parent])
    assert window.watch.timer.isActive()
    window.watch_action.setChecked(False)
    try:
        assert not window.watch.timer.isActive()
        assert window.watch.label.text().startswith("Not watching")
        with csv.open("a") as fh:
            fh.write("0,2,0.25\n")
        qtbot.wait(3000)  # more than one interval: nothing was read
        run = window.plots.catalog.runs()[0]
        assert len(run.series["loss"]) == 2
        window.watch_action.setChecked(True)
        qtbot.waitUntil(
            lambda: len(window.plots.catalog.runs()[0].series["loss"]) == 3, timeout=60_000
        )
    finally:
        window.watch_action.setChecked(True)


def test_the_demo_runs_are_not_watched(window: MainWindow, qtbot: QtBot) -> None:
    with qtbot.waitSignal(window.runs_loaded, timeout=30_000):
        window.open_demo_library()
    assert window.plots.catalog.runs()
    assert not window.watch.watchers and not window.watch.label.isVisible()
