"""Plot panes (issue #5, GUI half): curves, smoothing, groups, crosshair, runs panel,
metric list, tabs/splits and the workspace state, on the real demo runs."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from paperscope.core.records import Run
from tests.conftest import RUNS

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget
    from pytestqt.qtbot import QtBot

    from paperscope.gui.main_window import MainWindow
    from paperscope.gui.plots.plots_view import PlotsView

REDUCER = ["run_1", "run_2", "run_3"]


@pytest.fixture(scope="module")
def demo_runs() -> list[Run]:
    from paperscope.workflows.open import demo_runs as demo_folder
    from paperscope.workflows.runs import load_runs

    runs, issues = load_runs([demo_folder()], use_cache=False)
    assert not issues
    assert sorted(r.name for r in runs) == ["CartPole-v1_1", *REDUCER]
    return runs


@pytest.fixture
def view(qtbot: QtBot, demo_runs: list[Run]) -> Iterator[object]:
    from paperscope.gui.plots.plots_view import PlotsView

    v = PlotsView()
    qtbot.addWidget(v)
    v.resize(1200, 500)
    v.show()
    v.add_runs(demo_runs)
    yield v


def _drop(widget: QWidget, mime: QMimeData) -> None:
    enter = QDragEnterEvent(
        QPoint(10, 10), Qt.DropAction.CopyAction, mime,
        Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        QPointF(10, 10), Qt.DropAction.CopyAction, mime,
        Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    QApplication.sendEvent(widget, drop)


def _ids(demo_runs: list[Run], names: list[str]) -> list[str]:
    by_name = {r.name: r.id for r in demo_runs}
    return [by_name[n] for n in names]


def tb_smoothing(values: np.ndarray, weight: float) -> np.ndarray:
    """TensorBoard's classicSmoothing, written out as its JavaScript loop."""
    out = []
    last = 0.0
    n = 0
    constant = all(v == values[0] for v in values)
    for v in values:
        if not np.isfinite(v):
            out.append(v)
            continue
        last = last * weight + (1 - weight) * v
        n += 1
        debias = 1.0 if weight == 1 else 1 - weight**n
        out.append(v if constant else last / debias)
    return np.array(out)


def test_dropping_the_demo_runs_onto_a_pane_plots_them_there(
    window: MainWindow, qtbot: QtBot
) -> None:
    from paperscope.workflows.open import demo_runs

    area = window.plots.area
    first = window.plot_pane
    second = area.split(first, Qt.Orientation.Horizontal)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(demo_runs()))])
    with qtbot.waitSignal(window.runs_loaded, timeout=30000):
        _drop(second, mime)
    assert len(second.run_ids()) == 4 and first.run_ids() == []  # only the target pane
    assert second.state.value.metric == "strict/foo"
    assert sorted(second.curves()) == REDUCER
    assert window.plots.catalog.rowCount() == 4
    assert window.plot_pane is second  # the drop made it current


def test_smoothing_slider_gives_tensorboards_values(
    view: PlotsView, qtbot: QtBot, demo_runs: list[Run]
) -> None:
    from paperscope.results.smoothing import ema

    pane = view.current_pane()
    run = next(r for r in demo_runs if r.name == "run_1")
    raw = run.series["strict/foo"].values  # read from the real event file
    assert len(raw) == 100
    x, y = pane.curves()["run_1"]
    np.testing.assert_array_equal(y, ema(raw, 0.6))  # the default weight
    with qtbot.waitSignal(pane.plotted, timeout=5000):
        pane.controls.smoothing.setValue(900)
    assert pane.controls.smoothing_label.text() == "0.9"
    x, y = pane.curves()["run_1"]
    np.testing.assert_array_equal(x, run.series["strict/foo"].steps.astype(float))
    np.testing.assert_allclose(y, tb_smoothing(raw, 0.9), rtol=1e-12)
    np.testing.assert_array_equal(y, ema(raw, 0.9))
    assert not np.allclose(y, ema(raw, 0.6))
    # what pyqtgraph holds is what curves() reports, and the raw line is drawn too
    _item_x, item_y = pane.items()["run_1"].getOriginalDataset()
    np.testing.assert_array_equal(item_y, y)
    raws = [
        it for it in pane.plot.getPlotItem().listDataItems()
        if it.getOriginalDataset()[1] is not None
        and np.array_equal(it.getOriginalDataset()[1], raw)
    ]  # fmt: skip
    assert len(raws) == 1 and raws[0].opts["pen"].color().alpha() < 255
    with qtbot.waitSignal(pane.plotted, timeout=5000):
        pane.controls.smoothing.setValue(0)
    np.testing.assert_array_equal(pane.curves()["run_1"][1], raw)


def test_grouping_the_reducer_runs_gives_numpys_mean_band(
    window: MainWindow, qtbot: QtBot, demo_runs: list[Run]
) -> None:
    pane = window.plot_pane
    window.plots.add_runs(demo_runs)
    pane.set_smoothing(0.0)
    qtbot.waitUntil(lambda: pane.smoothing_weight() == 0.0 and pane.data is not None)
    raw = np.stack([next(r for r in demo_runs if r.name == n).series["strict/foo"].values
                    for n in REDUCER])  # fmt: skip
    with qtbot.waitSignal(pane.plotted, timeout=10000):  # through the task runner
        pane.set_grouping("regex", regex=r"run")
    assert [g.label for g in pane.data.groups] == ["run"]
    g = pane.data.groups[0]
    np.testing.assert_allclose(g.center, raw.mean(axis=0), rtol=1e-12)
    std = raw.std(axis=0, ddof=1)
    np.testing.assert_allclose(g.lower, raw.mean(axis=0) - std, rtol=1e-12)
    np.testing.assert_allclose(g.upper, raw.mean(axis=0) + std, rtol=1e-12)
    assert (g.n == 3).all() and len(g.x) == 100
    np.testing.assert_array_equal(pane.curves()["run"][1], g.center)
    # the band is one filled path between the bounds, inside the view's auto range
    from paperscope.gui.plots.band_item import BandItem

    fills = [i for i in pane.plot.getPlotItem().items if isinstance(i, BandItem)]
    assert len(fills) == 1
    bx, lo, hi = fills[0].values()
    np.testing.assert_allclose(bx, g.x)
    np.testing.assert_allclose(lo, g.lower)
    np.testing.assert_allclose(hi, g.upper)
    # behind the lines: no band tints a centre line drawn before it
    lines = pane.plot.getPlotItem().listDataItems()
    assert lines and all(fills[0].zValue() < line.zValue() for line in lines)
    rect = fills[0].path().boundingRect()
    assert rect.top() == pytest.approx(float(np.min(g.lower)))
    assert rect.bottom() == pytest.approx(float(np.max(g.upper)))
    (_x0, _x1), (y0, y1) = pane.plot.getPlotItem().getViewBox().viewRange()
    assert y0 <= float(np.min(g.lower)) and y1 >= float(np.max(g.upper))
    # min–max band and median centre
    with qtbot.waitSignal(pane.plotted, timeout=10000):
        pane.set_band("minmax", center="median")
    g = pane.data.groups[0]
    np.testing.assert_allclose(g.center, np.median(raw, axis=0))
    np.testing.assert_allclose(g.lower, raw.min(axis=0))
    np.testing.assert_allclose(g.upper, raw.max(axis=0))
    # the runs selected in the runs panel as one group: ±SEM of two runs
    pane.set_band("sem", center="mean")
    pane.group_selection(_ids(demo_runs, ["run_1", "run_3"]), "picked")
    qtbot.waitUntil(lambda: [g.label for g in pane.data.groups] == ["picked"], timeout=10000)
    two = raw[[0, 2]]
    g = pane.data.groups[0]
    np.testing.assert_allclose(g.upper - g.center, two.std(axis=0, ddof=1) / np.sqrt(2))
    assert sorted(pane.curves()) == ["picked", "run_2"]


def test_crosshair_lists_values_at_x_nearest_first(view: PlotsView, demo_runs: list[Run]) -> None:
    pane = view.current_pane()
    curves = pane.curves()
    i = 20  # step 100
    x = curves["run_2"][0][i]
    y2 = curves["run_2"][1][i]
    readout = pane.show_readout_at(x + 1.0, y2 + 0.01)
    assert readout[0].label == "run_2"
    assert sorted(r.label for r in readout) == REDUCER
    for r in readout:
        assert r.x == x and r.y == curves[r.label][1][i]
    dists = [r.distance for r in readout]
    assert dists == sorted(dists)
    assert "run_2" in pane.canvas.label.toPlainText() and pane.canvas.vline.isVisible()


def test_axes_log_wall_time_and_robust_range(
    view: PlotsView, qtbot: QtBot, demo_runs: list[Run]
) -> None:
    import pyqtgraph as pg

    pane = view.current_pane()
    with qtbot.waitSignal(pane.plotted, timeout=5000):
        pane.set_x("relative")
    x, _ = pane.curves()["run_1"]
    series = next(r for r in demo_runs if r.name == "run_1").series["strict/foo"]
    np.testing.assert_allclose(x, series.wall_times - series.wall_times[0])
    with qtbot.waitSignal(pane.plotted, timeout=5000):
        pane.set_x("wall")
    assert isinstance(pane.plot.getPlotItem().getAxis("bottom"), pg.DateAxisItem)
    pane.set_log(y=True)
    assert pane.plot.getPlotItem().ctrl.logYCheck.isChecked()
    pane.controls.robust_check.setChecked(True)
    lo, hi = pane.plot.getPlotItem().getViewBox().viewRange()[1]
    ys = np.concatenate([c[1] for c in pane.curves().values()])
    assert lo < np.log10(ys.min()) and hi > np.log10(ys.max())


def test_runs_panel_filters_hides_colours_and_renames(
    view: PlotsView, qtbot: QtBot, demo_runs: list[Run]
) -> None:
    panel, pane, model = view.runs_panel, view.current_pane(), view.catalog
    assert model.rowCount() == 4
    names = [model.index(r, 0).data() for r in range(4)]
    assert sorted(names) == sorted(r.name for r in demo_runs)
    # config columns come from the runs' configs (the rl-zoo run's hyperparameters)
    keys = model.config_keys()
    assert "n_steps" in keys or any(k.endswith("n_steps") for k in keys)
    panel.name_filter.setText(r"run_[12]$")
    assert sorted(model.run(i).name for i in panel.filtered_ids()) == ["run_1", "run_2"]
    panel.name_filter.setText("[")  # a bad regex filters nothing and says so
    assert panel.proxy.rowCount() == 4 and "color" in panel.name_filter.styleSheet()
    panel.name_filter.setText("")
    key = next(k for k in keys if k.endswith("n_steps"))
    cart = next(r for r in demo_runs if r.format != "tensorboard")
    value = model.config_of(cart.id)[key]
    literal = f'"{value}"' if isinstance(value, str) else repr(value)
    panel.expr_filter.setText(f"`{key}` == {literal}")
    assert panel.filtered_ids() == [cart.id]
    panel.expr_filter.setText("")
    # the last-value column follows the current metric
    run1 = next(r for r in demo_runs if r.name == "run_1")
    row = [model.run_at(r).id for r in range(4)].index(run1.id)
    assert model.index(row, 5).data() == f"{run1.series['strict/foo'].values[-1]:.6g}"
    # hide run_2 with its checkbox: the pane drops its curve
    row2 = [model.run_at(r).name for r in range(4)].index("run_2")
    with qtbot.waitSignal(pane.plotted, timeout=5000):
        model.setData(
            model.index(row2, 0), Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole
        )
    assert sorted(pane.curves()) == ["run_1", "run_3"]
    # colour per run
    model.set_colour(run1.id, "#123456")
    assert pane.items()["run_1"].opts["pen"].color().name() == "#123456"
    # rename by editing the name
    with qtbot.waitSignal(pane.plotted, timeout=5000):
        assert model.setData(model.index(row, 0), "seed 1", Qt.ItemDataRole.EditRole)
    assert sorted(pane.curves()) == ["run_3", "seed 1"]


def test_metric_list_stays_responsive_with_10k_tags(qtbot: QtBot) -> None:
    from paperscope.gui.plots.metric_list import METRIC_MIME, MetricList

    ml = MetricList()
    qtbot.addWidget(ml)
    ml.show()
    tags = [f"group{i % 97}/metric_{i:05d}" for i in range(10_000)]
    # the UI thread's own CPU time (time.thread_time), which a busy machine does not
    # stretch as it does the wall clock; the wall-clock figures are in bench_plot_pane.py
    t0 = time.thread_time()
    ml.model.set_metrics((t, 1) for t in tags)
    assert ml.proxy.rowCount() == 10_000
    times = []
    for text in ("metric_0", "metric_01", "metric_012", "GROUP5/metric_0123", ""):
        t = time.thread_time()
        ml.search.setText(text)
        QApplication.processEvents()
        times.append(time.thread_time() - t)
    assert ml.proxy.rowCount() == 10_000
    assert max(times) < 0.25, times  # UI-thread CPU per keystroke
    assert time.thread_time() - t0 < 2.0
    ml.search.setText("metric_0123")
    assert ml.visible_metrics() == [t for t in tags if "metric_0123" in t]
    ml.search.setText("")
    ml.model.set_pinned(["group3/metric_09994", "group0/metric_00000"])
    assert ml.visible_metrics()[:3] == [
        "group3/metric_09994", "group0/metric_00000", "group0/metric_00097",
    ]  # fmt: skip
    mime = ml.model.mimeData([ml.model.index(0, 0)])
    assert bytes(mime.data(METRIC_MIME).data()).decode() == "group3/metric_09994"


def test_dragging_a_metric_and_runs_onto_a_pane(
    view: PlotsView, qtbot: QtBot, demo_runs: list[Run]
) -> None:
    area = view.area
    other = area.add_tab()
    assert other is view.current_pane()
    other.clear_runs()
    assert other.run_ids() == []
    # runs dragged from the runs panel
    model = view.catalog
    rows = [r for r in range(4) if model.run_at(r).name in ("run_1", "run_3")]
    _drop(other, model.mimeData([model.index(r, 0) for r in rows]))
    assert sorted(other.curves()) == ["run_1", "run_3"]
    # a metric dragged from the metric list
    ml = view.metric_list
    ml.search.setText("ep_reward")
    assert ml.visible_metrics() == ["rollout/ep_reward"]
    cart = next(r for r in demo_runs if r.name == "CartPole-v1_1")
    other.add_run_ids([cart.id])
    _drop(other, ml.model.mimeData([ml.proxy.mapToSource(ml.proxy.index(0, 0))]))
    assert other.state.value.metric == "rollout/ep_reward"
    assert sorted(other.curves()) == ["CartPole-v1_1"]
    assert "2 runs without" in other.controls.note.text()


def test_layout_state_round_trip(view: PlotsView, qtbot: QtBot, demo_runs: list[Run]) -> None:
    from paperscope.gui.plots.plots_view import PlotsView

    area = view.area
    left = view.current_pane()
    right = area.split(left, Qt.Orientation.Horizontal)
    below = area.split(right, Qt.Orientation.Vertical)
    right.set_metric("strict/foo")
    right.set_smoothing(0.3)
    right.set_log(y=True)
    right.set_grouping("regex", regex="run")
    below.set_metric("rollout/ep_reward")
    below.set_x("relative")
    below.controls.mode_box.setCurrentIndex(below.controls.mode_box.findData("time"))
    tab2 = area.add_tab("Rewards")
    tab2.set_grouping("selection", groups={"mine": _ids(demo_runs, ["run_1", "run_2"])})
    view.catalog.set_visible(_ids(demo_runs, ["run_3"]), False)
    view.metric_list.model.set_pinned(["strict/foo"])
    qtbot.waitUntil(lambda: not any(p._schedule_timer.isActive() for p in area.panes()))
    state = json.loads(json.dumps(view.state()))  # JSON-able
    assert [t["title"] for t in state["tabs"]] == ["Plot 1", "Rewards"]
    lay = state["tabs"][0]["layout"]
    assert lay["split"] == "horizontal" and lay["children"][1]["split"] == "vertical"
    pane_state = lay["children"][1]["children"][0]["pane"]
    assert pane_state["smoothing"] == 0.3 and pane_state["log_y"] is True
    assert sorted(pane_state["run_ids"]) == sorted(r.id for r in demo_runs)
    assert {r["id"]: r["source"] for r in state["runs"]["runs"]} == {
        r.id: list(r.source) for r in demo_runs
    }

    restored = PlotsView()
    qtbot.addWidget(restored)
    missing = restored.restore(state, demo_runs)
    assert missing == []
    again = json.loads(json.dumps(restored.state()))
    for s in (state, again):
        s.pop("splitter")
    assert _without_sizes(again) == _without_sizes(state)
    panes = restored.area.panes()
    assert [p.state.value.metric for p in panes] == [
        "strict/foo", "strict/foo", "rollout/ep_reward", "strict/foo",
    ]  # fmt: skip
    assert not restored.catalog.is_visible(_ids(demo_runs, ["run_3"])[0])
    assert panes[1].controls.logy_check.isChecked() and panes[1].grouping() == "regex"
    assert restored.metric_list.model.pinned() == ["strict/foo"]
    # a workspace naming a run that is not loaded says so
    assert PlotsView().restore(state, [r for r in demo_runs if r.name != "run_1"]) == [
        _ids(demo_runs, ["run_1"])[0]
    ]


def _without_sizes(node: object) -> object:
    if isinstance(node, dict):
        return {k: _without_sizes(v) for k, v in node.items() if k != "sizes"}
    if isinstance(node, list):
        return [_without_sizes(v) for v in node]
    return node


def test_closing_panes_collapses_splits(view: PlotsView) -> None:
    from PySide6.QtWidgets import QSplitter

    area = view.area
    a = view.current_pane()
    b = area.split(a, Qt.Orientation.Horizontal)
    c = area.split(b, Qt.Orientation.Vertical)
    assert area.panes() == [a, b, c]
    area.close_pane(b)
    assert area.panes() == [a, c]
    area.close_pane(c)
    assert area.panes() == [a] and not isinstance(a.parentWidget(), QSplitter)
    area.add_tab()
    assert area.count() == 2
    area.close_pane(area.current_pane())  # the last pane of a tab closes the tab
    assert area.count() == 1


def test_shared_tensorboard_reducer_copy_reads_the_same(qtbot: QtBot) -> None:
    """The demo's runs are the tensorboard-reducer test runs from the shared data."""
    from paperscope.workflows.runs import load_runs

    runs, _ = load_runs([RUNS / "tensorboard-reducer" / "tests" / "runs" / "strict"])
    assert sorted(r.name for r in runs) == REDUCER
    assert all(len(r.series["strict/foo"]) == 100 for r in runs)


def test_pane_exports_png_at_dpi_and_svg(view: PlotsView, tmp_path: Path) -> None:
    from PySide6.QtGui import QImage

    pane = view.current_pane()
    width = pane.plot.getPlotItem().sceneBoundingRect().width()
    png = pane.export(tmp_path / "pane.png", dpi=192)
    image = QImage(str(png))
    assert abs(image.width() - 2 * width) <= 2
    svg = pane.export(tmp_path / "pane.svg")
    text = svg.read_text(encoding="utf-8")
    assert text.lstrip().startswith("<?xml") and "<svg" in text and "<path" in text


def test_mouse_over_the_plot_moves_the_crosshair(view: PlotsView, qtbot: QtBot) -> None:
    pane = view.current_pane()
    vb = pane.plot.getPlotItem().getViewBox()
    vb.setXRange(0, 495, padding=0)
    pane.plot.grab()  # lay out and paint: the view's transform is current
    scene_point = vb.mapViewToScene(QPointF(250.0, 2.5))
    pane.plot.scene().sigMouseMoved.emit(scene_point)  # what a mouse move emits
    qtbot.waitUntil(lambda: bool(pane.readout), timeout=2000)
    assert sorted(r.label for r in pane.readout) == REDUCER
    x = vb.mapSceneToView(scene_point).x()
    assert abs(x - 250.0) < 10  # within a few pixels
    assert {r.x for r in pane.readout} == {5.0 * round(x / 5.0)}  # the nearest step
    assert pane.canvas.vline.value() == x


def test_group_selected_button_groups_the_selected_runs(
    view: PlotsView, qtbot: QtBot, demo_runs: list[Run]
) -> None:
    from PySide6.QtCore import QItemSelectionModel

    panel, pane = view.runs_panel, view.current_pane()
    pane.set_smoothing(0.0)
    sel = panel.table.selectionModel()
    for row in range(panel.proxy.rowCount()):
        rid = panel.proxy.index(row, 0).data(Qt.ItemDataRole.UserRole)
        if view.catalog.run(rid).name in ("run_2", "run_3"):
            sel.select(
                panel.proxy.index(row, 0),
                QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
            )
    assert sorted(view.catalog.run(i).name for i in panel.selected_ids()) == ["run_2", "run_3"]
    panel.group_button.click()
    qtbot.waitUntil(lambda: pane.data is not None and len(pane.data.groups) == 1, timeout=5000)
    raw = np.stack([next(r for r in demo_runs if r.name == n).series["strict/foo"].values
                    for n in ("run_2", "run_3")])  # fmt: skip
    np.testing.assert_allclose(pane.data.groups[0].center, raw.mean(axis=0))
    assert sorted(pane.curves()) == ["group 1", "run_1"]


def test_time_weighted_smoothing_on_relative_time(
    view: PlotsView, qtbot: QtBot, demo_runs: list[Run]
) -> None:
    from paperscope.results.align import series_x, shared_spacing
    from paperscope.results.smoothing import time_weighted_ema

    pane = view.current_pane()
    with qtbot.waitSignal(pane.plotted, timeout=5000):
        pane.set_x("relative")
    with qtbot.waitSignal(pane.plotted, timeout=5000):
        pane.controls.mode_box.setCurrentIndex(pane.controls.mode_box.findData("time"))
    shown = [r for r in demo_runs if "strict/foo" in r.series]
    dx = shared_spacing(shown, "strict/foo", "relative")
    for run in shown:
        s = run.series["strict/foo"]
        x = series_x(run, s, "relative")
        order = np.argsort(x, kind="stable")
        want = time_weighted_ema(x[order], s.values[order], 0.6, dx)
        np.testing.assert_allclose(pane.curves()[run.name][1], want, rtol=1e-12)


def test_clicking_a_pane_makes_it_current(view: PlotsView, qtbot: QtBot) -> None:
    area = view.area
    a = view.current_pane()
    b = area.split(a, Qt.Orientation.Vertical)
    assert area.current_pane() is b and "#0072B2" in b.stack.styleSheet()
    qtbot.mouseClick(a.plot.viewport(), Qt.MouseButton.LeftButton)
    assert area.current_pane() is a
    assert "#0072B2" in a.stack.styleSheet() and "transparent" in b.stack.styleSheet()
    # the metric list and the runs panel act on the current pane
    view.metric_list.metric_activated.emit("rollout/ep_reward")
    assert a.state.value.metric == "rollout/ep_reward" and b.state.value.metric == "strict/foo"
    assert view.catalog.metric() == "rollout/ep_reward"  # the runs panel's last values
    qtbot.mouseClick(b.plot.viewport(), Qt.MouseButton.LeftButton)
    assert view.catalog.metric() == "strict/foo"


def test_pane_controls_write_through_the_state_and_show_it(
    view: PlotsView, qtbot: QtBot, demo_runs: list[Run]
) -> None:
    """Issue #13: one setter per field; the widgets repaint from the state."""
    from paperscope.gui.plots.plots_view import PlotsView

    pane = view.current_pane()
    seen: list[frozenset[str]] = []
    pane.state.changed.connect(seen.append)
    with qtbot.waitSignal(pane.plotted, timeout=5000):
        pane.controls.smoothing.setValue(250)
    assert pane.state.value.smoothing == 0.25 and seen == [frozenset({"smoothing"})]
    assert pane.data.spec.smoothing == 0.25
    with qtbot.waitSignal(pane.plotted, timeout=10000):
        pane.state.update(smoothing=0.5, grouping="regex", group_regex="run")
    c = pane.controls
    assert c.smoothing.value() == 500 and c.smoothing_label.text() == "0.5"
    assert c.group_box.currentData() == "regex" and c.group_regex.text() == "run"
    assert not c.group_regex.isHidden() and c.group_key.isHidden() and c.band_box.isEnabled()
    assert [g.label for g in pane.data.groups] == ["run"]
    seen.clear()
    pane._refresh_choices()  # the combo boxes' items rebuilt: nothing is written
    c.metric_box.clear()
    assert seen == [] and pane.state.value.metric == "strict/foo"
    # a zoom by hand is part of the state, and a restored pane shows it again
    vb = pane.plot.getPlotItem().getViewBox()
    vb.setRange(xRange=(100.0, 300.0), yRange=(1.0, 2.0), padding=0)
    vb.sigRangeChangedManually.emit([True, True])  # what a wheel or drag emits
    (x0, x1), (y0, y1) = vb.viewRange()
    assert pane.state.value.view_range == (x0, x1, y0, y1)
    restored = PlotsView()
    qtbot.addWidget(restored)
    restored.resize(1200, 500)
    restored.show()
    restored.restore(json.loads(json.dumps(view.state())), demo_runs)
    again = restored.current_pane()
    qtbot.waitUntil(lambda: again.data is not None, timeout=10000)
    (rx0, rx1), (ry0, ry1) = again.plot.getPlotItem().getViewBox().viewRange()
    assert (rx0, rx1, ry0, ry1) == pytest.approx((x0, x1, y0, y1))
    pane.canvas.auto_range()  # fitting to the data forgets the zoom
    assert pane.state.value.view_range is None


def test_runs_table_shows_sources_relative_to_home(
    view: PlotsView, demo_runs: list[Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Screenshots showed a machine's absolute path in the Source column (issue #13)."""
    from paperscope.gui.plots.runs_panel import FIXED

    run = next(r for r in demo_runs if r.name == "run_1")
    home = str(Path(run.source[0]).parents[2])
    monkeypatch.setenv("HOME", home)
    model = view.catalog
    row = [model.run_at(r).id for r in range(model.rowCount())].index(run.id)
    index = model.index(row, FIXED.index("source"))
    assert index.data() == "~" + run.source[0][len(home) :]
    assert index.data(Qt.ItemDataRole.ToolTipRole) == "\n".join(run.source)  # the full path
