"""The dashboard (issue #20, item 7): small multiples of every metric of the shown runs,
in sections by tag prefix, filtered by the search, a click opens the metric as a pane;
on the real UNet sweep (TensorBoard) and the ml-pws Sacred run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import pytest

from paperscope.core.records import Run
from paperscope.state.dashboard import MAX_CHARTS, sections
from tests.conftest import RUNS

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from paperscope.gui.plots.plots_view import PlotsView


def test_sections_by_prefix_and_search() -> None:
    tags = ["train/loss", "eval/return", "eval/length", "lr", "train/acc"]
    assert sections(tags) == [("", ["lr"]), ("eval", ["eval/length", "eval/return"]),
                              ("train", ["train/acc", "train/loss"])]  # fmt: skip
    assert sections(tags, "LOSS|^lr") == [("", ["lr"]), ("train", ["train/loss"])]
    assert sections(tags, "[") == []  # an invalid regex is plain text: no tag has "["
    many = [f"m/{i:03d}" for i in range(200)]
    assert sum(len(t) for _p, t in sections(many)) == MAX_CHARTS


@pytest.fixture(scope="module")
def sweep() -> list[Run]:
    from paperscope.workflows.runs import load_runs

    runs, _ = load_runs(
        [RUNS / "pixel-level-segmentation-in-pets-unipr", RUNS / "ml-pws" / "runs" / "78"],
        use_cache=False,
    )
    return runs


@pytest.fixture
def view(qtbot: QtBot, sweep: list[Run]) -> Iterator[PlotsView]:
    from paperscope.gui.plots.plots_view import PlotsView

    v = PlotsView()
    qtbot.addWidget(v)
    v.resize(1200, 600)
    v.show()
    v.add_runs(sweep)
    yield v


def test_dashboard_charts_every_metric_and_opens_one(
    view: PlotsView, qtbot: QtBot, sweep: list[Run]
) -> None:
    dash = view.show_dashboard()
    tags = sorted({t for r in sweep for t in r.series})
    assert sorted(dash.charts) == tags
    # each chart draws every visible run having the tag, smoothed as the current pane
    tag = tags[0]
    having = [r for r in sweep if tag in r.series]
    items = dash.charts[tag].getPlotItem().listDataItems()
    assert len(items) == len(having)
    from paperscope.results.smoothing import ema

    ys = sorted(float(i.yData[-1]) for i in items)
    want = sorted(float(ema(r.series[tag].values, 0.6)[-1]) for r in having)
    np.testing.assert_allclose(ys, want)
    dash.search.setText("loss")
    assert dash.state.value.search == "loss"
    assert sorted(dash.charts) == [t for t in tags if "loss" in t.lower()]
    hidden = having[0]
    view.catalog.set_visible([hidden.id], False)  # hidden runs leave every chart
    first = sorted(dash.charts)[0]
    assert len(dash.charts[first].getPlotItem().listDataItems()) == len(
        [r for r in sweep if first in r.series and r.id != hidden.id]
    )
    with qtbot.waitSignal(dash.open_requested, timeout=2000):
        dash._clicked(first, None)  # what a click on the chart does
    pane = view.current_pane()
    assert pane.state.value.metric == first
    shown = {r.id for r in sweep if view.catalog.is_visible(r.id)}
    assert {r.id for r in pane.runs()} == shown and hidden.id not in shown
