"""The runs table with summary columns and the pane tools of issue #20 (pytest-qt), on
the real UNet sweep (TensorBoard) and a Sacred run without the sweep's metrics."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from paperscope.core.records import Run
from paperscope.results.smoothing import gaussian, moving_average
from paperscope.results.summaries import SummarySpec, summarise
from tests.conftest import RUNS

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from paperscope.gui.main_window import MainWindow
    from paperscope.gui.plots.plots_view import PlotsView
    from paperscope.gui.plots.runs_panel import RunsPanel


@pytest.fixture(scope="module")
def sweep() -> list[Run]:
    from paperscope.workflows.runs import load_runs

    runs, _ = load_runs(
        [RUNS / "pixel-level-segmentation-in-pets-unipr", RUNS / "ml-pws" / "runs" / "78"],
        use_cache=False,
    )
    assert len(runs) >= 4
    return runs


def _metric(runs: list[Run]) -> str:
    counts: dict[str, int] = {}
    for r in runs:
        for t, s in r.series.items():
            if len(s) > 5:
                counts[t] = counts.get(t, 0) + 1
    return max(sorted(counts), key=lambda t: counts[t])


@pytest.fixture
def view(qtbot: QtBot, sweep: list[Run]) -> Iterator[PlotsView]:
    from paperscope.gui.plots.plots_view import PlotsView

    v = PlotsView()
    qtbot.addWidget(v)
    v.resize(1300, 600)
    v.show()
    v.add_runs(sweep)
    v.current_pane().set_metric(_metric(sweep))
    yield v


def _shown(panel: RunsPanel, column: int) -> list[str]:
    return [panel.proxy.index(r, column).data() for r in range(panel.proxy.rowCount())]


def test_summary_columns_sort_numerically_with_empty_cells_last(
    view: PlotsView, sweep: list[Run]
) -> None:
    from paperscope.gui.plots.runs_columns import ColumnsDialog

    panel, model, metric = view.runs_panel, view.catalog, _metric(sweep)
    dialog = ColumnsDialog(model.table, sorted({t for r in sweep for t in r.series}), panel)
    dialog.typed.setText(f"{metric}:max,mean3")
    dialog.add_typed()
    dialog.typed.setText("loss:bogus")
    dialog.add_typed()
    assert "unknown summary" in dialog.error.text()
    dialog.close()
    col = model.column_of(f"summary:{metric}.max")
    assert col > 0 and model.headerData(col, Qt.Orientation.Horizontal) == f"{metric}.max"
    for order in (Qt.SortOrder.DescendingOrder, Qt.SortOrder.AscendingOrder):
        panel.table.sortByColumn(col, order)  # what a header click does
        assert model.table.value.sort_key == f"summary:{metric}.max"
        cells = _shown(panel, col)
        present = [float(c) for c in cells if c]
        assert present == sorted(present, reverse=order == Qt.SortOrder.DescendingOrder)
        assert cells[len(present) :] == [""] * (len(cells) - len(present))  # never a 0
        assert 0 < len(present) < len(cells)
    ids = [panel.proxy.index(r, 0).data(Qt.ItemDataRole.UserRole) for r in range(len(cells))]
    want = {r.id: np.nanmax(r.series[metric].values) for r in sweep if metric in r.series}
    for rid, cell in zip(ids, cells, strict=True):
        assert cell == ("" if rid not in want else f"{want[rid]:.6g}")


def test_filter_box_parses_the_language_and_says_where_it_fails(
    view: PlotsView, sweep: list[Run]
) -> None:
    panel, metric = view.runs_panel, _metric(sweep)
    finals = {r.id: float(r.series[metric].values[-1]) for r in sweep if metric in r.series}
    cut = float(np.median(list(finals.values())))
    panel.expr_filter.setText(f"`{metric}.last` >= {cut!r}")
    assert sorted(panel.filtered_ids()) == sorted(i for i, v in finals.items() if v >= cut)
    assert not panel.filter_error.isVisibleTo(panel)
    panel.expr_filter.setText(f"`{metric}.last` >= (")
    assert panel.filter_error.isVisibleTo(panel)
    assert "character" in panel.filter_error.text()
    assert panel.proxy.rowCount() == len(sweep)  # an unparsable filter filters nothing
    panel.expr_filter.setText("")
    assert view.catalog.table.value.filter_text == ""


def test_copy_table_and_selection_and_the_shared_selection(
    view: PlotsView, sweep: list[Run]
) -> None:
    panel, metric = view.runs_panel, _metric(sweep)
    view.catalog.table.add_summaries([f"{metric}.last"])
    text = panel.copy()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Run" and f"{metric}.last" in rows[0] and len(rows) == 1 + len(sweep)
    assert QGuiApplication.clipboard().text() == text
    chosen = [r.id for r in sweep[:2]]
    view.selection.select(chosen, "hyper")  # a hyperparameter view brushed these
    assert sorted(panel.selected_ids()) == sorted(chosen)
    md = panel.copy(selected=True, markdown=True).splitlines()
    assert len(md) == 2 + 2 and md[0].startswith("| Run |")
    panel.table.selectRow(panel.filtered_ids().index(sweep[2].id))
    assert view.selection.value.ids == {sweep[2].id} and view.selection.value.origin == "table"


def test_pane_smoothers_extrema_notes_and_pinned_step(
    view: PlotsView, qtbot: QtBot, sweep: list[Run], tmp_path: Path
) -> None:
    pane, metric = view.current_pane(), _metric(sweep)
    run = next(r for r in sweep if metric in r.series)
    controls = pane.controls
    with qtbot.waitSignal(pane.plotted, timeout=10000):
        controls.mode_box.setCurrentIndex(controls.mode_box.findData("gaussian"))
    assert controls.sigma_box.isVisibleTo(controls) and not controls.smoothing.isVisibleTo(controls)
    with qtbot.waitSignal(pane.plotted, timeout=10000):
        controls.sigma_box.setValue(1.5)
    y = pane.curves()[run.name][1]
    np.testing.assert_allclose(y, gaussian(run.series[metric].values, 1.5))
    with qtbot.waitSignal(pane.plotted, timeout=10000):
        controls.mode_box.setCurrentIndex(controls.mode_box.findData("trailing"))
    with qtbot.waitSignal(pane.plotted, timeout=10000):
        controls.window_box.setValue(3)
    np.testing.assert_allclose(
        pane.curves()[run.name][1], moving_average(run.series[metric].values, 3, centred=False)
    )
    assert "trailing moving average, k = 3" in pane.data.info().smoothing_formula()
    # min/max marks: a triangle at each curve's extremes
    controls.extrema_action.setChecked(True)
    assert pane.state.value.mark_extrema
    marks = [it for it in pane.canvas._overlays if type(it).__name__ == "ScatterPlotItem"]
    assert len(marks) == 2 * len(pane.curves())
    ys = sorted(float(m.data["y"][0]) for m in marks)
    ally = np.concatenate([c[1] for c in pane.curves().values()])
    assert ys[0] == np.nanmin(ally) and ys[-1] == np.nanmax(ally)
    # a note at the crosshair, drawn in the pane and in the export
    steps = run.series[metric].steps
    step = float(steps[len(steps) // 2])
    pane.show_readout_at(step)
    pane.state.add_note(pane.crosshair_x(), "lr decay")
    lines = [it for it in pane.canvas._overlays if type(it).__name__ == "InfiniteLine"]
    assert len(lines) == 1 and lines[0].value() == pytest.approx(step)
    from paperscope.gui.plots.export_dialog import PublicationDialog

    dialog = PublicationDialog(pane)
    from paperscope.results.figure import draw_figure
    from paperscope.workflows.plots import export_plot

    style = dialog.figure_style()
    dialog.close()
    data = pane.data
    fig = draw_figure(data.curves, data.groups, style, data.info())
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts if t.get_text() == "lr decay"] == ["lr decay"]
    assert any(list(line.get_xdata()) == [step, step] for line in ax.get_lines())
    marked = [line for line in ax.get_lines() if line.get_marker() in ("v", "^")]
    assert len(marked) == 2 * len(data.curves)
    out = tmp_path / "fig.pdf"
    export_plot(data, out, style)
    assert out.stat().st_size > 0
    # pinning the crosshair's step fills a column with every run's value there
    pane.pin_step()
    model = view.catalog
    col = model.column_of("pinned")
    assert col > 0
    for r in range(model.rowCount()):
        got = model.index(r, col).data()
        value = summarise(model.run_at(r).series.get(metric), SummarySpec(metric, "at", step))
        assert got == ("" if value is None else f"{value:.6g}")


def test_notes_over_the_visible_range_through_the_menu(
    view: PlotsView, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QInputDialog

    pane = view.current_pane()
    qtbot.waitUntil(lambda: pane.data is not None, timeout=10000)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("warm-up", True))
    x0, x1 = pane.visible_x()
    pane.controls.range_note_requested.emit()  # the ⋮ menu's "Add note over … x range"
    (note,) = pane.state.value.notes
    assert (note.x, note.x1, note.text) == (pytest.approx(x0), pytest.approx(x1), "warm-up")
    regions = [it for it in pane.canvas._overlays if type(it).__name__ == "LinearRegionItem"]
    assert len(regions) == 1
    assert regions[0].getRegion() == (pytest.approx(x0), pytest.approx(x1))
    # saved with the pane, and back
    from paperscope.state.plot_pane import PlotSettings

    assert PlotSettings.from_json(pane.state.to_json()).notes == pane.state.value.notes
    pane.controls.clear_notes_action.trigger()
    assert pane.state.value.notes == ()
    assert not [it for it in pane.canvas._overlays if type(it).__name__ == "LinearRegionItem"]


def test_export_all_panes_as_one_grid_figure(
    window: MainWindow, qtbot: QtBot, sweep: list[Run], tmp_path: Path
) -> None:
    """File → Export all panes as one figure: the tab's panes as a grid with the CSV."""
    import csv as csv_module

    from PySide6.QtCore import Qt as QtNS

    from paperscope.gui import menus

    area = window.plots.area
    first = window.plot_pane
    window.plots.add_runs(sweep, first)
    metric = _metric(sweep)
    first.set_metric(metric)
    second = area.split(first, QtNS.Orientation.Horizontal)
    other = next(t for t in sorted({t for r in sweep for t in r.series}) if t != metric)
    second.set_metric(other)
    qtbot.waitUntil(lambda: first.data is not None and second.data is not None, timeout=10000)
    out = tmp_path / "panes.pdf"
    menus.export_panes(window, str(out))
    qtbot.waitUntil(lambda: out.with_suffix(".csv").exists() and not window.runner.running(),
                    timeout=30000)  # fmt: skip
    assert out.stat().st_size > 0
    with out.with_suffix(".csv").open() as fh:
        rows = list(csv_module.DictReader(fh))
    for pane in (first, second):
        m = pane.state.value.metric
        assert len([r for r in rows if r["metric"] == m]) == sum(len(c) for c in pane.data.curves)
