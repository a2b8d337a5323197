"""The hyperparameter pane's state and its pure functions (brushing, axes, trend lines)
on the real Dopamine baselines (85 runs: agent, game, seed)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from paperscope.core.records import Run
from paperscope.state.events import StateError
from paperscope.state.hyper import (
    Brush,
    HyperSettings,
    HyperState,
    axis_data,
    brush_from_positions,
    brushed,
    inside_rect,
    trend,
)
from paperscope.state.plots import HyperLeaf, PlotsState
from paperscope.state.runs import RunsState
from paperscope.state.runs_table import RunsTableState
from paperscope.workflows.runs import load_runs
from tests.conftest import RUNS


@pytest.fixture(scope="module")
def dopamine() -> list[Run]:
    runs, _ = load_runs([RUNS / "dopamine"], use_cache=False)
    assert len(runs) == 85
    return runs


@pytest.fixture
def table(dopamine: list[Run]) -> RunsTableState:
    state = RunsState()
    state.add(dopamine)
    t = RunsTableState(state)
    t.add_summaries(["return.max", "return.last"])
    return t


def test_axes_numeric_and_categorical(table: RunsTableState, dopamine: list[Run]) -> None:
    agent = axis_data(table, "config:agent", dopamine)
    assert agent.categorical and agent.categories == tuple(
        sorted({str(table.runs.config_of(r.id)["agent"]) for r in dopamine})
    )
    best = axis_data(table, "summary:return.max", dopamine)
    assert not best.categorical
    np.testing.assert_array_equal(
        best.values, [np.nanmax(r.series["return"].values) for r in dopamine]
    )
    pos = best.normalised()
    assert pos.min() == 0.0 and pos.max() == 1.0
    missing = axis_data(table, "summary:loss.last", dopamine)  # no run has it
    assert np.isnan(missing.values).all()


def test_brushing_keeps_exactly_the_runs_in_every_range(
    table: RunsTableState, dopamine: list[Run]
) -> None:
    axes = {
        k: axis_data(table, k, dopamine)
        for k in ("config:agent", "config:seed", "summary:return.max")
    }
    best = axes["summary:return.max"]
    b = brush_from_positions(best, 0.25, 0.75)
    lo, hi = best.value_at(0.25), best.value_at(0.75)
    assert (b.lo, b.hi) == (lo, hi)
    want = (best.values >= lo) & (best.values <= hi)
    np.testing.assert_array_equal(brushed(axes, [b], len(dopamine)), want)
    assert 0 < want.sum() < len(dopamine)
    agents = brush_from_positions(axes["config:agent"], 0.0, 0.01)  # the first category
    first = axes["config:agent"].categories[0]  # type: ignore[index]
    assert agents.categories == (first,)
    both = brushed(axes, [b, agents], len(dopamine))
    is_first = np.array([str(table.runs.config_of(r.id)["agent"]) == first for r in dopamine])
    np.testing.assert_array_equal(both, want & is_first)
    assert not brushed(axes, [], len(dopamine)).any()  # no brush: nothing selected
    # a run without a value is never inside a brush
    empty = {"summary:loss.last": axis_data(table, "summary:loss.last", dopamine)}
    assert not brushed(empty, [Brush("summary:loss.last")], len(dopamine)).any()


def test_trend_and_rectangle(table: RunsTableState) -> None:
    x = np.array([1e-4, 1e-3, 1e-2, 1e-1])
    y = 2.0 * np.log10(x) + 5.0
    slope, intercept = trend(x, y, log_x=True)  # type: ignore[misc]
    assert slope == pytest.approx(2.0) and intercept == pytest.approx(5.0)
    assert trend(np.array([1.0, 1.0]), np.array([2.0, 3.0])) is None
    inside = inside_rect(x, y, (-3.5, -1.5, -10.0, 10.0), log_x=True)
    np.testing.assert_array_equal(inside, [False, True, True, False])
    assert not inside_rect(np.array([math.nan]), np.array([1.0]), (-9, 9, -9, 9)).any()


def test_state_round_trips_in_the_plots_layout() -> None:
    hyper = HyperState(
        HyperSettings(
            axes=("config:agent", "summary:return.max"),
            log_x=True,
            kind="scatter",
            x="config:seed",
            y="summary:return.max",
            group_by="config:agent",
            brushes=(
                Brush("summary:return.max", 1.0, math.inf),
                Brush("config:agent", categories=("DQN",)),
            ),
        )
    )
    plots = PlotsState.from_json(
        {
            "tabs": [
                {
                    "title": "t",
                    "layout": {
                        "split": "horizontal",
                        "children": [{"pane": {}}, {"hyper": hyper.to_json()}],
                    },
                }
            ]
        }
    )
    data = json.loads(json.dumps(plots.to_json()))
    again = PlotsState.from_json(data)
    leaf = again.tabs[0].layout.children[1]  # type: ignore[union-attr]
    assert isinstance(leaf, HyperLeaf) and leaf.hyper.value == hyper.value
    assert len(again.panes()) == 1  # a hyperparameter pane is no plot pane
    with pytest.raises(StateError, match="brush"):
        HyperSettings(brushes=(Brush("a", 2.0, 1.0),))
    with pytest.raises(StateError, match="kind"):
        HyperSettings.from_json({"kind": "pie"})
    state = HyperState()
    state.update(axes=("a", "b", "c"))
    state.move_axis("c", -1)
    assert state.value.axes == ("a", "c", "b")
