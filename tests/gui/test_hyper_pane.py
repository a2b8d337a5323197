"""The hyperparameter pane (pytest-qt) on the real Dopamine baselines: a mouse drag along
a parallel-coordinates axis selects exactly the runs in range, in the runs table and the
plot panes too, and a selection made in the table shows in the pane; the scatter draws a
trend line per group on log axes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QWidget

from paperscope.core.records import Run
from tests.conftest import RUNS

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from paperscope.gui.plots.plots_view import PlotsView


@pytest.fixture(scope="module")
def dopamine() -> list[Run]:
    from paperscope.workflows.runs import load_runs

    runs, _ = load_runs([RUNS / "dopamine"], use_cache=False)
    assert len(runs) == 85
    return runs


@pytest.fixture
def view(qtbot: QtBot, dopamine: list[Run]) -> Iterator[PlotsView]:
    from paperscope.gui.plots.plots_view import PlotsView

    v = PlotsView()
    qtbot.addWidget(v)
    v.resize(1400, 700)
    v.show()
    v.add_runs(dopamine)
    v.current_pane().set_metric("return")
    v.catalog.table.add_summaries(["return.max", "return.last"])
    yield v


def _mouse(widget: QWidget, kind: QEvent.Type, pos: QPoint, buttons: Qt.MouseButton) -> None:
    event = QMouseEvent(
        kind,
        QPointF(pos),
        QPointF(widget.mapToGlobal(pos)),
        Qt.MouseButton.LeftButton,
        buttons,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, event)


def _drag(widget: QWidget, a: QPoint, b: QPoint) -> None:
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    _mouse(widget, QMouseEvent.Type.MouseButtonPress, a, left)
    for k in range(1, 11):
        p = a + (b - a) * (k / 10)
        _mouse(widget, QMouseEvent.Type.MouseMove, p, left)
    _mouse(widget, QMouseEvent.Type.MouseButtonRelease, b, none)


def test_dragging_along_an_axis_selects_exactly_the_runs_in_range(
    view: PlotsView, qtbot: QtBot, dopamine: list[Run]
) -> None:
    pane = view.current_pane()
    hyper = view.area.add_hyper(pane)
    hyper.state.update(axes=("config:agent", "config:seed", "summary:return.max"))
    qtbot.waitUntil(lambda: hyper.canvas.plot.isVisible(), timeout=5000)
    QApplication.processEvents()
    canvas = hyper.canvas
    viewport = canvas.plot.viewport()
    _drag(viewport, canvas.axis_point(2, 0.8), canvas.axis_point(2, 0.3))
    brush = hyper.state.value.brush("summary:return.max")
    assert brush is not None and brush.lo < brush.hi
    best = {r.id: float(np.nanmax(r.series["return"].values)) for r in dopamine}
    want = sorted(i for i, v in best.items() if brush.lo <= v <= brush.hi)
    assert 0 < len(want) < len(dopamine)
    assert sorted(view.selection.value.ids) == want
    assert sorted(hyper.brushed_ids()) == want
    # the runs table and the plot pane show the same runs
    assert sorted(view.runs_panel.selected_ids()) == want
    assert pane.canvas.selected == frozenset(want)
    faint = [lbl for lbl, item in pane.items().items() if item.opts["pen"].color().alpha() < 255]
    names = {r.id: r.name for r in dopamine}
    assert sorted(faint) == sorted(names[i] for i in best if i not in want)
    assert hyper.canvas.selected_item is not None
    # a click on the axis clears its brush (and the selection)
    _mouse(
        viewport,
        QMouseEvent.Type.MouseButtonPress,
        canvas.axis_point(2, 0.5),
        Qt.MouseButton.LeftButton,
    )
    _mouse(
        viewport,
        QMouseEvent.Type.MouseButtonRelease,
        canvas.axis_point(2, 0.5),
        Qt.MouseButton.NoButton,
    )
    assert hyper.state.value.brushes == () and view.selection.value.ids == frozenset()
    # the other way round: rows chosen in the runs table are drawn on top in the pane
    view.runs_panel.table.selectRow(0)
    assert len(view.selection.value.ids) == 1
    assert hyper.canvas.selected_item is not None
    assert "1 of 85" in hyper.note.text()
    # the pane is part of the saved layout
    data = json.loads(json.dumps(view.state()))
    assert "hyper" in json.dumps(data["tabs"])


def test_scatter_of_a_summary_against_a_parameter_with_groups(
    view: PlotsView, qtbot: QtBot, dopamine: list[Run]
) -> None:
    hyper = view.area.add_hyper(view.current_pane())
    hyper.kind_box.setCurrentIndex(hyper.kind_box.findData("scatter"))
    assert hyper.state.value.kind == "scatter" and hyper.x_box.isVisibleTo(hyper)
    hyper.state.update(x="config:seed", y="summary:return.max", group_by="config:agent")
    hyper.logy_check.setChecked(True)
    agents = {str(view.catalog.config_of(r.id)["agent"]) for r in dopamine}
    items = hyper.canvas.plot.getPlotItem().listDataItems()
    dots = [i for i in items if i.opts.get("symbol") == "o" and i is not hyper.canvas.selected_item]
    lines = [i for i in items if i.opts.get("symbol") is None]
    assert len(dots) == len(agents)
    assert len(lines) == len(agents)  # a trend line per group (5 seeds each)
    assert hyper.canvas.plot.getPlotItem().ctrl.logYCheck.isChecked()
    total = sum(len(d.xData) for d in dots)
    assert total == len(dopamine)
